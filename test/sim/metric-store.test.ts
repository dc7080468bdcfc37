import { InvalidNextToken } from '@aws-sdk/client-cloudwatch';
import { AWS_CLOUDWATCH_LIMITS, MetricStore, minuteSeries } from '../../sim/metric-store';

const NOW = Date.parse('2030-01-15T12:00:00.000Z');
const DAY = 86_400_000;

function search(store: MetricStore) {
  return store.getMetricData({
    MetricDataQueries: [
      {
        Id: 'dropped',
        Expression: `SEARCH('{AWS/Lambda,FunctionName} MetricName="RecursiveInvocationsDropped"', 'Sum', 60)`,
        Label: "${PROP('Dim.FunctionName')}",
      },
    ],
    StartTime: new Date(NOW - 15 * 60_000),
    EndTime: new Date(NOW),
  });
}

describe('MetricStore', () => {
  it('finds with SEARCH only the series that reported in the last two weeks, and bills each one found', () => {
    const recent = minuteSeries(
      'RecursiveInvocationsDropped',
      { FunctionName: 'recent' },
      NOW - 5 * DAY,
      NOW - 5 * DAY + 60_000,
      () => 3,
    );
    const old = minuteSeries(
      'RecursiveInvocationsDropped',
      { FunctionName: 'old' },
      NOW - 20 * DAY,
      NOW - 20 * DAY + 60_000,
      () => 3,
    );
    const store = new MetricStore([recent, old]);

    const output = search(store);

    expect(output.MetricDataResults?.map((result) => result.Label)).toEqual(['recent']);
    expect(output.MetricDataResults?.[0]?.Values).toEqual([]);
    expect(store.billedMetrics).toBe(1);
  });

  it('bills a Metrics Insights query for every series it analyzed, not only those it returned', () => {
    const series = Array.from({ length: 30 }, (_, index) =>
      minuteSeries(
        'ConcurrentExecutions',
        { FunctionName: `fn-${index}` },
        NOW - 60 * 60_000,
        NOW,
        () => index,
      ),
    );
    const store = new MetricStore(series);

    const output = store.getMetricData({
      MetricDataQueries: [
        {
          Id: 'top',
          Expression:
            'SELECT MAX(ConcurrentExecutions) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY MAX() DESC LIMIT 3',
          Period: 60,
        },
      ],
      StartTime: new Date(NOW - 15 * 60_000),
      EndTime: new Date(NOW),
    });

    expect(output.MetricDataResults?.map((result) => result.Label)).toEqual(['fn-29', 'fn-28', 'fn-27']);
    expect(store.billedMetrics).toBe(30);
  });

  it('answers GetMetricStatistics per period with the statistics asked for', () => {
    const store = new MetricStore([
      minuteSeries('Invocations', { FunctionName: 'api' }, NOW - 2 * 3_600_000, NOW, (minute) =>
        minute < NOW - 3_600_000 ? 1 : 2,
      ),
    ]);

    const output = store.getMetricStatistics({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: 'api' }],
      StartTime: new Date(NOW - 2 * 3_600_000),
      EndTime: new Date(NOW),
      Period: 3600,
      Statistics: ['Sum', 'Maximum'],
    });

    expect(output.Datapoints?.map((point) => [point.Sum, point.Maximum])).toEqual([
      [60, 1],
      [120, 2],
    ]);
  });
});

