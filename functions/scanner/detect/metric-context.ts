/** What the three metric detectors share: the run's metrics, the window, and which functions are off limits. */
import { WINDOW_PERIOD_SECONDS, type LambdaMetric } from '../collect/metric-queries';
import type { FindingLink, FunctionSnapshot, MetricsSnapshot } from '../model';
import type { DetectorContext } from './detector';
import { metricGraphLink } from './metric-links';

/**
 * The run's metrics when the account-level window was read and delivered; undefined otherwise, because then the
 * absence of a signal proves nothing.
 */
export function deliveredMetrics(context: DetectorContext): MetricsSnapshot | undefined {
  const metrics = context.snapshot.metrics;
  return metrics?.coverage.accountWindowDelivered ? metrics : undefined;
}

/** Whether the function carries the ignore tag, which keeps it out of every finding. */
export function isIgnored(context: DetectorContext, functionName: string): boolean {
  return context.snapshot.ignoredFunctions.includes(functionName);
}

/** The function as the inventory listed it, if it did. */
export function inventoried(context: DetectorContext, functionName: string): FunctionSnapshot | undefined {
  return context.snapshot.functions.find((fn) => fn.functionName === functionName);
}

/** Evidence fields that say which minutes the numbers cover. */
export function windowEvidence(metrics: MetricsSnapshot): { windowStart: string; windowEnd: string } {
  return { windowStart: metrics.window.start, windowEnd: metrics.window.end };
}

/** A link to the console graph of `metrics`, per minute over the run's window. */
export function windowGraphLink(
  context: DetectorContext,
  metrics: MetricsSnapshot,
  label: string,
  graphed: readonly LambdaMetric[],
): FindingLink {
  return metricGraphLink(label, {
    region: context.snapshot.region,
    metrics: graphed,
    periodSeconds: WINDOW_PERIOD_SECONDS,
    start: metrics.window.start,
    end: metrics.window.end,
  });
}

/** A count as an engineer reads it in an e-mail: `12,345`. */
export function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US');
}
