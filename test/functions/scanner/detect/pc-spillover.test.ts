import {
  pcSpillover,
  recommendedProvisionedConcurrency,
  routingProvisionedConcurrency,
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
      peakMinuteRequestsPerSecondPerUnit: 0.4,
      tenRequestsPerSecondRule: 'within',
    });
    expect(finding?.evidence).not.toHaveProperty('recommendedWhileRouting');
    expect(finding?.guidance).toMatch(/at least 64/);
    expect(finding?.guidance).not.toMatch(/splits traffic|10 requests a second|without an alias/);
    expect(finding?.links?.[1]?.url).toContain(
      "~'ProvisionedConcurrencySpilloverInvocations~'FunctionName~'checkout~'Resource~'checkout*3alive",
    );
  });

  it('non-compliant 2: active weighted routing is named with its versions and weights, and a level to keep while it lasts', () => {
    const [finding] = detect({ qualifiers: [live(20)], provisioned: [setup(50, { '8': 0.1 })] });
    // A need of 58, plus three deviations of a 10% share of it (3 × √(58 × 0.9 / 0.1) ≈ 68.5), plus 10%.
    expect(finding?.evidence).toMatchObject({
      aliasRouting: 'version 7 90%, version 8 10%',
      recommendedProvisionedConcurrency: 64,
      recommendedWhileRouting: 140,
    });
    expect(finding?.guidance).toMatch(
      /Weighted routing is active on this alias: version 7 90%, version 8 10%\..*keep at least 140 provisioned/,
    );
  });

  it('the more even the weights, the less a level during routing needs above the peak', () => {
    expect(
      routingProvisionedConcurrency(58, [
        { version: '7', share: 0.5 },
        { version: '8', share: 0.5 },
      ]),
    ).toBe(89);
    expect(routingProvisionedConcurrency(58, [])).toBeUndefined();
    expect(
      routingProvisionedConcurrency(undefined, [
        { version: '7', share: 0.9 },
        { version: '8', share: 0.1 },
      ]),
    ).toBeUndefined();
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

  it('non-compliant 4: more than 10 requests a second per provisioned unit in the busiest minute is exceeded, and sized for', () => {
    const [finding] = detect({
      qualifiers: [live(20, { concurrentExecutions: flat(6), invocations: flat(6000) })],
      provisioned: [setup(5)],
    });
    expect(finding?.evidence).toMatchObject({
      peakRequestsPerSecond: 100,
      peakMinuteRequestsPerSecondPerUnit: 20,
      tenRequestsPerSecondRule: 'exceeded',
      recommendedProvisionedConcurrency: 11,
    });
    expect(finding?.guidance).toMatch(
      /averaged 20.0 requests a second; one-minute data shows only that average, so the busiest second was at least as high\. The limit was exceeded/,
    );
  });

  it('non-compliant 5: an average close to the limit says the limit was likely exceeded in the busiest seconds', () => {
    const [finding] = detect({
      qualifiers: [live(20, { concurrentExecutions: flat(6), invocations: flat(2400) })],
      provisioned: [setup(5)],
    });
    expect(finding?.evidence).toMatchObject({
      peakMinuteRequestsPerSecondPerUnit: 8,
      tenRequestsPerSecondRule: 'likely exceeded',
    });
    expect(finding?.guidance).toMatch(/likely exceeded in the busiest seconds/);
  });

  it('a configuration that is not READY is named as the cause, with no level to raise to', () => {
    const failing: ProvisionedSetup = {
      ...setup(50),
      configs: [{ qualifier: 'live', requested: 50, allocated: 0, status: 'FAILED' }],
    };

    const [finding] = detect({ qualifiers: [live(20)], provisioned: [failing] });

    expect(finding?.evidence.provisionedStatus).toBe('FAILED');
    expect(finding?.guidance).toMatch(
      /configuration is FAILED, so it serves no request yet; the pc-health finding/,
    );
    expect(finding?.guidance).not.toMatch(/Raise provisioned concurrency to at least/);
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
