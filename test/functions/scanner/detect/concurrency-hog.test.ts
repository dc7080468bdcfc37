import { concurrencyHog, hogsNeedingDetail } from '../../../../functions/scanner/detect/concurrency-hog';
import type {
  AccountConcurrencyLimits,
  FunctionMetrics,
  FunctionSnapshot,
  MetricsSnapshot,
} from '../../../../functions/scanner/model';
import { flat, metricContext, metricsSnapshot, perMinute } from '../../../support/metrics-builders';
import { checkedFunction, listedFunction } from '../../../support/snapshot-builders';

/** 100 reserved by other functions: the unreserved pool is 900, and a hog takes 720 of it (hogShare 0.8). */
const LIMITS = { concurrentExecutions: 1000, unreservedConcurrentExecutions: 900 };

/** A function at `peak` from the window's third minute on. */
function hog(peak: number, name = 'batch-import'): FunctionMetrics {
  return {
    functionName: name,
    reasons: ['top-concurrency'],
    concurrentExecutions: perMinute(Math.round(peak / 3), Math.round(peak / 2), ...Array(13).fill(peak)),
  };
}

function victim(name: string, throttles: number | FunctionMetrics['throttles']): FunctionMetrics {
  return {
    functionName: name,
    reasons: ['throttled'],
    throttles: typeof throttles === 'number' ? flat(throttles) : throttles,
  };
}

function throttledRegion(
  functions: FunctionMetrics[],
  limits: AccountConcurrencyLimits = LIMITS,
): MetricsSnapshot {
  return metricsSnapshot({
    account: {
      concurrentExecutions: flat(990),
      claimedAccountConcurrency: flat(1000),
      unreservedConcurrentExecutions: flat(limits.unreservedConcurrentExecutions - 10),
      throttles: flat(200),
      invocations: flat(30_000),
    },
    accountLimits: limits,
    functions,
  });
}

/** Every named function as GetFunction read it: no reserved concurrency unless given. */
function pooled(...names: string[]): FunctionSnapshot[] {
  return names.map((name) => checkedFunction(name));
}

const TWENTY_VICTIMS = Array.from({ length: 20 }, (_, index) =>
  victim(`api-${String(index).padStart(2, '0')}`, index + 1),
);

