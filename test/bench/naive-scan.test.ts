import { runNaiveScan } from '../../bench/naive-scan';
import { DEFAULT_SETTINGS } from '../../functions/scanner/settings';
import { troubledAccount } from '../../sim/generators';
import { simulate } from '../../sim/simulated-scan';

function naiveRun(model = troubledAccount(40)) {
  return simulate(model, DEFAULT_SETTINGS, ({ clients, budget, clock }) =>
    runNaiveScan({
      clients,
      budget,
      settings: DEFAULT_SETTINGS,
      accountId: model.accountId,
      region: model.region,
      now: clock.now(),
    }),
  );
}

describe('runNaiveScan', () => {
  it('asks CloudWatch once per function per metric, naming the function in each request', async () => {
    const run = await naiveRun();

    expect(run.usage.apiCalls.GetFunction).toBe(40);
    expect(run.usage.metricsRequested).toBeGreaterThanOrEqual(40 * 6 + 6);
    expect(run.usage.apiCalls.GetMetricData).toBeUndefined();
  });

  it('leaves out a function carrying the ignore tag, as the sentinel does', async () => {
    const model = troubledAccount(40, ['failed-kms', 'failed-vpc']);
    const kms = model.functions.find((fn) => fn.name === 'secrets-rotator');
    if (kms) kms.tags[DEFAULT_SETTINGS.ignoreTag] = 'true';

    const run = await naiveRun(model);

    expect(run.result.findings.map((finding) => finding.functionName)).toEqual(['ledger-sync']);
  });

  it('reads the alias setup and per-alias metrics only for a function that spilled over', async () => {
    const run = await naiveRun(troubledAccount(40, ['pc-spillover']));

    expect(run.usage.apiCalls.ListProvisionedConcurrencyConfigs).toBe(1);
    expect(run.usage.apiCalls.ListAliases).toBe(1);
    const finding = run.result.findings[0];
    expect(finding).toMatchObject({ kind: 'pc-spillover', functionName: 'quote-api', qualifier: 'live' });
    // 15% of the function's 8,400 requests a minute call it without the alias: about 19,000 in 15 minutes.
    expect(finding?.evidence.unqualifiedOrLatestInvocations).toBeGreaterThan(18_000);
    expect(finding?.evidence.unqualifiedOrLatestInvocations).toBeLessThan(20_000);
  });
});
