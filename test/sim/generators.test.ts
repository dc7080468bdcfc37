import { DEFAULT_SETTINGS } from '../../functions/scanner/settings';
import {
  ALL_PROBLEMS,
  DIAGNOSE_PROBLEMS,
  DIAGNOSED_FUNCTIONS,
  EXPECTED_FINDINGS,
  HOG_VICTIMS,
  quietAccount,
  troubledAccount,
} from '../../sim/generators';
import { SimulatedAccount } from '../../sim/simulated-account';
import { runSimulatedScan } from '../../sim/simulated-scan';
import { VirtualClock } from '../../sim/virtual-clock';

const findingsOf = (scan: Awaited<ReturnType<typeof runSimulatedScan>>) =>
  scan.result.findings.map((finding) => `${finding.kind}:${finding.functionName}`).sort();

function sumOver(
  account: SimulatedAccount,
  metricName: string,
  dimensions: Record<string, string>,
  minute: number,
) {
  const output = account.metrics.getMetricStatistics({
    Namespace: 'AWS/Lambda',
    MetricName: metricName,
    Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    StartTime: new Date(minute),
    EndTime: new Date(minute + 60_000),
    Period: 60,
    Statistics: ['Sum'],
  });
  return output.Datapoints?.[0]?.Sum ?? 0;
}

function maxOver(
  account: SimulatedAccount,
  metricName: string,
  dimensions: Record<string, string>,
  minute: number,
) {
  const output = account.metrics.getMetricStatistics({
    Namespace: 'AWS/Lambda',
    MetricName: metricName,
    Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
    StartTime: new Date(minute),
    EndTime: new Date(minute + 60_000),
    Period: 60,
    Statistics: ['Maximum'],
  });
  return output.Datapoints?.[0]?.Maximum ?? 0;
}

