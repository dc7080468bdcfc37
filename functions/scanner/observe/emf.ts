/**
 * The sentinel's own metrics, in CloudWatch's embedded metric format: JSON log lines that CloudWatch Logs turns
 * into metrics, with no PutMetricData call and no extra permission. One document per dimension set (and per
 * finding kind, the `Kind` dimension's value), one line each.
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

/** A CloudWatch unit the sentinel's metrics use. */
export type EmfUnit = 'Count' | 'Milliseconds';

/** One embedded-metric-format document: the `_aws` directive plus the dimension and metric values it names. */
export interface EmfDocument {
  readonly _aws: {
    /** Epoch milliseconds the values belong to. */
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: EmfUnit }[];
    }[];
  };
  readonly [member: string]: unknown;
}

/** What the documents describe: one run's report, which run it was, whose it was and when it ended. */
export interface EmfInput {
  readonly report: ScanReport;
  readonly kind: RunKind;
  /** The scanner's function name, the `Sentinel` dimension (what the missed-run alarm and dashboard select). */
  readonly sentinel: string;
  /** Epoch milliseconds the run ended. */
  readonly timestamp: number;
}

/**
 * The run's metrics (completion, duration, new findings, actions, API calls, metrics requested, errors) under
 * `Sentinel`, then one `Findings` document per kind the run judged under `Sentinel` and `Kind`, zeros included
 * so that a quiet run draws a line at zero rather than a gap.
 */
export function emfDocuments(input: EmfInput): EmfDocument[] {
  const { report, kind, sentinel, timestamp } = input;
  const runMetrics: Readonly<Record<string, { unit: EmfUnit; value: number }>> = {
    [kind === 'scan' ? 'ScanCompleted' : 'CheckCompleted']: { unit: 'Count', value: 1 },
    RunDuration: { unit: 'Milliseconds', value: report.stats.durationMs },
    NewFindings: { unit: 'Count', value: report.stats.newFindings },
    Actions: { unit: 'Count', value: report.actions.length },
    ApiCalls: { unit: 'Count', value: Object.values(report.stats.apiCalls).reduce((sum, n) => sum + n, 0) },
    MetricsRequested: { unit: 'Count', value: report.stats.metricsRequested },
    ScanErrors: { unit: 'Count', value: report.errors.length },
  };
  const entries = Object.entries(runMetrics);
  const run = document(
    timestamp,
    ['Sentinel'],
    entries.map(([name, { unit }]) => ({ Name: name, Unit: unit })),
    {
      Sentinel: sentinel,
      RunKind: kind,
      ...Object.fromEntries(entries.map(([name, { value }]) => [name, value])),
    },
  );
  const findings = KINDS_BY_RUN[kind].map((findingKind) =>
    document(timestamp, ['Sentinel', 'Kind'], [{ Name: 'Findings', Unit: 'Count' }], {
      Sentinel: sentinel,
      Kind: findingKind,
      RunKind: kind,
      Findings: report.findings.filter((finding) => finding.kind === findingKind).length,
    }),
  );
  return [run, ...findings];
}

/**
 * Writes each document as one line on standard output. Not console.log: with Lambda's JSON log format that
 * would wrap the line in Lambda's own JSON, and CloudWatch would extract no metric from it.
 */
export function writeEmf(
  documents: readonly EmfDocument[],
  write: (line: string) => void = (line) => process.stdout.write(line),
): void {
  for (const emf of documents) write(`${JSON.stringify(emf)}\n`);
}

function document(
  timestamp: number,
  dimensions: readonly string[],
  metrics: readonly { Name: string; Unit: EmfUnit }[],
  members: Readonly<Record<string, unknown>>,
): EmfDocument {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: [dimensions], Metrics: metrics }],
    },
    ...members,
  };
}
