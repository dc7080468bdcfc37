import {
  hasData,
  hasNonZero,
  invocationHeat,
  isClimbing,
  seriesLatest,
  seriesPeak,
  seriesSum,
} from '../../../../functions/scanner/collect/metric-series';
import type { MetricSeries } from '../../../../functions/scanner/model';

function perMinute(...values: number[]): MetricSeries {
  return {
    periodSeconds: 60,
    points: values.map((value, index) => ({
      at: new Date(Date.UTC(2026, 10, 26, 14, index)).toISOString(),
      value,
    })),
  };
}

const thresholds = { loopFactor: 10, loopMinInvocationsPerMinute: 600 };

describe('series summaries', () => {
  it('say undefined, not zero, for a series without datapoints or not read at all', () => {
    for (const series of [perMinute(), undefined]) {
      expect(hasData(series)).toBe(false);
      expect(seriesSum(series)).toBeUndefined();
      expect(seriesPeak(series)).toBeUndefined();
      expect(seriesLatest(series)).toBeUndefined();
    }
  });

  it('tell a series of zeros (nothing counted) from one that counted something', () => {
    expect(hasNonZero(perMinute(0, 0, 0))).toBe(false);
    expect(hasNonZero(perMinute(0, 2, 0))).toBe(true);
    expect(hasNonZero(undefined)).toBe(false);
  });

  it('sum, peak and latest of real datapoints, zeros included', () => {
    const series = perMinute(0, 7, 3, 0);
    expect(seriesSum(series)).toBe(10);
    expect(seriesPeak(series)).toBe(7);
    expect(seriesLatest(series)).toBe(0);
  });
});

describe('isClimbing', () => {
  it('is true when the later half averages more than the earlier half', () => {
    expect(isClimbing(perMinute(10, 40, 20, 80, 160))).toBe(true);
  });

  it('is false for a plateau, a fall, or fewer than three datapoints', () => {
    expect(isClimbing(perMinute(500, 500, 500, 500))).toBe(false);
    expect(isClimbing(perMinute(900, 600, 300))).toBe(false);
    expect(isClimbing(perMinute(1, 1000))).toBe(false);
  });
});

describe('invocationHeat', () => {
  const baseline = (perMinuteRate: number, hours = 24): MetricSeries => ({
    periodSeconds: 3600,
    points: Array.from({ length: hours }, (_, hour) => ({
      at: new Date(Date.UTC(2026, 10, 25, hour)).toISOString(),
      value: perMinuteRate * 60,
    })),
  });

  it('is hot at loopFactor times the baseline and at least loopMinInvocationsPerMinute', () => {
    const heat = invocationHeat(perMinute(300, 900, 2400), baseline(20), 24, thresholds);
    expect(heat).toEqual({
      latestPerMinute: 2400,
      baselinePerMinute: 20,
      timesBaseline: 120,
      hot: true,
      climbing: true,
    });
  });

  it('is not hot when far above a tiny baseline but below the minimum rate', () => {
    expect(invocationHeat(perMinute(50, 100, 200), baseline(1), 24, thresholds)?.hot).toBe(false);
  });

  it('is not hot when fast but near its own baseline', () => {
    expect(invocationHeat(perMinute(20_000, 21_000, 22_000), baseline(20_000), 24, thresholds)?.hot).toBe(
      false,
    );
  });

  it('takes an empty baseline as no traffic before, and is unknown without a window datapoint or a baseline read', () => {
    expect(invocationHeat(perMinute(1000, 2000, 4000), baseline(0, 0), 24, thresholds)).toMatchObject({
      timesBaseline: Infinity,
      hot: true,
    });
    expect(invocationHeat(perMinute(), baseline(20), 24, thresholds)).toBeUndefined();
    expect(invocationHeat(perMinute(5000), undefined, 24, thresholds)).toBeUndefined();
  });
});