describe('concurrency-hog', () => {
  it('compliant: high concurrency with nobody throttled is no finding', () => {
    const context = metricContext(throttledRegion([hog(850)]), { functions: pooled('batch-import') });
    expect(concurrencyHog.detect(context)).toEqual([]);
  });

  it('compliant: a function with its own reserved concurrency is isolated, never a hog', () => {
    const context = metricContext(throttledRegion([hog(850), victim('orders-api', 30)]), {
      functions: [
        checkedFunction('batch-import', { reservedConcurrency: 850 }),
        checkedFunction('orders-api'),
      ],
    });
    expect(concurrencyHog.detect(context)).toEqual([]);
    expect(hogsNeedingDetail(context)).toEqual([]);
  });

  it('compliant: a peak below hogShare of the pool is no hog, however many are throttled', () => {
    const names = TWENTY_VICTIMS.map((fn) => fn.functionName);
    const context = metricContext(throttledRegion([hog(719), ...TWENTY_VICTIMS]), {
      functions: pooled('batch-import', ...names),
    });
    expect(concurrencyHog.detect(context)).toEqual([]);
  });

  it('compliant: a hog that only throttles itself has no victims', () => {
    const context = metricContext(throttledRegion([{ ...hog(850), throttles: flat(50) }]), {
      functions: pooled('batch-import'),
    });
    expect(concurrencyHog.detect(context)).toEqual([]);
  });

  it('non-compliant 1: names the hog, its share of the pool, the pool and every victim with its throttles', () => {
    const names = TWENTY_VICTIMS.map((fn) => fn.functionName);
    const context = metricContext(throttledRegion([hog(850), ...TWENTY_VICTIMS]), {
      functions: pooled('batch-import', ...names),
    });
    const [finding, ...others] = concurrencyHog.detect(context);

    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      kind: 'concurrency-hog',
      functionName: 'batch-import',
      severity: 'critical',
      fingerprint: 'concurrency-hog:batch-import',
      summary:
        'batch-import peaked at 850 concurrent executions, 94% of the unreserved pool of 900, while 20 other ' +
        'functions that draw on the pool were throttled in those minutes',
      since: perMinute(0, 0, 0).points[2]?.at,
    });
    expect(finding?.evidence).toMatchObject({
      peakConcurrentExecutions: 850,
      unreservedPool: 900,
      accountConcurrencyLimit: 1000,
      reservedByOtherFunctions: 100,
      hogThreshold: 720,
      peakUnreservedConcurrentExecutions: 890,
      peakClaimedAccountConcurrency: 1000,
      reservedConcurrency: 'none',
      throttledFunctions: 20,
      accountThrottles: 3000,
    });
    expect(finding?.evidence.peakMinutes).toMatch(/\(13 minutes\)$/);
    const victims = finding?.evidence.throttledVictims as readonly string[];
    expect(victims).toHaveLength(20);
    // 13 peak minutes: only the throttles in those minutes count.
    expect(victims[0]).toBe('api-19: 260 throttles in those minutes');
    expect(victims.at(-1)).toBe('api-00: 13 throttles in those minutes');
    expect(finding?.guidance).toMatch(/reservation on batch-import/);
    expect(finding?.links?.map((link) => link.label)).toEqual([
      'Function in the Lambda console',
      'Concurrent executions of batch-import',
      'Throttles of the most throttled functions',
    ]);
    expect(finding?.links?.[2]?.url).toContain("~'Throttles~'FunctionName~'api-19~(stat~'Sum)");
  });

  it('non-compliant 2 (issue 9, item 3): with 600 of 1,000 reserved elsewhere, 390 of the 400 left is a hog', () => {
    const context = metricContext(
      throttledRegion([hog(390), victim('orders-api', 30)], {
        concurrentExecutions: 1000,
        unreservedConcurrentExecutions: 400,
      }),
      { functions: pooled('batch-import', 'orders-api') },
    );
    const [finding] = concurrencyHog.detect(context);
    expect(finding?.summary).toContain('98% of the unreserved pool of 400');
    expect(finding?.evidence).toMatchObject({ hogThreshold: 320, reservedByOtherFunctions: 600 });
  });

  it('a throttled function whose reservation was not read is no victim until it is read (issue 9, item 3)', () => {
    // checkout-api throttles at its own reserved concurrency; this run has not read that yet.
    const metrics = throttledRegion([hog(850, 'main-api'), victim('checkout-api', 40)]);
    const unread = metricContext(metrics, {
      functions: [checkedFunction('main-api'), listedFunction('checkout-api')],
    });

    expect(concurrencyHog.detect(unread)).toEqual([]);
    expect(hogsNeedingDetail(unread)).toEqual(['checkout-api']);

    const read = metricContext(metrics, {
      functions: [checkedFunction('main-api'), checkedFunction('checkout-api', { reservedConcurrency: 40 })],
    });
    expect(concurrencyHog.detect(read)).toEqual([]);
  });

  it('a victim throttled only outside the hog’s peak minutes does not count (issue 9, item 3)', () => {
    const earlier = victim('orders-api', perMinute(30, 30, ...Array(13).fill(0)));
    const context = metricContext(throttledRegion([hog(850), earlier]), {
      functions: pooled('batch-import', 'orders-api'),
    });
    expect(concurrencyHog.detect(context)).toEqual([]);
  });

  it('a hog GetFunction did not read is judged only once read, and the handler is told to read it', () => {
    const context = metricContext(throttledRegion([hog(850), victim('orders-api', 30)]), {
      functions: pooled('orders-api'),
    });
    expect(concurrencyHog.detect(context)).toEqual([]);
    expect(hogsNeedingDetail(context)).toEqual(['batch-import']);
    expect(concurrencyHog.assessed(context, 'batch-import')).toBe(false);
  });

  it('follows hogShare', () => {
    const context = metricContext(throttledRegion([hog(500), victim('orders-api', 30)]), {
      functions: pooled('batch-import', 'orders-api'),
      settings: { hogShare: 0.5 },
    });
    expect(concurrencyHog.detect(context).map((finding) => finding.functionName)).toEqual(['batch-import']);
  });

  it('leaves out victims throttled by their own reserved concurrency, and ignored functions', () => {
    const context = metricContext(
      throttledRegion([hog(850), victim('capped', 80), victim('orders-api', 30), victim('hidden', 10)]),
      {
        functions: [
          ...pooled('batch-import', 'orders-api', 'hidden'),
          checkedFunction('capped', { reservedConcurrency: 5 }),
        ],
        ignoredFunctions: ['hidden'],
      },
    );
    const [finding] = concurrencyHog.detect(context);
    expect(finding?.evidence.throttledVictims).toEqual(['orders-api: 390 throttles in those minutes']);

    const ignoredHog = metricContext(throttledRegion([hog(850), victim('orders-api', 30)]), {
      functions: pooled('batch-import', 'orders-api'),
      ignoredFunctions: ['batch-import'],
    });
    expect(concurrencyHog.detect(ignoredHog)).toEqual([]);
  });

  it('says nothing, and assesses nothing, when metrics were not collected or the window was not delivered', () => {
    const undelivered = metricsSnapshot({
      accountLimits: LIMITS,
      functions: [hog(850), victim('orders-api', 30)],
      coverage: { accountWindowDelivered: false },
    });
    for (const context of [metricContext(undefined), metricContext(undelivered)]) {
      expect(concurrencyHog.detect(context)).toEqual([]);
      expect(concurrencyHog.assessed(context, 'batch-import')).toBe(false);
    }
  });

  it('is assessed when the drill-down ran or was not needed, not when it failed or was cut short', () => {
    expect(concurrencyHog.assessed(metricContext(metricsSnapshot()), 'batch-import')).toBe(true);
    expect(
      concurrencyHog.assessed(
        metricContext(metricsSnapshot({ coverage: { concurrencyDrill: 'not-needed' } })),
        'x',
      ),
    ).toBe(true);
    for (const coverage of [
      { concurrencyDrill: 'failed' as const },
      { partial: ['concurrency-drill' as const] },
      { partial: ['region' as const] },
    ]) {
      expect(concurrencyHog.assessed(metricContext(metricsSnapshot({ coverage })), 'x')).toBe(false);
    }
  });
});
