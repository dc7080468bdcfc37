import { recursiveLoop } from '../../../../functions/scanner/detect/recursive-loop';
import type { FunctionMetrics } from '../../../../functions/scanner/model';
import {
  flat,
  hourlyBaseline,
  metricContext,
  metricsSnapshot,
  perMinute,
} from '../../../support/metrics-builders';

const CLIMBING = perMinute(...Array.from({ length: 15 }, (_, minute) => 100 + minute * 400));

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
  baselinePerMinute: number,
  recursiveLoop?: string,
): FunctionMetrics {
  return {
    functionName: name,
    reasons: ['top-invocations'],
    invocations,
    invocationsBaseline: hourlyBaseline(baselinePerMinute),
    ...(recursiveLoop !== undefined ? { recursiveLoop } : {}),
  };
}

const detect = (functions: FunctionMetrics[], settings = {}) =>
  recursiveLoop.detect(metricContext(metricsSnapshot({ functions }), { settings }));

describe('recursive-loop', () => {
  it('compliant: steady traffic near its own baseline, and no dropped recursion', () => {
    expect(detect([busy('orders-api', flat(20_000), 19_000)])).toEqual([]);
  });

  it('non-compliant 1: AWS dropped recursive invocations: says AWS cut the loop and its notice can take hours', () => {
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
    expect(finding?.guidance).toMatch(/reserved concurrency to 0/);
    expect(finding?.links?.[1]?.url).toContain("~'RecursiveInvocationsDropped~'FunctionName~'order-events");
  });

  it('non-compliant 2: a runaway far above its own baseline and still climbing, which AWS does not catch', () => {
    const [finding] = detect([busy('ddb-writer', CLIMBING, 20, 'Terminate')]);
    expect(finding).toMatchObject({
      functionName: 'ddb-writer',
      severity: 'critical',
      fingerprint: 'recursive-loop:ddb-writer:runaway',
      summary:
        'ddb-writer looks like a runaway loop: 5,700 invocations a minute against 20 a minute over the ' +
        'previous 24 h (285x), and still climbing',
    });
    expect(finding?.evidence).toMatchObject({
      latestInvocationsPerMinute: 5700,
      baselineInvocationsPerMinute: 20,
      timesBaseline: 285,
      loopFactor: 10,
      loopMinInvocationsPerMinute: 600,
      climbing: true,
      recursiveLoop: 'Terminate',
    });
    expect(finding?.guidance).toMatch(/DynamoDB streams/);
    expect(finding?.guidance).toMatch(/Throttle/);
  });

  it('non-compliant 3: a function set to Allow that runs hot is reported as information', () => {
    const [finding] = detect([busy('fan-out', flat(5000), 100, 'Allow')]);
    expect(finding).toMatchObject({
      severity: 'info',
      fingerprint: 'recursive-loop:fan-out:allow-hot',
      summary:
        'fan-out runs hot with recursive loop detection set to Allow: 5,000 invocations a minute against ' +
        '100 a minute over the previous 24 h (50x)',
    });
    expect(finding?.evidence.recursiveLoop).toBe('Allow');
    expect(finding?.guidance).toMatch(/Terminate/);
  });

  it('non-compliant 4: new traffic with no invocations in the baseline says so instead of a ratio', () => {
    const [finding] = detect([busy('new-consumer', CLIMBING, 0)]);
    expect(finding?.evidence.timesBaseline).toBe('no invocations in the baseline');
  });

  it('compliant: hot but no longer climbing, with loop detection on, is no new finding but keeps an old one open', () => {
    const plateau = busy('ddb-writer', flat(5000), 20, 'Terminate');
    const context = metricContext(metricsSnapshot({ functions: [plateau] }));
    expect(recursiveLoop.detect(context)).toEqual([]);
    expect(recursiveLoop.assessed(context, 'ddb-writer')).toBe(false);
    expect(recursiveLoop.assessed(context, 'orders-api')).toBe(true);
  });

  it('follows loopFactor and loopMinInvocationsPerMinute', () => {
    expect(detect([busy('ddb-writer', CLIMBING, 20)], { loopFactor: 500 })).toEqual([]);
    expect(detect([busy('ddb-writer', CLIMBING, 20)], { loopMinInvocationsPerMinute: 10_000 })).toEqual([]);
  });

  it('leaves out ignored functions', () => {
    const context = metricContext(metricsSnapshot({ functions: [dropped('order-events', 16)] }), {
      ignoredFunctions: ['order-events'],
    });
    expect(recursiveLoop.detect(context)).toEqual([]);
  });

  it('is not assessed when the probe or the invocation drill-down failed, or metrics were not delivered', () => {
    const cases = [
      metricsSnapshot({ coverage: { recursionProbe: false } }),
      metricsSnapshot({ coverage: { invocationDrill: 'failed' } }),
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
