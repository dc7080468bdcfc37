import type { ScanReport } from '../../../../functions/scanner/model';
import { emfDocuments, writeEmf, type EmfDocument } from '../../../../functions/scanner/observe/emf';
import { throttleAction } from '../../../support/action-builders';
import { pendingFinding } from '../../../support/finding-builders';

const ENDED_AT = Date.parse('2030-01-01T12:00:42.000Z');
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

/** Checks a document against the EMF specification's rules and returns its metric values by name. */
function validValues(document: EmfDocument): Record<string, unknown> {
  expect(document._aws.Timestamp).toBe(ENDED_AT);
  const [directive, ...more] = document._aws.CloudWatchMetrics;
  expect(more).toEqual([]);
  expect(directive?.Namespace).toBe('LambdaSentinel');
  for (const dimension of directive?.Dimensions.flat() ?? [])
    expect(typeof document[dimension]).toBe('string');
  const values: Record<string, unknown> = {};
  for (const metric of directive?.Metrics ?? []) {
    expect(typeof document[metric.Name]).toBe('number');
    values[metric.Name] = document[metric.Name];
  }
  return values;
}

describe('emfDocuments', () => {
  test('a scheduled scan: run metrics under Sentinel, counted from the report', () => {
    const [run] = emfDocuments({ report: REPORT, kind: 'scan', sentinel: SENTINEL, timestamp: ENDED_AT });

    expect(run?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['Sentinel']]);
    expect(run?.Sentinel).toBe(SENTINEL);
    expect(run?._aws.CloudWatchMetrics[0]?.Metrics).toContainEqual({
      Name: 'RunDuration',
      Unit: 'Milliseconds',
    });
    expect(run && validValues(run)).toEqual({
      ScanCompleted: 1,
      RunDuration: 8_250,
      NewFindings: 2,
      Actions: 1,
      ApiCalls: 20,
      MetricsRequested: 37,
      ScanErrors: 1,
    });
  });

  test('a scheduled scan: one Findings document per kind under Sentinel and Kind, zeros included', () => {
    const [, ...findings] = emfDocuments({
      report: REPORT,
      kind: 'scan',
      sentinel: SENTINEL,
      timestamp: ENDED_AT,
    });

    expect(findings.map((document) => document._aws.CloudWatchMetrics[0]?.Dimensions)).toEqual(
      Array(6).fill([['Sentinel', 'Kind']]),
    );
    expect(
      Object.fromEntries(findings.map((document) => [document.Kind, validValues(document).Findings])),
    ).toEqual({
      'stuck-pending': 2,
      'failed-state': 0,
      'concurrency-hog': 0,
      'recursive-loop': 1,
      'pc-spillover': 0,
      'pc-health': 0,
    });
  });

  test('a focused check counts CheckCompleted, not ScanCompleted, and only the state kinds it judged', () => {
    const [run, ...findings] = emfDocuments({
      report: REPORT,
      kind: 'check',
      sentinel: SENTINEL,
      timestamp: ENDED_AT,
    });

    expect(run && Object.keys(validValues(run))).toContain('CheckCompleted');
    expect(run && validValues(run)).not.toHaveProperty('ScanCompleted');
    expect(findings.map((document) => document.Kind)).toEqual(['stuck-pending', 'failed-state']);
  });
});

describe('writeEmf', () => {
  test('writes one JSON document per line', () => {
    const lines: string[] = [];
    const documents = emfDocuments({ report: REPORT, kind: 'scan', sentinel: SENTINEL, timestamp: ENDED_AT });

    writeEmf(documents, (line) => lines.push(line));

    expect(lines).toHaveLength(7);
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    expect(lines.map((line) => JSON.parse(line))).toEqual(documents);
  });

  test('goes to standard output by default, not through console.log', () => {
    const written = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

    writeEmf(emfDocuments({ report: REPORT, kind: 'check', sentinel: SENTINEL, timestamp: ENDED_AT }));

    expect(written).toHaveBeenCalledTimes(3);
    expect(console.log).not.toHaveBeenCalled();
  });
});
