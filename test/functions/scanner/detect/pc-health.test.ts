import {
  pcHealth,
  pcHealthCaseOf,
  pcHealthFingerprint,
  provisionedRechecks,
} from '../../../../functions/scanner/detect/pc-health';
import type {
  Finding,
  FunctionMetrics,
  FunctionSnapshot,
  MetricsSnapshot,
  ProvisionedConcurrencyConfig,
  ProvisionedSetup,
  QualifierMetrics,
} from '../../../../functions/scanner/model';
import { flat, metricContext, metricsSnapshot, perMinute } from '../../../support/metrics-builders';
import { RUN_AT, listedFunction } from '../../../support/snapshot-builders';

const EMPTY = { periodSeconds: 60, points: [] };

/** The `live` alias of `checkout` as the probes found it: provisioned invocations and utilization per minute. */
function live(
  provisionedPerMinute: number | number[],
  utilization: number | number[] = 0.4,
  overrides: Partial<QualifierMetrics> = {},
): QualifierMetrics {
  const series = (value: number | number[]) =>
    typeof value === 'number' ? flat(value) : perMinute(...value);
  return {
    functionName: 'checkout',
    qualifier: 'live',
    spilloverInvocations: EMPTY,
    provisionedInvocations: series(provisionedPerMinute),
    provisionedUtilization: series(utilization),
    ...overrides,
  };
}

function config(overrides: Partial<ProvisionedConcurrencyConfig> = {}): ProvisionedConcurrencyConfig {
  return {
    qualifier: 'live',
    requested: 20,
    allocated: 20,
    available: 20,
    status: 'READY',
    lastModified: '2026-11-20T09:00:00.000+0000',
    ...overrides,
  };
}

function setup(configs: ProvisionedConcurrencyConfig[] = [config()], version = '7'): ProvisionedSetup {
  return {
    functionName: 'checkout',
    configs,
    aliases: [{ name: 'live', functionVersion: version, additionalVersionWeights: {} }],
  };
}

/** What the drill-down read of checkout: its total, its invocations by resource, and the callers where read. */
function checkout(
  total: number,
  byResource: Record<string, number>,
  overrides: Partial<FunctionMetrics> = {},
): FunctionMetrics {
  return {
    functionName: 'checkout',
    reasons: ['provisioned-health'],
    invocations: flat(total),
    invocationsByResource: Object.fromEntries(
      Object.entries(byResource).map(([resource, rate]) => [resource, flat(rate)]),
    ),
    ...overrides,
  };
}

