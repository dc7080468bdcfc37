import { recursiveLoop } from '../../../../functions/scanner/detect/recursive-loop';
import type { FunctionMetrics, MetricSeries } from '../../../../functions/scanner/model';
import { flat, history, metricContext, metricsSnapshot, perMinute } from '../../../support/metrics-builders';

/** Quiet at 20 a minute for ten minutes, then a loop from 600 a minute growing by 30% a minute. */
const GEOMETRIC = perMinute(
  ...Array.from({ length: 15 }, (_, minute) => (minute < 10 ? 20 : Math.round(600 * 1.3 ** (minute - 10)))),
);

function dropped(name: string, ...values: number[]): FunctionMetrics {
  return {
    functionName: name,
    reasons: ['recursion-dropped'],
    recursiveInvocationsDropped: perMinute(...values),
  };
}

function busy(
  name: string,
  invocations: FunctionMetrics['invocations'],
  past: MetricSeries | undefined,
  extra: Partial<FunctionMetrics> = {},
): FunctionMetrics {
  return {
    functionName: name,
    reasons: ['top-invocations'],
    ...(invocations ? { invocations } : {}),
    ...(past ? { invocationsHistory: past } : {}),
    ...extra,
  };
}

const detect = (functions: FunctionMetrics[], settings = {}) =>
  recursiveLoop.detect(metricContext(metricsSnapshot({ functions }), { settings }));

describe('recursive-loop', () => {
  it('compliant: steady traffic near its own past, and no dropped recursion', () => {
    expect(detect([busy('orders-api', flat(20_000), history(19_000))])).toEqual([]);
  });

  it('non-compliant 1: AWS dropped recursive invocations: a warning saying AWS cut the loop and the sentinel will not act', () => {
    const [finding, ...others] = detect([dropped('order-events', 0, 0, 16, 16, 16)]);
    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      kind: 'recursive-loop',
      functionName: 'order-events',
      severity: 'warning',
      summary: 'AWS stopped a recursive loop in order-events: 48 invocations dropped',
      fingerprint: 'recursive-loop:order-events:dropped',
      since: perMinute(0, 0, 16).points[2]?.at,
    });
    expect(finding?.evidence).toMatchObject({ recursiveInvocationsDropped: 48 });
    expect(finding?.guidance).toMatch(/can take hours/);
    expect(finding?.guidance).toMatch(/never acts on a dropped loop/);
    expect(finding?.links?.[1]?.url).toContain("~'RecursiveInvocationsDropped~'FunctionName~'order-events");
  });

  it('non-compliant 2: a runaway far above its known past and still growing is critical, with the numbers compared', () => {
    const [finding] = detect([
      busy('ddb-writer', GEOMETRIC, history(20), {
        recursiveLoop: 'Terminate',
        eventSourceMappings: [
          {
            uuid: 'm-1',
            eventSourceArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/x',
            state: 'Enabled',
          },
        ],
      }),
    ]);
    expect(finding).toMatchObject({
      functionName: 'ddb-writer',
      severity: 'critical',
      fingerprint: 'recursive-loop:ddb-writer:runaway',
      summary:
        'ddb-writer looks like a runaway loop: 1,349 a minute, 67x its busiest five minutes of the past 192 h ' +
        '(20 a minute), and still growing (600 -> 780 -> 1,014 -> 1,318 -> 1,714 in the last minutes)',
      since: GEOMETRIC.points[10]?.at,
    });
    expect(finding?.evidence).toMatchObject({
      invocationsPerMinuteNow: 1349,
      historyPeakPerMinute: 20,
      timesHistoryPeak: 67,
      growing: true,
      history: 'known',
      recursiveLoop: 'Terminate',
      eventSourceMappings: ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/x (Enabled)'],
    });
    expect(finding?.guidance).toMatch(/DynamoDB stream/);
    expect(finding?.guidance).toMatch(/disable the mapping/);
  });

  it('non-compliant 3: a level rate far above its past is a warning, not acted on; Allow is named', () => {
    const [finding] = detect([busy('fan-out', flat(5_000), history(100), { recursiveLoop: 'Allow' })]);
    expect(finding).toMatchObject({
      severity: 'warning',
      fingerprint: 'recursive-loop:fan-out:runaway',
      summary:
        'fan-out runs far above its own past: 5,000 a minute, 50x its busiest five minutes of the past 192 h ' +
        '(100 a minute); level, not growing',
    });
    expect(finding?.evidence.recursiveLoop).toBe('Allow');
    expect(finding?.guidance).toMatch(/does not act on it/);
    expect(finding?.guidance).toMatch(/Terminate/);
  });

  it('non-compliant 4: growing with no history to compare with is a warning, never critical (issue 9, item 1)', () => {
    const [finding] = detect([busy('new-consumer', GEOMETRIC, history(0))]);
    expect(finding).toMatchObject({ severity: 'warning' });
    expect(finding?.summary).toContain('no invocation history to compare with in the past 192 h');
    expect(finding?.evidence.history).toBe('unknown');
  });

  it('compliant: a new function at a level rate with no history is no finding', () => {
    expect(detect([busy('renamed-api', flat(3_000), history(0))])).toEqual([]);
  });

  it('compliant: hot but no longer hot at the end of the window keeps nothing open', () => {
    const ended = busy('ddb-writer', perMinute(...Array(10).fill(5_000), 0, 0, 0, 0, 0), history(20));
    const context = metricContext(metricsSnapshot({ functions: [ended] }));
    expect(recursiveLoop.detect(context)).toEqual([]);
    expect(recursiveLoop.assessed(context, 'ddb-writer')).toBe(true);
  });

  it('a hot function keeps an earlier finding open even when this run reports none', () => {
    const context = metricContext(
      metricsSnapshot({ functions: [busy('renamed-api', flat(3_000), history(0))] }),
    );
    expect(recursiveLoop.assessed(context, 'renamed-api')).toBe(false);
  });

  it('follows loopFactor and loopMinInvocationsPerMinute', () => {
    expect(detect([busy('ddb-writer', GEOMETRIC, history(20))], { loopFactor: 500 })).toEqual([]);
    expect(
      detect([busy('ddb-writer', GEOMETRIC, history(20))], { loopMinInvocationsPerMinute: 10_000 }),
    ).toEqual([]);
  });

  it('leaves out ignored functions', () => {
    const context = metricContext(metricsSnapshot({ functions: [dropped('order-events', 16)] }), {
      ignoredFunctions: ['order-events'],
    });
    expect(recursiveLoop.detect(context)).toEqual([]);
  });

  it('is not assessed when the probe or the drill-down failed or was cut short, or metrics were not delivered', () => {
    const cases = [
      metricsSnapshot({ coverage: { recursionProbe: false } }),
      metricsSnapshot({ coverage: { invocationDrill: 'failed' } }),
      metricsSnapshot({ coverage: { partial: ['invocation-drill'] } }),
      metricsSnapshot({ coverage: { partial: ['recursion-probe'] } }),
      metricsSnapshot({ coverage: { partial: ['region'] } }),
      metricsSnapshot({ coverage: { accountWindowDelivered: false } }),
      undefined,
    ];
    for (const metrics of cases)
      expect(recursiveLoop.assessed(metricContext(metrics), 'order-events')).toBe(false);
    expect(
      recursiveLoop.assessed(
        metricContext(metricsSnapshot({ coverage: { invocationDrill: 'not-needed' } })),
        'x',
      ),
    ).toBe(true);
  });
});