// Each test below simulates nine days of an account, and some run the real scanner on it: allow for a busy machine.
describe('quietAccount', () => {
  it('makes the number of functions asked for, with distinct names, the same every time', () => {
    const first = quietAccount(300);
    const second = quietAccount(300);

    expect(first.functions).toHaveLength(300);
    expect(new Set(first.functions.map((fn) => fn.name)).size).toBe(300);
    expect(second.functions.map((fn) => fn.name)).toEqual(first.functions.map((fn) => fn.name));
    expect(second.functions.map((fn) => fn.traffic)).toEqual(first.functions.map((fn) => fn.traffic));
  });

  it('gives the real scanner nothing to report', async () => {
    const scan = await runSimulatedScan(quietAccount(200), DEFAULT_SETTINGS);

    expect(scan.result.findings).toEqual([]);
    expect(scan.result.errors).toEqual([]);
  }, 30_000);

  it('with a provisioned fleet, still nothing to report, and each provisioned alias costs its probed series', async () => {
    const model = quietAccount(1_000, { provisionedFleet: true });
    const aliases = model.functions.filter((fn) => fn.provisioned.length > 0 && fn.traffic).length;

    const scan = await runSimulatedScan(model, DEFAULT_SETTINGS);

    expect(aliases).toBeGreaterThanOrEqual(5);
    expect(scan.result.findings).toEqual([]);
    expect(scan.result.errors).toEqual([]);
    // Six region series; per alias its provisioned invocations and utilization, and for a quiet one its function's
    // total; never a Lambda call for an alias that serves its traffic or has none.
    expect(scan.usage.metricsRequested).toBeGreaterThan(6);
    expect(scan.usage.metricsRequested).toBeLessThanOrEqual(6 + 3 * aliases);
    expect(scan.usage.apiCalls.GetPolicy).toBeUndefined();
  }, 30_000);

  it('gives quiet functions a rhythm: a nightly job publishes nothing outside its window', () => {
    const model = quietAccount(400);
    const account = new SimulatedAccount(model, { clock: new VirtualClock(model.observedAt) });
    const nightly = model.functions.find((fn) => fn.traffic?.profile === 'nightly');
    if (!nightly) throw new Error('no nightly function generated');
    const dayStart = Date.parse('2030-01-14T00:00:00.000Z');

    const output = account.metrics.getMetricData({
      MetricDataQueries: [
        {
          Id: 'nightly',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Invocations',
              Dimensions: [{ Name: 'FunctionName', Value: nightly.name }],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
      StartTime: new Date(dayStart),
      EndTime: new Date(dayStart + 24 * 3_600_000),
    });

    const hours = (output.MetricDataResults?.[0]?.Timestamps ?? []).map((at) => new Date(at).getUTCHours());
    expect(hours.length).toBeGreaterThan(0);
    expect(new Set(hours)).toEqual(new Set([2]));
  }, 30_000);
});

describe('quietAccount of 10,000 functions', () => {
  const model = quietAccount(10_000);
  let account: SimulatedAccount;
  const hourlyInvocations = (start: number, end: number) =>
    account.metrics.getMetricData({
      MetricDataQueries: [
        {
          Id: 'region',
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations' },
            Period: 3600,
            Stat: 'Sum',
          },
        },
      ],
      StartTime: new Date(start),
      EndTime: new Date(end),
    }).MetricDataResults?.[0]?.Values ?? [];

  beforeAll(() => {
    account = new SimulatedAccount(model, { clock: new VirtualClock(model.observedAt) });
  }, 60_000);

  it('looks like a normal weekday at the observed hour: no surge against the same hour on earlier weekdays', () => {
    const hourEnd = Math.floor(model.observedAt / 60_000) * 60_000 - 3 * 60_000;
    const day = 24 * 3_600_000;
    const today = hourlyInvocations(hourEnd - 3_600_000, hourEnd)[0] ?? 0;
    // Tuesday 15 January: the weekdays before it are the 14th, 11th, 10th and 9th.
    const earlierWeekdays = [1, 4, 5, 6].map((days) => {
      const start = hourEnd - days * day - 3_600_000;
      return hourlyInvocations(start, start + 3_600_000)[0] ?? 0;
    });

    for (const earlier of earlierWeekdays) {
      expect(today / earlier).toBeGreaterThan(0.9);
      expect(today / earlier).toBeLessThan(1.1);
    }
    const weekend = hourlyInvocations(hourEnd - 3 * day - 3_600_000, hourEnd - 3 * day)[0] ?? 0;
    expect(weekend).toBeLessThan(today * 0.7);
  });

  it('holds nine days of history before the observed time', () => {
    const end = Math.floor(model.observedAt / 60_000) * 60_000;

    const values = hourlyInvocations(end - 9 * 24 * 3_600_000, end);

    expect(values).toHaveLength(9 * 24);
  });
});

describe('troubledAccount', () => {
  it('stages every problem of the guide so that the real scanner reports each one, and nothing else', async () => {
    const scan = await runSimulatedScan(troubledAccount(150), DEFAULT_SETTINGS);

    const expected = ALL_PROBLEMS.map((problem) => {
      const { kind, functionName } = EXPECTED_FINDINGS[problem];
      return `${kind}:${functionName}`;
    }).sort();
    expect(findingsOf(scan)).toEqual(expected);
    expect(scan.result.errors).toEqual([]);
  }, 30_000);

  it('stages only the problems asked for', async () => {
    const scan = await runSimulatedScan(
      troubledAccount(80, ['failed-kms', 'pc-spillover']),
      DEFAULT_SETTINGS,
    );

    expect(findingsOf(scan)).toEqual(['failed-state:secrets-rotator', 'pc-spillover:quote-api']);
  }, 30_000);

  it('names the pooled functions the hog starves among its throttled victims', async () => {
    const scan = await runSimulatedScan(troubledAccount(80, ['concurrency-hog']), DEFAULT_SETTINGS);

    const hog = scan.result.findings.find((finding) => finding.kind === 'concurrency-hog');
    expect(hog?.functionName).toBe('image-resizer');
    for (const victim of HOG_VICTIMS) {
      expect(String(hog?.evidence.throttledVictims)).toContain(victim);
    }
    expect(hog?.evidence.throttledFunctions).toBeGreaterThanOrEqual(HOG_VICTIMS.length);
  }, 30_000);

  it("throttles the hog's victims only while the hog holds the pool, because the pool is exhausted", () => {
    const model = troubledAccount(80, ['concurrency-hog']);
    const account = new SimulatedAccount(model, { clock: new VirtualClock(model.observedAt) });
    const observedMinute = Math.floor(model.observedAt / 60_000) * 60_000;
    const before = observedMinute - 45 * 60_000;
    const during = observedMinute - 10 * 60_000;

    for (const victim of HOG_VICTIMS) {
      expect(sumOver(account, 'Throttles', { FunctionName: victim }, before)).toBe(0);
      expect(sumOver(account, 'Throttles', { FunctionName: victim }, during)).toBeGreaterThan(0);
    }
    expect(maxOver(account, 'ConcurrentExecutions', {}, during)).toBeGreaterThanOrEqual(
      model.concurrencyLimit * 0.95,
    );
    expect(
      maxOver(account, 'ConcurrentExecutions', { FunctionName: 'image-resizer' }, during),
    ).toBeGreaterThanOrEqual(model.concurrencyLimit * DEFAULT_SETTINGS.hogShare);
  }, 30_000);

  it('keeps the region-level metrics equal to the sum of the functions', () => {
    const model = troubledAccount(120);
    const account = new SimulatedAccount(model, { clock: new VirtualClock(model.observedAt) });
    const minute = Math.floor(model.observedAt / 60_000) * 60_000 - 10 * 60_000;

    for (const metricName of ['Invocations', 'Throttles']) {
      const perFunction = model.functions.reduce(
        (total, fn) => total + sumOver(account, metricName, { FunctionName: fn.name }, minute),
        0,
      );
      expect(sumOver(account, metricName, {}, minute)).toBe(perFunction);
    }
  }, 30_000);

  it("spills the alias over its provisioned concurrency: provisioned plus spillover make the alias's invocations", () => {
    const model = troubledAccount(20, ['pc-spillover']);
    const account = new SimulatedAccount(model, { clock: new VirtualClock(model.observedAt) });
    const minute = Math.floor(model.observedAt / 60_000) * 60_000 - 10 * 60_000;
    const live = { FunctionName: 'quote-api', Resource: 'quote-api:live' };

    const total = sumOver(account, 'Invocations', { FunctionName: 'quote-api' }, minute);
    const viaAlias = sumOver(account, 'Invocations', live, minute);
    const provisioned = sumOver(account, 'ProvisionedConcurrencyInvocations', live, minute);
    const spilled = sumOver(account, 'ProvisionedConcurrencySpilloverInvocations', live, minute);

    // Ten units at 10 requests a second serve 6,000 a minute; the alias gets 85% of about 8,400.
    expect(provisioned).toBe(6_000);
    expect(spilled).toBeGreaterThan(500);
    expect(provisioned + spilled).toBe(viaAlias);
    expect(total - viaAlias).toBeGreaterThan(1_000);
    expect(sumOver(account, 'ProvisionedConcurrencySpilloverInvocations', live, minute - 40 * 60_000)).toBe(
      0,
    );
  }, 30_000);
});

describe('troubledAccount with the problems only diagnose finds', () => {
  it('stages a function whose EventBridge rule no statement allows, leaving every other function as it was', () => {
    const without = troubledAccount(48, ALL_PROBLEMS);
    const withIt = troubledAccount(48, [...ALL_PROBLEMS, ...DIAGNOSE_PROBLEMS]);
    const name = DIAGNOSED_FUNCTIONS['unpermitted-trigger'];

    const staged = withIt.functions.find((fn) => fn.name === name);
    const rule = withIt.resources?.rules.find((candidate) => candidate.name === 'invoice-export-nightly');
    expect(staged?.traffic).toBeUndefined();
    expect(rule?.targets[0]?.arn).toBe(`arn:aws:lambda:eu-west-1:123456789012:function:${name}`);
    expect(JSON.stringify(staged?.policy)).not.toContain('rule/invoice-export-nightly');
    // The fleet keeps its size: one quiet function, an idle one, makes room for it.
    const dropped = without.functions.at(-1);
    expect(dropped?.traffic).toBeUndefined();
    expect(withIt.functions.filter((fn) => fn.name !== name)).toEqual(without.functions.slice(0, -1));
  });

  it('gives the real scanner nothing to report about it', async () => {
    const scan = await runSimulatedScan(
      troubledAccount(40, ['unpermitted-trigger', 'failed-kms']),
      DEFAULT_SETTINGS,
    );

    expect(findingsOf(scan)).toEqual(['failed-state:secrets-rotator']);
  }, 30_000);

  it('holds what its functions name: the rule a quiet function allows, each KMS key, each EFS access point', () => {
    const model = troubledAccount(60);
    const resources = model.resources;
    const allowed = model.functions.find((fn) =>
      fn.policy.some((statement) => statement.principal.Service === 'events.amazonaws.com'),
    );

    expect(resources?.rules.map((rule) => rule.name)).toContain(allowed?.name);
    expect(resources?.kmsKeys).toContainEqual({
      arn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      keyState: 'Enabled',
    });
    expect(resources?.fileSystems[0]).toMatchObject({
      accessPoints: [{ id: 'fsap-015cxmplb72b405fd', lifeCycleState: 'available' }],
      mountTargets: [
        expect.objectContaining({ subnetId: 'subnet-0cc33dd44ee55ff66', vpcId: 'vpc-0a1b2c3d' }),
      ],
    });
  });
});
