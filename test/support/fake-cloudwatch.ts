import type {
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
  MetricDataQuery,
  MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { CallBudget } from '../../functions/scanner/model';

/** One Lambda metric series the fake account holds, as one datapoint per minute. */
export interface FakeSeries {
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch milliseconds (minute-aligned) → value. */
  readonly minutes: ReadonlyMap<number, number>;
}

/** A series with `value(minute)` for every minute in [from, to). */
export function minuteSeries(
  metricName: string,
  dimensions: Readonly<Record<string, string>>,
  from: number,
  to: number,
  value: (minute: number) => number,
): FakeSeries {
  const minutes = new Map<number, number>();
  for (let at = from; at < to; at += 60_000) minutes.set(at, value(at));
  return { metricName, dimensions, minutes };
}

/** Thrown the way CloudWatch rejects a malformed GetMetricData request. */
export class FakeValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

const SEARCH =
  /^SEARCH\('\{AWS\/Lambda((?:,\w+)*)\} MetricName="(\w+)"((?: \w+="[^"]+")*)', '(\w+)', (\d+)\)$/;
const INSIGHTS =
  /^SELECT (MAX|SUM)\((\w+)\) FROM SCHEMA\("AWS\/Lambda", FunctionName\) GROUP BY FunctionName ORDER BY (MAX|SUM)\(\) DESC LIMIT (\d+)$/;

function sameKeys(a: Readonly<Record<string, string>>, keys: readonly string[]): boolean {
  const own = Object.keys(a).sort();
  return own.length === keys.length && [...keys].sort().every((key, index) => key === own[index]);
}

/**
 * A CloudWatch GetMetricData that answers like AWS for the series it holds: MetricStat, SEARCH (every series
 * held matches when its schema, name and filters do, with or without datapoints in range, labelled through
 * `${PROP('Dim.X')}`) and the Metrics Insights top-N the collector writes (only series with datapoints in range,
 * ordered by their aggregate, labelled by function name). It rejects what AWS rejects: more than 500 queries,
 * more than one Metrics Insights query, bad or repeated ids. It also counts what AWS would bill, its own way:
 * one per MetricStat, the series a SEARCH matched, the series a Metrics Insights query analyzed.
 */
export class FakeCloudWatch {
  readonly requests: GetMetricDataCommandInput[] = [];
  billedMetrics = 0;

  constructor(private readonly series: readonly FakeSeries[]) {}

  answer(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
    this.requests.push(input);
    const queries = input.MetricDataQueries ?? [];
    const ids = queries.map((query) => query.Id ?? '');
    if (queries.length > 500)
      throw new FakeValidationError(
        'The collection MetricDataQueries must not have a size greater than 500.',
      );
    if (ids.some((id) => !/^[a-z][A-Za-z0-9_]*$/.test(id)))
      throw new FakeValidationError(`Invalid Id in ${ids.join(',')}`);
    if (new Set(ids).size !== ids.length)
      throw new FakeValidationError('The values for parameter id in MetricDataQueries are not unique.');
    if (queries.filter((query) => query.Expression?.startsWith('SELECT')).length > 1) {
      throw new FakeValidationError('Only one Metrics Insights query is allowed per request.');
    }
    const start = input.StartTime?.getTime() ?? 0;
    const end = input.EndTime?.getTime() ?? 0;
    return {
      MetricDataResults: queries.flatMap((query) => this.answerQuery(query, start, end)),
      $metadata: { httpStatusCode: 200 },
    };
  }

  private answerQuery(query: MetricDataQuery, start: number, end: number): MetricDataResult[] {
    const id = query.Id ?? '';
    if (query.MetricStat) {
      this.billedMetrics += 1;
      const metric = query.MetricStat.Metric;
      const dimensions = Object.fromEntries(
        (metric?.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']),
      );
      const found = this.series.find(
        (series) =>
          series.metricName === metric?.MetricName &&
          sameKeys(series.dimensions, Object.keys(dimensions)) &&
          Object.entries(dimensions).every(([key, value]) => series.dimensions[key] === value),
      );
      const stat = query.MetricStat.Stat ?? 'Sum';
      return [
        this.result(id, metric?.MetricName ?? '', found, stat, query.MetricStat.Period ?? 60, start, end),
      ];
    }
    const expression = query.Expression ?? '';
    const search = SEARCH.exec(expression);
    if (search) {
      const [, keyList = '', metricName, filterList = '', stat = 'Sum', period = '60'] = search;
      const keys = keyList.split(',').filter(Boolean);
      const filters = [...filterList.matchAll(/(\w+)="([^"]+)"/g)].map(([, key = '', value = '']) => [
        key,
        value,
      ]);
      const matched = this.series.filter(
        (series) =>
          series.metricName === metricName &&
          sameKeys(series.dimensions, keys) &&
          filters.every(([key = '', value]) => series.dimensions[key] === value),
      );
      this.billedMetrics += matched.length;
      return matched.map((series) => {
        const label = (query.Label ?? '').replace(
          /\$\{PROP\('Dim\.(\w+)'\)\}/g,
          (_, key: string) => series.dimensions[key] ?? '',
        );
        return this.result(id, label, series, stat, Number(period), start, end);
      });
    }
    const insights = INSIGHTS.exec(expression);
    if (insights) {
      const [, aggregate, metricName, , limit] = insights;
      const stat = aggregate === 'MAX' ? 'Maximum' : 'Sum';
      const analyzed = this.series.filter(
        (series) => series.metricName === metricName && sameKeys(series.dimensions, ['FunctionName']),
      );
      this.billedMetrics += Math.min(analyzed.length, 10_000);
      return analyzed
        .map((series) =>
          this.result(id, series.dimensions.FunctionName ?? '', series, stat, query.Period ?? 60, start, end),
        )
        .filter((result) => (result.Values ?? []).length > 0)
        .map((result) => ({ result, rank: aggregateOf(result.Values ?? [], stat) }))
        .sort((a, b) => b.rank - a.rank)
        .slice(0, Number(limit))
        .map(({ result }) => result);
    }
    throw new FakeValidationError(`Unsupported expression ${expression}`);
  }

  private result(
    id: string,
    label: string,
    series: FakeSeries | undefined,
    stat: string,
    period: number,
    start: number,
    end: number,
  ): MetricDataResult {
    const buckets = new Map<number, number[]>();
    for (const [at, value] of series?.minutes ?? []) {
      if (at < start || at >= end) continue;
      const bucket = start + Math.floor((at - start) / (period * 1000)) * period * 1000;
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), value]);
    }
    const ordered = [...buckets].sort(([a], [b]) => a - b);
    return {
      Id: id,
      Label: label,
      Timestamps: ordered.map(([at]) => new Date(at)),
      Values: ordered.map(([, values]) => aggregateOf(values, stat)),
      StatusCode: 'Complete',
    };
  }
}

function aggregateOf(values: readonly number[], stat: string): number {
  return stat === 'Maximum' ? Math.max(...values) : values.reduce((total, value) => total + value, 0);
}

/** A CallBudget that sends every call at once and counts them by operation. */
export class CountingBudget implements CallBudget {
  readonly calls: Record<string, number> = {};

  async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    return send();
  }
}
