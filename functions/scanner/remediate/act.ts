/**
 * The act phase: applies the planned actions through the run's request budget, one at a time. Each action is
 * recorded in the audit trail (status `pending`, with the value to restore) before its mutating call, and
 * updated with the outcome after, so nothing is changed without a record that can undo it. A failed action
 * becomes `error` on that action and the others still go ahead; nothing here throws.
 */
import {
  GetFunctionCommand,
  type GetFunctionResponse,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { isThrottlingError } from '../aws/request-budget';
import type { Action, CallBudget, Clock, ScanError } from '../model';
import type { ActionLog, ActionRecord, ActionStatus } from '../state/state-model';
import { actionHeadline, concurrencyText } from './action-text';

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
}

/** The actions as they ended, and the problems met on the way. */
export interface ActResult {
  readonly actions: readonly Action[];
  readonly errors: readonly ScanError[];
}

/** What a mutating call and its read-back found. */
type Applied = Pick<Action, 'applied' | 'outcome' | 'stateAfter' | 'error' | 'errorCode'>;

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

  const applied = planned.kind === 'unblock' ? await unblock(planned, input) : await reserve(planned, input);
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

function reserveErrorText(error: unknown, action: Action): string {
  const message = errorText(error);
  const minimum = /minimum value of \[(\d+)\]/.exec(message)?.[1];
  if (minimum !== undefined) {
    return (
      `Lambda refused: reserving ${concurrencyText(action.next)} would take the account's unreserved ` +
      `concurrency below its minimum of ${minimum} (${message})`
    );
  }
  if (isThrottlingError(error)) {
    return `Lambda was still throttling PutFunctionConcurrency after retries; the next run tries again (${message})`;
  }
  return `${errorName(error)}: ${message}`;
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
