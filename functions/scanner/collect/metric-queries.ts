/**
 * Pure construction of GetMetricData requests for Lambda's CloudWatch metrics, and the count of what they cost.
 *
 * What CloudWatch bills ($0.01 per 1,000 "metrics requested"), and how `metricsRequested` counts it:
 * - a `MetricStat` query is one metric. AWS bills up to five statistics of the same metric in one request as
 *   one metric; we never ask for two statistics of one metric, so one query is one metric.
 * - a `SEARCH` expression is billed for the metrics it finds; it returns one series per metric found, so we
 *   count the distinct series it returned (none when nothing matched).
 * - a Metrics Insights query (`SELECT ...`) is billed for the metrics it analyzes (the ones FROM/WHERE match,
 *   at most 10,000), not the ones LIMIT returns. The response does not say how many that was, so the caller
 *   passes an upper bound (the functions that could have the metric) and we count that.
 * - a math expression over other queries requests no metric of its own.
 * Paging with NextToken continues the same request; we assume it is not billed again (it is rarely needed:
 * a call returns up to 100,800 datapoints).
 * Sources: CloudWatch pricing ("GetMetricData: $0.01 per 1,000 metrics requested"; Metrics Insights "per
 * metrics analyzed"), the GetMetricData API reference and the Metrics Insights quotas page.
 */
import type { MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MetricWindow } from '../model';

/** CloudWatch namespace of every Lambda metric. */
export const LAMBDA_NAMESPACE = 'AWS/Lambda';

/** GetMetricData accepts at most this many queries in one call. */
export const MAX_QUERIES_PER_CALL = 500;

/** A Metrics Insights query processes at most this many metrics. */
export const METRICS_INSIGHTS_MAX_ANALYZED = 10_000;

/** A SEARCH expression returns at most this many series; an answer that size may have left some out. */
export const SEARCH_MAX_SERIES = 500;

/** Lambda datapoints reach CloudWatch 1-3 minutes late, so the window ends this many minutes before the run. */
export const DELIVERY_DELAY_MINUTES = 3;

/** Seconds per datapoint in the examined window. */
export const WINDOW_PERIOD_SECONDS = 60;

/**
 * Seconds per datapoint in a history. Five minutes rather than an hour: an hourly average hides a nightly job
 * that runs for ten minutes, and its next run would then look like a surge against its own past.
 */
export const HISTORY_PERIOD_SECONDS = 300;

/**
 * Hours before the window's hour that the history leaves out. A loop that has run for a few hours must not
 * become its own yardstick; the same hour yesterday (24 hours back) is still in.
 */
export const HISTORY_GAP_HOURS = 22;

/** The statistics the sentinel reads: Maximum for concurrency gauges, Sum for counts. */
export type LambdaStatistic = 'Maximum' | 'Sum';

/** One Lambda metric: its name, its dimensions (none for the region-level series) and the statistic to read. */
export interface LambdaMetric {
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: LambdaStatistic;
}

/** A SEARCH for every series of one metric under a dimension schema, labelled by one dimension's value. */
export interface SeriesSearch {
  readonly metricName: string;
  /** The schema's dimension names, e.g. `['FunctionName', 'Resource']`; only series with exactly these match. */
  readonly dimensionKeys: readonly string[];
  /** Dimension values the series must have, e.g. `{ FunctionName: 'orders' }`. */
  readonly filters?: Readonly<Record<string, string>>;
  readonly stat: LambdaStatistic;
  /** The dimension whose value labels each returned series. */
  readonly labelDimension: string;
}

/** A Metrics Insights top-N: the functions with the highest MAX or SUM of one metric over the window. */
export interface TopFunctions {
  readonly metricName: string;
  readonly aggregate: 'MAX' | 'SUM';
  readonly limit: number;
}

/** Thrown when a query cannot be built as asked (bad id, unsafe dimension value, too many queries). */
export class MetricQueryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricQueryError';
  }
}

const QUERY_ID = /^[a-z][A-Za-z0-9_]*$/;
// Lambda names, aliases, versions and metric names use these characters only; anything else could break out
// of the quoted SEARCH or SQL term, so it is refused rather than escaped.
const SAFE_TERM = /^[A-Za-z0-9_.:$-]+$/;
const MINUTE_MS = 60_000;

/** Whether `id` is a valid GetMetricData query id: a lowercase letter first, then letters, digits or `_`. */
export function isValidQueryId(id: string): boolean {
  return QUERY_ID.test(id);
}

/** The `index`-th query id under `prefix` (e.g. `fn_12`); the prefix must itself be a valid id. */
export function queryId(prefix: string, index: number): string {
  const id = `${prefix}_${index}`;
  if (!isValidQueryId(id) || !Number.isInteger(index) || index < 0) {
    throw new MetricQueryError(`Invalid GetMetricData query id ${JSON.stringify(id)}`);
  }
  return id;
}

function safeTerm(value: string): string {
  if (!SAFE_TERM.test(value)) {
    throw new MetricQueryError(`Refusing to put ${JSON.stringify(value)} into a metric query`);
  }
  return value;
}

const HOUR_MS = 60 * MINUTE_MS;

/**
 * The window a run examines: the last `lookbackMinutes` complete minutes ending DELIVERY_DELAY_MINUTES before
 * `now`, or at `endAt` (epoch ms, a whole minute) for a run an alarm started; and the history its rates are compared
 * with: from `historyHours` before the window's hour up to HISTORY_GAP_HOURS before it, on whole hours.
 */
