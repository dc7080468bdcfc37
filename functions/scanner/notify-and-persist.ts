import { isUnsettled, unsettledSighting } from './collect/inventory';
import type {
  AccountSnapshot,
  Action,
  Finding,
  FindingKind,
  ScanError,
  ScanStats,
  UnsettledSighting,
} from './model';
import { planAlert } from './notify/plan-alert';
import { publishAlert } from './notify/publish-alert';
import { putSentinelEvents } from './notify/publish-events';
import { renderAlert } from './notify/render-alert';
import { sentinelEvents } from './notify/sentinel-events';
import type { SkippedRemediation } from './remediate/decide';
import type { ScanDependencies, ScanTarget } from './run-scan';
import type { SentinelSettings } from './settings';
import type { PendingAlert, PreviousState, StoredFinding } from './state/state-model';

/** Thrown when a run cannot deliver its alert or save its state: the run must fail so Lambda retries it. */
export class RunFailedError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'RunFailedError';
  }
}

/** What a run (scheduled scan or focused check) found and did, to be alerted on and remembered. */
export interface RunOutcome {
  /** What the run saw; its `collectedAt` is the run's time. */
  readonly snapshot: AccountSnapshot;
  /** Every finding the run reports. */
  readonly findings: readonly Finding[];
  /** What earlier runs left, as loaded at the start of the run. */
  readonly previous: PreviousState;
  /** Whether the run saw enough of a stored finding's function to say the problem is gone. */
  readonly isAssessed: (stored: StoredFinding) => boolean;
  /** Epoch milliseconds the run started. */
  readonly startedAt: number;
  /**
   * The run's remediations and the ones the rails held back.
   * @default - none
   */
  readonly remediation?: {
    readonly actions: readonly Action[];
    readonly skipped: readonly SkippedRemediation[];
  };
  /**
   * True for a focused check, which must leave `lastRunAt` to the scheduled scan.
   * @default false
   */
  readonly keepLastRunAt?: boolean;
  /**
   * How far the spillover probe has looked, for a run that read metrics (StateChange.spilloverProbedThrough).
   * @default - unchanged
   */
  readonly spilloverProbedThrough?: string;
}

/** What the alert step did, as the run report counts it, and the events it could not put (the run goes on). */
export type AlertStats = Pick<
  ScanStats,
  'newFindings' | 'reminders' | 'resolved' | 'alertSent' | 'eventsPut'
> & {
  readonly errors: readonly ScanError[];
  /** The kinds of the new findings, each once, sorted (ScanReport.newFindingKinds). */
  readonly newFindingKinds: readonly FindingKind[];
};

/**
 * Compares the run's findings with the open ones, renders the alert, saves the state change with the alert in it,
 * then publishes the alert and marks it delivered. The save comes first so that a failed publish is retried by the
 * next run and a finding is never alerted twice, whichever run (scan or focused check) saw it first.
 */
export async function notifyAndPersist(
  settings: Pick<SentinelSettings, 'renotifyHours' | 'eventBusArn'>,
  target: ScanTarget,
  deps: ScanDependencies,
  outcome: RunOutcome,
): Promise<AlertStats> {
  const { snapshot, previous, startedAt } = outcome;
  const remediation = outcome.remediation ?? { actions: [], skipped: [] };
  const plan = planAlert({
    findings: outcome.findings,
    previous,
    isAssessed: outcome.isAssessed,
    now: startedAt,
    settings,
  });
  const rendered = renderAlert(
    plan,
    { accountId: target.accountId, region: target.region, now: startedAt, alertId: deps.newAlertId() },
    {
      ...remediation,
      undo: {
        region: target.region,
        ...(target.stateTableName !== undefined ? { tableName: target.stateTableName } : {}),
      },
    },
  );
  // Saved with the alert, so that a retried run puts the events of an alert it delivers, and only once.
  const alert = rendered && {
    ...rendered,
    events: sentinelEvents(plan, remediation.actions, {
      accountId: target.accountId,
      region: target.region,
      ...(target.selfFunctionName !== undefined ? { sentinel: target.selfFunctionName } : {}),
      now: startedAt,
      alertId: rendered.id,
      subject: rendered.subject,
    }),
  };
  deps.log({
    phase: 'notify',
    newFindings: plan.newFindings.length,
    reminders: plan.reminders.length,
    resolved: plan.resolved.length,
    actions: remediation.actions.length,
    alertId: alert?.id,
    subject: alert?.subject,
  });

  const watched = watchedFunctions(snapshot, previous);
  try {
    await deps.stateStore.save({
      runAt: snapshot.collectedAt,
      upsert: plan.upsert,
      remove: plan.remove,
      watchedFunctions: watched,
      unsettledFunctions: unsettledSightings(snapshot, previous, watched),
      ...(alert ? { alert } : {}),
      ...(outcome.keepLastRunAt ? { keepLastRunAt: true } : {}),
      ...(outcome.spilloverProbedThrough !== undefined
        ? { spilloverProbedThrough: outcome.spilloverProbedThrough }
        : {}),
    });
  } catch (error) {
    throw new RunFailedError('could not save the run state; nothing was published', { cause: error });
  }
  deps.log({ phase: 'persist', upserted: plan.upsert.length, removed: plan.remove.length });

  const delivered = alert ? await deliver(alert, target, deps, settings) : { put: 0, errors: [] };
  return {
    newFindings: plan.newFindings.length,
    reminders: plan.reminders.length,
    resolved: plan.resolved.length,
    alertSent: alert !== undefined,
    eventsPut: delivered.put,
    errors: delivered.errors,
    newFindingKinds: [...new Set(plan.newFindings.map((finding) => finding.kind))].sort(),
  };
}

