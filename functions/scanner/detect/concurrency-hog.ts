import { seriesPeak, seriesSum } from '../collect/metric-series';
import type { Finding, FunctionMetrics, MetricsSnapshot } from '../model';
import { functionConsoleLink } from './checked-function';
import type { Detector, DetectorContext } from './detector';
import {
  deliveredMetrics,
  formatCount,
  inventoried,
  isIgnored,
  windowEvidence,
  windowGraphLink,
} from './metric-context';

/** Victims graphed in one link; the evidence lists them all. */
const GRAPHED_VICTIMS = 10;

/** The function's own reserved concurrency: a number, 'none', or undefined when GetFunction did not run for it. */
function reservedConcurrency(context: DetectorContext, functionName: string): number | 'none' | undefined {
  const detail = inventoried(context, functionName)?.detail;
  if (!detail) return undefined;
  return detail.reservedConcurrency ?? 'none';
}

/** Peak concurrency that makes a hog: `hogShare` of the account limit. */
function hogThreshold(context: DetectorContext, metrics: MetricsSnapshot): number | undefined {
  const limit = metrics.accountLimits?.concurrentExecutions;
  return limit === undefined ? undefined : context.settings.hogShare * limit;
}

interface Victim {
  readonly functionName: string;
  readonly throttles: number;
}

/**
 * Functions throttled in the window, most throttled first. A function with its own reserved concurrency is
 * left out: its throttles come from its own cap, not from the shared pool the hog drains.
 */
function throttledFunctions(context: DetectorContext, metrics: MetricsSnapshot): Victim[] {
  return metrics.functions
    .map((fn) => ({ functionName: fn.functionName, throttles: seriesSum(fn.throttles) ?? 0 }))
    .filter((victim) => victim.throttles > 0 && !isIgnored(context, victim.functionName))
    .filter((victim) => typeof reservedConcurrency(context, victim.functionName) !== 'number')
    .sort((a, b) => b.throttles - a.throttles || a.functionName.localeCompare(b.functionName));
}

/** Functions whose peak reached the threshold; a function with reserved concurrency is isolated, never a hog. */
function hogCandidates(context: DetectorContext, metrics: MetricsSnapshot): FunctionMetrics[] {
  const threshold = hogThreshold(context, metrics);
  if (threshold === undefined) return [];
  return metrics.functions.filter(
    (fn) =>
      (seriesPeak(fn.concurrentExecutions) ?? -Infinity) >= threshold &&
      !isIgnored(context, fn.functionName) &&
      typeof reservedConcurrency(context, fn.functionName) !== 'number',
  );
}

function hogFinding(
  context: DetectorContext,
  metrics: MetricsSnapshot,
  hog: FunctionMetrics,
  victims: readonly Victim[],
): Finding {
  const limit = metrics.accountLimits?.concurrentExecutions ?? 0;
  const threshold = hogThreshold(context, metrics) ?? 0;
  const peak = seriesPeak(hog.concurrentExecutions) ?? 0;
  const since = hog.concurrentExecutions?.points.find((point) => point.value >= threshold)?.at;
  const reserved = reservedConcurrency(context, hog.functionName);
  const regionThrottles = seriesSum(metrics.account.throttles);
  const claimedPeak = seriesPeak(metrics.account.claimedAccountConcurrency);
  const name = hog.functionName;
  return {
    kind: 'concurrency-hog',
    functionName: name,
    severity: 'critical',
    summary:
      `${name} peaked at ${formatCount(peak)} concurrent executions, ${Math.round((peak / limit) * 100)}% of ` +
      `the account limit of ${formatCount(limit)}, while ${victims.length} other ` +
      `function${victims.length === 1 ? ' was' : 's were'} throttled`,
    evidence: {
      peakConcurrentExecutions: peak,
      accountConcurrencyLimit: limit,
      hogThreshold: threshold,
      unreservedConcurrencyLimit: metrics.accountLimits?.unreservedConcurrentExecutions ?? limit,
      ...(claimedPeak !== undefined ? { peakClaimedAccountConcurrency: claimedPeak } : {}),
      reservedConcurrency: reserved === undefined ? 'not checked' : String(reserved),
      throttledFunctions: victims.length,
      throttledVictims: victims.map(
        (victim) => `${victim.functionName}: ${formatCount(victim.throttles)} throttles`,
      ),
      ...(regionThrottles !== undefined ? { accountThrottles: regionThrottles } : {}),
      ...windowEvidence(metrics),
    },
    guidance:
      `All functions in the account and Region draw from one concurrency pool, and ${name} took most of it, so ` +
      'other functions were refused with throttling errors. Split the pool with reserved concurrency: setting ' +
      `reserved concurrency on ${name} both guarantees and caps what it can use (the opt-in cap-hogs ` +
      'remediation does this), and reserving concurrency for the functions that must not be throttled keeps ' +
      'their share for them. Reserved concurrency cannot take the unreserved pool below the account minimum ' +
      '(100 on most accounts). If the load is legitimate, ask AWS for a higher concurrency quota.',
    fingerprint: `concurrency-hog:${name}`,
    ...(since !== undefined ? { since } : {}),
    links: [
      functionConsoleLink(context.snapshot.region, name),
      windowGraphLink(context, metrics, `Concurrent executions of ${name}`, [
        { metricName: 'ConcurrentExecutions', dimensions: { FunctionName: name }, stat: 'Maximum' },
      ]),
      windowGraphLink(
        context,
        metrics,
        'Throttles of the most throttled functions',
        victims.slice(0, GRAPHED_VICTIMS).map((victim) => ({
          metricName: 'Throttles',
          dimensions: { FunctionName: victim.functionName },
          stat: 'Sum' as const,
        })),
      ),
    ],
  };
}

/**
 * Hog candidates that no GetFunction read this run, so their reserved concurrency is unknown: the handler
 * should read them (GetFunction's `Concurrency`) and detect again, because a function with reserved
 * concurrency is never a hog. Findings made without it say `reservedConcurrency: not checked`.
 */
export function hogsNeedingDetail(context: DetectorContext): string[] {
  const metrics = deliveredMetrics(context);
  if (!metrics) return [];
  return hogCandidates(context, metrics)
    .filter((fn) => reservedConcurrency(context, fn.functionName) === undefined)
    .map((fn) => fn.functionName);
}

/**
 * `concurrency-hog`: one function's peak concurrency reached `hogShare` of the account limit while other
 * functions were throttled. High concurrency with nobody throttled is no finding.
 */
export const concurrencyHog: Detector = {
  kind: 'concurrency-hog',
  detect(context) {
    const metrics = deliveredMetrics(context);
    if (!metrics) return [];
    const throttled = throttledFunctions(context, metrics);
    return hogCandidates(context, metrics).flatMap((hog) => {
      const victims = throttled.filter((victim) => victim.functionName !== hog.functionName);
      return victims.length > 0 ? [hogFinding(context, metrics, hog, victims)] : [];
    });
  },
  assessed(context) {
    const metrics = deliveredMetrics(context);
    return (
      metrics !== undefined &&
      metrics.account.throttles !== undefined &&
      metrics.coverage.concurrencyDrill !== 'failed'
    );
  },
};
