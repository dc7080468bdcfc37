/**
 * How a function's (or the region's) invocation rate compares with its own past: the rules behind runaway-loop
 * verdicts and the region-level surge gate, kept pure so that the collector, the detector, `diagnose` and the
 * benchmark's naive design all judge the same way.
 *
 * What is compared with what:
 * - *now* is the window's last TAIL_MINUTES minutes, a missing minute read as zero, never the last datapoint that
 *   happens to exist (a burst that ended ten minutes ago is not "now");
 * - *the past* is the history (see MetricWindow): its busiest five minutes ("the week's peak") and its busiest
 *   five minutes within half an hour of this time of day on earlier days ("the same hour"), never an average,
 *   which a nightly job or a lunchtime peak would dwarf;
 * - a history that does not reach back at least half of its span is *unknown*: a new function, or traffic moved
 *   to a renamed one. Unknown is not zero: on its own it never makes a verdict critical.
 */
import type { MetricSeries, MetricWindow } from '../model';
import { minuteValues } from './metric-series';

/** Minutes at the window's end that must all be hot: what the function does now. */
export const TAIL_MINUTES = 3;

/** Minutes at the window's end over which growth is read. */
export const GROWTH_MINUTES = 5;

/** Growth means the last of those minutes is at least this many times the first... */
export const GROWTH_FACTOR = 1.5;

/** ...and no minute fell below this share of the one before (a loop's rate is noisy, not falling). */
const DIP_TOLERANCE = 0.9;

/**
 * How far from this time of day an earlier day's minutes still count as "the same hour": room for a job that
 * starts a little late, not so much that the climb of a morning hides a surge at night.
 */
export const SAME_HOUR_BAND_MINUTES = 30;

/** A region surge must also exceed what is expected by this share, so that ordinary day-to-day variation of a busy region does not open the drill-down. */
export const SURGE_MARGIN = 0.05;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const BAND_MS = SAME_HOUR_BAND_MINUTES * MINUTE_MS;

/** The thresholds that make a rate hot (settings of the same names). */
export interface HeatThresholds {
  readonly loopFactor: number;
  readonly loopMinInvocationsPerMinute: number;
}

/** What a history says about a rate's past. */
export interface RateHistory {
  /** Whether the history has datapoints in its older half: without them, its peak says nothing. */
  readonly known: boolean;
  /** Invocations a minute in the history's busiest five minutes; 0 when it had none. */
  readonly peakPerMinute: number;
  /** ISO-8601 start of those five minutes. */
  readonly peakAt?: string;
  /** Invocations a minute in the busiest five minutes within SAME_HOUR_BAND_MINUTES of this time of day on earlier days. */
  readonly sameHourPerMinute: number;
}

/** Reads a history series (any period) against the window it precedes. */
export function readHistory(history: MetricSeries | undefined, window: MetricWindow): RateHistory {
  const start = Date.parse(window.historyStart);
  const end = Date.parse(window.historyEnd);
  const windowEnd = Date.parse(window.end);
  const olderHalfEnd = start + (end - start) / 2;
  let known = false;
  let peakPerMinute = 0;
  let peakAt: string | undefined;
  let sameHourPerMinute = 0;
  for (const point of history?.points ?? []) {
    const at = Date.parse(point.at);
    if (at < start || at >= end) continue;
    const perMinute = (point.value * 60) / (history?.periodSeconds ?? 60);
    if (at < olderHalfEnd) known = true;
    if (perMinute > peakPerMinute) {
      peakPerMinute = perMinute;
      peakAt = point.at;
    }
    // How far the period lies from this time of day, in either direction.
    const offset = (((windowEnd - at) % DAY_MS) + DAY_MS) % DAY_MS;
    if (offset <= BAND_MS || offset >= DAY_MS - BAND_MS) {
      sameHourPerMinute = Math.max(sameHourPerMinute, perMinute);
    }
  }
  return { known, peakPerMinute, ...(peakAt !== undefined ? { peakAt } : {}), sameHourPerMinute };
}

/**
 * How strong the case for a runaway loop is:
 * - `runaway`: hot now, far above anything in a known history, and still growing — the only verdict strong
 *   enough to act on;
 * - `sustained`: hot now and far above a known history, but not growing (a steady 1:1 loop, or an unusual but
 *   level surge): reported, not acted on;
 * - `growing-unknown`: hot and growing, but the history is unknown (a new or renamed function): reported as a
 *   warning, never acted on;
 * - `none`.
 */
export type LoopEvidence = 'runaway' | 'sustained' | 'growing-unknown' | 'none';

