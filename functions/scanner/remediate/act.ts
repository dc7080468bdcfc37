/**
 * The act phase: applies the planned actions through the run's request budget, one at a time. Each action is
 * recorded in the audit trail (status `pending`, with the value to restore) before its mutating call, and
 * updated with the outcome after, so nothing is changed without a record that can undo it. A failed action
 * becomes `error` on that action and the others still go ahead; nothing here throws.
 */
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionCommand,
  type GetFunctionResponse,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateEventSourceMappingCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { isThrottlingError } from '../aws/request-budget';
import type { Action, CallBudget, Clock, PausedMapping, ScanError } from '../model';
import {
  ActionConflictError,
  type ActionLog,
  type ActionRecord,
  type ActionStatus,
} from '../state/state-model';
import { actionHeadline, concurrencyText } from './action-text';

/** Who the undo record of a cap names when the sentinel lifted the cap itself. */
export const SENTINEL_ACTOR = 'lambda-sentinel';

/** What applying actions needs. */
export interface ActInput {
  /** The decide phase's actions, in the order to apply them. */
  readonly planned: readonly Action[];
  readonly lambda: LambdaClient;
  /** Rate-limits and retries every Lambda call (PutFunctionConcurrency shares the 15 rps control-plane bucket). */
  readonly budget: CallBudget;
  /** Where each action is recorded before it is applied; without one, nothing is applied. */
  readonly actionLog: ActionLog | undefined;
  readonly clock: Clock;
  /** Writes one structured log record per action. */
  readonly log: (record: Readonly<Record<string, unknown>>) => void;
  /**
   * Epoch milliseconds after which no further action starts, so the run keeps its time to alert and save.
   * @default - no deadline
   */
  readonly deadline?: number;
  /**
   * The tag key that keeps a function from being remediated; a lift reads the function's tags first and leaves a
   * function carrying it alone.
   * @default - tags are not checked
   */
  readonly protectTag?: string;
}

/** The actions as they ended, and the problems met on the way. */
export interface ActResult {
  readonly actions: readonly Action[];
  readonly errors: readonly ScanError[];
}

/** What a mutating call and its read-back found. */
type Applied = Pick<Action, 'applied' | 'outcome' | 'stateAfter' | 'error' | 'errorCode' | 'mappings'>;

// Lambda moves a function out of Pending asynchronously: a short pause lets the read-back see where it went.
const UNBLOCK_SETTLE_MS = 5_000;

/** Applies every planned action (or, in a dry run, records it), reading back what each changed. */
export async function act(input: ActInput): Promise<ActResult> {
  const actions: Action[] = [];
  const errors: ScanError[] = [];
  for (const planned of input.planned) {
    const { action, errors: problems } = await actOn(planned, input);
    actions.push(action);
    errors.push(...problems);
    input.log({ phase: 'act', summary: actionHeadline(action), action });
  }
  return { actions, errors };
}

async function actOn(planned: Action, input: ActInput): Promise<{ action: Action; errors: ScanError[] }> {
  const { actionLog } = input;
  const record: ActionRecord = { ...planned, status: planned.dryRun ? 'dry-run' : 'pending', revision: 0 };
  // Nothing is recorded, so the next run decides this action afresh instead of taking it as already done.
  if (input.deadline !== undefined && input.clock.now() >= input.deadline) {
    return failedBeforeCall(
      planned,
      'PastDeadline',
      'not started: the run reached its deadline first (time is kept to alert and save); the next run decides it again',
    );
  }
  if (!actionLog) {
    return failedBeforeCall(
      planned,
      'NoActionLog',
      'not applied: this run has no audit trail to record it in',
    );
  }
  try {
    await actionLog.recordAction(record);
  } catch (error) {
    return failedBeforeCall(
      planned,
      errorName(error),
      `not applied: it could not be recorded for undo first (${errorText(error)})`,
    );
  }
  if (planned.dryRun) return { action: { ...planned, outcome: 'dry run: nothing was changed' }, errors: [] };

  const applied = await apply(planned, input, actionLog);
  const action: Action = { ...planned, ...applied };
  const status: ActionStatus = applied.applied ? 'applied' : 'failed';
  const errors =
    applied.error === undefined ? [] : [scanError(planned, applied.errorCode ?? 'Error', applied.error)];
  try {
    await actionLog.updateAction({ ...record, ...applied, status });
  } catch (error) {
    // The change stands and the pending record still holds the value to restore, so undo still works.
    const message = `the outcome could not be recorded; the record stays pending: ${errorText(error)}`;
    errors.push(scanError(planned, errorName(error), message));
  }
  return { action, errors };
}

