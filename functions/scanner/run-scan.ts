import { randomUUID } from 'node:crypto';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { RequestBudget } from './aws/request-budget';
import { checkFunctions, collectInventory, withUnsettledSince, type Inventory } from './collect/inventory';
import { collectMetrics, spilloverProbedThrough } from './collect/metrics';
import { hogsNeedingDetail } from './detect/concurrency-hog';
import type { DetectorContext } from './detect/detector';
import { provisionedRechecks } from './detect/pc-health';
import { DETECTORS, isAssessed, runDetectors } from './detect/registry';
import type { AccountSnapshot, Clock, Finding, ScanError, ScanReport, UnsettledSighting } from './model';
import { deliverPendingAlerts, notifyAndPersist } from './notify-and-persist';
import { act } from './remediate/act';
import { newActionId } from './remediate/action-text';
import { appliedCaps, decide } from './remediate/decide';
import type { AlarmTrigger } from './events/alarm-trigger';
import type { SentinelSettings } from './settings';
import type { ActionLog, ActionRecord, StateStore } from './state/state-model';

export { RunFailedError } from './notify-and-persist';

/** The AWS clients one run talks through; one instance per service, shared across the run. */
export interface ScanClients {
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
  readonly sns: SNSClient;
  /**
   * Puts the run's findings and actions on its EventBridge bus.
   * @default - no events are put (tools and tests that have no bus)
   */
  readonly eventbridge?: EventBridgeClient;
}

/** The account and the sentinel's own resources a run works on. */
export interface ScanTarget {
  readonly accountId: string;
  readonly region: string;
  readonly topicArn: string;
  /** The scanner's own function name (Lambda's `context.functionName`): the sentinel never remediates itself. */
  readonly selfFunctionName?: string;
  /** The state table's name, printed in the alert's undo commands. */
  readonly stateTableName?: string;
}

/** Everything a run needs from outside, injected so the same code runs in Lambda, tests and the simulator. */
export interface ScanDependencies {
  readonly clients: ScanClients;
  readonly stateStore: StateStore;
  /** Rate-limits and counts every AWS call of the run; one per run, shared with the state store. */
  readonly budget: RequestBudget;
  readonly clock: Clock;
  /** Writes one structured log record (a JSON line in Lambda). */
  readonly log: (record: Readonly<Record<string, unknown>>) => void;
  /** Epoch milliseconds after which no new per-function check starts (leaves time to alert and save). */
  readonly deadline?: number;
  /** Identifies this run's alert; unique per run. */
  readonly newAlertId: () => string;
  /**
   * The audit trail every action is recorded in before it is applied; without one, remediation applies nothing.
   * @default - none
   */
  readonly actionLog?: ActionLog;
  /**
   * A new unique action id.
   * @default - the run's time and 8 random hex digits
   */
  readonly newActionId?: () => string;
}

/** What starts a run besides the schedule. */
export interface RunOptions {
  /**
   * A metric-focused run, started by one of the trigger alarms: no ListFunctions and no rotating GetFunction sweep
   * (state problems are the state-change events' and the schedule's), the metric window ending at the alarm's
   * newest minute, GetFunction only for the functions the metrics name, then the same detection, decisions,
   * actions, alert and state as a scheduled scan. The snapshot is marked incomplete, so no state finding resolves,
   * and the schedule's `lastRunAt` stays as it was, so the sweep's rotation misses nobody.
   * @default - a scheduled scan
   */
  readonly alarm?: AlarmTrigger;
}

/**
 * One scan: collect → detect → decide → act → notify → persist, each phase's output logged as JSON lines.
 * Collection, detection and action problems are recorded in the report and the run goes on; failing to
 * publish the alert or save state throws, after saving enough that the retry sends no duplicate. Actions are
 * recorded in the action log as they are applied, so a retried run repeats none.
 */
