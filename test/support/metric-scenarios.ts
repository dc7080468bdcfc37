import { metricWindow } from '../../functions/scanner/collect/metric-queries';
import { DEFAULT_SETTINGS } from '../../functions/scanner/settings';
import { minuteSeries, type FakeSeries } from './fake-cloudwatch';

/** The time every metric scenario's scan runs at. */
export const SCAN_AT = Date.parse('2026-11-26T14:30:20.000Z');

/** The window and history a scan at SCAN_AT with default settings examines. */
export const WINDOW = metricWindow(
  SCAN_AT,
  DEFAULT_SETTINGS.lookbackMinutes,
  DEFAULT_SETTINGS.loopBaselineHours,
);

/** Epoch milliseconds of the window's start and end, and of the history's start. */
export const WINDOW_START = Date.parse(WINDOW.start);
export const WINDOW_END = Date.parse(WINDOW.end);
export const HISTORY_START = Date.parse(WINDOW.historyStart);

/** How the region-level series of a scenario behave. */
export interface RegionShape {
  readonly concurrency?: number;
  readonly throttlesPerMinute?: number;
  /** Invocations a minute in the window, constant or by minute index (0 = first minute of the window). */
  readonly invocationsPerMinute?: number | ((minuteIndex: number) => number);
  /** Invocations a minute before the window (the history the window is compared with). */
  readonly baselineInvocationsPerMinute?: number;
}

/** The five region-level Lambda series, from the history's start to the window's end. */
export function regionSeries(shape: RegionShape = {}): FakeSeries[] {
  const { concurrency = 200, throttlesPerMinute = 0, baselineInvocationsPerMinute = 30_000 } = shape;
  const invocations = shape.invocationsPerMinute ?? baselineInvocationsPerMinute;
  const inWindow = (minute: number) => (minute - WINDOW_START) / 60_000;
  const constant = (value: number) => () => value;
  return [
    minuteSeries('ConcurrentExecutions', {}, HISTORY_START, WINDOW_END, constant(concurrency)),
    minuteSeries('ClaimedAccountConcurrency', {}, HISTORY_START, WINDOW_END, constant(concurrency + 100)),
    minuteSeries('UnreservedConcurrentExecutions', {}, HISTORY_START, WINDOW_END, constant(concurrency - 50)),
    minuteSeries('Throttles', {}, HISTORY_START, WINDOW_END, (minute) =>
      minute >= WINDOW_START ? throttlesPerMinute : 0,
    ),
    minuteSeries('Invocations', {}, HISTORY_START, WINDOW_END, (minute) => {
      if (minute < WINDOW_START) return baselineInvocationsPerMinute;
      return typeof invocations === 'number' ? invocations : invocations(inWindow(minute));
    }),
  ];
}

/**
 * One series of `metricName` over the window, by minute index (or constant); with `baselinePerMinute` it also
 * covers the history before the window at that constant rate.
 */
export function windowSeries(
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
  value: number | ((minuteIndex: number) => number),
  baselinePerMinute?: number,
): FakeSeries {
  const from = baselinePerMinute === undefined ? WINDOW_START : HISTORY_START;
  return minuteSeries(metricName, dimensions, from, WINDOW_END, (minute) => {
    if (minute < WINDOW_START) return baselinePerMinute ?? 0;
    return typeof value === 'number' ? value : value((minute - WINDOW_START) / 60_000);
  });
}

/** A series CloudWatch still holds (reported within two weeks) but with no datapoint in the window. */
export function staleSeries(metricName: string, dimensions: Readonly<Record<string, string>>): FakeSeries {
  const daysAgo = WINDOW_START - 5 * 24 * 3_600_000;
  return minuteSeries(metricName, dimensions, daysAgo, daysAgo + 60_000, () => 3);
}
