import {
  hasData,
  hasNonZero,
  minuteValues,
  seriesPeak,
  seriesSum,
} from '../../../../functions/scanner/collect/metric-series';
import type { MetricSeries } from '../../../../functions/scanner/model';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 14, minute)).toISOString();

/** A per-minute series with a datapoint only for the minutes given, as Lambda publishes them. */
function points(values: Readonly<Record<number, number>>): MetricSeries {
  return {
    periodSeconds: 60,
    points: Object.entries(values).map(([minute, value]) => ({ at: at(Number(minute)), value })),
  };
}

describe('series summaries', () => {
  it('say undefined, not zero, for a series without datapoints or not read at all', () => {
    for (const series of [points({}), undefined]) {
      expect(hasData(series)).toBe(false);
      expect(seriesSum(series)).toBeUndefined();
      expect(seriesPeak(series)).toBeUndefined();
    }
  });

  it('tell a series of zeros (nothing counted) from one that counted something', () => {
    expect(hasNonZero(points({ 0: 0, 1: 0 }))).toBe(false);
    expect(hasNonZero(points({ 0: 0, 1: 2 }))).toBe(true);
    expect(hasNonZero(undefined)).toBe(false);
  });

  it('sum and peak of the datapoints that exist', () => {
    const series = points({ 0: 0, 1: 7, 2: 3 });
    expect(seriesSum(series)).toBe(10);
    expect(seriesPeak(series)).toBe(7);
  });
});

describe('minuteValues', () => {
  it('reads a minute without a datapoint as zero, including the window’s last minutes', () => {
    // A burst in minutes 2-4 of a 10-minute window, then nothing: Lambda publishes no datapoint after it.
    const burst = points({ 2: 1200, 3: 1300, 4: 1250 });

    expect(minuteValues(burst, at(0), at(10))).toEqual([0, 0, 1200, 1300, 1250, 0, 0, 0, 0, 0]);
  });

  it('leaves out datapoints outside the range and is undefined for a series not read', () => {
    expect(minuteValues(points({ 0: 5, 3: 6, 9: 7 }), at(2), at(5))).toEqual([0, 6, 0]);
    expect(minuteValues(undefined, at(0), at(5))).toBeUndefined();
  });
});
