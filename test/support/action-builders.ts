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
