import type { Action } from '../../functions/scanner/model';
import type { ActionRecord } from '../../functions/scanner/state/state-model';
import { MemoryStateStore } from '../../sim/memory-state-store';

/** When every built action was decided, unless a test says otherwise. */
export const DECIDED_AT = '2026-11-26T14:30:00.000Z';

/** A throttle of `functionName` (no reservation -> 0) answering its runaway-loop finding, not yet applied. */
export function throttleAction(functionName: string, overrides: Partial<Action> = {}): Action {
  return {
    id: `20261126T1430-${functionName}`,
    kind: 'throttle',
    functionName,
    fingerprint: `recursive-loop:${functionName}:runaway`,
    findingKind: 'recursive-loop',
    severity: 'critical',
    reason: `${functionName} looks like a runaway loop`,
    decidedAt: DECIDED_AT,
    applied: false,
    dryRun: false,
    previous: null,
    next: 0,
    ...overrides,
  };
}

/** The guide's unblock of `functionName`, stuck Pending since creation; it changes no reserved concurrency. */
export function unblockAction(functionName: string, overrides: Partial<Action> = {}): Action {
  return {
    id: `unblock-${functionName}`,
    kind: 'unblock',
    functionName,
    fingerprint: `stuck-pending:${functionName}:create`,
    findingKind: 'stuck-pending',
    severity: 'critical',
    reason: `${functionName} has been Pending for 42 minutes since it was created`,
    decidedAt: DECIDED_AT,
    applied: false,
    dryRun: false,
    ...overrides,
  };
}

/** A pause of the SQS mappings named `queues` that feed `functionName`'s runaway loop, not yet applied. */
export function pauseAction(
  functionName: string,
  queues: readonly string[],
  overrides: Partial<Action> = {},
): Action {
  return {
    id: `pause-${functionName}`,
    kind: 'pause-trigger',
    functionName,
    fingerprint: `recursive-loop:${functionName}:runaway`,
    findingKind: 'recursive-loop',
    severity: 'critical',
    reason: `${functionName} looks like a runaway loop`,
    decidedAt: DECIDED_AT,
    applied: false,
    dryRun: false,
    mappings: queues.map((queue) => ({
      uuid: `uuid-${queue}`,
      eventSourceArn: `arn:aws:sqs:eu-west-1:123456789012:${queue}`,
      stateBefore: 'Enabled',
    })),
    ...overrides,
  };
}

/** A cap of `functionName` from no reservation to `next`, answering its concurrency-hog finding, not yet applied. */
export function capAction(functionName: string, next: number, overrides: Partial<Action> = {}): Action {
  return throttleAction(functionName, {
    id: `cap-${functionName}`,
    kind: 'cap',
    findingKind: 'concurrency-hog',
    fingerprint: `concurrency-hog:${functionName}`,
    next,
    ...overrides,
  });
}

/** The lift of `cap` back to the reservation it replaced, not yet applied. */
export function liftAction(cap: Action, overrides: Partial<Action> = {}): Action {
  return {
    ...cap,
    id: `lift-${cap.functionName}`,
    kind: 'lift',
    severity: 'info',
    reason: `no throttles for 60 minutes under the cap of ${String(cap.next)}`,
    previous: cap.next ?? null,
    next: cap.previous ?? null,
    lifts: cap.id,
    ...overrides,
  };
}

/** `action` as the state table keeps it, applied unless `overrides` say otherwise. */
export function actionRecord(action: Action, overrides: Partial<ActionRecord> = {}): ActionRecord {
  return { ...action, applied: true, status: 'applied', revision: 1, ...overrides };
}

/** The simulator's in-memory store, also remembering every action write (as its status) and able to fail one. */
export class RecordingActionLog extends MemoryStateStore {
  /** Every action write in order, as `status` strings (`pending`, `applied`, ...). */
  readonly writes: string[] = [];
  /** When set, the next recordAction fails with this error. */
  failNextRecord?: Error;

  override async recordAction(record: ActionRecord): Promise<void> {
    const failure = this.failNextRecord;
    this.failNextRecord = undefined;
    if (failure) throw failure;
    await super.recordAction(record);
    this.writes.push(record.status);
  }

  override async updateAction(record: ActionRecord): Promise<ActionRecord> {
    const next = await super.updateAction(record);
    this.writes.push(record.status);
    return next;
  }
}