export function metricWindow(
  now: number,
  lookbackMinutes: number,
  historyHours: number,
  endAt?: number,
): MetricWindow {
  const end = endAt ?? Math.floor(now / MINUTE_MS) * MINUTE_MS - DELIVERY_DELAY_MINUTES * MINUTE_MS;
  const start = end - Math.ceil(lookbackMinutes) * MINUTE_MS;
  const hour = Math.floor(end / HOUR_MS) * HOUR_MS;
  const historyStart = hour - Math.round(historyHours) * HOUR_MS;
  const historyEnd = Math.max(historyStart, hour - HISTORY_GAP_HOURS * HOUR_MS);
  const iso = (epoch: number) => new Date(epoch).toISOString();
  return { start: iso(start), end: iso(end), historyStart: iso(historyStart), historyEnd: iso(historyEnd) };
}

/** A query for one metric's statistic at `periodSeconds`. */
export function metricStatQuery(id: string, metric: LambdaMetric, periodSeconds: number): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: LAMBDA_NAMESPACE,
        MetricName: metric.metricName,
        Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: periodSeconds,
      Stat: metric.stat,
    },
    ReturnData: true,
  };
}

/**
 * A SEARCH expression for every series of a metric under a schema, e.g.
 * `SEARCH('{AWS/Lambda,FunctionName} MetricName="RecursiveInvocationsDropped"', 'Sum', 60)`. It only returns
 * series CloudWatch holds (those reported in the last two weeks), so a metric Lambda emits only in trouble costs
 * nothing in a quiet account. Each series is labelled with its `labelDimension` value.
 */
export function searchQuery(id: string, search: SeriesSearch, periodSeconds: number): MetricDataQuery {
  const schema = [LAMBDA_NAMESPACE, ...search.dimensionKeys.map(safeTerm)].join(',');
  const terms = [
    `MetricName="${safeTerm(search.metricName)}"`,
    ...Object.entries(search.filters ?? {}).map(([key, value]) => `${safeTerm(key)}="${safeTerm(value)}"`),
  ];
  return {
    Id: id,
    Expression: `SEARCH('{${schema}} ${terms.join(' ')}', '${search.stat}', ${periodSeconds})`,
    Label: `\${PROP('Dim.${safeTerm(search.labelDimension)}')}`,
    ReturnData: true,
  };
}

/**
 * A Metrics Insights top-N over every function, e.g.
 * `SELECT MAX(ConcurrentExecutions) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName
 * ORDER BY MAX() DESC LIMIT 10`. CloudWatch labels each returned series with its GROUP BY value, the
 * function's name (as the console's legends show; the collector relies on it).
 */
export function topFunctionsQuery(id: string, top: TopFunctions, periodSeconds: number): MetricDataQuery {
  if (!Number.isInteger(top.limit) || top.limit < 1 || top.limit > 500) {
    throw new MetricQueryError(`A Metrics Insights LIMIT must be 1-500, not ${top.limit}`);
  }
  const metric = `${top.aggregate}(${safeTerm(top.metricName)})`;
  return {
    Id: id,
    Expression:
      `SELECT ${metric} FROM SCHEMA("${LAMBDA_NAMESPACE}", FunctionName) GROUP BY FunctionName ` +
      `ORDER BY ${top.aggregate}() DESC LIMIT ${top.limit}`,
    Period: periodSeconds,
    ReturnData: true,
  };
}

/** Whether the query is a Metrics Insights query. */
export function isMetricsInsights(query: MetricDataQuery): boolean {
  return query.Expression?.trimStart().toUpperCase().startsWith('SELECT') ?? false;
}

/** Whether the query is a SEARCH expression. */
export function isSearch(query: MetricDataQuery): boolean {
  return query.Expression?.trimStart().toUpperCase().startsWith('SEARCH(') ?? false;
}

/**
 * Splits queries into GetMetricData calls: at most MAX_QUERIES_PER_CALL each and at most one Metrics Insights
 * query each (GetMetricData's rules). Throws MetricQueryError on an invalid or repeated id.
 */
export function batchQueries(queries: readonly MetricDataQuery[]): MetricDataQuery[][] {
  const seen = new Set<string>();
  for (const query of queries) {
    const id = query.Id ?? '';
    if (!isValidQueryId(id))
      throw new MetricQueryError(`Invalid GetMetricData query id ${JSON.stringify(id)}`);
    if (seen.has(id)) throw new MetricQueryError(`Repeated GetMetricData query id ${JSON.stringify(id)}`);
    seen.add(id);
  }
  const batches: MetricDataQuery[][] = [];
  let current: MetricDataQuery[] = [];
  let currentHasInsights = false;
  for (const query of queries) {
    const insights = isMetricsInsights(query);
    if (current.length === MAX_QUERIES_PER_CALL || (insights && currentHasInsights)) {
      batches.push(current);
      current = [];
      currentHasInsights = false;
    }
    current.push(query);
    currentHasInsights ||= insights;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Metrics requested by one GetMetricData request (all its pages), counted as CloudWatch bills them (see the
 * file comment). `insightsAnalyzed` is the upper bound on metrics a Metrics Insights query in it analyzed.
 */
export function metricsRequested(
  queries: readonly MetricDataQuery[],
  results: readonly MetricDataResult[],
  insightsAnalyzed: number,
): number {
  return queries.reduce((total, query) => {
    if (query.MetricStat) return total + 1;
    if (isMetricsInsights(query)) return total + Math.min(insightsAnalyzed, METRICS_INSIGHTS_MAX_ANALYZED);
    if (isSearch(query)) {
      const found = new Set(results.filter((result) => result.Id === query.Id).map((result) => result.Label));
      return total + found.size;
    }
    return total;
  }, 0);
}
