import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  MetricQueryError,
  batchQueries,
  isValidQueryId,
  metricStatQuery,
  metricWindow,
  metricsRequested,
  queryId,
  searchQuery,
  topFunctionsQuery,
} from '../../../../functions/scanner/collect/metric-queries';

const stat = (id: string): MetricDataQuery =>
  metricStatQuery(id, { metricName: 'Invocations', dimensions: { FunctionName: 'orders' }, stat: 'Sum' }, 60);
const top = (id: string): MetricDataQuery =>
  topFunctionsQuery(id, { metricName: 'Throttles', aggregate: 'SUM', limit: 5 }, 60);

describe('metricWindow', () => {
  it('ends at the last minute CloudWatch has delivered (three minutes back) and spans lookbackMinutes', () => {
    const window = metricWindow(Date.parse('2026-11-26T14:30:42.123Z'), 15, 48);
    expect(window).toEqual({
      start: '2026-11-26T14:12:00.000Z',
      end: '2026-11-26T14:27:00.000Z',
      // Whole hours, from 48 h before the window's hour up to 22 h before it: yesterday's same hour is in,
      // the last hours (where a loop that started this morning would be) are not.
      historyStart: '2026-11-24T14:00:00.000Z',
      historyEnd: '2026-11-25T16:00:00.000Z',
    });
  });

  it('rounds a fractional lookback up to whole minutes', () => {
    const window = metricWindow(Date.parse('2026-11-26T14:30:00.000Z'), 2.5, 48);
    expect(window.start).toBe('2026-11-26T14:24:00.000Z');
  });
});

describe('query ids', () => {
  it('accepts a lowercase first letter then letters, digits and underscores only', () => {
    expect(['acct_throttles', 'fn_12', 'a'].every(isValidQueryId)).toBe(true);
    expect(['Acct', '1fn', 'fn-1', '', 'fn.1'].some(isValidQueryId)).toBe(false);
  });

  it('numbers ids under a prefix and refuses a prefix that would make an invalid id', () => {
    expect(queryId('pc_conc', 3)).toBe('pc_conc_3');
    expect(() => queryId('Bad', 1)).toThrow(MetricQueryError);
    expect(() => queryId('fn', -1)).toThrow(MetricQueryError);
  });
});

describe('metricStatQuery', () => {
  it('asks AWS/Lambda for one statistic of one metric with its dimensions', () => {
    expect(
      metricStatQuery(
        'pc_inv_0',
        {
          metricName: 'Invocations',
          dimensions: { FunctionName: 'checkout', Resource: 'checkout:live' },
          stat: 'Sum',
        },
        60,
      ),
    ).toEqual({
      Id: 'pc_inv_0',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: 'Invocations',
          Dimensions: [
            { Name: 'FunctionName', Value: 'checkout' },
            { Name: 'Resource', Value: 'checkout:live' },
          ],
        },
        Period: 60,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
  });
});

describe('searchQuery', () => {
  it('writes a SEARCH over one schema, labelled by a dimension', () => {
    const query = searchQuery(
      'fn_res_0',
      {
        metricName: 'Invocations',
        dimensionKeys: ['FunctionName', 'Resource'],
        filters: { FunctionName: 'checkout' },
        stat: 'Sum',
        labelDimension: 'Resource',
      },
      60,
    );
    expect(query.Expression).toBe(
      `SEARCH('{AWS/Lambda,FunctionName,Resource} MetricName="Invocations" FunctionName="checkout"', 'Sum', 60)`,
    );
    expect(query.Label).toBe("${PROP('Dim.Resource')}");
  });

  it('refuses a value that could break out of the quoted term', () => {
    expect(() =>
      searchQuery(
        'x',
        {
          metricName: 'Invocations',
          dimensionKeys: ['FunctionName'],
          filters: { FunctionName: `a" OR MetricName="Errors` },
          stat: 'Sum',
          labelDimension: 'FunctionName',
        },
        60,
      ),
    ).toThrow(MetricQueryError);
  });
});

describe('topFunctionsQuery', () => {
  it('writes a Metrics Insights top-N over every function, with its period', () => {
    expect(
      topFunctionsQuery(
        'top_concurrency',
        { metricName: 'ConcurrentExecutions', aggregate: 'MAX', limit: 10 },
        60,
      ),
    ).toEqual({
      Id: 'top_concurrency',
      Expression:
        'SELECT MAX(ConcurrentExecutions) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ' +
        'ORDER BY MAX() DESC LIMIT 10',
      Period: 60,
      ReturnData: true,
    });
  });

  it('refuses a LIMIT Metrics Insights would reject', () => {
    expect(() =>
      topFunctionsQuery('t', { metricName: 'Throttles', aggregate: 'SUM', limit: 501 }, 60),
    ).toThrow(MetricQueryError);
  });
});

describe('batchQueries', () => {
  it('puts at most 500 queries in a call', () => {
    const queries = Array.from({ length: 1001 }, (_, index) => stat(queryId('q', index)));
    expect(batchQueries(queries).map((batch) => batch.length)).toEqual([500, 500, 1]);
  });

  it('puts each Metrics Insights query in a call of its own, beside ordinary queries', () => {
    const batches = batchQueries([top('top_a'), stat('s_1'), top('top_b'), stat('s_2')]);
    expect(batches.map((batch) => batch.map((query) => query.Id))).toEqual([
      ['top_a', 's_1'],
      ['top_b', 's_2'],
    ]);
  });

  it('refuses invalid and repeated ids before anything is sent', () => {
    expect(() => batchQueries([stat('ok'), stat('Bad')])).toThrow(MetricQueryError);
    expect(() => batchQueries([stat('same'), stat('same')])).toThrow(/Repeated/);
  });
});

describe('metricsRequested', () => {
  const search = searchQuery(
    'probe',
    {
      metricName: 'RecursiveInvocationsDropped',
      dimensionKeys: ['FunctionName'],
      stat: 'Sum',
      labelDimension: 'FunctionName',
    },
    60,
  );

  it('counts one per MetricStat, the series a SEARCH found, and the bound given for Metrics Insights', () => {
    const results = [
      { Id: 'probe', Label: 'order-events' },
      { Id: 'probe', Label: 'old-loop' },
      { Id: 'top', Label: 'batch-import' },
    ];
    expect(metricsRequested([stat('a'), stat('b'), search, top('top')], results, 7_000)).toBe(2 + 2 + 7_000);
  });

  it('counts nothing for a SEARCH that found nothing, and at most 10,000 for Metrics Insights', () => {
    expect(metricsRequested([search], [], 0)).toBe(0);
    expect(metricsRequested([top('top')], [], 50_000)).toBe(10_000);
  });

  it('counts a math expression over other queries as no metric of its own', () => {
    expect(metricsRequested([stat('a'), { Id: 'rate', Expression: 'a / 60' }], [], 0)).toBe(1);
  });
});
