import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { FindingKind } from '../functions/scanner/model';
import { EMF_NAMESPACE } from '../functions/scanner/observe/emf';

/** The scanner's run metrics (dimension Sentinel alone), as its embedded-metric-format lines name them. */
export type SentinelRunMetric =
  | 'ScanCompleted'
  | 'CheckCompleted'
  | 'RunDuration'
  | 'NewFindings'
  | 'Actions'
  | 'ApiCalls'
  | 'MetricsRequested'
  | 'ScanErrors';

/** Every finding kind, with the label it has on a graph. */
export const FINDING_KIND_LABELS: Readonly<Record<FindingKind, string>> = {
  'stuck-pending': 'Stuck Pending',
  'failed-state': 'Failed state',
  'concurrency-hog': 'Concurrency hog',
  'recursive-loop': 'Recursive loop',
  'pc-spillover': 'Provisioned concurrency spillover',
  'pc-health': 'Provisioned concurrency health',
};

/** One of the scanner's run metrics, summed per period unless `options` say otherwise. */
export function sentinelRunMetric(
  scanner: lambda.IFunction,
  metricName: SentinelRunMetric,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: EMF_NAMESPACE,
    metricName,
    dimensionsMap: { Sentinel: scanner.functionName },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(5),
    ...options,
  });
}

/**
 * The findings of one kind a run saw; Maximum per period, since every run counts all that are still open and
 * a sum would count a finding once per run.
 */
export function findingsMetric(scanner: lambda.IFunction, kind: FindingKind): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: EMF_NAMESPACE,
    metricName: 'Findings',
    dimensionsMap: { Sentinel: scanner.functionName, Kind: kind },
    statistic: cloudwatch.Stats.MAXIMUM,
    period: Duration.minutes(5),
    label: FINDING_KIND_LABELS[kind],
  });
}
