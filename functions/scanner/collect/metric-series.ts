/**
 * Reading metric series as Lambda publishes them: a period with no activity has no datapoint, so a count metric's
 * missing minute is zero and a concurrency gauge's missing minute had no executions. A series that was not read at
 * all is undefined, and every summary of it is undefined: callers decide what unknown means for them.
 */
import type { MetricSeries } from '../model';

const MINUTE_MS = 60_000;

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

/**
 * The value of every minute in [start, end), oldest first, from a per-minute series: a minute without a datapoint
 * is 0, read the same way wherever the minute falls. Undefined when the series was not read.
 */
export function minuteValues(
  series: MetricSeries | undefined,
  start: string,
  end: string,
): number[] | undefined {
  if (!series) return undefined;
  const from = Date.parse(start);
  const minutes = Math.max(0, Math.round((Date.parse(end) - from) / MINUTE_MS));
  const values = new Array<number>(minutes).fill(0);
  const perPoint = Math.max(1, Math.round(series.periodSeconds / 60));
  for (const point of series.points) {
    const index = Math.round((Date.parse(point.at) - from) / MINUTE_MS);
    // A coarser period spreads its count evenly over its minutes; the window is always read per minute.
    for (let offset = 0; offset < perPoint; offset += 1) {
      const minute = index + offset;
      if (minute >= 0 && minute < minutes) values[minute] = (values[minute] ?? 0) + point.value / perPoint;
    }
  }
  return values;
}
