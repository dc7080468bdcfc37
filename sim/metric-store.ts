/**
 * CloudWatch's read side for Lambda metrics, answered from series held in memory: GetMetricData (MetricStat,
 * SEARCH and the Metrics Insights top-N the collector writes) and GetMetricStatistics, with the validation errors
 * AWS returns and a count of what AWS bills for each request.
 *
 * Like CloudWatch, it returns only periods that have datapoints: a series has none for a minute Lambda published
 * nothing in (`valueAt` answers undefined), and a longer period (3600 s) gets a point only where some minute in
 * it had one. Series held for a simulation go on as its clock does; `publishedUntil` hides minutes not yet
 * delivered.
 *
 * Partial answers, off unless `limits` are given (what AWS documents, and what we assumed where it is silent):
 * - GetMetricData returns at most 100,800 datapoints a call (or `MaxDatapoints`); the results then carry
 *   `StatusCode: 'PartialData'` and the output a `NextToken` for the rest (API reference, MetricDataResult). How
 *   results are split across pages is not documented: we fill pages in query order, the result that is cut
 *   carries PartialData and continues on the next page under the same Id and Label, later results follow there.
 *   Pages after the first are not billed again.
 * - SEARCH returns at most 500 series (search expression syntax: "can return up to 500 time series"). AWS
 *   documents no status for the cut; clients (Grafana's CloudWatch data source) read an operation-level message
 *   with code `MaxMetricsExceeded` ("Maximum number of allowed metrics exceeded", the example the
 *   GetMetricDataOutput reference gives): we add that to `Messages` and leave the results Complete.
 * - A Metrics Insights query processes at most 10,000 metrics, "the first 10,000 it finds" (Metrics Insights
 *   quotas); we take them in the order the series were registered and add a `MaxMatchingResultsExceeded`
 *   message (the code clients read for it; the text is ours).
 */