const API_GATEWAY_ON_BARE_NAME = {
  sid: 'apigw-orders',
  principal: 'apigateway.amazonaws.com',
  resource: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout',
  sourceArn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/*/POST/checkout',
};

const minutesAgo = (minutes: number) =>
  new Date(RUN_AT - minutes * 60_000).toISOString().replace('Z', '+0000');

/** Runs the detector over one run's metrics (the shared helper every case goes through). */
function detect(
  parts: Parameters<typeof metricsSnapshot>[0],
  functions: readonly FunctionSnapshot[] = [listedFunction('checkout')],
): Finding[] {
  return pcHealth.detect(metricContext(metricsSnapshot(parts), { functions }));
}

function assessed(
  parts: Parameters<typeof metricsSnapshot>[0],
  fingerprint: string,
  functions: readonly FunctionSnapshot[] = [listedFunction('checkout')],
): boolean {
  const metrics: MetricsSnapshot = metricsSnapshot({
    ...parts,
    coverage: { provisionedProbe: true, ...parts?.coverage },
  });
  return pcHealth.assessed(metricContext(metrics, { functions }), 'checkout', {
    fingerprint,
    qualifier: 'live',
  });
}

describe('pc-health: bypass', () => {
  it('compliant: the alias serves the traffic from its provisioned environments', () => {
    expect(
      detect({
        qualifiers: [live(600)],
        provisioned: [setup()],
        functions: [checkout(620, { 'checkout:live': 600 })],
      }),
    ).toEqual([]);
  });

  it('compliant: an idle function whose alias serves nothing because nobody calls it', () => {
    expect(
      detect({
        qualifiers: [live(0, 0)],
        provisioned: [setup()],
        functions: [checkout(0, {})],
      }),
    ).toEqual([]);
  });

  it('compliant: an idle second alias while the first one carries the traffic', () => {
    const beta: QualifierMetrics = { ...live(0, 0), qualifier: 'beta' };
    expect(
      detect({
        qualifiers: [live(600), beta],
        provisioned: [setup([config(), config({ qualifier: 'beta' })])],
        functions: [checkout(600, { 'checkout:live': 600 })],
      }),
    ).toEqual([]);
  });

  it('compliant: calls through an alias routed to the version that holds the provisioned concurrency', () => {
    const version: QualifierMetrics = { ...live(0, 0), qualifier: '7' };
    expect(
      detect({
        qualifiers: [version],
        provisioned: [setup([config({ qualifier: '7' })], '7')],
        functions: [checkout(600, { 'checkout:live': 600 })],
      }),
    ).toEqual([]);
  });

  it('non-compliant 1: API Gateway on the bare name: the share that went around it, and the caller named', () => {
    const findings = detect({
      qualifiers: [live(0, 0)],
      provisioned: [setup()],
      functions: [
        checkout(
          900,
          {},
          {
            eventSourceMappings: [],
            functionUrls: [],
            invokePermissions: [API_GATEWAY_ON_BARE_NAME],
          },
        ),
      ],
    });

    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({
      kind: 'pc-health',
      functionName: 'checkout',
      qualifier: 'live',
      severity: 'warning',
      fingerprint: 'pc-health:checkout:live:bypass',
      summary:
        "checkout:live has provisioned concurrency but served 0 of checkout's 13,500 invocations; 100% went around it",
    });
    expect(finding?.evidence).toMatchObject({
      provisionedConcurrencyInvocations: 0,
      functionInvocations: 13_500,
      bypassingInvocations: 13_500,
      bypassingShare: '100%',
      provisionedConcurrency: 20,
      callersOfBareName: [
        'API Gateway (arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/*/POST/checkout) is allowed to invoke the bare name (policy statement apigw-orders)',
      ],
    });
    expect(finding?.since).toBe(metricsSnapshot().window.start);
    expect(finding?.guidance).toMatch(/API Gateway in particular/);
    expect(finding?.guidance).toMatch(/must name checkout:live in its URI/);
    expect(finding?.links?.[1]?.url).toContain('ProvisionedConcurrencyInvocations');
  });

  it('non-compliant 2: an event source mapping on $LATEST and a public URL on the bare name are both named', () => {
    const [finding] = detect({
      qualifiers: [live(0, 0)],
      provisioned: [setup()],
      functions: [
        checkout(
          300,
          { 'checkout:$LATEST': 300 },
          {
            eventSourceMappings: [
              {
                uuid: '1f2e3d4c-0001-4000-8000-000000000001',
                eventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders',
                state: 'Enabled',
                functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout:$LATEST',
              },
              {
                uuid: '1f2e3d4c-0001-4000-8000-000000000002',
                eventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:refunds',
                state: 'Enabled',
                functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout:live',
              },
            ],
            functionUrls: [
              {
                url: 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/',
                functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout',
                authType: 'NONE',
              },
            ],
            invokePermissions: [],
          },
        ),
      ],
    });

    expect(finding?.evidence.callersOfBareName).toEqual([
      'event source mapping 1f2e3d4c-0001-4000-8000-000000000001 (Enabled) from arn:aws:sqs:eu-west-1:123456789012:orders invokes $LATEST',
      'function URL https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/ (AuthType NONE) invokes the bare name',
    ]);
    expect(finding?.evidence.bypassingResources).toEqual(['checkout:$LATEST: 4,500']);
  });

  it('non-compliant 3: with no caller found, says where it looked and what else to check', () => {
    const [finding] = detect({
      qualifiers: [live(0, 0)],
      provisioned: [setup()],
      functions: [checkout(300, {}, { eventSourceMappings: [], functionUrls: [], invokePermissions: [] })],
    });

    expect(finding?.evidence.callersOfBareName).toBe('none found');
    expect(finding?.evidence.callersRead).toEqual([
      'event source mappings',
      'the function URL',
      'the resource-based policy',
    ]);
    expect(finding?.guidance).toMatch(/SDK calls, Step Functions/);
  });

  it('a trickle through the alias is still near zero; a tenth of the traffic on it is not mostly bypassing', () => {
    const trickle = detect({
      qualifiers: [live(1, 0.1)],
      provisioned: [setup()],
      functions: [checkout(300, { 'checkout:live': 1 })],
    });
    expect(trickle.map((finding) => finding.fingerprint)).toEqual(['pc-health:checkout:live:bypass']);

    // 1 a minute on the alias out of 8 is an eighth: more than a tenth uses it, so it is not "mostly".
    const share = detect({
      qualifiers: [live(1, 0.1)],
      provisioned: [setup()],
      functions: [checkout(8, { 'checkout:live': 1 })],
    });
    expect(share).toEqual([]);
  });

  it('no verdict without the invocations by resource and the aliases: the finding then stays open', () => {
    const unread = { qualifiers: [live(0, 0)], provisioned: [setup()], functions: [checkout(300, {})] };
    const withoutResources: FunctionMetrics = {
      functionName: 'checkout',
      reasons: [],
      invocations: flat(300),
    };

    expect(detect({ ...unread, functions: [withoutResources] })).toEqual([]);
    expect(assessed({ ...unread, functions: [withoutResources] }, 'pc-health:checkout:live:bypass')).toBe(
      false,
    );
    expect(
      assessed(
        { ...unread, provisioned: [{ functionName: 'checkout', configs: [config()] }] },
        'pc-health:checkout:live:bypass',
      ),
    ).toBe(false);
    expect(assessed(unread, 'pc-health:checkout:live:bypass')).toBe(true);
    // Once the alias serves again, its probe alone clears the finding.
    expect(assessed({ qualifiers: [live(600)] }, 'pc-health:checkout:live:bypass')).toBe(true);
  });
});

describe('pc-health: configuration status', () => {
  it('compliant: READY with all it requested, and a config still allocating for less than pendingMinutes', () => {
    expect(detect({ provisioned: [setup()] })).toEqual([]);
    expect(
      detect({
        provisioned: [setup([config({ status: 'IN_PROGRESS', allocated: 0, lastModified: minutesAgo(4) })])],
      }),
    ).toEqual([]);
  });

  it("non-compliant 1: FAILED, with Lambda's reason and since the config changed", () => {
    const reason = 'FUNCTION_ERROR_INIT_FAILURE: Function failed to initialize. Check the init logs.';
    const [finding, ...others] = detect({
      provisioned: [
        setup([
          config({
            status: 'FAILED',
            allocated: 0,
            available: 0,
            statusReason: reason,
            lastModified: minutesAgo(40),
          }),
        ]),
      ],
    });

    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      severity: 'warning',
      fingerprint: 'pc-health:checkout:live:failed',
      summary: `Provisioned concurrency of checkout:live FAILED: ${reason}`,
      since: new Date(RUN_AT - 40 * 60_000).toISOString(),
    });
    expect(finding?.evidence).toMatchObject({
      provisionedStatus: 'FAILED',
      statusReason: reason,
      requestedProvisionedConcurrency: 20,
      allocatedProvisionedConcurrency: 0,
    });
    expect(finding?.guidance).toMatch(/unreserved concurrency/);
  });

  it('non-compliant 2: IN_PROGRESS for longer than pendingMinutes', () => {
    const [finding] = detect({
      provisioned: [setup([config({ status: 'IN_PROGRESS', allocated: 5, lastModified: minutesAgo(20) })])],
    });

    expect(finding).toMatchObject({
      severity: 'warning',
      fingerprint: 'pc-health:checkout:live:in-progress',
      summary: 'Provisioned concurrency of checkout:live has been allocating for 20 minutes',
    });
    expect(finding?.evidence.minutesInProgress).toBe(20);
  });

  it('non-compliant 3: READY with less allocated than requested', () => {
    const [finding] = detect({ provisioned: [setup([config({ allocated: 12, available: 12 })])] });

    expect(finding).toMatchObject({
      severity: 'warning',
      fingerprint: 'pc-health:checkout:live:under-allocated',
      summary: 'checkout:live has 12 of the 20 provisioned environments requested',
    });
  });

  it('non-compliant 4: an alias just moved to a version still allocating is the guide\'s "cold starts with new versions"', () => {
    // Version 7 ran the alias until four minutes before the window's end; version 8 since, cold.
    const movedQualifier = live([...Array(11).fill(600), 0, 0, 0, 0], 0.4, {
      invocationsByExecutedVersion: {
        '7': perMinute(...Array(11).fill(600), 0, 0, 0, 0),
        '8': perMinute(...Array(11).fill(0), 600, 600, 600, 600),
      },
    });
    const parts = (changedMinutesAgo: number) => ({
      qualifiers: [movedQualifier],
      provisioned: [
        setup(
          [config({ status: 'IN_PROGRESS', allocated: 0, lastModified: minutesAgo(changedMinutesAgo) })],
          '8',
        ),
      ],
      functions: [checkout(600, { 'checkout:live': 600 })],
    });

    const [fresh, ...others] = detect(parts(5));
    expect(others).toEqual([]);
    expect(fresh).toMatchObject({
      severity: 'info',
      fingerprint: 'pc-health:checkout:live:new-version',
      summary:
        'checkout:live moved from version 7 to 8 while its provisioned concurrency is still allocating (5 minutes): calls start cold',
    });
    expect(fresh?.evidence).toMatchObject({ alias: 'live', oldVersions: ['7'], newVersion: '8' });
    expect(fresh?.guidance).toMatch(/as the alias weights say/);

    // Past pendingMinutes the same problem (same fingerprint) is a warning.
    const [late] = detect(parts(9));
    expect(late).toMatchObject({ severity: 'warning', fingerprint: 'pc-health:checkout:live:new-version' });
    expect(late?.guidance).toMatch(/longer than 6 minutes/);
  });

  it('config findings clear only on configs read this run', () => {
    expect(assessed({ qualifiers: [live(600)] }, 'pc-health:checkout:live:failed')).toBe(false);
    expect(
      assessed({ qualifiers: [live(600)], provisioned: [setup()] }, 'pc-health:checkout:live:failed'),
    ).toBe(true);
    expect(
      assessed(
        { provisioned: [setup()], coverage: { partial: ['provisioned-drill'] } },
        'pc-health:checkout:live:in-progress',
      ),
    ).toBe(false);
  });
});