describe('MetricStore: minutes without datapoints', () => {
  // Invocations in the first ten minutes of each hour only; no datapoint in the other minutes.
  const hourly = () =>
    minuteSeries('Invocations', { FunctionName: 'batch' }, NOW - 6 * 3_600_000, NOW, (minute) =>
      (minute / 60_000) % 60 < 10 ? 4 : undefined,
    );
  const read = (store: MetricStore, period: number, start: number) =>
    store.getMetricData({
      MetricDataQueries: [
        {
          Id: 'batch',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Invocations',
              Dimensions: [{ Name: 'FunctionName', Value: 'batch' }],
            },
            Period: period,
            Stat: 'Sum',
          },
        },
      ],
      StartTime: new Date(start),
      EndTime: new Date(NOW),
    }).MetricDataResults?.[0];

  it('returns only the minutes that have datapoints', () => {
    const result = read(new MetricStore([hourly()]), 60, NOW - 3_600_000);

    expect(result?.Values).toEqual(Array.from({ length: 10 }, () => 4));
    expect(result?.Timestamps?.[0]).toEqual(new Date(NOW - 3_600_000));
  });

  it('gives a longer period a point only where one of its minutes had a datapoint', () => {
    const result = read(new MetricStore([hourly()]), 1800, NOW - 3 * 3_600_000);

    expect(result?.Values).toEqual([40, 40, 40]);
    expect(result?.Timestamps?.map((at) => new Date(at).getUTCMinutes())).toEqual([0, 0, 0]);
  });

  it('hides minutes not yet delivered', () => {
    const store = new MetricStore([hourly()], { publishedUntil: () => NOW - 3_600_000 + 5 * 60_000 });

    expect(read(store, 60, NOW - 3_600_000)?.Values).toHaveLength(5);
  });
});

describe('MetricStore: partial answers', () => {
  const many = Array.from({ length: 4 }, (_, index) =>
    minuteSeries('Throttles', { FunctionName: `fn-${index}` }, NOW - 3_600_000, NOW, () => index + 1),
  );
  const request = (nextToken?: string) => ({
    MetricDataQueries: many.map((series, index) => ({
      Id: `q${index}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: 'Throttles',
          Dimensions: [{ Name: 'FunctionName', Value: series.dimensions.FunctionName }],
        },
        Period: 60,
        Stat: 'Sum',
      },
    })),
    StartTime: new Date(NOW - 15 * 60_000),
    EndTime: new Date(NOW),
    ...(nextToken ? { NextToken: nextToken } : {}),
  });

  it('cuts an answer at the datapoints a call returns: PartialData and a NextToken for the rest, billed once', () => {
    const store = new MetricStore(many, {
      limits: { datapointsPerCall: 40, searchSeries: 500, insightsAnalyzed: 10_000 },
    });

    const first = store.getMetricData(request());
    const second = store.getMetricData(request(first.NextToken));

    expect(
      first.MetricDataResults?.map((result) => [result.Id, result.Values?.length, result.StatusCode]),
    ).toEqual([
      ['q0', 15, 'Complete'],
      ['q1', 15, 'Complete'],
      ['q2', 10, 'PartialData'],
    ]);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(
      second.MetricDataResults?.map((result) => [result.Id, result.Values?.length, result.StatusCode]),
    ).toEqual([
      ['q2', 5, 'Complete'],
      ['q3', 15, 'Complete'],
    ]);
    expect(second.NextToken).toBeUndefined();
    expect(store.billedMetrics).toBe(4);
  });

  it('refuses a NextToken it did not issue when limits are set', () => {
    const store = new MetricStore(many, { limits: AWS_CLOUDWATCH_LIMITS });

    expect(() => store.getMetricData(request('made-up'))).toThrow(InvalidNextToken);
  });

  it('answers everything on one page when no limits are set', () => {
    const store = new MetricStore(many);

    const output = store.getMetricData(request());

    expect(output.NextToken).toBeUndefined();
    expect(output.MetricDataResults?.every((result) => result.StatusCode === 'Complete')).toBe(true);
  });

  it('processes only the first metrics a Metrics Insights query can, and says so in Messages', () => {
    const store = new MetricStore(many, {
      limits: { datapointsPerCall: 100_800, searchSeries: 500, insightsAnalyzed: 3 },
    });

    const output = store.getMetricData({
      MetricDataQueries: [
        {
          Id: 'top',
          Expression:
            'SELECT SUM(Throttles) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY SUM() DESC LIMIT 10',
          Period: 60,
        },
      ],
      StartTime: new Date(NOW - 15 * 60_000),
      EndTime: new Date(NOW),
    });

    expect(output.MetricDataResults?.map((result) => result.Label)).toEqual(['fn-2', 'fn-1', 'fn-0']);
    expect(output.Messages).toEqual([expect.objectContaining({ Code: 'MaxMatchingResultsExceeded' })]);
  });
});