export async function runScan(
  settings: SentinelSettings,
  target: ScanTarget,
  deps: ScanDependencies,
  options: RunOptions = {},
): Promise<ScanReport> {
  const { clients, stateStore, budget, clock, log } = deps;
  const { alarm } = options;
  const startedAt = clock.now();
  if (alarm)
    log({ phase: 'trigger', alarm: alarm.alarmName, windowEnd: new Date(alarm.windowEnd).toISOString() });

  const previous = await stateStore.load();
  const redelivered = await deliverPendingAlerts(previous, target, deps, settings);

  const inventory: Inventory = alarm
    ? {
        functions: [],
        inventoryComplete: false,
        ignoredFunctions: [],
        checked: [],
        unchecked: [],
        errors: [],
      }
    : await collectInventory({
        lambda: clients.lambda,
        budget,
        settings,
        clock,
        now: startedAt,
        previous,
        ...(deps.deadline !== undefined ? { deadline: deps.deadline } : {}),
      });
  const metrics = await collectMetrics({
    cloudwatch: clients.cloudwatch,
    lambda: clients.lambda,
    budget,
    settings,
    now: startedAt,
    functions: inventory.functions,
    ...(previous.spilloverProbedThrough !== undefined
      ? { spilloverProbedThrough: previous.spilloverProbedThrough }
      : {}),
    cappedFunctions: cappedFunctions(previous.actions ?? []),
    provisionedRechecks: provisionedRechecks(previous.openFindings),
    ...(alarm ? { windowEnd: alarm.windowEnd } : {}),
  });
  const errors: ScanError[] = [...inventory.errors, ...metrics.errors];
  log({
    phase: 'collect',
    functionsListed: inventory.functions.length + inventory.ignoredFunctions.length,
    functionsChecked: inventory.checked.length,
    functionsIgnored: inventory.ignoredFunctions.length,
    inventoryComplete: inventory.inventoryComplete,
    metricsRequested: metrics.metricsRequested,
    metricCoverage: metrics.metrics.coverage,
    errors,
  });

  const firstLook: DetectorContext = {
    snapshot: {
      accountId: target.accountId,
      region: target.region,
      collectedAt: new Date(startedAt).toISOString(),
      functions: inventory.functions,
      inventoryComplete: inventory.inventoryComplete,
      ignoredFunctions: inventory.ignoredFunctions,
      metrics: metrics.metrics,
    },
    settings,
    now: startedAt,
  };
  const { context, checkedAgain } = await checkNamedFunctions(
    firstLook,
    inventory,
    deps,
    settings,
    previous.unsettledFunctions ?? [],
  );
  errors.push(...checkedAgain.errors);
  const snapshot = context.snapshot;
  const detected = runDetectors(context, DETECTORS);
  errors.push(...detected.errors);
  // Metrics name functions whatever their tags; the ignore tag silences them all the same.
  const ignored = new Set(snapshot.ignoredFunctions);
  const findings = detected.findings.filter((finding) => !ignored.has(finding.functionName));
  log({ phase: 'detect', findings, errors: detected.errors });

  const decision = decide({
    findings,
    snapshot,
    settings,
    ...(target.selfFunctionName !== undefined ? { selfFunctionName: target.selfFunctionName } : {}),
    earlier: {
      actions: previous.actions ?? [],
      openFindings: previous.openFindings,
      ...(previous.lastRunAt !== undefined ? { lastRunAt: previous.lastRunAt } : {}),
    },
    now: startedAt,
    newActionId: deps.newActionId ?? (() => newActionId(clock.now(), randomUUID)),
  });
  log({ phase: 'decide', planned: decision.planned, skipped: decision.skipped });
  const acted = await act({
    planned: decision.planned,
    lambda: clients.lambda,
    budget,
    actionLog: deps.actionLog,
    clock,
    log,
    protectTag: settings.protectTag,
    ...(deps.deadline !== undefined ? { deadline: deps.deadline } : {}),
  });
  errors.push(...acted.errors);

  const {
    errors: deliveryErrors,
    newFindingKinds,
    ...alerted
  } = await notifyAndPersist(settings, target, deps, {
    snapshot,
    findings,
    previous,
    isAssessed: (stored) => isAssessed(context, DETECTORS, stored),
    startedAt,
    remediation: { actions: acted.actions, skipped: decision.skipped },
    spilloverProbedThrough: spilloverProbedThrough(previous.spilloverProbedThrough, metrics.metrics),
    ...(alarm ? { keepLastRunAt: true } : {}),
  });

  // Events EventBridge refused are the run's errors; the alert they belong to was delivered all the same.
  errors.push(...redelivered.errors, ...deliveryErrors);
  const report: ScanReport = {
    findings,
    actions: acted.actions,
    errors,
    stats: {
      functionsListed: snapshot.functions.length + snapshot.ignoredFunctions.length,
      functionsChecked: inventory.checked.length + checkedAgain.checked.length,
      functionsIgnored: snapshot.ignoredFunctions.length,
      apiCalls: budget.apiCalls,
      throttledCalls: budget.throttledCalls,
      metricsRequested: metrics.metricsRequested,
      ...alerted,
      eventsPut: redelivered.put + alerted.eventsPut,
      durationMs: clock.now() - startedAt,
    },
    ...(newFindingKinds.length > 0 ? { newFindingKinds } : {}),
  };
  log({ phase: 'report', errors: report.errors, stats: report.stats });
  return report;
}

/** Functions under a cap an earlier run applied and nobody has lifted or undone: candidates for a lift. */
function cappedFunctions(actions: readonly ActionRecord[]): string[] {
  return [...new Set(appliedCaps(actions).map((record) => record.functionName))].sort();
}

/**
 * Metric findings can name functions this run did not GetFunction (metrics cover every function, state checks
 * only a slice). Those are checked now, before anything is reported: a function carrying the ignore tag must
 * stay silent, and a function with its own reserved concurrency is never a concurrency hog.
 */
async function checkNamedFunctions(
  context: DetectorContext,
  inventory: Inventory,
  deps: ScanDependencies,
  settings: SentinelSettings,
  sightings: readonly UnsettledSighting[],
): Promise<{ context: DetectorContext; checkedAgain: Pick<Inventory, 'checked' | 'errors'> }> {
  const checked = new Set(inventory.checked.map((candidate) => candidate.functionName));
  const named = new Set([
    ...runDetectors(context, DETECTORS).findings.map((finding: Finding) => finding.functionName),
    ...hogsNeedingDetail(context),
  ]);
  const candidates = [...named]
    .filter((name) => !checked.has(name) && !context.snapshot.ignoredFunctions.includes(name))
    .sort()
    .map((functionName) => ({ functionName, reason: 'named-by-finding' as const }));
  if (candidates.length === 0) return { context, checkedAgain: { checked: [], errors: [] } };

  const again = await checkFunctions(
    {
      lambda: deps.clients.lambda,
      budget: deps.budget,
      settings,
      clock: deps.clock,
      ...(deps.deadline !== undefined ? { deadline: deps.deadline } : {}),
    },
    candidates,
    context.snapshot.functions,
  );
  const snapshot: AccountSnapshot = {
    ...context.snapshot,
    functions: withUnsettledSince(again.functions, sightings, context.now),
    ignoredFunctions: [...context.snapshot.ignoredFunctions, ...again.ignoredFunctions],
  };
  return { context: { ...context, snapshot }, checkedAgain: again };
}
