import { MetricStore, minuteSeries } from '../../sim/metric-store';

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
