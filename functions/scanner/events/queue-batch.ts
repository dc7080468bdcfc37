/**
 * One batch from the pending-checks queue, which carries two kinds of message: Lambda's state-change events (a
 * focused check once they are due, events/pending-checks.ts) and the scanner's own follow-ups after a trigger
 * alarm's run (a metric-focused run, events/alarm-follow-up.ts). Anything else is dropped by the state-change path.
 */
import type { SQSBatchItemFailure } from 'aws-lambda';
import { EMPTY_REPORT, NOTHING_DONE, type FindingKind, type ScanReport } from '../model';
import type { RunKind } from '../observe/emf';
import type { ScanTarget } from '../run-scan';
import type { SentinelSettings } from '../settings';
import { followUpRun, parseFollowUp, runAlarmScan, type FollowUpRequest } from './alarm-follow-up';
import {
  checkPendingRecords,
  underLeaseOrReturned,
  type PendingCheckDependencies,
  type QueueMessage,
} from './pending-checks';

/** What became of one batch: the records SQS must deliver again, and one report for the invocation. */
export interface QueueBatchOutcome {
  /** The SQS partial batch response's failures: these records come back after the visibility timeout. */
  readonly batchItemFailures: readonly SQSBatchItemFailure[];
  /** The focused check's and the follow-up run's reports, as one. */
  readonly report: ScanReport;
  /** A follow-up run judges every kind, as a scan does; a batch of state-change events alone is a check. */
  readonly kind: RunKind;
}

interface FollowUpMessage {
  readonly message: QueueMessage;
  readonly request: FollowUpRequest;
}

/**
 * Handles a batch: the state-change events get their focused check as before, then the follow-ups due in the batch
 * get one metric-focused run under the lease (returned as batch item failures when the lease stays taken), which
 * asks for the next follow-ups where its chains go on.
 */
export async function handleQueueBatch(
  records: readonly QueueMessage[],
  settings: SentinelSettings,
  target: ScanTarget,
  deps: PendingCheckDependencies,
): Promise<QueueBatchOutcome> {
  const { clock } = deps;
  const startedAt = clock.now();
  const followUps: FollowUpMessage[] = [];
  const stateChanges: QueueMessage[] = [];
  for (const message of records) {
    const request = parseFollowUp(message.body);
    if (request) followUps.push({ message, request });
    else stateChanges.push(message);
  }

  const checked =
    stateChanges.length > 0 ? await checkPendingRecords(stateChanges, settings, target, deps) : undefined;
  if (followUps.length === 0) {
    return {
      batchItemFailures: checked?.batchItemFailures ?? [],
      report: checked?.report ?? EMPTY_REPORT,
      kind: 'check',
    };
  }

  const log = (record: Readonly<Record<string, unknown>>) => deps.log({ run: 'follow-up', ...record });
  log({
    phase: 'events',
    followUps: followUps.map(({ request }) => ({ alarm: request.alarmName, attempt: request.attempt })),
  });
  const leased = await underLeaseOrReturned(
    followUps.map(({ message }) => message),
    { ...deps, log },
    async () => {
      // Read once the lease is held: a run that waited for it reads a minute that arrived meanwhile.
      const run = followUpRun(
        followUps.map(({ request }) => request),
        clock.now(),
      );
      return run ? (await runAlarmScan(run, settings, target, { ...deps, log })).report : undefined;
    },
  );
  const followedUp: ScanReport = leased.result ?? {
    ...EMPTY_REPORT,
    errors: leased.errors,
    stats: { ...NOTHING_DONE, apiCalls: deps.budget.apiCalls, throttledCalls: deps.budget.throttledCalls },
  };
  return {
    batchItemFailures: [...(checked?.batchItemFailures ?? []), ...leased.failures],
    report: checked ? combined(checked.report, followedUp, deps, clock.now() - startedAt) : followedUp,
    kind: 'scan',
  };
}

/** A focused check's and a follow-up run's reports as one: counts added, the invocation's calls and duration. */
function combined(
  check: ScanReport,
  followUp: ScanReport,
  deps: Pick<PendingCheckDependencies, 'budget'>,
  durationMs: number,
): ScanReport {
  const sum = (count: (report: ScanReport) => number) => count(check) + count(followUp);
  const newFindingKinds: FindingKind[] = [
    ...new Set([...(check.newFindingKinds ?? []), ...(followUp.newFindingKinds ?? [])]),
  ].sort();
  return {
    findings: [...check.findings, ...followUp.findings],
    actions: [...check.actions, ...followUp.actions],
    errors: [...check.errors, ...followUp.errors],
    stats: {
      functionsListed: sum((report) => report.stats.functionsListed),
      functionsChecked: sum((report) => report.stats.functionsChecked),
      functionsIgnored: sum((report) => report.stats.functionsIgnored),
      apiCalls: deps.budget.apiCalls,
      throttledCalls: deps.budget.throttledCalls,
      metricsRequested: sum((report) => report.stats.metricsRequested),
      newFindings: sum((report) => report.stats.newFindings),
      reminders: sum((report) => report.stats.reminders),
      resolved: sum((report) => report.stats.resolved),
      alertSent: check.stats.alertSent || followUp.stats.alertSent,
      eventsPut: sum((report) => report.stats.eventsPut),
      durationMs,
    },
    ...(newFindingKinds.length > 0 ? { newFindingKinds } : {}),
  };
}
