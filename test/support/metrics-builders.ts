import type { DetectorContext } from '../../functions/scanner/detect/detector';
import type {
  FunctionSnapshot,
  MetricCoverage,
  MetricSeries,
  MetricsSnapshot,
} from '../../functions/scanner/model';
import type { SentinelSettings } from '../../functions/scanner/settings';
import { WINDOW, WINDOW_START } from './metric-scenarios';
import { detectorContext } from './snapshot-builders';

/** A per-minute series over the window, one value per minute from the window's start. */
export function perMinute(...values: number[]): MetricSeries {
  return {
    periodSeconds: 60,
    points: values.map((value, index) => ({
      at: new Date(WINDOW_START + index * 60_000).toISOString(),
      value,
    })),
  };
}

/** The same value for every minute of the 15-minute window. */
export function flat(value: number): MetricSeries {
  return perMinute(...Array.from({ length: 15 }, () => value));
}

/**
 * A history of five-minute sums over the whole history range at `perMinuteRate` invocations a minute (by the
 * period's start time, epoch milliseconds, for a shaped history); a period at 0 has no datapoint, as on AWS.
 */
export function history(perMinuteRate: number | ((periodStart: number) => number)): MetricSeries {
  const start = Date.parse(WINDOW.historyStart);
  const periods = (Date.parse(WINDOW.historyEnd) - start) / 300_000;
  return {
    periodSeconds: 300,
    points: Array.from({ length: periods }, (_, index) => start + index * 300_000).flatMap((at) => {
      const rate = typeof perMinuteRate === 'number' ? perMinuteRate : perMinuteRate(at);
      return rate > 0 ? [{ at: new Date(at).toISOString(), value: rate * 5 }] : [];
    }),
  };
}

const DELIVERED: MetricCoverage = {
  accountWindowDelivered: true,
  recursionProbe: true,
  spilloverProbe: true,
  concurrencyDrill: 'done',
  invocationDrill: 'done',
  partial: [],
};

/** Metrics of a run whose every tier answered, with a quiet region unless overridden. */
export function metricsSnapshot(
  overrides: Partial<Omit<MetricsSnapshot, 'coverage'>> & {
    readonly coverage?: Partial<MetricCoverage>;
  } = {},
): MetricsSnapshot {
  return {
    window: WINDOW,
    account: { concurrentExecutions: flat(200), throttles: flat(0), invocations: flat(30_000) },
    functions: [],
    qualifiers: [],
    provisioned: [],
    ...overrides,
    coverage: { ...DELIVERED, ...overrides.coverage },
  };
}

/** What a metric detector is given: the inventory `functions`, the run's `metrics`, and settings. */
export function metricContext(
  metrics: MetricsSnapshot | undefined,
  options: {
    readonly functions?: readonly FunctionSnapshot[];
    readonly ignoredFunctions?: readonly string[];
    readonly settings?: Partial<SentinelSettings>;
  } = {},
): DetectorContext {
  return detectorContext(options.functions ?? [], {
    snapshot: {
      ...(metrics ? { metrics } : {}),
      ignoredFunctions: options.ignoredFunctions ?? [],
    },
    ...(options.settings ? { settings: options.settings } : {}),
  });
}
