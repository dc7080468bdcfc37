import { concurrencyHog, hogsNeedingDetail } from '../../../../functions/scanner/detect/concurrency-hog';
import type { FunctionMetrics, MetricsSnapshot } from '../../../../functions/scanner/model';
import { flat, metricContext, metricsSnapshot, perMinute } from '../../../support/metrics-builders';
import { checkedFunction, listedFunction } from '../../../support/snapshot-builders';

const LIMITS = { concurrentExecutions: 1000, unreservedConcurrentExecutions: 900 };

function hog(peak: number, name = 'batch-import'): FunctionMetrics {
  return {
    functionName: name,
    reasons: ['top-concurrency'],
    concurrentExecutions: perMinute(300, 700, peak, peak),
  };
}

function victim(name: string, throttlesPerMinute: number): FunctionMetrics {
  return { functionName: name, reasons: ['throttled'], throttles: flat(throttlesPerMinute) };
}

function throttledRegion(functions: FunctionMetrics[]): MetricsSnapshot {
  return metricsSnapshot({
    account: {
      concurrentExecutions: flat(990),
      claimedAccountConcurrency: flat(1000),
      throttles: flat(200),
      invocations: flat(30_000),
    },
    accountLimits: LIMITS,
    functions,
  });
}

const TWENTY_VICTIMS = Array.from({ length: 20 }, (_, index) =>
  victim(`api-${String(index).padStart(2, '0')}`, index + 1),
);

describe('concurrency-hog', () => {
  it('compliant: high concurrency with nobody throttled is no finding', () => {
    const context = metricContext(throttledRegion([hog(950)]));
    expect(concurrencyHog.detect(context)).toEqual([]);
  });

  it('compliant: a function with its own reserved concurrency is isolated, never a hog', () => {
    const context = metricContext(throttledRegion([hog(950), victim('orders-api', 30)]), {
      functions: [
        checkedFunction('batch-import', { reservedConcurrency: 950 }),
        listedFunction('orders-api'),
      ],
    });
    expect(concurrencyHog.detect(context)).toEqual([]);
    expect(hogsNeedingDetail(context)).toEqual([]);
  });

  it('compliant: a peak below hogShare of the limit is no hog, however many are throttled', () => {
    const context = metricContext(throttledRegion([hog(799), ...TWENTY_VICTIMS]));
    expect(concurrencyHog.detect(context)).toEqual([]);
  });

  it('compliant: a hog that only throttles itself has no victims', () => {
    const context = metricContext(throttledRegion([{ ...hog(950), throttles: flat(50) }]));
    expect(concurrencyHog.detect(context)).toEqual([]);
  });

  it('non-compliant 1: names the hog, its peak, the limit and every victim with its throttle count', () => {
    const context = metricContext(throttledRegion([hog(950), ...TWENTY_VICTIMS]), {
      functions: [checkedFunction('batch-import')],
    });
    const [finding, ...others] = concurrencyHog.detect(context);

    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      kind: 'concurrency-hog',
      functionName: 'batch-import',
      severity: 'critical',
      fingerprint: 'concurrency-hog:batch-import',
      summary:
        'batch-import peaked at 950 concurrent executions, 95% of the account limit of 1,000, ' +
        'while 20 other functions were throttled',
      since: perMinute(300, 700, 950).points[2]?.at,
    });
    expect(finding?.evidence).toMatchObject({
      peakConcurrentExecutions: 950,
      accountConcurrencyLimit: 1000,
      hogThreshold: 800,
      unreservedConcurrencyLimit: 900,
      peakClaimedAccountConcurrency: 1000,
      reservedConcurrency: 'none',
      throttledFunctions: 20,
      accountThrottles: 3000,
    });
    const victims = finding?.evidence.throttledVictims as readonly string[];
    expect(victims).toHaveLength(20);
    expect(victims[0]).toBe('api-19: 300 throttles');
    expect(victims.at(-1)).toBe('api-00: 15 throttles');
    expect(finding?.guidance).toMatch(/reserved concurrency on batch-import/);
    expect(finding?.links?.map((link) => link.label)).toEqual([
      'Function in the Lambda console',
      'Concurrent executions of batch-import',
      'Throttles of the most throttled functions',
    ]);
    expect(finding?.links?.[1]?.url).toContain(
      "~'ConcurrentExecutions~'FunctionName~'batch-import~(stat~'Maximum)",
    );
    expect(finding?.links?.[2]?.url).toContain("~'Throttles~'FunctionName~'api-19~(stat~'Sum)");
  });

  it('non-compliant 2: a hog GetFunction did not read says so, and is listed for the handler to read', () => {
    const context = metricContext(throttledRegion([hog(950), victim('orders-api', 30)]));
    const [finding] = concurrencyHog.detect(context);
    expect(finding?.evidence.reservedConcurrency).toBe('not checked');
    expect(hogsNeedingDetail(context)).toEqual(['batch-import']);
  });

  it('non-compliant 3: follows hogShare', () => {
    const context = metricContext(throttledRegion([hog(600), victim('orders-api', 30)]), {
      settings: { hogShare: 0.5 },
    });
    expect(concurrencyHog.detect(context).map((finding) => finding.functionName)).toEqual(['batch-import']);
  });

  it('leaves out victims throttled by their own reserved concurrency, and ignored functions', () => {
    const context = metricContext(
      throttledRegion([hog(950), victim('capped', 80), victim('orders-api', 30), victim('hidden', 10)]),
      { functions: [checkedFunction('capped', { reservedConcurrency: 5 })], ignoredFunctions: ['hidden'] },
    );
    const [finding] = concurrencyHog.detect(context);
    expect(finding?.evidence.throttledVictims).toEqual(['orders-api: 450 throttles']);

    const ignoredHog = metricContext(throttledRegion([hog(950), victim('orders-api', 30)]), {
      ignoredFunctions: ['batch-import'],
    });
    expect(concurrencyHog.detect(ignoredHog)).toEqual([]);
  });

  it('says nothing, and assesses nothing, when metrics were not collected or the window was not delivered', () => {
    const undelivered = metricsSnapshot({
      accountLimits: LIMITS,
      functions: [hog(950), victim('orders-api', 30)],
      coverage: { accountWindowDelivered: false },
    });
    for (const context of [metricContext(undefined), metricContext(undelivered)]) {
      expect(concurrencyHog.detect(context)).toEqual([]);
      expect(concurrencyHog.assessed(context, 'batch-import')).toBe(false);
    }
  });

  it('is assessed when the drill-down ran or was not needed, not when it failed', () => {
    expect(concurrencyHog.assessed(metricContext(metricsSnapshot()), 'batch-import')).toBe(true);
    expect(
      concurrencyHog.assessed(
        metricContext(metricsSnapshot({ coverage: { concurrencyDrill: 'not-needed' } })),
        'x',
      ),
    ).toBe(true);
    expect(
      concurrencyHog.assessed(
        metricContext(metricsSnapshot({ coverage: { concurrencyDrill: 'failed' } })),
        'x',
      ),
    ).toBe(false);
  });
});
