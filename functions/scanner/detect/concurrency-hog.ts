/**
 * `concurrency-hog`: one function took `hogShare` of the unreserved pool while other functions that draw on the
 * same pool were throttled in the same minutes. The pool is the account's limit less every reservation
 * (GetAccountSettings' UnreservedConcurrentExecutions): a function with its own reserved concurrency is isolated
 * from it, so it can be neither the hog nor its victim (its throttles come from its own reservation). A function
 * whose reservation this run could not read is neither: the run reads it first (`hogsNeedingDetail`).
 */
import { hogThreshold } from '../collect/drill-concurrency';
import { minuteValues, seriesPeak, seriesSum } from '../collect/metric-series';
import type { AccountConcurrencyLimits, Finding, FunctionMetrics, MetricsSnapshot } from '../model';
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

const pooled = (context: DetectorContext, functionName: string) =>
  reservedConcurrency(context, functionName) === 'none';

/** Functions whose peak reached the threshold and that are not ignored, whatever their reservation. */
function abovePoolShare(
  context: DetectorContext,
  metrics: MetricsSnapshot,
  limits: AccountConcurrencyLimits,
): FunctionMetrics[] {
  const threshold = hogThreshold(limits, context.settings.hogShare);
  return metrics.functions.filter(
    (fn) =>
      (seriesPeak(fn.concurrentExecutions) ?? -Infinity) >= threshold && !isIgnored(context, fn.functionName),
  );
}

/** The minutes in which the hog held at least the threshold, as ISO-8601 minute starts. */
function peakMinutes(metrics: MetricsSnapshot, hog: FunctionMetrics, threshold: number): string[] {
  const { start, end } = metrics.window;
  const values = minuteValues(hog.concurrentExecutions, start, end) ?? [];
  return values.flatMap((value, index) =>
    value >= threshold ? [new Date(Date.parse(start) + index * 60_000).toISOString()] : [],
  );
}

interface Victim {
  readonly functionName: string;
  /** Throttles in the hog's peak minutes. */
  readonly throttles: number;
}

/** Pooled functions throttled in `minutes`, most throttled first; and throttled ones whose reservation is unknown. */
function victimsIn(
  context: DetectorContext,
  metrics: MetricsSnapshot,
  hog: string,
  minutes: readonly string[],
): { victims: Victim[]; unchecked: string[] } {
  const inPeak = new Set(minutes);
  const throttled = metrics.functions
    .filter((fn) => fn.functionName !== hog && !isIgnored(context, fn.functionName))
    .map((fn) => ({
      functionName: fn.functionName,
      throttles: (fn.throttles?.points ?? [])
        .filter((point) => inPeak.has(point.at))
        .reduce((total, point) => total + point.value, 0),
    }))
    .filter((victim) => victim.throttles > 0);
  return {
    victims: throttled
      .filter((victim) => pooled(context, victim.functionName))
      .sort((a, b) => b.throttles - a.throttles || a.functionName.localeCompare(b.functionName)),
    unchecked: throttled
      .filter((victim) => reservedConcurrency(context, victim.functionName) === undefined)
      .map((victim) => victim.functionName)
      .sort(),
  };
}

function rangeText(minutes: readonly string[]): string {
  const first = minutes[0] ?? '';
  const last = minutes.at(-1) ?? first;
  const end = new Date(Date.parse(last) + 60_000).toISOString();
  return `${first} to ${end} (${minutes.length} minute${minutes.length === 1 ? '' : 's'})`;
}

