import { DEFAULT_SETTINGS } from '../../functions/scanner/settings';
import { valueIn } from '../../sim/account-model';
import {
  ALL_PROBLEMS,
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

describe('quietAccount', () => {
  it('makes the number of functions asked for, with distinct names, the same every time', () => {
    const first = quietAccount(300);
    const second = quietAccount(300);

    expect(first.functions).toHaveLength(300);
    expect(new Set(first.functions.map((fn) => fn.name)).size).toBe(300);
    expect(second.functions.map((fn) => fn.name)).toEqual(first.functions.map((fn) => fn.name));
    expect(second.functions.map((fn) => valueIn(fn.traffic.invocations, 0))).toEqual(
      first.functions.map((fn) => valueIn(fn.traffic.invocations, 0)),
    );
  });

  it('gives the real scanner nothing to report', async () => {
    const scan = await runSimulatedScan(quietAccount(200), DEFAULT_SETTINGS);

    expect(scan.result.findings).toEqual([]);
    expect(scan.result.errors).toEqual([]);
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
  });

  it('stages only the problems asked for', async () => {
    const scan = await runSimulatedScan(
      troubledAccount(80, ['failed-kms', 'pc-spillover']),
      DEFAULT_SETTINGS,
    );

    expect(findingsOf(scan)).toEqual(['failed-state:secrets-rotator', 'pc-spillover:quote-api']);
  });

  it('names the throttled victims of the hog in its evidence', async () => {
    const scan = await runSimulatedScan(troubledAccount(80, ['concurrency-hog']), DEFAULT_SETTINGS);

    const hog = scan.result.findings.find((finding) => finding.kind === 'concurrency-hog');
    expect(hog?.functionName).toBe('image-resizer');
    expect(String(hog?.evidence.throttledVictims)).toEqual(
      expect.stringContaining(HOG_VICTIMS[0] ?? 'missing'),
    );
    expect(hog?.evidence.throttledFunctions).toBe(HOG_VICTIMS.length);
  });

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
  });

  it('splits the spilling function between its alias and unqualified calls, which add up to its total', () => {
    const model = troubledAccount(20, ['pc-spillover']);
    const account = new SimulatedAccount(model, { clock: new VirtualClock(model.observedAt) });
    const minute = Math.floor(model.observedAt / 60_000) * 60_000 - 10 * 60_000;

    const total = sumOver(account, 'Invocations', { FunctionName: 'quote-api' }, minute);
    const live = sumOver(
      account,
      'Invocations',
      { FunctionName: 'quote-api', Resource: 'quote-api:live' },
      minute,
    );
    const spilled = sumOver(
      account,
      'ProvisionedConcurrencySpilloverInvocations',
      { FunctionName: 'quote-api', Resource: 'quote-api:live' },
      minute,
    );

    expect(total).toBe(8_400);
    expect(live).toBe(7_200);
    expect(spilled).toBeGreaterThan(0);
  });
});
