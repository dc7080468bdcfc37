/**
 * Writes a run's metrics through Powertools Metrics: embedded-metric-format lines that CloudWatch Logs turns into
 * metrics, with no PutMetricData call and no extra permission.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ScanReport } from '../model';
import { EMF_NAMESPACE, runMetrics, type RunKind } from './emf';

/**
 * A Metrics instance for the sentinel's namespace without Powertools' default `service` dimension: a metric with
 * one more dimension is another metric to CloudWatch, and the alarms and dashboard select `Sentinel` (and `Kind`)
 * exactly. Powertools writes through its own console on standard output, so with Lambda's JSON log format the
 * lines stay raw JSON that CloudWatch recognises rather than a message inside Lambda's JSON.
 */
export function sentinelMetrics(): Metrics {
  const metrics = new Metrics({ namespace: EMF_NAMESPACE });
  metrics.clearDefaultDimensions();
  return metrics;
}

/** What is published: one run's report, which run it was and whose (the `Sentinel` dimension's value). */
export interface RunMetricsInput {
  readonly report: ScanReport;
  readonly kind: RunKind;
  /** The scanner's function name, the `Sentinel` dimension (what the missed-run alarm and dashboard select). */
  readonly sentinel: string;
}

/**
 * Publishes one line per finding kind the run judged (`Findings` under `Sentinel` and `Kind`), then the run's own
 * metrics under `Sentinel` as the last line. Every line carries the run kind as metadata (`RunKind`), not as a
 * dimension.
 */
export function publishRunMetrics(metrics: Metrics, input: RunMetricsInput): void {
  const { report, kind, sentinel } = input;
  const values = runMetrics(report, kind);
  for (const { kind: findingKind, count } of values.findings) {
    metrics.addDimension('Sentinel', sentinel).addDimension('Kind', findingKind).addMetadata('RunKind', kind);
    metrics.addMetric('Findings', 'Count', count).publishStoredMetrics();
  }
  metrics.addDimension('Sentinel', sentinel).addMetadata('RunKind', kind);
  for (const { name, unit, value } of values.run) metrics.addMetric(name, unit, value);
  metrics.publishStoredMetrics();
}