/**
 * Publishes alerts an earlier run saved but could not confirm sent, before this run adds its own; answers the
 * events put with them, and the ones that could not be.
 */
export async function deliverPendingAlerts(
  previous: PreviousState,
  target: ScanTarget,
  deps: ScanDependencies,
  settings: Pick<SentinelSettings, 'eventBusArn'>,
): Promise<{ put: number; errors: ScanError[] }> {
  let put = 0;
  const errors: ScanError[] = [];
  for (const alert of previous.pendingAlerts) {
    deps.log({ phase: 'notify', redelivering: alert.id, subject: alert.subject, createdAt: alert.createdAt });
    const delivered = await deliver(alert, target, deps, settings);
    put += delivered.put;
    errors.push(...delivered.errors);
  }
  return { put, errors };
}

/**
 * Publishes the alert, then puts its events (best effort: what EventBridge refuses is returned, the e-mail stands),
 * then marks it delivered. Failing to publish or to mark it throws: the run must fail so that it is retried.
 */
async function deliver(
  alert: PendingAlert,
  target: ScanTarget,
  deps: ScanDependencies,
  settings: Pick<SentinelSettings, 'eventBusArn'>,
): Promise<{ put: number; errors: ScanError[] }> {
  try {
    await publishAlert(deps.clients.sns, target.topicArn, alert, deps.budget);
  } catch (error) {
    throw new RunFailedError(`could not publish alert ${alert.id}; it is saved and the next run retries it`, {
      cause: error,
    });
  }
  const events =
    deps.clients.eventbridge && alert.events && alert.events.length > 0
      ? await putSentinelEvents(deps.clients.eventbridge, settings.eventBusArn, alert.events, deps.budget)
      : { put: 0, errors: [] };
  try {
    await deps.stateStore.markDelivered(alert.id);
  } catch (error) {
    throw new RunFailedError(`alert ${alert.id} was published but could not be marked delivered`, {
      cause: error,
    });
  }
  return events;
}

/**
 * Next run's watch list: functions seen unsettled now, plus previously watched ones this run could not check
 * (a throttled or failed GetFunction must not drop a stuck function from view), unless they are gone.
 */
function watchedFunctions(snapshot: AccountSnapshot, previous: PreviousState): string[] {
  const byName = new Map(snapshot.functions.map((fn) => [fn.functionName, fn]));
  const watched = new Set(snapshot.functions.filter(isUnsettled).map((fn) => fn.functionName));
  const ignored = new Set(snapshot.ignoredFunctions);
  for (const name of previous.watchedFunctions) {
    const fn = byName.get(name);
    const unchecked = fn ? fn.detail === undefined : !snapshot.inventoryComplete;
    if (unchecked && !ignored.has(name)) watched.add(name);
  }
  return [...watched].sort();
}

/**
 * When each function on next run's watch list was first seen in its unsettled state: this run's stamp for the ones
 * it checked, the earlier record for the ones it could not (they keep their place on the watch list too).
 */
function unsettledSightings(
  snapshot: AccountSnapshot,
  previous: PreviousState,
  watched: readonly string[],
): UnsettledSighting[] {
  const byName = new Map(snapshot.functions.map((fn) => [fn.functionName, fn]));
  const earlier = new Map((previous.unsettledFunctions ?? []).map((seen) => [seen.functionName, seen]));
  return watched.flatMap((name): UnsettledSighting[] => {
    const fn = byName.get(name);
    if (fn?.detail) {
      const since = fn.unsettledSince ?? snapshot.collectedAt;
      return isUnsettled(fn) ? [unsettledSighting(name, fn.detail, since)] : [];
    }
    const seen = earlier.get(name);
    return seen ? [seen] : [];
  });
}