function apply(action: Action, input: ActInput, actionLog: ActionLog): Promise<Applied> {
  switch (action.kind) {
    case 'unblock':
      return unblock(action, input);
    case 'pause-trigger':
      return pauseTriggers(action, input);
    case 'lift':
      return lift(action, input, actionLog);
    default:
      return reserve(action, input);
  }
}

/** PutFunctionConcurrency to `next`: 0 throttles the function, a positive value caps it. */
async function reserve(action: Action, input: ActInput): Promise<Applied> {
  try {
    const response = await input.budget.call('PutFunctionConcurrency', () =>
      input.lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: action.functionName,
          ReservedConcurrentExecutions: action.next ?? 0,
        }),
      ),
    );
    return {
      applied: true,
      outcome: `Lambda confirmed reserved concurrency ${concurrencyText(response.ReservedConcurrentExecutions ?? action.next)}`,
    };
  } catch (error) {
    return { applied: false, errorCode: errorName(error), error: reserveErrorText(error, action) };
  }
}

function reserveErrorText(error: unknown, action: Action, operation = 'PutFunctionConcurrency'): string {
  const message = errorText(error);
  const minimum = /minimum value of \[(\d+)\]/.exec(message)?.[1];
  if (minimum !== undefined) {
    return (
      `Lambda refused: reserving ${concurrencyText(action.next)} would take the account's unreserved ` +
      `concurrency below its minimum of ${minimum} (${message})`
    );
  }
  // Lambda's exact wording for a reservation below the function's provisioned concurrency is not confirmed; any
  // refusal that names provisioned concurrency is read as that.
  if (/provisioned/i.test(message)) {
    return (
      `Lambda refused: a reservation of ${concurrencyText(action.next)} is not above the provisioned ` +
      `concurrency of its aliases and versions (${message})`
    );
  }
  if (isThrottlingError(error)) {
    return `Lambda was still throttling ${operation} after retries; the next run tries again (${message})`;
  }
  return `${errorName(error)}: ${message}`;
}

/**
 * Pauses each mapping that feeds the loop (UpdateEventSourceMapping, Enabled=false): Lambda stops polling, and
 * the messages and records wait in their queue or stream, within its retention, until the mapping is enabled
 * again. The record keeps the mappings Lambda accepted, which are what undo enables again.
 */
async function pauseTriggers(action: Action, input: ActInput): Promise<Applied> {
  const paused: { readonly mapping: PausedMapping; readonly stateAfter: string }[] = [];
  const refused: { readonly mapping: PausedMapping; readonly error: unknown }[] = [];
  for (const mapping of action.mappings ?? []) {
    try {
      const response = await input.budget.call('UpdateEventSourceMapping', () =>
        input.lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping.uuid, Enabled: false })),
      );
      paused.push({ mapping, stateAfter: response.State ?? 'unknown state' });
    } catch (error) {
      refused.push({ mapping, error });
    }
  }
  const stateAfter = paused
    .map(({ mapping, stateAfter: state }) => `${mapping.eventSourceArn}: ${state}`)
    .join(', ');
  const [firstRefusal] = refused;
  const failure = firstRefusal
    ? {
        errorCode: errorName(firstRefusal.error),
        error: refused
          .map(
            ({ mapping, error }) =>
              `${mapping.eventSourceArn} (${mapping.uuid}) was not paused: ${reserveErrorText(error, action, 'UpdateEventSourceMapping')}`,
          )
          .join('; '),
      }
    : {};
  if (paused.length === 0) return { applied: false, ...failure };
  return {
    applied: true,
    mappings: paused.map(({ mapping }) => mapping),
    stateAfter,
    outcome: `Lambda is pausing ${paused.length === 1 ? 'the mapping' : `the ${paused.length} mappings`} (${stateAfter})`,
    ...failure,
  };
}

