/**
 * The concurrency drill-down, for concurrency hogs: only when the region throttled. A hog drains the unreserved
 * pool (the account limit less every function's reserved concurrency), so the pool's size from GetAccountSettings
 * and the region's UnreservedConcurrentExecutions decide whether any function could have taken `hogShare` of it;
 * if so, Metrics Insights ranks functions by peak concurrency and by throttles, and the provisioned concurrency of
 * those above the threshold is read (a cap may never go at or below it).
 */
import type { AccountConcurrencyLimits, AccountMetrics, FunctionMetrics, MetricWindow } from '../model';
import { readAccountLimits, readProvisionedConfigs } from './lambda-settings';
import type { Collector, DrillResult } from './metric-collector';
import { WINDOW_PERIOD_SECONDS, topFunctionsQuery } from './metric-queries';
import { hasNonZero, seriesPeak } from './metric-series';

/** How far the concurrency drill-down reaches. */
export const CONCURRENCY_DRILL_LIMITS = {
  /** Functions ranked by peak concurrency; a hog is among the first few by definition. */
  topConcurrency: 10,
  /** Throttled functions considered as victims. */
  throttledVictims: 100,
  /** Hog candidates whose provisioned concurrency is read (each call draws on the shared control-plane quota). */
  lambdaChecks: 10,
} as const;

/** The peak concurrency that makes a hog: `hogShare` of the unreserved pool. */
export function hogThreshold(limits: AccountConcurrencyLimits, hogShare: number): number {
  return hogShare * limits.unreservedConcurrentExecutions;
}

/** Runs the concurrency drill-down; see the file comment. */
export async function drillConcurrency(
  collector: Collector,
  account: AccountMetrics,
  window: MetricWindow,
  inInventory: (functionName: string) => boolean,
): Promise<DrillResult & { readonly accountLimits?: AccountConcurrencyLimits }> {
  if (!account.throttles) return { status: 'failed', functions: [] };
  if (!hasNonZero(account.throttles)) return { status: 'not-needed', functions: [] };
  const accountLimits = await readAccountLimits(collector);
  if (!accountLimits) return { status: 'failed', functions: [] };
  const threshold = hogThreshold(accountLimits, collector.input.settings.hogShare);
  // What the pooled functions used together; without that series, the region's total is an upper bound.
  const poolPeak =
    seriesPeak(account.unreservedConcurrentExecutions) ?? seriesPeak(account.concurrentExecutions);
  if (poolPeak !== undefined && poolPeak < threshold) {
    return { status: 'not-needed', functions: [], accountLimits };
  }
  const answers = await collector.fetch(
    'concurrency-drill',
    [
      topFunctionsQuery(
        'top_concurrency',
        {
          metricName: 'ConcurrentExecutions',
          aggregate: 'MAX',
          limit: CONCURRENCY_DRILL_LIMITS.topConcurrency,
        },
        WINDOW_PERIOD_SECONDS,
      ),
      topFunctionsQuery(
        'top_throttles',
        { metricName: 'Throttles', aggregate: 'SUM', limit: CONCURRENCY_DRILL_LIMITS.throttledVictims },
        WINDOW_PERIOD_SECONDS,
      ),
    ],
    { start: window.start, end: window.end },
    WINDOW_PERIOD_SECONDS,
  );
  const top = answers.series.get('top_concurrency');
  const throttled = answers.series.get('top_throttles');
  const candidates = [...(top ?? [])]
    .filter(([functionName, series]) => (seriesPeak(series) ?? 0) >= threshold && inInventory(functionName))
    .slice(0, CONCURRENCY_DRILL_LIMITS.lambdaChecks);
  const provisioned = new Map<string, number>();
  await Promise.all(
    candidates.map(async ([functionName]) => {
      const configs = await readProvisionedConfigs(collector, functionName);
      if (configs)
        provisioned.set(
          functionName,
          configs.reduce((total, config) => total + config.requested, 0),
        );
    }),
  );
  const functions: FunctionMetrics[] = [
    ...[...(top ?? [])].map(([functionName, concurrentExecutions]): FunctionMetrics => {
      const provisionedConcurrency = provisioned.get(functionName);
      return {
        functionName,
        reasons: ['top-concurrency'],
        concurrentExecutions,
        ...(provisionedConcurrency !== undefined ? { provisionedConcurrency } : {}),
      };
    }),
    ...[...(throttled ?? [])]
      .filter(([, series]) => hasNonZero(series))
      .map(([functionName, throttles]): FunctionMetrics => ({
        functionName,
        reasons: ['throttled'],
        throttles,
      })),
  ];
  return { status: top && throttled ? 'done' : 'failed', functions, accountLimits };
}
