/**
 * EventBridge buses of the simulation: every simulated account has its default bus, and a bus of another account
 * (an organization's central bus) takes events from the accounts its resource policy admits, as PutEvents does
 * across accounts. What a bus received is kept, to be read back by tests and the demo.
 */
import { EventBridgeServiceException, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

/** One event a bus accepted, with the account and region that put it. */
export interface ReceivedEvent {
  readonly eventId: string;
  readonly sourceAccount: string;
  readonly sourceRegion: string;
  readonly entry: PutEventsRequestEntry;
}

/** Thrown as EventBridge refuses a PutEvents on a bus whose policy does not admit the caller. */
function accessDenied(bus: string, account: string): EventBridgeServiceException {
  return new EventBridgeServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: `User: arn:aws:sts::${account}:assumed-role/scanner is not authorized to perform: events:PutEvents on resource: ${bus} because no resource-based policy allows the events:PutEvents action`,
  });
}

/** One event bus: its ARN, who may put events on it, and what it received. */
export class SimulatedEventBus {
  /** Every event accepted, in order. */
  readonly received: ReceivedEvent[] = [];
  private admitted: (account: string) => boolean;

  /**
   * @param arn the bus's ARN
   * @param admits which accounts its resource policy lets put events (its own account always may)
   */
  constructor(
    readonly arn: string,
    admits: (account: string) => boolean = () => false,
  ) {
    this.admitted = admits;
  }

  /** The account the bus belongs to. */
  get accountId(): string {
    return this.arn.split(':')[4] ?? '';
  }

  /** Changes who may put events (an account joined or left the organization). */
  admit(admits: (account: string) => boolean): void {
    this.admitted = admits;
  }

  /** Accepts entries from `account` in `region`, answering their event ids; throws as AWS does when refused. */
  put(account: string, region: string, entries: readonly PutEventsRequestEntry[]): string[] {
    if (account !== this.accountId && !this.admitted(account)) throw accessDenied(this.arn, account);
    return entries.map((entry) => {
      const eventId = `${this.accountId}-${this.received.length + 1}`;
      this.received.push({ eventId, sourceAccount: account, sourceRegion: region, entry });
      return eventId;
    });
  }

  /** The details of the events of one detail-type, parsed, in the order received. */
  details(detailType: string): Record<string, unknown>[] {
    return this.received
      .filter((event) => event.entry.DetailType === detailType)
      .map((event) => JSON.parse(event.entry.Detail ?? '{}') as Record<string, unknown>);
  }
}
