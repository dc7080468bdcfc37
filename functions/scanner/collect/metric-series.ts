/**
 * Reading metric series without mistaking "no datapoints" for zero: every summary of an absent or empty
 * series is undefined, and callers decide what unknown means for them.
 */
import type { MetricSeries } from '../model';

/** Whether the series was read and holds at least one datapoint. */
export function hasData(series: MetricSeries | undefined): series is MetricSeries {
  return series !== undefined && series.points.length > 0;
}

/** Whether the series holds a datapoint above zero: something was counted. */
export function hasNonZero(series: MetricSeries | undefined): boolean {
  return series?.points.some((point) => point.value > 0) ?? false;
}

/** Total of the datapoints; undefined when there are none. */
export function seriesSum(series: MetricSeries | undefined): number | undefined {
  if (!hasData(series)) return undefined;
  return series.points.reduce((total, point) => total + point.value, 0);
}

/** Largest datapoint; undefined when there are none. */
export function seriesPeak(series: MetricSeries | undefined): number | undefined {
  if (!hasData(series)) return undefined;
  return Math.max(...series.points.map((point) => point.value));
}

/** The most recent datapoint; undefined when there are none. */
export function seriesLatest(series: MetricSeries | undefined): number | undefined {
  return series?.points.at(-1)?.value;
}

/**
 * Whether the series is still rising: at least three datapoints, and the later half averages more than the
 * earlier half (the middle point of an odd count belongs to neither), so one noisy minute does not decide it.
 */
export function isClimbing(series: MetricSeries | undefined): boolean {
  if (!series || series.points.length < 3) return false;
  const values = series.points.map((point) => point.value);
  const half = Math.floor(values.length / 2);
  const mean = (part: readonly number[]) => part.reduce((total, value) => total + value, 0) / part.length;
  return mean(values.slice(-half)) > mean(values.slice(0, half));
}

/** The thresholds that make a function's invocation rate "hot" (settings of the same names). */
export interface HeatThresholds {
  readonly loopFactor: number;
  readonly loopMinInvocationsPerMinute: number;
}

/** How a function's latest invocation rate compares with its own baseline. */
export interface InvocationHeat {
  readonly latestPerMinute: number;
  readonly baselinePerMinute: number;
  /** Latest over baseline; Infinity when the baseline had no invocations. */
  readonly timesBaseline: number;
  /** At least `loopFactor` times the baseline and at least `loopMinInvocationsPerMinute`. */
  readonly hot: boolean;
  readonly climbing: boolean;
}

/**
 * Compares the latest minute of `invocations` with the average minute of `baseline`; undefined when either was
 * not read or the window has no datapoints. Lambda reports Invocations only for periods that had some, so an
 * empty baseline hour is taken as an hour without invocations: that can only make the function look hotter.
 */
export function invocationHeat(
  invocations: MetricSeries | undefined,
  baseline: MetricSeries | undefined,
  baselineHours: number,
  thresholds: HeatThresholds,
): InvocationHeat | undefined {
  const latest = seriesLatest(invocations);
  if (latest === undefined || !invocations || !baseline) return undefined;
  const latestPerMinute = (latest * 60) / invocations.periodSeconds;
  const baselinePerMinute = (seriesSum(baseline) ?? 0) / (baselineHours * 60);
  const timesBaseline = baselinePerMinute > 0 ? latestPerMinute / baselinePerMinute : Infinity;
  return {
    latestPerMinute,
    baselinePerMinute,
    timesBaseline,
    hot: latestPerMinute >= thresholds.loopMinInvocationsPerMinute && timesBaseline >= thresholds.loopFactor,
    climbing: isClimbing(invocations),
  };
}
