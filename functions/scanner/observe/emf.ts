/**
 * The sentinel's own metrics: which values one run's report gives, under which names and units. Powertools Metrics
 * writes them in CloudWatch's embedded metric format (see `publish-run-metrics.ts`); this module only decides what
 * they say, so that it stays a pure function of the report.
 */
import type { FindingKind, ScanReport } from '../model';

/** The namespace the sentinel's metrics are published in. */
export const EMF_NAMESPACE = 'LambdaSentinel';

/** Which run a report comes from: the scheduled scan or a focused check after state-change events. */
export type RunKind = 'scan' | 'check';

/** The finding kinds each run judges: a focused check reads no metrics, so it says nothing of metric kinds. */
export const KINDS_BY_RUN: Readonly<Record<RunKind, readonly FindingKind[]>> = {
  scan: ['stuck-pending', 'failed-state', 'concurrency-hog', 'recursive-loop', 'pc-spillover', 'pc-health'],
  check: ['stuck-pending', 'failed-state'],
};

/** A CloudWatch unit the sentinel's metrics use (the same strings as Powertools' `MetricUnit`). */
export type RunMetricUnit = 'Count' | 'Milliseconds';

/** One metric value of a run, published under the `Sentinel` dimension alone. */
export interface RunMetric {
  readonly name: string;
  readonly unit: RunMetricUnit;
  readonly value: number;
}

/** How many findings of one kind a run saw, published as `Findings` under the `Sentinel` and `Kind` dimensions. */
export interface KindCount {
  readonly kind: FindingKind;
  readonly count: number;
}

/** Everything one run reports about itself. */
export interface RunMetrics {
  /** Completion, duration, new findings, actions, API calls, metrics requested and errors. */
  readonly run: readonly RunMetric[];
  /** One count per kind the run judged, zeros included so that a quiet run draws a line at zero, not a gap. */
  readonly findings: readonly KindCount[];
}

/** The metric values one run's report gives: a scan counts `ScanCompleted`, a focused check `CheckCompleted`. */
export function runMetrics(report: ScanReport, kind: RunKind): RunMetrics {
  const count = (name: string, value: number): RunMetric => ({ name, unit: 'Count', value });
  return {
    run: [
      count(kind === 'scan' ? 'ScanCompleted' : 'CheckCompleted', 1),
      { name: 'RunDuration', unit: 'Milliseconds', value: report.stats.durationMs },
      count('NewFindings', report.stats.newFindings),
      count('Actions', report.actions.length),
      count(
        'ApiCalls',
        Object.values(report.stats.apiCalls).reduce((sum, n) => sum + n, 0),
      ),
      count('MetricsRequested', report.stats.metricsRequested),
      count('ScanErrors', report.errors.length),
    ],
    findings: KINDS_BY_RUN[kind].map((findingKind) => ({
      kind: findingKind,
      count: report.findings.filter((finding) => finding.kind === findingKind).length,
    })),
  };
}
