/** How actions read to a human: in the alert, in the undo command's output, and in skip reasons. */
import type { Action, ActionKind } from '../model';

/** Where the state table lives, so an undo command can be printed that works as pasted. */
export interface UndoLocation {
  readonly tableName?: string;
  readonly region?: string;
}

const VERBS: Readonly<Record<ActionKind, { readonly done: string; readonly infinitive: string }>> = {
  throttle: { done: 'Throttled', infinitive: 'throttle' },
  'pause-trigger': { done: 'Paused the triggers of', infinitive: 'pause the triggers of' },
  cap: { done: 'Capped', infinitive: 'cap' },
  lift: { done: 'Lifted the cap on', infinitive: 'lift the cap on' },
  unblock: { done: 'Unblocked', infinitive: 'unblock' },
};

/** What an action of `kind` does, as a verb phrase: `throttle`, `pause the triggers of`, `lift the cap on`, ... */
export function kindInfinitive(kind: ActionKind): string {
  return VERBS[kind].infinitive;
}

/** A reserved concurrency as an operator reads it: a number, or `none` where no reservation is set. */
export function concurrencyText(reserved: number | null | undefined): string {
  return reserved === null || reserved === undefined ? 'none' : String(reserved);
}

/**
 * What the action changes, e.g. `reserved concurrency none -> 0`, or for a pause of a loop's triggers the mappings
 * it disables.
 */
export function changeText(action: Pick<Action, 'kind' | 'previous' | 'next' | 'mappings'>): string {
  switch (action.kind) {
    case 'unblock':
      return "a no-change UpdateFunctionConfiguration (the guide's unblock for a function stuck Pending)";
    case 'pause-trigger': {
      const sources = (action.mappings ?? []).map((mapping) => mapping.eventSourceArn);
      return `${sources.length === 1 ? 'event source mapping' : 'event source mappings'} ${sources.join(', ')}: enabled -> disabled`;
    }
    default:
      return `reserved concurrency ${concurrencyText(action.previous)} -> ${concurrencyText(action.next)}`;
  }
}

/** One line: what was done (or would be, or could not be) to which function. */
export function actionHeadline(action: Action): string {
  const verbs = VERBS[action.kind];
  const change = changeText(action);
  if (action.dryRun)
    return `Would ${verbs.infinitive} ${action.functionName}: ${change} (dry run: nothing changed)`;
  if (!action.applied) return `Could not ${verbs.infinitive} ${action.functionName}: ${change}`;
  return `${verbs.done} ${action.functionName}: ${change}`;
}

/** Whether `lambda-sentinel undo` can restore what the action changed. */
export function isUndoable(action: Pick<Action, 'kind' | 'applied'>): boolean {
  return action.applied && action.kind !== 'unblock';
}

/** The command that undoes an action, ready to paste. */
export function undoCommandLine(actionId: string, location: UndoLocation): string {
  return [
    'npx lambda-sentinel undo',
    actionId,
    ...(location.tableName ? ['--table', location.tableName] : []),
    ...(location.region ? ['--region', location.region] : []),
  ].join(' ');
}

/** A new action id: sortable by time and short enough to read out, e.g. `20301231T1205-3f9c2b1e`. */
export function newActionId(now: number, random: () => string): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').slice(0, 13);
  return `${stamp}-${random().replace(/-/g, '').slice(0, 8)}`;
}
