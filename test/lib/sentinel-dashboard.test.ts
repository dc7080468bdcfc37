import type { Template } from 'aws-cdk-lib/assertions';
import { logicalIdOf, onlyResource, synthesizeStack, textOf } from './stack-template';

interface Widget {
  type: string;
  properties: {
    title: string;
    metrics?: unknown[][];
    alarms?: string[];
    annotations?: { horizontal?: { value: number; label: string }[] };
  };
}

/** A metric drawn on the dashboard, as CloudWatch reads it from the body. */
interface DrawnMetric {
  widget: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
}

function widgetsOf(template: Template): Widget[] {
  const body = onlyResource(template, 'AWS::CloudWatch::Dashboard').resource.Properties.DashboardBody;
  return (JSON.parse(textOf(body)) as { widgets: Widget[] }).widgets;
}

// Each metric is [namespace, name, dimension name, dimension value, ..., { stat, label }].
function metricsOf(template: Template): DrawnMetric[] {
  return widgetsOf(template).flatMap((widget) =>
    (widget.properties.metrics ?? []).map((metric) => {
      const [namespace, metricName, ...rest] = metric as string[];
      const options = rest.pop() as unknown as { stat: string };
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < rest.length; i += 2) dimensions[rest[i]!] = rest[i + 1]!;
      return {
        widget: widget.properties.title,
        namespace: namespace!,
        metricName: metricName!,
        dimensions,
        stat: options.stat,
      };
    }),
  );
}

describe('the dashboard', () => {
  let template: Template;
  let scanner: string;
  let dashboard: string;
  let alarms: string[];
  beforeAll(() => {
    const { stack, template: synthesized } = synthesizeStack();
    template = synthesized;
    scanner = `«${logicalIdOf(stack.sentinel.scanner)}»`;
    dashboard = logicalIdOf(stack.sentinel.dashboard);
    alarms = stack.sentinel.alarms.map((alarm) => `«${logicalIdOf(alarm)}.Arn»`);
  });

  it('is named after the stack and the sentinel, and opens on the last day', () => {
    expect(onlyResource(template, 'AWS::CloudWatch::Dashboard').resource.Properties.DashboardName).toBe(
      'LambdaSentinel-Sentinel',
    );
    const body = onlyResource(template, 'AWS::CloudWatch::Dashboard').resource.Properties.DashboardBody;
    expect(JSON.parse(textOf(body))).toMatchObject({ start: '-P1D' });
  });

  it("draws every run metric of this sentinel's scanner", () => {
    const runMetrics = metricsOf(template).filter(
      (metric) => metric.namespace === 'LambdaSentinel' && metric.metricName !== 'Findings',
    );

    expect(new Set(runMetrics.map((metric) => metric.metricName))).toEqual(
      new Set([
        'ScanCompleted',
        'CheckCompleted',
        'RunDuration',
        'NewFindings',
        'Actions',
        'ApiCalls',
        'MetricsRequested',
        'ScanErrors',
      ]),
    );
    for (const metric of runMetrics) expect(metric.dimensions).toEqual({ Sentinel: scanner });
  });

  it('draws the findings of each of the six kinds, the largest count a run saw', () => {
    const findings = metricsOf(template).filter((metric) => metric.metricName === 'Findings');

    expect(findings.map((metric) => metric.dimensions)).toEqual(
      ['stuck-pending', 'failed-state', 'concurrency-hog', 'recursive-loop', 'pc-spillover', 'pc-health'].map(
        (kind) => ({
          Sentinel: scanner,
          Kind: kind,
        }),
      ),
    );
    for (const metric of findings) expect(metric.stat).toBe('Maximum');
  });

  it("draws the account's concurrency, claimed and unreserved concurrency and throttles, across all functions", () => {
    const account = metricsOf(template).filter((metric) => metric.namespace === 'AWS/Lambda');

    expect(account.map(({ metricName, dimensions, stat }) => ({ metricName, dimensions, stat }))).toEqual([
      { metricName: 'ConcurrentExecutions', dimensions: {}, stat: 'Maximum' },
      { metricName: 'ClaimedAccountConcurrency', dimensions: {}, stat: 'Maximum' },
      { metricName: 'UnreservedConcurrentExecutions', dimensions: {}, stat: 'Maximum' },
      { metricName: 'Throttles', dimensions: {}, stat: 'Sum' },
    ]);
  });

  it("marks the scanner's timeout on the run-duration graph", () => {
    const duration = widgetsOf(template).find((widget) => widget.properties.title.startsWith('Run duration'));

    expect(duration?.properties.annotations?.horizontal).toEqual([
      expect.objectContaining({ value: 300_000, label: 'Scanner timeout' }),
    ]);
  });

  it("shows the sentinel's four alarms at the top", () => {
    const [first] = widgetsOf(template);

    expect(first?.type).toBe('alarm');
    expect(first?.properties.alarms).toEqual(alarms);
    expect(alarms).toHaveLength(4);
  });

  it('is the DashboardUrl output, in the CloudWatch console of the deployed region', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

    expect(textOf(outputs.DashboardUrl!.Value)).toBe(
      'https://«AWS::Region».console.aws.amazon.com/cloudwatch/home?region=«AWS::Region»' +
        `#dashboards:name=«${dashboard}»`,
    );
  });
});

describe('the dashboard without self-monitoring', () => {
  it('shows no alarm widget, and still every metric', () => {
    const { template } = synthesizeStack({ selfMonitoring: 'false' });

    expect(widgetsOf(template).map((widget) => widget.type)).not.toContain('alarm');
    expect(metricsOf(template)).toHaveLength(19);
  });
});