import {
  CloudWatchServiceException,
  InvalidNextToken,
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

/** One metric series the account holds, at most one datapoint per minute (Lambda's standard resolution). */
export interface SimSeries {
  readonly metricName: string;
  /** Dimension name → value; none for the region-level series. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch milliseconds of the first minute that may hold a datapoint. */
  readonly from: number;
  /** Epoch milliseconds after the last minute that may hold one (exclusive); Infinity while a simulation runs. */
  readonly to: number;
  /** The datapoint of the minute starting at `minute` (within [from, to)), or undefined when none was published. */
  valueAt(minute: number): number | undefined;
  /** Whether the series has a datapoint in [from, to): what SEARCH asks; valueAt is scanned when absent. */
  reportedBetween?(from: number, to: number): boolean;
}

/**
 * A series with `value(minute)` for every minute in [from, to), read lazily so large accounts cost no memory. A
 * value of undefined is a minute without a datapoint; every number, 0 included, is one (Lambda itself publishes
 * no 0 for counts: see account-metrics.ts for the series a simulated account publishes).
 */
export function minuteSeries(
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
  from: number,
  to: number,
  value: (minute: number) => number | undefined,
): SimSeries {
  return { metricName, dimensions, from, to, valueAt: value };
}

/** How much one request may return before CloudWatch answers partially (see the file comment). */
export interface CloudWatchLimits {
  /** Datapoints one GetMetricData call returns; the rest follow through NextToken. */
  readonly datapointsPerCall: number;
  /** Series one SEARCH expression returns. */
  readonly searchSeries: number;
  /** Metrics one Metrics Insights query processes. */
  readonly insightsAnalyzed: number;
}

/** CloudWatch's own limits. */
export const AWS_CLOUDWATCH_LIMITS: CloudWatchLimits = {
  datapointsPerCall: 100_800,
  searchSeries: 500,
  insightsAnalyzed: 10_000,
};

const NO_LIMITS: CloudWatchLimits = {
  datapointsPerCall: Infinity,
  searchSeries: Infinity,
  insightsAnalyzed: Infinity,
};

/** How a MetricStore answers besides the series it holds. */
export interface MetricStoreOptions {
  /**
   * Epoch milliseconds before which minutes have been delivered: a minute starting at or after it has no
   * datapoint yet.
   * @default every minute of every series is delivered
   */
  readonly publishedUntil?: () => number;
  /**
   * Limits past which answers are partial.
   * @default none: every answer is complete, on one page
   */
  readonly limits?: CloudWatchLimits;
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

/**
 * The series' datapoints in [start, end) and before `until`, grouped into periods counted from `start`, oldest
 * first; a period without any datapoint is left out, as CloudWatch does.
 */
function periods(
  series: SimSeries | undefined,
  start: number,
  end: number,
  periodSeconds: number,
  until = Infinity,
): [number, number[]][] {
  if (!series) return [];
  const buckets = new Map<number, number[]>();
  const periodMs = periodSeconds * 1000;
  const first = series.from + Math.max(0, Math.ceil((start - series.from) / MINUTE_MS)) * MINUTE_MS;
  const last = Math.min(end, series.to, until);
  for (let minute = first; minute < last; minute += MINUTE_MS) {
    const value = series.valueAt(minute);
    if (value === undefined) continue;
    const bucket = start + Math.floor((minute - start) / periodMs) * periodMs;
    const values = buckets.get(bucket);
    if (values) values.push(value);
    else buckets.set(bucket, [value]);
  }
  return [...buckets].sort(([a], [b]) => a - b);
}

/** One page of results, and where the next starts. */
interface PagedAnswer {
  readonly results: MetricDataResult[];
  readonly messages: { Code: string; Value: string }[];
  /** Datapoints already returned on earlier pages. */
  readonly skip: number;
}

function datapointsOf(result: MetricDataResult): number {
  return (result.Values ?? []).length;
}

/** The results on the page that starts `skip` datapoints in and holds at most `size`; whether more follow. */
function pageOf(
  results: readonly MetricDataResult[],
  skip: number,
  size: number,
): { page: MetricDataResult[]; more: boolean } {
  const total = results.reduce((sum, result) => sum + datapointsOf(result), 0);
  const end = skip + size;
  const page: MetricDataResult[] = [];
  let position = 0;
  for (const result of results) {
    const length = datapointsOf(result);
    const from = position;
    position += length;
    if (length === 0) {
      if ((from >= skip && from < end) || (from === total && end >= total)) page.push(result);
      continue;
    }
    const first = Math.max(from, skip);
    const last = Math.min(position, end);
    if (first >= last) continue;
    page.push({
      ...result,
      Timestamps: (result.Timestamps ?? []).slice(first - from, last - from),
      Values: (result.Values ?? []).slice(first - from, last - from),
      StatusCode: last < position ? 'PartialData' : (result.StatusCode ?? 'Complete'),
    });
  }
  return { page, more: end < total };
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
  private readonly publishedUntil: () => number;
  private readonly limits: CloudWatchLimits;
  private readonly pending = new Map<string, PagedAnswer>();
  private pages = 0;

  constructor(series: Iterable<SimSeries>, options: MetricStoreOptions = {}) {
    this.publishedUntil = options.publishedUntil ?? (() => Infinity);
    this.limits = options.limits ?? NO_LIMITS;
    for (const entry of series) {
      this.byKey.set(seriesKey(entry.metricName, entry.dimensions), entry);
      const sameMetric = this.byMetric.get(entry.metricName);
      if (sameMetric) sameMetric.push(entry);
      else this.byMetric.set(entry.metricName, [entry]);
    }
  }

  /** Answers one GetMetricData request: one page of it, with a NextToken when more follow. */
  getMetricData(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
    this.requests.push(input);
    const pageSize = Math.min(this.limits.datapointsPerCall, input.MaxDatapoints ?? Infinity);
    let answer: PagedAnswer;
    const pending = input.NextToken === undefined ? undefined : this.pending.get(input.NextToken);
    if (pending && input.NextToken !== undefined) {
      this.pending.delete(input.NextToken);
      answer = pending;
    } else if (input.NextToken !== undefined && this.limits !== NO_LIMITS) {
      throw new InvalidNextToken({
        message: `The NextToken ${input.NextToken} is invalid or has expired.`,
        $metadata: { httpStatusCode: 400 },
      });
    } else {
      // Without limits every answer is whole: a token this store did not issue (a test paging by hand) is
      // answered like the first page, as before partial answers existed.
      answer = { ...this.answerRequest(input), skip: 0 };
    }
    const { page, more } = pageOf(answer.results, answer.skip, pageSize);
    let nextToken: string | undefined;
    if (more) {
      this.pages += 1;
      nextToken = Buffer.from(`page:${this.pages}`).toString('base64url');
      this.pending.set(nextToken, { ...answer, skip: answer.skip + pageSize });
    }
    return {
      MetricDataResults: page,
      Messages: answer.messages,
      ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      $metadata: { httpStatusCode: 200 },
    };
  }

  private answerRequest(input: GetMetricDataCommandInput): Omit<PagedAnswer, 'skip'> {
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
    const messages: { Code: string; Value: string }[] = [];
    const results = queries.flatMap((query) => this.answerQuery(query, start, end, messages));
    return { results, messages };
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
    const datapoints = periods(series, start, end, period, this.publishedUntil()).map(
      ([at, values]): Datapoint => {
        const point: Record<string, unknown> = { Timestamp: new Date(at), Unit: 'Count' };
        for (const stat of statistics) point[stat] = aggregate(values, stat);
        return point as Datapoint;
      },
    );
    return { Label: input.MetricName, Datapoints: datapoints, $metadata: { httpStatusCode: 200 } };
  }

  private answerQuery(
    query: MetricDataQuery,
    start: number,
    end: number,
    messages: { Code: string; Value: string }[],
  ): MetricDataResult[] {
    const until = this.publishedUntil();
    const reported = (series: SimSeries) => {
      const from = end - SEARCH_LOOKBACK_MS;
      const to = Math.min(end, until, series.to);
      if (series.reportedBetween) return series.reportedBetween(from, to);
      for (
        let minute = Math.max(series.from, Math.floor(from / MINUTE_MS) * MINUTE_MS);
        minute < to;
        minute += MINUTE_MS
      ) {
        if (series.valueAt(minute) !== undefined) return true;
      }
      return false;
    };
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
      return [result(id, label, found, stat, query.MetricStat.Period ?? 60, start, end, until)];
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
      const found = (this.byMetric.get(metricName) ?? []).filter(
        (series) =>
          hasExactly(series, keys) &&
          filters.every(([key = '', value]) => series.dimensions[key] === value) &&
          reported(series),
      );
      const matched = found.slice(0, this.limits.searchSeries);
      if (matched.length < found.length) {
        messages.push({
          Code: 'MaxMetricsExceeded',
          Value: `The search matched ${found.length} metrics; only the first ${matched.length} are returned.`,
        });
      }
      this.billedMetrics += matched.length;
      return matched.map((series) => {
        const label = (query.Label ?? '').replace(
          /\$\{PROP\('Dim\.(\w+)'\)\}/g,
          (_, key: string) => series.dimensions[key] ?? '',
        );
        return result(id, label, series, stat, Number(period), start, end, until);
      });
    }
    const insights = INSIGHTS.exec(expression);
    if (insights) {
      const [, aggregateName, metricName = '', , limit] = insights;
      const stat = aggregateName === 'MAX' ? 'Maximum' : 'Sum';
      const matching = (this.byMetric.get(metricName) ?? []).filter((series) =>
        hasExactly(series, ['FunctionName']),
      );
      const analyzed = matching.slice(0, this.limits.insightsAnalyzed);
      if (analyzed.length < matching.length) {
        messages.push({
          Code: 'MaxMatchingResultsExceeded',
          Value: `The query matched ${matching.length} metrics; only the first ${analyzed.length} were processed.`,
        });
      }
      this.billedMetrics += Math.min(analyzed.length, MAX_INSIGHTS_ANALYZED);
      return analyzed
        .map((series) =>
          result(
            id,
            series.dimensions.FunctionName ?? '',
            series,
            stat,
            query.Period ?? 60,
            start,
            end,
            until,
          ),
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
  until: number,
): MetricDataResult {
  const grouped = periods(series, start, end, periodSeconds, until);
  return {
    Id: id,
    Label: label,
    Timestamps: grouped.map(([at]) => new Date(at)),
    Values: grouped.map(([, values]) => aggregate(values, stat)),
    StatusCode: 'Complete',
  };
}
