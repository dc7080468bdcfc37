/**
 * CloudWatch's read side for Lambda metrics, answered from series held in memory: GetMetricData (MetricStat,
 * SEARCH and the Metrics Insights top-N the collector writes) and GetMetricStatistics, with the validation errors
 * AWS returns and a count of what AWS bills for each request.
 */
import {
  CloudWatchServiceException,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  type Datapoint,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  type GetMetricStatisticsCommandInput,
  type GetMetricStatisticsCommandOutput,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';

const MINUTE_MS = 60_000;

/** One metric series the account holds, one datapoint per minute (Lambda's standard resolution). */
export interface SimSeries {
  readonly metricName: string;
  /** Dimension name → value; none for the region-level series. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch milliseconds of the first datapoint; datapoints follow every minute after it. */
  readonly from: number;
  /** Epoch milliseconds after the last datapoint (exclusive). */
  readonly to: number;
  /** The datapoint of the minute starting at `minute` (a point of the series' grid within [from, to)). */
  valueAt(minute: number): number;
}

/** A series with `value(minute)` for every minute in [from, to), read lazily so large accounts cost no memory. */
export function minuteSeries(
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
  from: number,
  to: number,
  value: (minute: number) => number,
): SimSeries {
  return { metricName, dimensions, from, to, valueAt: value };
}

/** Thrown the way CloudWatch rejects a malformed GetMetricData request (HTTP 400, code `ValidationError`). */
function validationError(message: string): CloudWatchServiceException {
  return new CloudWatchServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
}

/** SEARCH only finds series that reported within this long before the request's end time. */
const SEARCH_LOOKBACK_MS = 14 * 24 * 3_600_000;
/** GetMetricStatistics answers at most this many datapoints per request. */
const MAX_STATISTICS_DATAPOINTS = 1_440;
/** A Metrics Insights query analyzes (and is billed for) at most this many metrics. */
const MAX_INSIGHTS_ANALYZED = 10_000;

const SEARCH =
  /^SEARCH\('\{AWS\/Lambda((?:,\w+)*)\} MetricName="(\w+)"((?: \w+="[^"]+")*)', '(\w+)', (\d+)\)$/;
const INSIGHTS =
  /^SELECT (MAX|SUM)\((\w+)\) FROM SCHEMA\("AWS\/Lambda", FunctionName\) GROUP BY FunctionName ORDER BY (MAX|SUM)\(\) DESC LIMIT (\d+)$/;
const QUERY_ID = /^[a-z][A-Za-z0-9_]*$/;

type Statistic = 'Sum' | 'Maximum' | 'Minimum' | 'Average' | 'SampleCount';

function seriesKey(metricName: string, dimensions: Readonly<Record<string, string>>): string {
  const parts = Object.entries(dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`);
  return [metricName, ...parts].join('|');
}

function hasExactly(series: SimSeries, keys: readonly string[]): boolean {
  const own = Object.keys(series.dimensions);
  return own.length === keys.length && keys.every((key) => key in series.dimensions);
}

function aggregate(values: readonly number[], stat: string): number {
  switch (stat) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Average':
      return values.reduce((total, value) => total + value, 0) / values.length;
    case 'SampleCount':
      return values.length;
    default:
      return values.reduce((total, value) => total + value, 0);
  }
}

/** The series' datapoints in [start, end), grouped into periods counted from `start`, oldest first. */
function periods(
  series: SimSeries | undefined,
  start: number,
  end: number,
  periodSeconds: number,
): [number, number[]][] {
  if (!series) return [];
  const buckets = new Map<number, number[]>();
  const periodMs = periodSeconds * 1000;
  const first = series.from + Math.max(0, Math.ceil((start - series.from) / MINUTE_MS)) * MINUTE_MS;
  for (let minute = first; minute < Math.min(end, series.to); minute += MINUTE_MS) {
    const bucket = start + Math.floor((minute - start) / periodMs) * periodMs;
    const values = buckets.get(bucket);
    if (values) values.push(series.valueAt(minute));
    else buckets.set(bucket, [series.valueAt(minute)]);
  }
  return [...buckets].sort(([a], [b]) => a - b);
}

/**
 * The metrics of one account. It answers like AWS for the series it holds: MetricStat, SEARCH (every series of the
 * schema, name and filters that reported in the two weeks before the request's end, labelled through
 * `${PROP('Dim.X')}`), the Metrics Insights top-N (only series with datapoints in range, ordered by their
 * aggregate, labelled by function name) and GetMetricStatistics. It rejects what AWS rejects: more than 500
 * queries, more than one Metrics Insights query, bad or repeated ids, more than 1,440 datapoints per statistics
 * request. `billedMetrics` counts what CloudWatch charges for: one per MetricStat, the series a SEARCH found,
 * the series a Metrics Insights query analyzed, and one per GetMetricStatistics request.
 */
export class MetricStore {
  /** Every GetMetricData request answered, in order. */
  readonly requests: GetMetricDataCommandInput[] = [];
  /** Metrics requested so far, counted as CloudWatch bills them. */
  billedMetrics = 0;
  private readonly byKey = new Map<string, SimSeries>();
  private readonly byMetric = new Map<string, SimSeries[]>();

  constructor(series: Iterable<SimSeries>) {
    for (const entry of series) {
      this.byKey.set(seriesKey(entry.metricName, entry.dimensions), entry);
      const sameMetric = this.byMetric.get(entry.metricName);
      if (sameMetric) sameMetric.push(entry);
      else this.byMetric.set(entry.metricName, [entry]);
    }
  }

  /** Answers one GetMetricData request (all its results on one page). */
  getMetricData(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
    this.requests.push(input);
    const queries = input.MetricDataQueries ?? [];
    const ids = queries.map((query) => query.Id ?? '');
    if (queries.length > 500)
      throw validationError('The collection MetricDataQueries must not have a size greater than 500.');
    if (ids.some((id) => !QUERY_ID.test(id))) throw validationError(`Invalid Id in ${ids.join(',')}`);
    if (new Set(ids).size !== ids.length)
      throw validationError('The values for parameter id in MetricDataQueries are not unique.');
    if (queries.filter((query) => query.Expression?.startsWith('SELECT')).length > 1) {
      throw validationError('Only one Metrics Insights query is allowed per request.');
    }
    const start = input.StartTime?.getTime() ?? 0;
    const end = input.EndTime?.getTime() ?? 0;
    return {
      MetricDataResults: queries.flatMap((query) => this.answerQuery(query, start, end)),
      Messages: [],
      $metadata: { httpStatusCode: 200 },
    };
  }

  /** Answers one GetMetricStatistics request: one metric, one or more statistics, at most 1,440 datapoints. */
  getMetricStatistics(input: GetMetricStatisticsCommandInput): GetMetricStatisticsCommandOutput {
    const statistics = (input.Statistics ?? []) as Statistic[];
    if (statistics.length === 0) {
      throw new InvalidParameterCombinationException({
        message: 'Must specify either Statistics or ExtendedStatistics, but not both.',
        $metadata: { httpStatusCode: 400 },
      });
    }
    const period = input.Period ?? 0;
    if (period < 60 || period % 60 !== 0) {
      throw new InvalidParameterValueException({
        message: 'The parameter Period must be a multiple of 60 for standard resolution metrics.',
        $metadata: { httpStatusCode: 400 },
      });
    }
    const start = input.StartTime?.getTime() ?? 0;
    const end = input.EndTime?.getTime() ?? 0;
    const requested = Math.ceil((end - start) / (period * 1000)) * statistics.length;
    if (requested > MAX_STATISTICS_DATAPOINTS) {
      throw new InvalidParameterCombinationException({
        message: `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS}.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    this.billedMetrics += 1;
    const dimensions = Object.fromEntries((input.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
    const series = this.byKey.get(seriesKey(input.MetricName ?? '', dimensions));
    const datapoints = periods(series, start, end, period).map(([at, values]): Datapoint => {
      const point: Record<string, unknown> = { Timestamp: new Date(at), Unit: 'Count' };
      for (const stat of statistics) point[stat] = aggregate(values, stat);
      return point as Datapoint;
    });
    return { Label: input.MetricName, Datapoints: datapoints, $metadata: { httpStatusCode: 200 } };
  }

  private answerQuery(query: MetricDataQuery, start: number, end: number): MetricDataResult[] {
    const id = query.Id ?? '';
    if (query.MetricStat) {
      this.billedMetrics += 1;
      const metric = query.MetricStat.Metric;
      const dimensions = Object.fromEntries(
        (metric?.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']),
      );
      const found = this.byKey.get(seriesKey(metric?.MetricName ?? '', dimensions));
      const stat = query.MetricStat.Stat ?? 'Sum';
      const label = query.Label ?? metric?.MetricName ?? '';
      return [result(id, label, found, stat, query.MetricStat.Period ?? 60, start, end)];
    }
    const expression = query.Expression ?? '';
    const search = SEARCH.exec(expression);
    if (search) {
      const [, keyList = '', metricName = '', filterList = '', stat = 'Sum', period = '60'] = search;
      const keys = keyList.split(',').filter(Boolean);
      const filters = [...filterList.matchAll(/(\w+)="([^"]+)"/g)].map(([, key = '', value = '']) => [
        key,
        value,
      ]);
      const matched = (this.byMetric.get(metricName) ?? []).filter(
        (series) =>
          hasExactly(series, keys) &&
          series.to > end - SEARCH_LOOKBACK_MS &&
          filters.every(([key = '', value]) => series.dimensions[key] === value),
      );
      this.billedMetrics += matched.length;
      return matched.map((series) => {
        const label = (query.Label ?? '').replace(
          /\$\{PROP\('Dim\.(\w+)'\)\}/g,
          (_, key: string) => series.dimensions[key] ?? '',
        );
        return result(id, label, series, stat, Number(period), start, end);
      });
    }
    const insights = INSIGHTS.exec(expression);
    if (insights) {
      const [, aggregateName, metricName = '', , limit] = insights;
      const stat = aggregateName === 'MAX' ? 'Maximum' : 'Sum';
      const analyzed = (this.byMetric.get(metricName) ?? []).filter((series) =>
        hasExactly(series, ['FunctionName']),
      );
      this.billedMetrics += Math.min(analyzed.length, MAX_INSIGHTS_ANALYZED);
      return analyzed
        .map((series) =>
          result(id, series.dimensions.FunctionName ?? '', series, stat, query.Period ?? 60, start, end),
        )
        .filter((answer) => (answer.Values ?? []).length > 0)
        .map((answer) => ({ answer, rank: aggregate(answer.Values ?? [], stat) }))
        .sort((a, b) => b.rank - a.rank)
        .slice(0, Number(limit))
        .map(({ answer }) => answer);
    }
    throw validationError(`Unsupported expression ${expression}`);
  }
}

function result(
  id: string,
  label: string,
  series: SimSeries | undefined,
  stat: string,
  periodSeconds: number,
  start: number,
  end: number,
): MetricDataResult {
  const grouped = periods(series, start, end, periodSeconds);
  return {
    Id: id,
    Label: label,
    Timestamps: grouped.map(([at]) => new Date(at)),
    Values: grouped.map(([, values]) => aggregate(values, stat)),
    StatusCode: 'Complete',
  };
}
