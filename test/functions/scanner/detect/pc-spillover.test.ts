import {
  pcSpillover,
  recommendedProvisionedConcurrency,
  unqualifiedInvocations,
} from '../../../../functions/scanner/detect/pc-spillover';
import type {
  FunctionMetrics,
  ProvisionedSetup,
  QualifierMetrics,
} from '../../../../functions/scanner/model';
import { flat, metricContext, metricsSnapshot, perMinute } from '../../../support/metrics-builders';

function live(spilloverPerMinute: number, overrides: Partial<QualifierMetrics> = {}): QualifierMetrics {
  return {
    functionName: 'checkout',
    qualifier: 'live',
    spilloverInvocations: perMinute(
      ...Array.from({ length: 15 }, (_, minute) => (minute >= 10 ? spilloverPerMinute : 0)),
    ),
    concurrentExecutions: flat(58),
    invocations: flat(1200),
    ...overrides,
  };
}

function setup(
  provisioned: number,
  weights: Record<string, number> = {},
  configQualifier = 'live',
): ProvisionedSetup {
  return {
    functionName: 'checkout',
    configs: [
      { qualifier: configQualifier, requested: provisioned, allocated: provisioned, status: 'READY' },
    ],
    aliases: [{ name: 'live', functionVersion: '7', additionalVersionWeights: weights }],
  };
}

function checkoutInvocations(byResource: Record<string, number>, total?: number): FunctionMetrics {
  return {
    functionName: 'checkout',
    reasons: ['provisioned-spillover'],
    ...(total !== undefined ? { invocations: flat(total) } : {}),
    invocationsByResource: Object.fromEntries(
      Object.entries(byResource).map(([resource, rate]) => [resource, flat(rate)]),
    ),
  };
}

const detect = (parts: Parameters<typeof metricsSnapshot>[0]) =>
  pcSpillover.detect(metricContext(metricsSnapshot(parts)));

describe('pc-spillover', () => {
  it('compliant: provisioned concurrency that never spilled over', () => {
    expect(detect({ qualifiers: [live(0)], provisioned: [setup(50)] })).toEqual([]);
  });

  it('non-compliant 1: gives the qualifier, spillover count, provisioned level, peak and a recommended level', () => {
    const [finding, ...others] = detect({ qualifiers: [live(20)], provisioned: [setup(50)] });
    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      kind: 'pc-spillover',
      functionName: 'checkout',
      qualifier: 'live',
      severity: 'warning',
      fingerprint: 'pc-spillover:checkout:live',
      summary:
        'checkout:live spilled 100 invocations past its provisioned concurrency of 50 (peak 58 concurrent)',
    });
    expect(finding?.evidence).toMatchObject({
      spilloverInvocations: 100,
      provisionedConcurrency: 50,
      provisionedStatus: 'READY',
      peakConcurrentExecutions: 58,
      recommendedProvisionedConcurrency: 64,
      peakRequestsPerSecond: 20,
      requestsPerSecondPerProvisionedUnit: 0.4,
    });
    expect(finding?.guidance).toMatch(/at least 64/);
    expect(finding?.guidance).not.toMatch(/splits traffic|10 requests a second|without an alias/);
    expect(finding?.links?.[1]?.url).toContain(
      "~'ProvisionedConcurrencySpilloverInvocations~'FunctionName~'checkout~'Resource~'checkout*3alive",
    );
  });

  it('non-compliant 2: weighted alias routing is named, with the advice to provision more while it lasts', () => {
    const [finding] = detect({ qualifiers: [live(20)], provisioned: [setup(50, { '8': 0.1 })] });
    expect(finding?.evidence.aliasRouting).toBe('version 7 and version 8 10%');
    expect(finding?.guidance).toMatch(/provision more while the routing lasts/);
  });

  it('non-compliant 3: invocations of $LATEST or the unqualified name are flagged while provisioned concurrency is on the alias', () => {
    const [finding] = detect({
      qualifiers: [live(20)],
      provisioned: [setup(50)],
      functions: [checkoutInvocations({ 'checkout:live': 1200, 'checkout:$LATEST': 300 })],
    });
    expect(finding?.evidence.unqualifiedOrLatestInvocations).toBe(4500);
    expect(finding?.guidance).toMatch(/4,500 invocations called checkout without an alias or version/);
    expect(finding?.guidance).toMatch(/Point the triggers .* at checkout:live/);
  });

  it('non-compliant 4: more than 10 requests a second per provisioned unit is flagged and sized for', () => {
    const [finding] = detect({
      qualifiers: [live(20, { concurrentExecutions: flat(6), invocations: flat(6000) })],
      provisioned: [setup(5)],
    });
    expect(finding?.evidence).toMatchObject({
      peakRequestsPerSecond: 100,
      requestsPerSecondPerProvisionedUnit: 20,
      recommendedProvisionedConcurrency: 11,
    });
    expect(finding?.guidance).toMatch(/at most 10 requests a second; the peak was 20.0 per environment/);
  });

  it('finds the config on the version an alias points to, and says when the setup could not be read', () => {
    const [onVersion] = detect({ qualifiers: [live(20)], provisioned: [setup(40, {}, '7')] });
    expect(onVersion?.evidence.provisionedConcurrency).toBe(40);

    const [unread] = detect({
      qualifiers: [live(20, { concurrentExecutions: { periodSeconds: 60, points: [] } })],
    });
    expect(unread?.evidence).toMatchObject({
      provisionedConcurrency: 'not read',
      peakConcurrentExecutions: 'no data',
      recommendedProvisionedConcurrency: 3,
    });
  });

  it('leaves out ignored functions', () => {
    const context = metricContext(metricsSnapshot({ qualifiers: [live(20)] }), {
      ignoredFunctions: ['checkout'],
    });
    expect(pcSpillover.detect(context)).toEqual([]);
  });

  it('is assessed only when the spillover probe answered and the window was delivered', () => {
    expect(pcSpillover.assessed(metricContext(metricsSnapshot()), 'checkout')).toBe(true);
    expect(
      pcSpillover.assessed(
        metricContext(metricsSnapshot({ coverage: { spilloverProbe: false } })),
        'checkout',
      ),
    ).toBe(false);
    expect(
      pcSpillover.assessed(
        metricContext(metricsSnapshot({ coverage: { accountWindowDelivered: false } })),
        'checkout',
      ),
    ).toBe(false);
  });
});

describe('recommendedProvisionedConcurrency', () => {
  it('covers the peak concurrency or the request rate over 10, whichever is higher, plus 10%', () => {
    expect(recommendedProvisionedConcurrency(58, 20)).toBe(64);
    expect(recommendedProvisionedConcurrency(6, 100)).toBe(11);
    expect(recommendedProvisionedConcurrency(undefined, undefined)).toBeUndefined();
  });
});

describe('unqualifiedInvocations', () => {
  it('reads the unqualified and $LATEST resources when Lambda reported them', () => {
    expect(
      unqualifiedInvocations(
        checkoutInvocations({ checkout: 10, 'checkout:$LATEST': 5, 'checkout:live': 100 }),
      ),
    ).toBe(225);
  });

  it('otherwise takes the total minus the aliases and versions, and is unknown when nothing was read', () => {
    expect(unqualifiedInvocations(checkoutInvocations({ 'checkout:live': 100 }, 130))).toBe(450);
    expect(unqualifiedInvocations(checkoutInvocations({ 'checkout:live': 100 }, 100))).toBe(0);
    expect(unqualifiedInvocations(checkoutInvocations({ 'checkout:live': 100 }))).toBeUndefined();
    expect(unqualifiedInvocations(undefined)).toBeUndefined();
  });
});
