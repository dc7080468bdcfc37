import { runScan } from '../../../functions/scanner/run-scan';
import { DEFAULT_SETTINGS } from '../../../functions/scanner/settings';
import type { SimProvisionedConfig } from '../../../sim/account-model';
import { MemoryStateStore } from '../../../sim/memory-state-store';
import { loadPattern } from '../../../sim/pattern';
import { simulate, simulatedTopicArn } from '../../../sim/simulated-scan';

const MINUTE = 60_000;

/** search-api's live alias with a FAILED config for the last three hours: every call spills over, cold. */
function failedConfigAccount() {
  return loadPattern({
    account: { observedAt: '2030-01-15T12:00:20Z' },
    functions: [
      {
        name: 'search-api',
        versions: ['8'],
        aliases: [{ name: 'live', version: '8' }],
        provisioned: [
          {
            qualifier: 'live',
            requested: 40,
            status: 'FAILED',
            statusReason: 'Insufficient unreserved concurrency',
            lastModified: '-3h',
          },
        ],
        traffic: {
          shape: [{ kind: 'steady', perMinute: 600 }],
          durationSeconds: 0.3,
          qualifierShares: { live: 1 },
        },
      },
    ],
  });
}

/**
 * Scans the account at each of `minutesAfter` its observed time (one state store across runs); at `fixConfigAt`,
 * if given, the config becomes READY.
 */
async function scansAt(minutesAfter: readonly number[], fixConfigAt?: number) {
  const model = failedConfigAccount();
  const store = new MemoryStateStore();
  let alerts = 0;
  const events = [
    ...minutesAfter.map((minutes) => ({ minutes, scan: true })),
    ...(fixConfigAt !== undefined ? [{ minutes: fixConfigAt, scan: false }] : []),
  ].sort((a, b) => a.minutes - b.minutes);
  return simulate(model, DEFAULT_SETTINGS, async ({ clients, clock, budget, account }) => {
    const reports = [];
    for (const { minutes, scan } of events) {
      await clock.sleep(model.observedAt + minutes * MINUTE - clock.now());
      if (!scan) {
        const fn = model.functions[0];
        const config = fn?.provisioned[0];
        if (!fn || !config) throw new Error('the pattern has no config to fix');
        // Someone lowered the request to what the account can hold, and Lambda allocated it.
        Object.assign(config as { -readonly [K in keyof SimProvisionedConfig]: SimProvisionedConfig[K] }, {
          status: 'READY',
          allocated: 40,
          lastModified: clock.now(),
        });
        account.physics.settingChanged(fn, clock.now());
        continue;
      }
      const calls = { ...account.usage.apiCalls };
      const report = await runScan(
        DEFAULT_SETTINGS,
        { accountId: model.accountId, region: model.region, topicArn: simulatedTopicArn(model) },
        {
          clients,
          stateStore: store,
          actionLog: store,
          budget,
          clock,
          log: () => undefined,
          newAlertId: () => `alert-${(alerts += 1)}`,
        },
      );
      const configReads =
        (account.usage.apiCalls.ListProvisionedConcurrencyConfigs ?? 0) -
        (calls.ListProvisionedConcurrencyConfigs ?? 0);
      reports.push({ report, configReads, open: (await store.load()).openFindings });
    }
    return reports;
  });
}

const pcHealthOpen = (open: readonly { fingerprint: string }[]) =>
  open.map((finding) => finding.fingerprint).filter((fingerprint) => fingerprint.startsWith('pc-health'));

describe('a pc-health config finding across runs', () => {
  it('stays open through a run that does not probe, though the config was fixed meanwhile', async () => {
    const { result } = await scansAt([0, 5], 2);
    const [first, second] = result;

    expect(pcHealthOpen(first?.open ?? [])).toEqual(['pc-health:search-api:live:failed']);
    // The run five minutes later skips the provisioned concurrency probes (every other run on the defaults): it
    // cannot tell, so the finding is neither reported again nor resolved.
    expect(second?.report.stats.resolved).toBe(0);
    expect(pcHealthOpen(second?.open ?? [])).toEqual(['pc-health:search-api:live:failed']);
  }, 60_000);

  it('re-reads the config of an open finding when nothing else would, and resolves it once READY', async () => {
    // Twenty-five minutes on, the window holds no spillover and the alias serves again: no metric points at it.
    const { result } = await scansAt([0, 25], 2);
    const [, later] = result;

    expect(later?.configReads).toBe(1);
    expect(pcHealthOpen(later?.open ?? [])).toEqual([]);
    expect(later?.report.stats.resolved).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('keeps it open while the config is still FAILED', async () => {
    const { result } = await scansAt([0, 25]);
    const [, later] = result;

    expect(later?.report.findings.map((finding) => finding.fingerprint)).toContain(
      'pc-health:search-api:live:failed',
    );
    expect(pcHealthOpen(later?.open ?? [])).toEqual(['pc-health:search-api:live:failed']);
  }, 60_000);
});
