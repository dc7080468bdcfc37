/**
 * Undo of one recorded action: restores the reserved concurrency the function had before the sentinel changed
 * it, or enables again the event source mappings it paused, and records the undo. The record is claimed with a
 * conditional write before Lambda is called, so two undos of the same action cannot both go ahead.
 */
import {
  DeleteFunctionConcurrencyCommand,
  GetEventSourceMappingCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { type Clock, type PausedMapping, systemClock } from '../model';
import { ActionConflictError, type ActionLog, type ActionRecord } from '../state/state-model';
import { concurrencyText } from './action-text';

/** Why an undo was refused before anything was changed. */
export type UndoRefusal =
  'unknown' | 'already-undone' | 'undo-in-progress' | 'nothing-to-undo' | 'not-applied' | 'changed-since';

/** Thrown when an action cannot or must not be undone; nothing was changed. */
export class UndoRefusedError extends Error {
  /** Which rule refused it. */
  readonly refusal: UndoRefusal;

  constructor(refusal: UndoRefusal, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UndoRefusedError';
    this.refusal = refusal;
  }
}

/** Thrown when Lambda or the state table failed during an undo; the message says what state things are in. */
export class UndoFailedError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'UndoFailedError';
  }
}

/** What an undo needs. */
export interface UndoInput {
  readonly actionId: string;
  readonly actionLog: ActionLog;
  readonly lambda: LambdaClient;
  /**
   * Restore even when the function's reserved concurrency was changed by someone else since the action.
   * @default false
   */
  readonly force?: boolean;
  /** Who is undoing, recorded with the undo. */
  readonly by?: string;
  /**
   * Time source for the undo's timestamps.
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** A mapping an undo enabled again, with the state Lambda answered. */
export interface ResumedMapping {
  readonly uuid: string;
  readonly eventSourceArn: string;
  /** Enabling, normally: Lambda resumes polling where the mapping stopped. */
  readonly state: string;
}

/** What the undo did. */
export interface UndoResult {
  /** The action record as it now stands (status `undone`). */
  readonly record: ActionRecord;
  /** The reserved concurrency restored; null when the reservation was removed, or for a pause-trigger. */
  readonly restored: number | null;
  readonly operation: 'PutFunctionConcurrency' | 'DeleteFunctionConcurrency' | 'UpdateEventSourceMapping';
  /** For a pause-trigger: the mappings enabled again. */
  readonly mappings?: readonly ResumedMapping[];
}

// A paused mapping is Disabling until Lambda stops polling, then Disabled; anything else means someone changed it.
const PAUSED_STATES: ReadonlySet<string> = new Set(['Disabled', 'Disabling']);

// An undo that claimed a record and never finished (its process died) no longer blocks another after this long.
const STALE_CLAIM_MS = 5 * 60_000;

/** Restores what action `actionId` changed and records that it was undone. */
export async function undoAction(input: UndoInput): Promise<UndoResult> {
  const { actionId, actionLog, lambda } = input;
  const clock = input.clock ?? systemClock;
  const record = await actionLog.getAction(actionId);
  if (!record)
    throw new UndoRefusedError('unknown', `there is no action ${actionId} (never recorded, or expired)`);
  refuseUnlessUndoable(record, clock.now());
  const paused = record.kind === 'pause-trigger' ? (record.mappings ?? []) : undefined;
  const restored = paused ? null : (record.previous ?? null);
  if (!input.force) {
    await (paused ? refuseIfResumedSince(record, paused, lambda) : refuseIfChangedSince(record, lambda));
  }

  const undo = {
    startedAt: new Date(clock.now()).toISOString(),
    restored,
    ...(input.by ? { by: input.by } : {}),
  };
  let claimed: ActionRecord;
  try {
    claimed = await actionLog.updateAction({ ...record, status: 'undoing', undo });
  } catch (error) {
    if (!(error instanceof ActionConflictError)) throw error;
    throw new UndoRefusedError(
      'undo-in-progress',
      `action ${actionId} was changed by another undo just now`,
      {
        cause: error,
      },
    );
  }

  if (paused) return resume(record, claimed, undo, paused, input, clock);

  const operation = restored === null ? 'DeleteFunctionConcurrency' : 'PutFunctionConcurrency';
  try {
    if (restored === null) {
      await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: record.functionName }));
    } else {
      await lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: record.functionName,
          ReservedConcurrentExecutions: restored,
        }),
      );
    }
  } catch (error) {
    // Nothing changed: release the claim so the undo can be tried again.
    await releaseClaim(actionLog, claimed, record);
    throw new UndoFailedError(
      `${operation} on ${record.functionName} failed, nothing was changed: ${describe(error)}`,
      { cause: error },
    );
  }

  const done = await recordUndone(
    actionLog,
    claimed,
    undo,
    clock,
    `reserved concurrency of ${record.functionName} was restored to ${concurrencyText(restored)}`,
  );
  return { record: done, restored, operation };
}

/** Gives back an undo's claim on a record after nothing (or not everything) was changed, so it can run again. */
async function releaseClaim(actionLog: UndoInput['actionLog'], claimed: ActionRecord, record: ActionRecord) {
  await actionLog.updateAction({ ...claimed, status: record.status, undo: undefined }).catch(() => undefined);
}