describe('pc-health: about to spill', () => {
  const streak = (minutes: number) =>
    Array.from({ length: 15 }, (_, minute) => (minute >= 15 - minutes ? 0.95 : 0.5));

  it('compliant: four minutes at 95%, or a qualifier that already spills over (pc-spillover says so)', () => {
    expect(detect({ qualifiers: [live(600, streak(4))] })).toEqual([]);
    expect(detect({ qualifiers: [live(600, streak(10), { spilloverInvocations: flat(3) })] })).toEqual([]);
  });

  it('non-compliant 1: ten minutes at 95% before any spillover', () => {
    const [finding] = detect({ qualifiers: [live(600, streak(10))], provisioned: [setup()] });

    expect(finding).toMatchObject({
      severity: 'warning',
      fingerprint: 'pc-health:checkout:live:near-spill',
      summary:
        'checkout:live used 95% of its provisioned concurrency of 20 and at least 90% for 10 minutes in a row: about to spill over',
    });
    expect(finding?.evidence).toMatchObject({ minutesAtOrAbove: 10, peakUtilization: '95%' });
    expect(finding?.since).toBe(
      new Date(Date.parse(metricsSnapshot().window.start) + 5 * 60_000).toISOString(),
    );
    expect(finding?.guidance).toMatch(/Application Auto Scaling/);
  });

  it('is judged on the probe alone', () => {
    expect(assessed({ qualifiers: [live(600)] }, 'pc-health:checkout:live:near-spill')).toBe(true);
  });
});

