/**
 * CloudWatch console links that open a graph of the metrics behind a finding, over the window the finding
 * speaks of, so an engineer can check the numbers in the alert.
 *
 * The console keeps the graph in the URL fragment (`#metricsV2:graph=...`) in JSURL notation: `~(key~value)`
 * for objects, `~(~item~item)` for arrays, `'` before strings, bare numbers and booleans, and every character
 * of a string outside [A-Za-z0-9_.-] written as `*` plus its two hex digits (`**` and four for wider ones).
 */
import type { FindingLink } from '../model';
import { LAMBDA_NAMESPACE, type LambdaMetric } from '../collect/metric-queries';

/** A graph of Lambda metrics over a time range, as the CloudWatch console draws it. */
export interface MetricGraph {
  readonly region: string;
  readonly metrics: readonly LambdaMetric[];
  readonly periodSeconds: number;
  /** ISO-8601 start of the graph. */
  readonly start: string;
  /** ISO-8601 end of the graph. */
  readonly end: string;
  readonly title?: string;
}

type Jsurl = string | number | boolean | readonly Jsurl[] | { readonly [key: string]: Jsurl };

function escapeText(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `*${code.toString(16).padStart(2, '0')}`
      : `**${code.toString(16).padStart(4, '0')}`;
  });
}

function jsurl(value: Jsurl): string {
  if (typeof value === 'string') return `'${escapeText(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `(${value.map((item: Jsurl) => `~${jsurl(item)}`).join('')})`;
  const entries = Object.entries(value as { readonly [key: string]: Jsurl });
  return `(${entries.map(([key, item]) => `${escapeText(key)}~${jsurl(item)}`).join('~')})`;
}

/** The console URL of a graph of `graph.metrics` (namespace AWS/Lambda) over `graph.start`-`graph.end`. */
export function metricGraphUrl(graph: MetricGraph): string {
  const metrics = graph.metrics.map((metric) => [
    LAMBDA_NAMESPACE,
    metric.metricName,
    ...Object.entries(metric.dimensions).flat(),
    { stat: metric.stat },
  ]);
  const state: Jsurl = {
    metrics,
    view: 'timeSeries',
    stacked: false,
    region: graph.region,
    period: graph.periodSeconds,
    start: graph.start,
    end: graph.end,
    ...(graph.title !== undefined ? { title: graph.title } : {}),
  };
  const { region } = graph;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#metricsV2:graph=~${jsurl(state)}`;
}

/** A finding link labelled `label` that opens the graph. */
export function metricGraphLink(label: string, graph: MetricGraph): FindingLink {
  return { label, url: metricGraphUrl(graph) };
}
