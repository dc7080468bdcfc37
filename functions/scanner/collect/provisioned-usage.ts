/**
 * How much an alias or version uses its provisioned concurrency, read from what the probes return: the thresholds
 * that make "near zero", "mostly bypassing" and "about to spill", and the pure readings of the series behind them.
 * The collector uses them to choose which functions to drill into, and the `pc-health` detector to judge: both
 * must read the same minutes the same way.
 */
import type { FunctionMetrics, MetricSeries, MetricWindow, ProvisionedSetup } from '../model';
import { minuteValues } from './metric-series';

/**
 * Provisioned invocations at or below one a minute on average are "near zero". Not zero: a health check, a
 * smoke test after a deploy or one caller that names the alias keeps a trickle going while the real traffic goes
 * elsewhere; an alias that carries its traffic serves far more than that.
 */
export const NEAR_ZERO_PROVISIONED_PER_MINUTE = 1;

/**
 * Traffic "mostly" bypasses provisioned concurrency when at least 90% of the function's invocations in the window
 * named neither a qualifier with provisioned concurrency nor an alias routed to one. With near-zero provisioned
 * invocations this also means the function itself ran at least ten times that rate, so an idle function is never
 * called bypassed. Below 90% some callers do use it; what the rest lose shows as cold starts only they suffer,
 * which pc-spillover's unqualified count already names.
 */
export const MOSTLY_BYPASSING_SHARE = 0.9;

/**
 * Minutes at the window's end in which provisioned invocations that ran earlier in the window must all be zero to
 * count as "stopped" (an alias moved, a config reallocating, a trigger repointed). Two whole minutes: one empty
 * minute is common for a quiet alias, two in a row after a busy start are not; and with metrics three minutes
 * late, a longer wait would see an alias moved by a deploy only after `pendingMinutes`. A quiet alias that trips it
 * costs one metric (its function's total), and nothing more unless the function kept running.
 */
export const STOPPED_TAIL_MINUTES = 2;

/**
 * `ProvisionedConcurrencyUtilization` (Maximum) at or above this is "about to spill": nine environments in ten were
 * busy at the minute's peak, so the next burst spills over to cold starts.
 */
export const NEAR_SPILL_UTILIZATION = 0.9;

/**
 * Consecutive minutes at or above NEAR_SPILL_UTILIZATION that make a warning. Five: longer than Application Auto
 * Scaling's target tracking takes to react (its scale-out alarm wants three one-minute datapoints above target,
 * then the new environments need a minute or two to initialize), so a peak that auto scaling answers is not
 * reported, while a level held for five minutes is one that nothing is correcting. It is also no longer than the
 * overlap of two consecutive probed windows on the defaults (15-minute windows, probed at least every 10
 * minutes), so a streak is never split between two runs' windows.
 */
export const NEAR_SPILL_MINUTES = 5;

/** Minutes in the window, for rates per minute. */
export function windowMinutes(window: Pick<MetricWindow, 'start' | 'end'>): number {
  return Math.max(1, Math.round((Date.parse(window.end) - Date.parse(window.start)) / 60_000));
}

/** The window's count of a per-minute count series (a missing minute is 0); undefined when not read. */
export function windowSum(series: MetricSeries | undefined, window: MetricWindow): number | undefined {
  const values = minuteValues(series, window.start, window.end);
  return values?.reduce((total, value) => total + value, 0);
}

/**
 * Whether provisioned concurrency served next to nothing over the whole window: NEAR_ZERO_PROVISIONED_PER_MINUTE or
 * less on average. Undefined when the provisioned invocations were not read.
 */
export function provisionedNearZero(
  provisionedInvocations: MetricSeries | undefined,
  window: MetricWindow,
): boolean | undefined {
  const served = windowSum(provisionedInvocations, window);
  if (served === undefined) return undefined;
  return served <= NEAR_ZERO_PROVISIONED_PER_MINUTE * windowMinutes(window);
}

/**
 * Whether provisioned concurrency served in the window but none of its last STOPPED_TAIL_MINUTES: it stopped
 * serving minutes ago. False when it served throughout, never served in the window, or was not read.
 */
export function provisionedStopped(
  provisionedInvocations: MetricSeries | undefined,
  window: MetricWindow,
): boolean {
  const values = minuteValues(provisionedInvocations, window.start, window.end);
  if (!values || values.length <= STOPPED_TAIL_MINUTES) return false;
  const before = values.slice(0, -STOPPED_TAIL_MINUTES);
  const tail = values.slice(-STOPPED_TAIL_MINUTES);
  return before.some((value) => value > 0) && tail.every((value) => value === 0);
}

/** The longest run of minutes at or above NEAR_SPILL_UTILIZATION: how long, from when, and its peak. */
export interface UtilizationStreak {
  readonly minutes: number;
  /** ISO-8601 start of its first minute. */
  readonly start: string;
  /** ISO-8601 end of its last minute (exclusive). */
  readonly end: string;
  readonly peak: number;
}

/**
 * The longest streak of minutes whose utilization (a gauge: a minute without a datapoint had no provisioned
 * executions, so 0) was at or above NEAR_SPILL_UTILIZATION; undefined when there is none or it was not read.
 */
export function longestUtilizationStreak(
  utilization: MetricSeries | undefined,
  window: MetricWindow,
): UtilizationStreak | undefined {
  const values = minuteValues(utilization, window.start, window.end);
  if (!values) return undefined;
  const startMs = Date.parse(window.start);
  let best: UtilizationStreak | undefined;
  let runStart = -1;
  let runPeak = 0;
  values.forEach((value, index) => {
    if (value >= NEAR_SPILL_UTILIZATION) {
      if (runStart < 0) {
        runStart = index;
        runPeak = 0;
      }
      runPeak = Math.max(runPeak, value);
      const minutes = index - runStart + 1;
      if (!best || minutes > best.minutes) {
        best = {
          minutes,
          start: new Date(startMs + runStart * 60_000).toISOString(),
          end: new Date(startMs + (index + 1) * 60_000).toISOString(),
          peak: runPeak,
        };
      }
    } else {
      runStart = -1;
    }
  });
  return best;
}