/** Marks a claimed record undone once Lambda accepted the restore; `changed` says what stands if that fails. */
async function recordUndone(
  actionLog: UndoInput['actionLog'],
  claimed: ActionRecord,
  undo: NonNullable<ActionRecord['undo']>,
  clock: Clock,
  changed: string,
): Promise<ActionRecord> {
  try {
    return await actionLog.updateAction({
      ...claimed,
      status: 'undone',
      undo: { ...undo, finishedAt: new Date(clock.now()).toISOString() },
    });
  } catch (error) {
    throw new UndoFailedError(`${changed}, but the undo could not be recorded: ${describe(error)}`, {
      cause: error,
    });
  }
}

/** Enables again each mapping a pause-trigger paused, then records the undo. */
async function resume(
  record: ActionRecord,
  claimed: ActionRecord,
  undo: NonNullable<ActionRecord['undo']>,
  paused: readonly PausedMapping[],
  input: UndoInput,
  clock: Clock,
): Promise<UndoResult> {
  const { actionLog, lambda } = input;
  const resumed: ResumedMapping[] = [];
  for (const mapping of paused) {
    try {
      const response = await lambda.send(
        new UpdateEventSourceMappingCommand({ UUID: mapping.uuid, Enabled: true }),
      );
      resumed.push({
        uuid: mapping.uuid,
        eventSourceArn: mapping.eventSourceArn,
        state: response.State ?? 'unknown state',
      });
    } catch (error) {
      // The claim is released so that the undo can be run again; mappings already enabled then read as changed.
      await releaseClaim(actionLog, claimed, record);
      const done = resumed.map((mapping) => mapping.eventSourceArn).join(', ');
      throw new UndoFailedError(
        `UpdateEventSourceMapping on ${mapping.eventSourceArn} (${mapping.uuid}) failed: ${describe(error)}; ` +
          (done
            ? `already enabled again: ${done}; run the undo again with --force to enable the rest`
            : 'nothing was changed'),
        { cause: error },
      );
    }
  }
  const done = await recordUndone(
    actionLog,
    claimed,
    undo,
    clock,
    `the event source mappings of ${record.functionName} were enabled again`,
  );
  return { record: done, restored: null, operation: 'UpdateEventSourceMapping', mappings: resumed };
}

function refuseUnlessUndoable(record: ActionRecord, now: number): void {
  const id = record.id;
  if (record.kind === 'unblock') {
    throw new UndoRefusedError(
      'nothing-to-undo',
      `action ${id} unblocked ${record.functionName} with an update that changed no setting: there is nothing to ` +
        'restore (deploy another update, or delete and recreate the function)',
    );
  }
  const restoredText =
    record.kind === 'pause-trigger'
      ? `event source mappings of ${record.functionName} enabled again`
      : `reserved concurrency of ${record.functionName} restored to ${concurrencyText(record.undo?.restored)}`;
  switch (record.status) {
    case 'undone':
      throw new UndoRefusedError(
        'already-undone',
        `action ${id} was already undone at ${record.undo?.finishedAt ?? '?'} (${restoredText})`,
      );
    case 'lifted':
      throw new UndoRefusedError(
        'already-undone',
        `action ${id} is a cap the sentinel already lifted itself at ${record.undo?.finishedAt ?? '?'}, once ` +
          `${record.functionName} was calm (${restoredText})`,
      );
    case 'undoing':
      if (now - Date.parse(record.undo?.startedAt ?? '') < STALE_CLAIM_MS) {
        throw new UndoRefusedError(
          'undo-in-progress',
          `an undo of action ${id} started at ${record.undo?.startedAt ?? '?'} and is still in progress`,
        );
      }
      return;
    case 'dry-run':
      throw new UndoRefusedError('not-applied', `action ${id} was a dry run: nothing was changed`);
    case 'failed':
      throw new UndoRefusedError(
        'not-applied',
        `action ${id} failed, so nothing was changed: ${record.error ?? 'no reason recorded'}`,
      );
    default:
      return;
  }
}

/** Refuses when someone else set a reserved concurrency since the action: restoring would overwrite theirs. */
async function refuseIfChangedSince(record: ActionRecord, lambda: LambdaClient): Promise<void> {
  const response = await lambda.send(
    new GetFunctionConcurrencyCommand({ FunctionName: record.functionName }),
  );
  const current = response.ReservedConcurrentExecutions ?? null;
  const previous = record.previous ?? null;
  if (current === (record.next ?? null) || current === previous) return;
  throw new UndoRefusedError(
    'changed-since',
    `reserved concurrency of ${record.functionName} is now ${concurrencyText(current)}, not the ` +
      `${concurrencyText(record.next)} action ${record.id} set: someone changed it since, and restoring ` +
      `${concurrencyText(previous)} would overwrite that (use --force to restore anyway)`,
  );
}

/** Refuses when someone changed a paused mapping since (enabled it, or is updating it): enabling it is theirs. */
async function refuseIfResumedSince(
  record: ActionRecord,
  paused: readonly PausedMapping[],
  lambda: LambdaClient,
): Promise<void> {
  for (const mapping of paused) {
    const response = await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.uuid }));
    const state = response.State ?? 'unknown';
    if (!PAUSED_STATES.has(state)) {
      throw new UndoRefusedError(
        'changed-since',
        `event source mapping ${mapping.uuid} (${mapping.eventSourceArn}) is now ${state}, not the Disabled ` +
          `action ${record.id} left it: someone changed it since, and enabling it again is theirs to decide ` +
          '(use --force to enable every mapping the action paused anyway)',
      );
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
