/**
 * Whether one function takes the account's unreserved pool from the others, or is throttled because another one
 * does, read the way a scan reads it: the scanner's own concurrency drill-down (Metrics Insights ranks the
 * region's functions by peak concurrency and by throttles) and then GetFunction for the functions whose
 * reservation the concurrency-hog detector must know. It runs only when the question arises: the function draws on
 * the pool and the region throttled in the window.
 */
import { checkFunctions } from '../../functions/scanner/collect/inventory';
import { drillConcurrency, hogThreshold } from '../../functions/scanner/collect/drill-concurrency';
import { Collector } from '../../functions/scanner/collect/metric-collector';
import { hasNonZero, seriesPeak } from '../../functions/scanner/collect/metric-series';
import { hogsNeedingDetail } from '../../functions/scanner/detect/concurrency-hog';
import type { DetectorContext } from '../../functions/scanner/detect/detector';
import type { DrillStatus } from '../../functions/scanner/model';
import type { DiagnosisInput, FunctionReading } from './function-reading';
import { failureOfScanError, valueOf, type ReadFailure } from './reading';

/** The context the concurrency-hog detector judges the function in, and what could not be read for it. */
export interface PoolReading {
  /** Whether the drill-down ran: the function draws on the pool and the region throttled. */
  readonly drilled: boolean;
  readonly status: DrillStatus;
  /** The function's context, with the other functions the drill-down found and their reservations. */
  readonly context: DetectorContext;
  /** Why the drill-down or a GetFunction it needed failed. */
  readonly failure?: ReadFailure;
}

/** Reads the pool around the function where the question arises; see the file comment. */
export async function readPool(reading: FunctionReading, input: DiagnosisInput): Promise<PoolReading> {
  const { fn, context } = reading;
  const metrics = context.snapshot.metrics;
  const own = metrics?.functions.find((entry) => entry.functionName === fn.functionName);
  const pooled = fn.detail !== undefined && fn.detail.reservedConcurrency === undefined;
  const skip: PoolReading = { drilled: false, status: 'not-needed', context };
  if (!metrics || !reading.metrics.read || !pooled || !hasNonZero(metrics.account.throttles)) return skip;
  const limits = valueOf(reading.limits);
  const high =
    limits === undefined ||
    (seriesPeak(own?.concurrentExecutions) ?? 0) >= hogThreshold(limits, input.settings.hogShare);
  if (!high && !hasNonZero(own?.throttles)) return skip;

  const { clients, budget, settings, now } = input;
  const collector = new Collector(
    { cloudwatch: clients.cloudwatch, lambda: clients.lambda, budget, settings, now },
    0,
  );
  const drill = await drillConcurrency(collector, metrics.account, metrics.window, () => true);
  const accountLimits = drill.accountLimits ?? metrics.accountLimits;
  const drilled: DetectorContext = {
    ...context,
    snapshot: {
      ...context.snapshot,
      metrics: {
        ...metrics,
        ...(accountLimits ? { accountLimits } : {}),
        // The function's own series were read directly; the drill-down's copy of them adds nothing.
        functions: [
          ...metrics.functions,
          ...drill.functions.filter((entry) => entry.functionName !== fn.functionName),
        ],
        coverage: { ...metrics.coverage, concurrencyDrill: drill.status, partial: [...collector.partial] },
      },
    },
  };
  const needing = hogsNeedingDetail(drilled);
  const checks = await checkFunctions(
    { lambda: clients.lambda, budget, settings, ...(input.clock ? { clock: input.clock } : {}) },
    needing.map((functionName) => ({ functionName, reason: 'named-by-finding' as const })),
    drilled.snapshot.functions,
  );
  const firstError = [...collector.errors, ...checks.errors][0];
  return {
    drilled: true,
    status: drill.status,
    context: {
      ...drilled,
      snapshot: {
        ...drilled.snapshot,
        functions: checks.functions,
        ignoredFunctions: checks.ignoredFunctions,
      },
    },
    ...(firstError ? { failure: failureOfScanError(firstError) } : {}),
  };
}