/** Whether a qualifier's utilization held at NEAR_SPILL_UTILIZATION or more for NEAR_SPILL_MINUTES in a row. */
export function nearSpill(utilization: MetricSeries | undefined, window: MetricWindow): boolean {
  return (longestUtilizationStreak(utilization, window)?.minutes ?? 0) >= NEAR_SPILL_MINUTES;
}

/**
 * Whether a function's invocations could be mostly bypassing provisioned concurrency that served `served` of them:
 * it ran more than near zero, and the part not served is at least MOSTLY_BYPASSING_SHARE of what it ran. Used to
 * decide which functions deserve the reads that name the callers.
 */
export function bypassPossible(total: number, served: number, window: MetricWindow): boolean {
  if (total <= NEAR_ZERO_PROVISIONED_PER_MINUTE * windowMinutes(window)) return false;
  return total - served >= MOSTLY_BYPASSING_SHARE * total;
}

/**
 * The qualifiers whose invocations can run on provisioned concurrency: those with a config, and aliases routed (by
 * their version or a weighted one) to a version with a config. Without the configs, every qualifier the probes
 * found reporting provisioned metrics; without the aliases, no alias is added (an alias routed to a provisioned
 * version then counts as bypassing it, so a caller must read aliases before calling traffic bypassing).
 */
export function provisionedTargets(
  probedQualifiers: readonly string[],
  setup: Pick<ProvisionedSetup, 'configs' | 'aliases'> | undefined,
): Set<string> {
  const configured = setup?.configs ? setup.configs.map((config) => config.qualifier) : [...probedQualifiers];
  const targets = new Set(configured);
  for (const alias of setup?.aliases ?? []) {
    const versions = [alias.functionVersion, ...Object.keys(alias.additionalVersionWeights)];
    if (versions.some((version) => targets.has(version))) targets.add(alias.name);
  }
  return targets;
}

/** What a function's invocations in the window did: all of them, and those that could not use provisioned concurrency. */
export interface BypassReading {
  readonly total: number;
  /** Invocations that named neither a qualifier with provisioned concurrency nor an alias routed to one. */
  readonly bypassing: number;
  /** ISO-8601 start of the first minute with bypassing invocations; absent when there were none. */
  readonly since?: string;
  /** Invocations of each resource that could not use it (`name:$LATEST`, an alias without it, ...), where reported. */
  readonly bypassingResources: Readonly<Record<string, number>>;
}

/**
 * The function's invocations in the window against those of its provisioned `targets`, minute by minute (a missing
 * minute is 0): the function's total less its targets' is what bypassed them, whatever Lambda reports under the
 * `Resource` dimension for unqualified calls. Undefined when the total or the per-resource series were not read.
 */
export function bypassReading(
  fn: Pick<FunctionMetrics, 'functionName' | 'invocations' | 'invocationsByResource'>,
  targets: ReadonlySet<string>,
  window: MetricWindow,
): BypassReading | undefined {
  const totals = minuteValues(fn.invocations, window.start, window.end);
  const byResource = fn.invocationsByResource;
  if (!totals || !byResource) return undefined;
  const perMinute = [...totals];
  const bypassingResources: Record<string, number> = {};
  for (const [resource, series] of Object.entries(byResource)) {
    const values = minuteValues(series, window.start, window.end) ?? [];
    const qualifier = resource.startsWith(`${fn.functionName}:`)
      ? resource.slice(fn.functionName.length + 1)
      : undefined;
    if (qualifier !== undefined && targets.has(qualifier)) {
      values.forEach((value, index) => {
        perMinute[index] = (perMinute[index] ?? 0) - value;
      });
    } else {
      const count = values.reduce((sum, value) => sum + value, 0);
      if (count > 0) bypassingResources[resource] = count;
    }
  }
  const bypassingPerMinute = perMinute.map((value) => Math.max(0, value));
  const first = bypassingPerMinute.findIndex((value) => value > 0);
  return {
    total: totals.reduce((sum, value) => sum + value, 0),
    bypassing: bypassingPerMinute.reduce((sum, value) => sum + value, 0),
    ...(first >= 0 ? { since: new Date(Date.parse(window.start) + first * 60_000).toISOString() } : {}),
    bypassingResources,
  };
}

/**
 * A function's bypass reading where this run read all it rests on: its total, its invocations by resource and its
 * aliases (without them an alias routed to a provisioned version would count as bypassing it); else undefined.
 */
export function functionBypass(
  fn: Pick<FunctionMetrics, 'functionName' | 'invocations' | 'invocationsByResource'> | undefined,
  probedQualifiers: readonly string[],
  setup: Pick<ProvisionedSetup, 'configs' | 'aliases'> | undefined,
  window: MetricWindow,
): BypassReading | undefined {
  if (!fn || !setup?.aliases) return undefined;
  return bypassReading(fn, provisionedTargets(probedQualifiers, setup), window);
}

/**
 * Whether traffic mostly bypassed provisioned concurrency: the function ran more than near zero and at least
 * MOSTLY_BYPASSING_SHARE of its invocations could not use provisioned concurrency.
 */
export function mostlyBypassing(reading: BypassReading, window: MetricWindow): boolean {
  return bypassPossible(reading.total, reading.total - reading.bypassing, window);
}
