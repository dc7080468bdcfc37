import type { ScanReport } from '../../../../functions/scanner/model';
import {
  publishRunMetrics,
  sentinelMetrics,
} from '../../../../functions/scanner/observe/publish-run-metrics';
import { throttleAction } from '../../../support/action-builders';
import { pendingFinding } from '../../../support/finding-builders';
import { captureLambdaOutput, type LambdaOutput } from '../../../support/lambda-output';

const SENTINEL = 'LambdaSentinel-Scanner';

const REPORT: ScanReport = {
  findings: [
    pendingFinding('vpc-ingest'),
    pendingFinding('batch-loader'),
    {
      ...pendingFinding('stream-processor'),
      kind: 'recursive-loop',
      fingerprint: 'recursive-loop:stream-processor',
    },
  ],
  actions: [throttleAction('stream-processor')],
  errors: [
    {
      phase: 'collect',
      source: 'GetFunction',
      functionName: 'x',
      code: 'TooManyRequestsException',
      message: '',
    },
  ],
  stats: {
    functionsListed: 120,
    functionsChecked: 14,
    functionsIgnored: 1,
    apiCalls: { ListFunctions: 3, GetFunction: 14, GetMetricData: 2, Publish: 1 },
    throttledCalls: 1,
    metricsRequested: 37,
    eventsPut: 0,
    newFindings: 2,
    reminders: 0,
    resolved: 0,
    alertSent: true,
    durationMs: 8_250,
  },
};

/** The values of one of the scanner's metrics, as the alarms and the dashboard select it. */
function sentinelMetric(output: LambdaOutput, metricName: string, kind?: string) {
  return output.metricData({
    namespace: 'LambdaSentinel',
    metricName,
    dimensions: kind === undefined ? { Sentinel: SENTINEL } : { Sentinel: SENTINEL, Kind: kind },
  });
}

/** For each key of `expected` (a metric name, or a kind with `Findings`), the values the dashboard reads. */
function dashboardReads(
  expected: Readonly<Record<string, number[]>>,
  read: (key: string) => ReturnType<typeof sentinelMetric>,
): Record<string, number[]> {
  return Object.fromEntries(Object.keys(expected).map((key) => [key, read(key).map(({ value }) => value)]));
}

describe('publishRunMetrics', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('a scheduled scan: run metrics under Sentinel, counted from the report, with their units', () => {
    const output = captureLambdaOutput();

    publishRunMetrics(sentinelMetrics(), { report: REPORT, kind: 'scan', sentinel: SENTINEL });

    const expected = {
      ScanCompleted: [1],
      RunDuration: [8_250],
      NewFindings: [2],
      Actions: [1],
      ApiCalls: [20],
      MetricsRequested: [37],
      ScanErrors: [1],
      CheckCompleted: [],
    };
    expect(dashboardReads(expected, (name) => sentinelMetric(output, name))).toEqual(expected);
    expect(sentinelMetric(output, 'RunDuration')[0]?.unit).toBe('Milliseconds');
    expect(sentinelMetric(output, 'ScanCompleted')[0]?.unit).toBe('Count');
  });

  test('a scheduled scan: Findings per kind under Sentinel and Kind, zeros included', () => {
    const output = captureLambdaOutput();

    publishRunMetrics(sentinelMetrics(), { report: REPORT, kind: 'scan', sentinel: SENTINEL });

    const expected = {
      'stuck-pending': [2],
      'failed-state': [0],
      'concurrency-hog': [0],
      'recursive-loop': [1],
      'pc-spillover': [0],
      'pc-health': [0],
    };
    expect(dashboardReads(expected, (kind) => sentinelMetric(output, 'Findings', kind))).toEqual(expected);
  });

  test('a focused check counts CheckCompleted, not ScanCompleted, and only the state kinds it judged', () => {
    const output = captureLambdaOutput();

    publishRunMetrics(sentinelMetrics(), { report: REPORT, kind: 'check', sentinel: SENTINEL });

    expect(sentinelMetric(output, 'CheckCompleted').map(({ value }) => value)).toEqual([1]);
    expect(sentinelMetric(output, 'ScanCompleted')).toEqual([]);
    expect(output.emfDocuments().flatMap((document) => document.Kind ?? [])).toEqual([
      'stuck-pending',
      'failed-state',
    ]);
  });

  test("no service dimension, even with Powertools' service name set: the alarms select Sentinel alone", () => {
    process.env.POWERTOOLS_SERVICE_NAME = 'lambda-sentinel';
    const output = captureLambdaOutput();

    publishRunMetrics(sentinelMetrics(), { report: REPORT, kind: 'scan', sentinel: SENTINEL });

    expect(
      new Set(output.emfDocuments().map((document) => JSON.stringify(document._aws.CloudWatchMetrics))),
    ).toEqual(
      new Set([
        JSON.stringify([
          {
            Namespace: 'LambdaSentinel',
            Dimensions: [['Sentinel', 'Kind']],
            Metrics: [{ Name: 'Findings', Unit: 'Count' }],
          },
        ]),
        JSON.stringify([
          {
            Namespace: 'LambdaSentinel',
            Dimensions: [['Sentinel']],
            Metrics: [
              { Name: 'ScanCompleted', Unit: 'Count' },
              { Name: 'RunDuration', Unit: 'Milliseconds' },
              { Name: 'NewFindings', Unit: 'Count' },
              { Name: 'Actions', Unit: 'Count' },
              { Name: 'ApiCalls', Unit: 'Count' },
              { Name: 'MetricsRequested', Unit: 'Count' },
              { Name: 'ScanErrors', Unit: 'Count' },
            ],
          },
        ]),
      ]),
    );
  });

  test('raw JSON lines on standard output, not through console.log, the run line last', () => {
    const output = captureLambdaOutput();

    publishRunMetrics(sentinelMetrics(), { report: REPORT, kind: 'scan', sentinel: SENTINEL });

    const lines = output.lines();
    expect(lines).toHaveLength(7);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(output.emfDocuments());
    expect(output.emfDocuments().at(-1)).toMatchObject({ ScanCompleted: 1, RunKind: 'scan' });
    expect(console.log).not.toHaveBeenCalled();
  });
});
