/**
 * An organization of simulated member accounts, each with its own sentinel (as the StackSet deploys it: own
 * state, own alert topic, own clock) putting its events on one central bus in the management account, which
 * admits only the organization's accounts (as the bus policy's aws:PrincipalOrgID condition does).
 */
import type { ScanReport } from '../functions/scanner/model';
import { runScan } from '../functions/scanner/run-scan';
import { RequestBudget } from '../functions/scanner/aws/request-budget';
import type { SentinelSettings } from '../functions/scanner/settings';
import type { SimAccountModel } from './account-model';
import { SimulatedEventBus } from './event-bus';
import { MemoryStateStore } from './memory-state-store';
import { SimulatedAccount } from './simulated-account';
import { simulatedTopicArn } from './simulated-scan';
import { VirtualClock } from './virtual-clock';

/** One member account and region with its deployed sentinel. */
export interface SimulatedMember {
  readonly account: SimulatedAccount;
  readonly clock: VirtualClock;
  readonly store: MemoryStateStore;
}

/** The central bus's name, as the organization stack creates it. */
export const CENTRAL_BUS_NAME = 'lambda-sentinel';

/** Members and the central bus. */
export class SimulatedOrganization {
  /** The bus every member's sentinel puts its events on. */
  readonly centralBus: SimulatedEventBus;
  private readonly members = new Map<string, SimulatedMember>();
  private readonly organizationAccounts: Set<string>;
  private alerts = 0;

  /**
   * @param managementAccount where the central bus lives: account id and region
   * @param organizationAccounts the accounts that belong to the organization (the bus admits only them)
   */
  constructor(
    managementAccount: { readonly accountId: string; readonly region: string },
    organizationAccounts: readonly string[],
  ) {
    this.organizationAccounts = new Set(organizationAccounts);
    this.centralBus = new SimulatedEventBus(
      `arn:aws:events:${managementAccount.region}:${managementAccount.accountId}:event-bus/${CENTRAL_BUS_NAME}`,
      (account) => this.organizationAccounts.has(account),
    );
  }

  /** An account joins the organization: the central bus admits it from now on. */
  join(accountId: string): void {
    this.organizationAccounts.add(accountId);
  }

  /** Deploys a member sentinel into the account and region `model` describes. */
  addMember(model: SimAccountModel): SimulatedMember {
    const clock = new VirtualClock(model.observedAt);
    const member = {
      account: new SimulatedAccount(model, { clock, otherEventBuses: [this.centralBus] }),
      clock,
      store: new MemoryStateStore(),
    };
    this.members.set(memberKey(model.accountId, model.region), member);
    return member;
  }

  /** The member sentinel of an account and region. */
  member(accountId: string, region: string): SimulatedMember {
    const member = this.members.get(memberKey(accountId, region));
    if (!member) throw new Error(`no member sentinel in ${accountId} ${region}`);
    return member;
  }

  /** One scheduled run of a member's sentinel, `minutesLater` after its previous one, putting events centrally. */
  async scan(
    accountId: string,
    region: string,
    settings: SentinelSettings,
    minutesLater = 0,
  ): Promise<ScanReport> {
    const { account, clock, store } = this.member(accountId, region);
    const member = { ...settings, eventBusArn: this.centralBus.arn };
    return clock.run(async () => {
      await clock.sleep(minutesLater * 60_000);
      const budget = new RequestBudget({
        getFunctionRps: member.getFunctionRps,
        controlPlaneRps: member.controlPlaneRps,
        clock,
      });
      return runScan(
        member,
        { accountId, region, topicArn: simulatedTopicArn(account.model) },
        {
          clients: account.clients(),
          stateStore: store,
          actionLog: store,
          budget,
          clock,
          log: () => undefined,
          newAlertId: () => `${accountId}-${region}-alert-${(this.alerts += 1)}`,
        },
      );
    });
  }
}

function memberKey(accountId: string, region: string): string {
  return `${accountId}/${region}`;
}