/**
 * Lifts a cap the sentinel applied, back to the reservation the function had before (DeleteFunctionConcurrency
 * where it had none). The function's reservation is read first: if it is no longer the cap, someone changed it
 * since, and nothing is changed. The cap's record is claimed (`undoing`) before the call, as an undo claims it,
 * and becomes `lifted`, an undo by the sentinel itself.
 */
async function lift(action: Action, input: ActInput, actionLog: ActionLog): Promise<Applied> {
  const capId = action.lifts ?? '';
  let cap: ActionRecord | undefined;
  try {
    cap = await actionLog.getAction(capId);
  } catch (error) {
    return {
      applied: false,
      errorCode: errorName(error),
      error: `the record of cap ${capId} could not be read: ${errorText(error)}`,
    };
  }
  if (cap?.status !== 'applied') {
    return {
      applied: false,
      errorCode: 'CapNotApplied',
      error: `cap ${capId} is ${cap ? cap.status : 'no longer recorded'}: there is nothing for the sentinel to lift`,
    };
  }
  const read = await readFunction(action.functionName, input);
  if ('error' in read) {
    return {
      applied: false,
      errorCode: errorName(read.error),
      error: `its reserved concurrency could not be read first, so nothing was changed: ${errorText(read.error)}`,
    };
  }
  const current = read.response.Concurrency?.ReservedConcurrentExecutions ?? null;
  if (current !== (action.previous ?? null)) {
    return {
      applied: false,
      errorCode: 'ChangedSince',
      error:
        `its reserved concurrency is now ${concurrencyText(current)}, not the cap of ` +
        `${concurrencyText(action.previous)} that action ${capId} set: someone changed it since, so the sentinel ` +
        'leaves it as it is and does not try to lift this cap again',
    };
  }
  if (input.protectTag !== undefined && Object.hasOwn(read.response.Tags ?? {}, input.protectTag)) {
    return {
      applied: false,
      errorCode: 'Protected',
      error:
        `it now carries the tag ${input.protectTag}, so the sentinel does not lift its cap; it stays until ` +
        `action ${capId} is undone by hand`,
    };
  }

  const restored = action.next ?? null;
  const undo = { startedAt: new Date(input.clock.now()).toISOString(), restored, by: SENTINEL_ACTOR };
  let claimed: ActionRecord;
  try {
    claimed = await actionLog.updateAction({ ...cap, status: 'undoing', undo });
  } catch (error) {
    const taken = error instanceof ActionConflictError;
    return {
      applied: false,
      errorCode: taken ? 'CapChangedMeanwhile' : errorName(error),
      error: taken
        ? `the record of cap ${capId} changed just now (an undo of it is under way), so nothing was changed`
        : `the lift could not be recorded on cap ${capId} first, so nothing was changed: ${errorText(error)}`,
    };
  }

  const operation = restored === null ? 'DeleteFunctionConcurrency' : 'PutFunctionConcurrency';
  try {
    await input.budget.call(operation, () =>
      restored === null
        ? input.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: action.functionName }))
        : input.lambda.send(
            new PutFunctionConcurrencyCommand({
              FunctionName: action.functionName,
              ReservedConcurrentExecutions: restored,
            }),
          ),
    );
  } catch (error) {
    // Nothing changed: the cap stands and its record goes back to applied, so it can be lifted or undone later.
    await actionLog.updateAction({ ...claimed, status: cap.status, undo: undefined }).catch(() => undefined);
    return { applied: false, errorCode: errorName(error), error: reserveErrorText(error, action, operation) };
  }

  const outcome =
    restored === null
      ? 'Lambda removed the cap: the function draws from the unreserved pool again'
      : `Lambda confirmed reserved concurrency ${restored}, what it had before the cap`;
  try {
    await actionLog.updateAction({
      ...claimed,
      status: 'lifted',
      undo: { ...undo, finishedAt: new Date(input.clock.now()).toISOString() },
    });
    return { applied: true, outcome };
  } catch (error) {
    return {
      applied: true,
      outcome,
      errorCode: errorName(error),
      error: `the cap was lifted, but its record ${capId} could not be marked lifted: ${errorText(error)}`,
    };
  }
}

