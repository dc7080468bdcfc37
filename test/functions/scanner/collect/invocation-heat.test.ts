import {
  invocationHeat,
  isGrowing,
  regionSurge,
} from '../../../../functions/scanner/collect/invocation-heat';
import type { MetricSeries } from '../../../../functions/scanner/model';
import { history, perMinute } from '../../../support/metrics-builders';
import { WINDOW, WINDOW_END } from '../../../support/metric-scenarios';

const thresholds = { loopFactor: 10, loopMinInvocationsPerMinute: 600 };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Whether `at` falls in the same hour of the day as the window's end (the window is in the 14:00 hour). */
const sameHourOfDay = (at: number) =>
  Math.floor((((at % DAY) + DAY) % DAY) / HOUR) === new Date(WINDOW_END).getUTCHours();

/** A window series with datapoints only where `values` has a number; `undefined` entries are idle minutes. */
function sparse(...values: (number | undefined)[]): MetricSeries {
  const full = perMinute(...values.map((value) => value ?? 0));
  return { ...full, points: full.points.filter((_, index) => values[index] !== undefined) };
}

describe('invocationHeat: what is compared with what', () => {
  it('a nightly batch at its usual rate is not hot: its history holds last night at that rate (item 1)', () => {
    // 9,000 a minute for an hour every day at this time, and nothing else: a 24 h mean would be 375 a minute.
    const nightly = history((start) => (sameHourOfDay(start) ? 9_000 : 0));
    const ramping = perMinute(
      ...Array.from({ length: 15 }, (_, minute) => Math.min(9_000, 1_000 + minute * 900)),
    );

    const heat = invocationHeat(ramping, nightly, WINDOW, thresholds);

    expect(heat?.history).toMatchObject({ known: true, peakPerMinute: 9_000, sameHourPerMinute: 9_000 });
    expect(heat?.hot).toBe(false);
    expect(heat?.evidence).toBe('none');
  });

  it('a function with no history is unknown, never a runaway, even when it climbs (item 1)', () => {
    const climbing = perMinute(...Array.from({ length: 15 }, (_, minute) => 700 * 1.2 ** minute));

    expect(invocationHeat(climbing, history(0), WINDOW, thresholds)).toMatchObject({
      hot: true,
      growing: true,
      history: { known: false },
      evidence: 'growing-unknown',
    });
    expect(
      invocationHeat(perMinute(...Array(15).fill(3_000)), history(0), WINDOW, thresholds)?.evidence,
    ).toBe('none');
  });

  it('history only in its last days (a function created this week) is unknown too', () => {
    const recentOnly = history((start) => (start > WINDOW_END - 3 * DAY ? 5 : 0));

    expect(
      invocationHeat(perMinute(...Array(15).fill(2_000)), recentOnly, WINDOW, thresholds)?.history.known,
    ).toBe(false);
  });

  it('a burst that ended ten minutes ago is not "now": the idle minutes after it count as zero (item 2)', () => {
    const ended = sparse(
      900,
      1_100,
      1_200,
      1_250,
      1_300,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    );

    const heat = invocationHeat(ended, history(20), WINDOW, thresholds);

    expect(heat).toMatchObject({
      tailPerMinute: 0,
      latestPerMinute: 0,
      hot: false,
      growing: false,
      evidence: 'none',
    });
  });

  it('an idle minute inside the tail breaks the heat, wherever the datapoints are', () => {
    const gap = sparse(...Array(12).fill(5_000), 5_000, undefined, 5_000);

    expect(invocationHeat(gap, history(20), WINDOW, thresholds)?.hot).toBe(false);
  });

  it('a geometric loop far above a known history, still growing, is a runaway', () => {
    const loop = perMinute(
      ...Array.from({ length: 15 }, (_, minute) => (minute < 5 ? 20 : 600 * 1.3 ** (minute - 5))),
    );

    const heat = invocationHeat(loop, history(20), WINDOW, thresholds);

    expect(heat).toMatchObject({ hot: true, growing: true, evidence: 'runaway', history: { known: true } });
    expect(heat?.timesPeak).toBeGreaterThan(100);
    expect(heat?.hotSince).toBe(perMinute(...Array(6).fill(0)).points[5]?.at);
  });

  it('a steady rate far above a known history is sustained, not a runaway', () => {
    expect(
      invocationHeat(perMinute(...Array(15).fill(1_200)), history(5), WINDOW, thresholds)?.evidence,
    ).toBe('sustained');
  });

  it('is unknown when the window was not read', () => {
    expect(invocationHeat(undefined, history(5), WINDOW, thresholds)).toBeUndefined();
  });
});

describe('isGrowing', () => {
  it('needs a rise by half, no real dip, and the last minute not below the one before', () => {
    expect(isGrowing([100, 130, 170, 220, 290])).toBe(true);
    expect(isGrowing([0, 0, 0, 400, 800])).toBe(true);
    expect(isGrowing([100, 105, 110, 115, 120])).toBe(false); // steady growth, a fifth in five minutes
    expect(isGrowing([100, 300, 150, 200, 250])).toBe(false); // fell back by half
    expect(isGrowing([100, 200, 400, 800, 790])).toBe(false); // stopped climbing at the end
    expect(isGrowing([100, 1_000])).toBe(false);
  });
});

describe('regionSurge', () => {
  const region = (perMinuteNow: number) => perMinute(...Array(15).fill(perMinuteNow));

  it('at night, a loop of 3,000 a minute stands out against the same hour on earlier nights (item 4)', () => {
    // Quiet for hours around this time of day (5,000 a minute), busy otherwise (40,000): the day's mean would
    // hide the loop.
    const hourOfDay = (at: number) => new Date(at).getUTCHours();
    const busyByDay = history((start) =>
      Math.abs(hourOfDay(start) - hourOfDay(WINDOW_END)) <= 2 ? 5_000 : 40_000,
    );

    expect(regionSurge(region(8_000), busyByDay, WINDOW, 540)).toMatchObject({
      expectedPerMinute: 5_000,
      surging: true,
    });
  });

  it('a lunchtime peak that happens every day does not open the gate', () => {
    const lunch = history((start) => (sameHourOfDay(start) ? 40_000 : 5_000));

    expect(regionSurge(region(39_000), lunch, WINDOW, 540)?.surging).toBe(false);
  });
});
