import { metricGraphLink, metricGraphUrl } from '../../../../functions/scanner/detect/metric-links';

describe('metricGraphUrl', () => {
  it('opens the CloudWatch console graph of the metric, statistic, period and window', () => {
    expect(
      metricGraphUrl({
        region: 'eu-west-1',
        metrics: [
          {
            metricName: 'ConcurrentExecutions',
            dimensions: { FunctionName: 'batch-import' },
            stat: 'Maximum',
          },
        ],
        periodSeconds: 60,
        start: '2026-11-26T14:12:00.000Z',
        end: '2026-11-26T14:27:00.000Z',
      }),
    ).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#metricsV2:graph=' +
        "~(metrics~(~(~'AWS*2fLambda~'ConcurrentExecutions~'FunctionName~'batch-import~(stat~'Maximum)))" +
        "~view~'timeSeries~stacked~false~region~'eu-west-1~period~60" +
        "~start~'2026-11-26T14*3a12*3a00.000Z~end~'2026-11-26T14*3a27*3a00.000Z)",
    );
  });

  it('graphs several metrics, a region-level one without dimensions, and escapes what JSURL reserves', () => {
    const url = metricGraphUrl({
      region: 'us-east-1',
      metrics: [
        { metricName: 'Throttles', dimensions: {}, stat: 'Sum' },
        {
          metricName: 'Invocations',
          dimensions: { FunctionName: 'checkout', Resource: 'checkout:$LATEST' },
          stat: 'Sum',
        },
      ],
      periodSeconds: 300,
      start: '2026-11-26T14:00:00.000Z',
      end: '2026-11-26T15:00:00.000Z',
      title: 'Throttles (all) ~ checkout',
    });
    expect(url).toContain(
      "metrics~(~(~'AWS*2fLambda~'Throttles~(stat~'Sum))~(~'AWS*2fLambda~'Invocations~'FunctionName~'checkout~'Resource~'checkout*3a*24LATEST~(stat~'Sum)))",
    );
    expect(url).toContain('~period~300~');
    expect(url).toContain("~title~'Throttles*20*28all*29*20*7e*20checkout)");
    // Nothing in the fragment may break the URL or the JSURL structure.
    expect(url.split('#')[1]).toMatch(/^[A-Za-z0-9_.\-~'*()=:]+$/);
  });

  it('makes a labelled finding link', () => {
    const link = metricGraphLink('Throttles of orders-api', {
      region: 'eu-west-1',
      metrics: [{ metricName: 'Throttles', dimensions: { FunctionName: 'orders-api' }, stat: 'Sum' }],
      periodSeconds: 60,
      start: '2026-11-26T14:12:00.000Z',
      end: '2026-11-26T14:27:00.000Z',
    });
    expect(link.label).toBe('Throttles of orders-api');
    expect(link.url).toContain("~'FunctionName~'orders-api~");
  });
});