/**
 * The guide's unblock: UpdateFunctionConfiguration that changes nothing (the description the function already
 * has). Lambda may answer ResourceConflictException; the guide says the call cancels the pending operation
 * and leaves the function Failed. Either way the function's state is read back and reported.
 */
async function unblock(action: Action, input: ActInput): Promise<Applied> {
  const before = await readFunction(action.functionName, input);
  if ('error' in before) {
    return {
      applied: false,
      errorCode: errorName(before.error),
      error: `its configuration could not be read first: ${errorText(before.error)}`,
    };
  }
  if (before.response.Configuration?.State !== 'Pending') {
    const state = stateText(before.response);
    return {
      applied: false,
      stateAfter: state,
      errorCode: 'NoLongerPending',
      error: `it was no longer Pending (${state}) when the sentinel came to unblock it; nothing was sent`,
    };
  }

  let refused: Pick<Applied, 'error' | 'errorCode'> = {};
  try {
    await input.budget.call('UpdateFunctionConfiguration', () =>
      input.lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: action.functionName,
          Description: before.response.Configuration?.Description ?? '',
        }),
      ),
    );
  } catch (error) {
    refused = {
      errorCode: errorName(error),
      error: `Lambda refused the update: ${errorName(error)}: ${errorText(error)}`,
    };
  }

  await input.clock.sleep(UNBLOCK_SETTLE_MS);
  const after = await readFunction(action.functionName, input);
  const applied = refused.error === undefined;
  if ('error' in after) {
    return {
      applied,
      ...refused,
      outcome: `its state could not be read back (${errorText(after.error)}); the next run reports it`,
    };
  }
  return {
    applied,
    ...refused,
    stateAfter: stateText(after.response),
    outcome: unblockOutcome(after.response),
  };
}

function unblockOutcome(response: GetFunctionResponse): string {
  const state = stateText(response);
  switch (response.Configuration?.State) {
    case 'Failed':
      return `Lambda cancelled the pending operation and the function is now ${state}: delete and recreate it, or deploy another update`;
    case 'Pending':
      return `still ${state} right after the call; the next run reports where it went`;
    case 'Active':
      return `now ${state}: it can be invoked and updated again`;
    default:
      return `now ${state}`;
  }
}

/** State, last update status (when not plain Successful) and reason code, e.g. `Failed (InternalError)`. */
function stateText(response: GetFunctionResponse): string {
  const configuration = response.Configuration ?? {};
  const reason = configuration.StateReasonCode ? ` (${configuration.StateReasonCode})` : '';
  const update =
    configuration.LastUpdateStatus && configuration.LastUpdateStatus !== 'Successful'
      ? `, last update ${configuration.LastUpdateStatus}`
      : '';
  return `${configuration.State ?? 'unknown state'}${reason}${update}`;
}

async function readFunction(
  functionName: string,
  input: ActInput,
): Promise<{ response: GetFunctionResponse } | { error: unknown }> {
  try {
    return {
      response: await input.budget.call('GetFunction', () =>
        input.lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
      ),
    };
  } catch (error) {
    return { error };
  }
}

function failedBeforeCall(
  planned: Action,
  code: string,
  message: string,
): { action: Action; errors: ScanError[] } {
  return {
    action: { ...planned, errorCode: code, error: message },
    errors: [scanError(planned, code, message)],
  };
}

const OPERATIONS = {
  throttle: 'PutFunctionConcurrency',
  'pause-trigger': 'UpdateEventSourceMapping',
  cap: 'PutFunctionConcurrency',
  lift: 'DeleteFunctionConcurrency',
  unblock: 'UpdateFunctionConfiguration',
} as const;

function scanError(action: Action, code: string, message: string): ScanError {
  return {
    phase: 'act',
    source: OPERATIONS[action.kind],
    functionName: action.functionName,
    code,
    message: `action ${action.id}: ${message}`,
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
