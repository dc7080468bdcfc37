import { checkFunctions, withUnsettledSince } from './collect/inventory';
import type { DetectorContext } from './detect/detector';
import { isAssessed, runDetectors, STATE_DETECTORS } from './detect/registry';
import type { AccountSnapshot, ScanReport } from './model';
import { deliverPendingAlerts, notifyAndPersist } from './notify-and-persist';
import type { ScanDependencies, ScanTarget } from './run-scan';
import type { SentinelSettings } from './settings';

/**
 * A check of a few named functions only, run when their state-change events come due: GetFunction for each,
 * the state detectors (stuck-pending, failed-state), and the same alert planning and state as the scheduled scan,
 * so whichever of the two sees a finding first alerts and the other stays quiet. No ListFunctions, no metrics, no
 * remediation (left to the scheduled scan), and `lastRunAt` stays the scan's. The snapshot is marked incomplete,
 * so a function that was not checked (or is gone) resolves nothing.
 */
export async function runFocusedCheck(
  settings: SentinelSettings,
  target: ScanTarget,
  deps: ScanDependencies,
  functionNames: readonly string[],
): Promise<ScanReport> {
  const { budget, clock, log } = deps;
  const startedAt = clock.now();

  const previous = await deps.stateStore.load();
  const redelivered = await deliverPendingAlerts(previous, target, deps, settings);

  const candidates = [...new Set(functionNames)]
    .sort()
    .map((functionName) => ({ functionName, reason: 'state-change-event' as const }));
  const checks = await checkFunctions(
    {
      lambda: deps.clients.lambda,
      budget,
      settings,
      clock,
      ...(deps.deadline !== undefined ? { deadline: deps.deadline } : {}),
    },
    candidates,
    [],
  );
  // A function deleted before its check came due is the expected end of a Deleting event, not a failure.
  const gone = checks.errors.filter((error) => error.code === 'ResourceNotFoundException');
  const errors = checks.errors.filter((error) => !gone.includes(error));
  log({
    phase: 'collect',
    functionsChecked: checks.checked.map((candidate) => candidate.functionName),
    functionsGone: gone.map((error) => error.functionName),
    functionsIgnored: checks.ignoredFunctions,
    errors,
  });

  const snapshot: AccountSnapshot = {
    accountId: target.accountId,
    region: target.region,
    collectedAt: new Date(startedAt).toISOString(),
    functions: withUnsettledSince(checks.functions, previous.unsettledFunctions ?? [], startedAt),
    inventoryComplete: false,
    ignoredFunctions: checks.ignoredFunctions,
  };
  const context: DetectorContext = { snapshot, settings, now: startedAt };
  const detected = runDetectors(context, STATE_DETECTORS);
  errors.push(...detected.errors);
  log({ phase: 'detect', findings: detected.findings, errors: detected.errors });

  const {
    errors: deliveryErrors,
    newFindingKinds,
    ...alerted
  } = await notifyAndPersist(settings, target, deps, {
    snapshot,
    findings: detected.findings,
    previous,
    // Only state findings can be judged from a GetFunction; metric findings stay open for the scan to judge.
    isAssessed: (stored) => isAssessed(context, STATE_DETECTORS, stored),
    startedAt,
    keepLastRunAt: true,
  });

  // Events EventBridge refused are the run's errors; the alert they belong to was delivered all the same.
  errors.push(...redelivered.errors, ...deliveryErrors);
  const report: ScanReport = {
    findings: detected.findings,
    actions: [],
    errors,
    stats: {
      functionsListed: 0,
      functionsChecked: checks.checked.length,
      functionsIgnored: checks.ignoredFunctions.length,
      apiCalls: budget.apiCalls,
      throttledCalls: budget.throttledCalls,
      metricsRequested: 0,
      ...alerted,
      eventsPut: redelivered.put + alerted.eventsPut,
      durationMs: clock.now() - startedAt,
    },
    ...(newFindingKinds.length > 0 ? { newFindingKinds } : {}),
  };
  log({ phase: 'report', errors: report.errors, stats: report.stats });
  return report;
}
