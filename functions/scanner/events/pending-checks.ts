import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchItemFailure, SQSEvent, SQSRecord } from 'aws-lambda';
import { runFocusedCheck } from '../focused-check';
import { NOTHING_DONE, type ScanError, type ScanReport } from '../model';
import type { ScanDependencies, ScanTarget } from '../run-scan';
import type { SentinelSettings } from '../settings';
import { LeaseUnavailableError, withLease, type LeaseRequest } from '../state/lease';
import type { RunLease } from '../state/state-model';
import { dueAt, parseStateChangeEvent, redelaySeconds, type StateChangeNotice } from './state-change-event';

/** What handling a batch of pending-check messages needs beyond what a scan needs. */
export interface PendingCheckDependencies extends ScanDependencies {
  readonly sqs: SQSClient;
  /**
   * The pending-checks queue, where a message that is not yet due is sent again with a delay.
   * @default - none: a message that is not yet due is checked at once, and the watch list covers the rest
   */
  readonly queueUrl?: string;
  /** The lease that keeps a focused check and the scheduled scan from alerting the same finding twice. */
  readonly lease: RunLease;
  /** Who this invocation is, how long it may hold the lease, and how long it waits for it. */
  readonly leaseRequest: Omit<LeaseRequest, 'clock' | 'log'>;
}

/** What became of one batch: the records SQS must deliver again, and the run's report. */
export interface PendingCheckOutcome {
  /** The SQS partial batch response's failures: these records come back after the visibility timeout. */
  readonly batchItemFailures: SQSBatchItemFailure[];
  readonly report: ScanReport;
}

/** One message of a batch, as far as the scanner reads it. */
export type QueueMessage = Pick<SQSRecord, 'messageId' | 'body'>;

/** Whether an invocation came from an SQS event source mapping (the pending-checks queue), not the schedule. */
export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((record) => (record as { eventSource?: unknown } | null)?.eventSource === 'aws:sqs')
  );
}

interface DueNow {
  readonly message: QueueMessage;
  readonly notice: StateChangeNotice;
}

interface DueLater {
  readonly message: QueueMessage;
  readonly due: number;
}

/**
 * Handles one batch from the pending-checks queue. Messages whose function has had `pendingMinutes` since its
 * state changed get one focused check together, under the run lease; messages not yet due go back to the queue
 * with the delay still to run; messages that name no function are dropped. Records that could not be handled
 * (lease still taken after the wait, re-send refused) are returned as batch item failures. A focused check that
 * could not save or publish throws, so that the whole batch comes back and Lambda counts the error.
 */
export async function checkPendingRecords(
  records: readonly QueueMessage[],
  settings: SentinelSettings,
  target: ScanTarget,
  deps: PendingCheckDependencies,
): Promise<PendingCheckOutcome> {
  const { budget, clock } = deps;
  const log = (record: Readonly<Record<string, unknown>>) => deps.log({ run: 'check', ...record });
  const startedAt = clock.now();

  const due: DueNow[] = [];
  const later: DueLater[] = [];
  const dropped: string[] = [];
  for (const message of records) {
    const notice = parseStateChangeEvent(message.body);
    if (!notice) {
      dropped.push(message.messageId);
      continue;
    }
    const dueTime = dueAt(notice, settings.pendingMinutes, clock.now());
    if (clock.now() < dueTime && deps.queueUrl !== undefined) later.push({ message, due: dueTime });
    else due.push({ message, notice });
  }
  log({
    phase: 'events',
    due: due.map(({ notice }) => notice.functionName),
    notYetDue: later.length,
    dropped,
  });

  const leased =
    due.length > 0
      ? await underLeaseOrReturned(
          due.map(({ message }) => message),
          { ...deps, log },
          () =>
            runFocusedCheck(
              settings,
              target,
              { ...deps, log },
              due.map(({ notice }) => notice.functionName),
            ),
        )
      : undefined;
  const checked = leased?.result;
  const failures: SQSBatchItemFailure[] = [...(leased?.failures ?? [])];
  const errors: ScanError[] = [...(leased?.errors ?? [])];

  const { queueUrl } = deps;
  if (queueUrl !== undefined) {
    for (const { message, due: dueTime } of later) {
      const delaySeconds = redelaySeconds(dueTime, clock.now());
      try {
        await budget.call('SendMessage', () =>
          deps.sqs.send(
            new SendMessageCommand({
              QueueUrl: queueUrl,
              MessageBody: message.body,
              DelaySeconds: delaySeconds,
            }),
          ),
        );
        log({ phase: 'events', redelayed: message.messageId, delaySeconds });
      } catch (error) {
        failures.push({ itemIdentifier: message.messageId });
        errors.push({
          phase: 'collect',
          source: 'SendMessage',
          code: error instanceof Error ? error.name : 'Error',
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  const report: ScanReport = {
    findings: checked?.findings ?? [],
    actions: [],
    errors: [...(checked?.errors ?? []), ...errors],
    stats: {
      ...(checked?.stats ?? NOTHING_DONE),
      apiCalls: budget.apiCalls,
      throttledCalls: budget.throttledCalls,
      durationMs: clock.now() - startedAt,
    },
    ...(checked?.newFindingKinds ? { newFindingKinds: checked.newFindingKinds } : {}),
  };
  return { batchItemFailures: failures, report };
}

/** What became of work that needs the run lease: its result, or the messages SQS must deliver again, and why. */
export interface LeasedWork<T> {
  /** Undefined when the lease stayed taken and the work did not run. */
  readonly result?: T;
  readonly failures: readonly SQSBatchItemFailure[];
  readonly errors: readonly ScanError[];
}

/**
 * Runs `work` under the run lease. When another run keeps the lease for the whole wait, the work does not run and
 * `messages` are returned as batch item failures, to come back after the queue's visibility timeout.
 */
export async function underLeaseOrReturned<T>(
  messages: readonly QueueMessage[],
  deps: Pick<PendingCheckDependencies, 'lease' | 'leaseRequest' | 'clock' | 'log'>,
  work: () => Promise<T>,
): Promise<LeasedWork<T>> {
  const { clock, log } = deps;
  try {
    return {
      result: await withLease(deps.lease, { ...deps.leaseRequest, clock, log }, work),
      failures: [],
      errors: [],
    };
  } catch (error) {
    if (!(error instanceof LeaseUnavailableError)) throw error;
    log({ phase: 'lease', error: error.message, returnedToQueue: messages.length });
    return {
      failures: messages.map((message) => ({ itemIdentifier: message.messageId })),
      errors: [{ phase: 'collect', source: 'RunLease', code: error.name, message: error.message }],
    };
  }
}