/** A function's invocation rate now, against its own history. */
export interface InvocationHeat {
  /** Mean of the window's last TAIL_MINUTES minutes, a missing minute read as zero. */
  readonly tailPerMinute: number;
  /** The window's last minute. */
  readonly latestPerMinute: number;
  /** The last GROWTH_MINUTES minutes, oldest first. */
  readonly recentPerMinute: readonly number[];
  readonly history: RateHistory;
  /** `tailPerMinute` over the history's peak; undefined when the history is unknown. */
  readonly timesPeak?: number;
  /** Every tail minute at `loopMinInvocationsPerMinute` or more, and (where the history is known) the tail at `loopFactor` times its peak. */
  readonly hot: boolean;
  /** The last GROWTH_MINUTES minutes rose by GROWTH_FACTOR without falling back. */
  readonly growing: boolean;
  /** ISO-8601 start of the unbroken minutes, up to the window's end, at `loopMinInvocationsPerMinute` or more. */
  readonly hotSince?: string;
  readonly evidence: LoopEvidence;
}

/** Whether `values` rose by GROWTH_FACTOR from first to last without any minute dipping below DIP_TOLERANCE of the one before. */
export function isGrowing(values: readonly number[]): boolean {
  if (values.length < 3) return false;
  const first = values[0] ?? 0;
  const last = values.at(-1) ?? 0;
  if (last <= 0 || last < GROWTH_FACTOR * first) return false;
  return values.every((value, index) => {
    const before = values[index - 1];
    if (before === undefined) return true;
    return index === values.length - 1 ? value >= before : value >= DIP_TOLERANCE * before;
  });
}

/**
 * Judges a per-minute invocations series over the window against its history; undefined when the window's
 * series was not read. See the file comment for what is compared with what.
 */
export function invocationHeat(
  invocations: MetricSeries | undefined,
  history: MetricSeries | undefined,
  window: MetricWindow,
  thresholds: HeatThresholds,
): InvocationHeat | undefined {
  const values = minuteValues(invocations, window.start, window.end);
  if (!values || values.length === 0) return undefined;
  const tail = values.slice(-TAIL_MINUTES);
  const tailPerMinute = tail.reduce((total, value) => total + value, 0) / tail.length;
  const recentPerMinute = values.slice(-GROWTH_MINUTES);
  const past = readHistory(history, window);
  const timesPeak =
    past.known && past.peakPerMinute > 0
      ? tailPerMinute / past.peakPerMinute
      : past.known
        ? Infinity
        : undefined;
  const floor = thresholds.loopMinInvocationsPerMinute;
  const hot =
    tail.every((value) => value >= floor) && (timesPeak === undefined || timesPeak >= thresholds.loopFactor);
  const growing = isGrowing(recentPerMinute);
  let firstHot = values.length;
  while (firstHot > 0 && (values[firstHot - 1] ?? 0) >= floor) firstHot -= 1;
  const evidence: LoopEvidence = !hot
    ? 'none'
    : !past.known
      ? growing
        ? 'growing-unknown'
        : 'none'
      : growing
        ? 'runaway'
        : 'sustained';
  return {
    tailPerMinute,
    latestPerMinute: values.at(-1) ?? 0,
    recentPerMinute,
    history: past,
    ...(timesPeak !== undefined ? { timesPeak } : {}),
    hot,
    growing,
    ...(firstHot < values.length
      ? { hotSince: new Date(Date.parse(window.start) + firstHot * MINUTE_MS).toISOString() }
      : {}),
    evidence,
  };
}

/** The region's invocation rate now against the same hour on earlier days: the gate of the invocation drill-down. */
export interface RegionSurge {
  readonly tailPerMinute: number;
  /** The busiest five minutes within half an hour of this time of day on earlier days (0 when the history is empty). */
  readonly expectedPerMinute: number;
  /** Whether the rate exceeds what is expected by at least the floor and by SURGE_MARGIN. */
  readonly surging: boolean;
}

/**
 * Whether the region's rate now exceeds its busiest same-hour rate of earlier days by at least `floor` a minute
 * (what one runaway function would add) and by SURGE_MARGIN. Against the same hour, not a day's mean, so that a
 * loop at 3 a.m. stands out in a busy account and a lunchtime peak does not. Undefined when the window's series
 * was not read.
 */
export function regionSurge(
  invocations: MetricSeries | undefined,
  history: MetricSeries | undefined,
  window: MetricWindow,
  floor: number,
): RegionSurge | undefined {
  const values = minuteValues(invocations, window.start, window.end);
  if (!values || values.length === 0) return undefined;
  const tail = values.slice(-TAIL_MINUTES);
  const tailPerMinute = tail.reduce((total, value) => total + value, 0) / tail.length;
  const expectedPerMinute = readHistory(history, window).sameHourPerMinute;
  const surging =
    tailPerMinute - expectedPerMinute >= floor && tailPerMinute >= (1 + SURGE_MARGIN) * expectedPerMinute;
  return { tailPerMinute, expectedPerMinute, surging };
}