function hogFinding(
  context: DetectorContext,
  metrics: MetricsSnapshot,
  limits: AccountConcurrencyLimits,
  hog: FunctionMetrics,
  minutes: readonly string[],
  victims: readonly Victim[],
  unchecked: readonly string[],
): Finding {
  const pool = limits.unreservedConcurrentExecutions;
  const threshold = hogThreshold(limits, context.settings.hogShare);
  const peak = seriesPeak(hog.concurrentExecutions) ?? 0;
  const poolPeak = seriesPeak(metrics.account.unreservedConcurrentExecutions);
  const claimedPeak = seriesPeak(metrics.account.claimedAccountConcurrency);
  const regionThrottles = seriesSum(metrics.account.throttles);
  const name = hog.functionName;
  const reservedElsewhere = limits.concurrentExecutions - pool;
  return {
    kind: 'concurrency-hog',
    functionName: name,
    severity: 'critical',
    summary:
      `${name} peaked at ${formatCount(peak)} concurrent executions, ${Math.round((peak / pool) * 100)}% of the ` +
      `unreserved pool of ${formatCount(pool)}, while ${victims.length} other function` +
      `${victims.length === 1 ? ' that draws on the pool was' : 's that draw on the pool were'} throttled in those minutes`,
    evidence: {
      peakConcurrentExecutions: peak,
      unreservedPool: pool,
      accountConcurrencyLimit: limits.concurrentExecutions,
      reservedByOtherFunctions: reservedElsewhere,
      hogShare: context.settings.hogShare,
      hogThreshold: threshold,
      peakMinutes: rangeText(minutes),
      ...(poolPeak !== undefined ? { peakUnreservedConcurrentExecutions: poolPeak } : {}),
      ...(claimedPeak !== undefined ? { peakClaimedAccountConcurrency: claimedPeak } : {}),
      reservedConcurrency: 'none',
      ...(hog.provisionedConcurrency !== undefined
        ? { provisionedConcurrency: hog.provisionedConcurrency }
        : {}),
      throttledFunctions: victims.length,
      throttledVictims: victims.map(
        (victim) => `${victim.functionName}: ${formatCount(victim.throttles)} throttles in those minutes`,
      ),
      ...(unchecked.length > 0 ? { throttledButNotChecked: unchecked } : {}),
      ...(regionThrottles !== undefined ? { accountThrottles: regionThrottles } : {}),
      ...windowEvidence(metrics),
    },
    guidance:
      `Functions without reserved concurrency share one pool: the account's limit less every reservation ` +
      `(${formatCount(reservedElsewhere)} of ${formatCount(limits.concurrentExecutions)} are reserved). ${name} took ` +
      'most of it, so other functions in the pool were refused with throttling errors. Split the pool with ' +
      `reserved concurrency: a reservation on ${name} both guarantees and caps what it can use (the opt-in ` +
      'cap-hogs remediation sets one for a while and lifts it once the function is calm), and reserving ' +
      'concurrency for the functions that must not be throttled keeps their share for them. No reservation may ' +
      'take the pool below its minimum (100 on most accounts), and a function with provisioned concurrency needs a ' +
      'reservation above it. If the load is legitimate, ask AWS for a higher concurrency quota.',
    fingerprint: `concurrency-hog:${name}`,
    ...(minutes[0] !== undefined ? { since: minutes[0] } : {}),
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
 * Functions whose reserved concurrency this run must read before hogs can be judged: candidates above the pool
 * share, and, when there is any candidate, the throttled functions (a victim must be known to draw on the pool).
 */
export function hogsNeedingDetail(context: DetectorContext): string[] {
  const metrics = deliveredMetrics(context);
  const limits = metrics?.accountLimits;
  if (!metrics || !limits) return [];
  const candidates = abovePoolShare(context, metrics, limits);
  if (candidates.length === 0) return [];
  const throttled = metrics.functions.filter((fn) => (seriesSum(fn.throttles) ?? 0) > 0);
  return [...new Set([...candidates, ...throttled].map((fn) => fn.functionName))]
    .filter((name) => !isIgnored(context, name) && reservedConcurrency(context, name) === undefined)
    .sort();
}

/** `concurrency-hog`: see the file comment. High concurrency with nobody in the pool throttled is no finding. */
export const concurrencyHog: Detector = {
  kind: 'concurrency-hog',
  detect(context) {
    const metrics = deliveredMetrics(context);
    const limits = metrics?.accountLimits;
    if (!metrics || !limits) return [];
    const threshold = hogThreshold(limits, context.settings.hogShare);
    return abovePoolShare(context, metrics, limits)
      .filter((hog) => pooled(context, hog.functionName))
      .flatMap((hog) => {
        const minutes = peakMinutes(metrics, hog, threshold);
        const { victims, unchecked } = victimsIn(context, metrics, hog.functionName, minutes);
        return victims.length > 0
          ? [hogFinding(context, metrics, limits, hog, minutes, victims, unchecked)]
          : [];
      });
  },
  assessed(context, functionName) {
    const metrics = deliveredMetrics(context);
    if (!metrics?.account.throttles || metrics.coverage.concurrencyDrill === 'failed') return false;
    if (
      metrics.coverage.partial.includes('region') ||
      metrics.coverage.partial.includes('concurrency-drill')
    ) {
      return false;
    }
    // Above the pool share again but its reservation unreadable this run: whether it still hogs is unknown.
    const limits = metrics.accountLimits;
    const stillHigh =
      limits && abovePoolShare(context, metrics, limits).some((fn) => fn.functionName === functionName);
    return !(stillHigh && reservedConcurrency(context, functionName) === undefined);
  },
};
