import { RequestBudget } from '../functions/scanner/aws/request-budget';
import type { ScanReport } from '../functions/scanner/model';
import { runScan, type ScanClients } from '../functions/scanner/run-scan';
import type { SentinelSettings } from '../functions/scanner/settings';
import type { SimAccountModel } from './account-model';
import { MemoryStateStore } from './memory-state-store';
import { SimulatedAccount, type SimulationOptions, type SimulationUsage } from './simulated-account';
import { VirtualClock } from './virtual-clock';

/** What a piece of work run against a simulated account gets: its clients, clock and request budget. */
export interface SimulationContext {
  readonly account: SimulatedAccount;
  readonly clients: ScanClients;
  readonly clock: VirtualClock;
  /** A budget with the rates the deployed scanner builds from the settings. */
  readonly budget: RequestBudget;
}

/** The work's result, and what the account saw of it. */
export interface Simulated<T> {
  readonly result: T;
  readonly usage: SimulationUsage;
  /** Virtual seconds the work took, as it would on AWS with the simulated latencies and quotas. */
  readonly wallSeconds: number;
  readonly account: SimulatedAccount;
}

/** One run of the real scanner against a simulated account. */
export type SimulatedScan = Simulated<ScanReport>;

/** The alert topic of a simulated account (SNS accepts and keeps whatever is published to it). */
export function simulatedTopicArn(model: Pick<SimAccountModel, 'accountId' | 'region'>): string {
  return `arn:aws:sns:${model.region}:${model.accountId}:LambdaSentinel-Alerts`;
}

/** Runs `work` against `model` on a virtual clock that starts when the account is observed. */
export async function simulate<T>(
  model: SimAccountModel,
  settings: Pick<SentinelSettings, 'getFunctionRps' | 'controlPlaneRps'>,
  work: (context: SimulationContext) => Promise<T>,
  options: Omit<SimulationOptions, 'clock'> = {},
): Promise<Simulated<T>> {
  const clock = new VirtualClock(model.observedAt);
  const account = new SimulatedAccount(model, { ...options, clock });
  const budget = new RequestBudget({
    getFunctionRps: settings.getFunctionRps,
    controlPlaneRps: settings.controlPlaneRps,
    clock,
  });
  const result = await clock.run(() => work({ account, clients: account.clients(), clock, budget }));
  return { result, usage: account.usage, wallSeconds: (clock.now() - model.observedAt) / 1000, account };
}

/** Runs `runScan` once against `model`, with an in-memory state store that is also the action log. */
export function runSimulatedScan(
  model: SimAccountModel,
  settings: SentinelSettings,
  options: Omit<SimulationOptions, 'clock'> = {},
): Promise<SimulatedScan> {
  const store = new MemoryStateStore();
  let alerts = 0;
  let actions = 0;
  return simulate(
    model,
    settings,
    ({ clients, clock, budget }) =>
      runScan(
        settings,
        { accountId: model.accountId, region: model.region, topicArn: simulatedTopicArn(model) },
        {
          clients,
          stateStore: store,
          actionLog: store,
          budget,
          clock,
          log: () => undefined,
          newAlertId: () => `simulated-alert-${(alerts += 1)}`,
          newActionId: () => `simulated-action-${(actions += 1)}`,
        },
      ),
    options,
  );
}