describe('pc-health: latency variability', () => {
  const at = (runtime: string, memorySize: number) => [listedFunction('checkout', { runtime, memorySize })];

  it('compliant: Java at 512 MB, and Node.js at 128 MB', () => {
    expect(detect({ qualifiers: [live(600)] }, at('java21', 512))).toEqual([]);
    expect(detect({ qualifiers: [live(600)] }, at('nodejs22.x', 128))).toEqual([]);
  });

  it('non-compliant 1: Java 21 with provisioned concurrency at 128 MB is info, with the advice to add memory', () => {
    const [finding] = detect({ qualifiers: [live(600)] }, at('java21', 128));

    expect(finding).toMatchObject({
      severity: 'info',
      fingerprint: 'pc-health:checkout:live:jit-latency',
      summary:
        'checkout:live has provisioned concurrency on java21 at 128 MB: expect uneven first-call latency',
    });
    expect(finding?.guidance).toMatch(/raise checkout's memory, publish a version and move live to it/);
  });

  it('non-compliant 2: .NET 8 the same, whether it served this window or its config was read READY', () => {
    expect(detect({ qualifiers: [live(0, 0)], provisioned: [setup()] }, at('dotnet8', 128))).toHaveLength(1);
    expect(detect({ qualifiers: [live(0, 0)] }, at('dotnet8', 128))).toEqual([]);
  });
});

describe('pc-health: runs and records', () => {
  it('says nothing, and clears nothing, when the probes did not run or were cut short', () => {
    const parts = { qualifiers: [live(600, 0.95)] };
    expect(
      assessed({ ...parts, coverage: { provisionedProbe: false } }, 'pc-health:checkout:live:near-spill'),
    ).toBe(false);
    expect(
      assessed(
        { ...parts, coverage: { partial: ['provisioned-probe'] } },
        'pc-health:checkout:live:near-spill',
      ),
    ).toBe(false);
    expect(detect({ ...parts, coverage: { accountWindowDelivered: false } })).toEqual([]);
  });

  it('leaves out functions carrying the ignore tag', () => {
    const context = metricContext(metricsSnapshot({ provisioned: [setup([config({ status: 'FAILED' })])] }), {
      ignoredFunctions: ['checkout'],
    });
    expect(pcHealth.detect(context)).toEqual([]);
  });

  it('fingerprints are one per problem and qualifier; the config ones are re-read while open', () => {
    expect(pcHealthFingerprint('checkout', 'live', 'failed')).toBe('pc-health:checkout:live:failed');
    expect(pcHealthCaseOf('pc-health:checkout:live:new-version')).toBe('new-version');
    expect(pcHealthCaseOf('pc-spillover:checkout:live')).toBeUndefined();
    expect(
      provisionedRechecks([
        { kind: 'pc-health', functionName: 'orders', fingerprint: 'pc-health:orders:live:failed' },
        { kind: 'pc-health', functionName: 'quotes', fingerprint: 'pc-health:quotes:live:bypass' },
        { kind: 'pc-spillover', functionName: 'search', fingerprint: 'pc-spillover:search:live' },
        { kind: 'pc-health', functionName: 'orders', fingerprint: 'pc-health:orders:2:in-progress' },
      ]),
    ).toEqual(['orders']);
  });
});
