/**
 * EventBridge of a simulated account: the read operations `diagnose` sends to find the rules that target a
 * function, with AWS's response shapes, paging and exception classes.
 */
import {
  EventBridgeServiceException,
  ResourceNotFoundException,
  type DescribeRuleResponse,
  type PutEventsRequestEntry,
  type Target,
} from '@aws-sdk/client-eventbridge';
import type { SimAccountModel } from './account-model';
import { NO_RESOURCES, tokenPage, type SimEventRule } from './account-resources';
import type { SimulatedEventBus } from './event-bus';

type Input = Readonly<Record<string, unknown>>;

/** ListEventBuses and ListRuleNamesByTarget return at most this many items a page. */
export const EVENTBRIDGE_PAGE_SIZE = 100;

const busOf = (rule: SimEventRule) => rule.eventBusName ?? 'default';

/** PutEvents takes at most this many entries a call. */
const PUT_EVENTS_MAX_ENTRIES = 10;

/**
 * Answers EventBridge requests from the account's rules, and PutEvents onto the account's default bus or onto a
 * bus of another account that `otherBuses` knows (by ARN).
 */
export class EventBridgeApi {
  constructor(
    private readonly account: SimAccountModel,
    private readonly defaultBus?: SimulatedEventBus,
    private readonly otherBuses: readonly SimulatedEventBus[] = [],
  ) {}

  private get resources() {
    return this.account.resources ?? NO_RESOURCES;
  }

  /** Answers one request; throws the SDK's exception classes as AWS would. */
  answer(operation: string, input: Input): object {
    const handler = this.operations[operation];
    if (!handler) throw new Error(`The simulated EventBridge does not answer ${operation}`);
    return { ...handler(input), $metadata: { httpStatusCode: 200 } };
  }

  private readonly operations: Readonly<Record<string, (input: Input) => object>> = {
    PutEvents: (input) => {
      const entries = (input.Entries ?? []) as readonly PutEventsRequestEntry[];
      if (entries.length === 0 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
        throw new EventBridgeServiceException({
          name: 'ValidationException',
          $fault: 'client',
          message: `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${PUT_EVENTS_MAX_ENTRIES}`,
          $metadata: { httpStatusCode: 400 },
        });
      }
      const ids = entries.map((entry) => {
        const bus = this.putTarget(entry.EventBusName);
        return bus.put(this.account.accountId, this.account.region, [entry])[0] ?? '';
      });
      return { FailedEntryCount: 0, Entries: ids.map((EventId) => ({ EventId })) };
    },
    ListEventBuses: (input) => {
      const names = ['default', ...(this.resources.eventBuses ?? [])];
      const { items, nextToken } = tokenPage(names, input.NextToken, this.limit(input));
      return {
        EventBuses: items.map((name) => ({ Name: name, Arn: this.busArn(name) })),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
    ListRuleNamesByTarget: (input) => {
      const bus = this.bus(input);
      const names = this.resources.rules
        .filter(
          (rule) => busOf(rule) === bus && rule.targets.some((target) => target.arn === input.TargetArn),
        )
        .map((rule) => rule.name);
      const { items, nextToken } = tokenPage(names, input.NextToken, this.limit(input));
      return { RuleNames: items, ...(nextToken ? { NextToken: nextToken } : {}) };
    },
    DescribeRule: (input) => {
      const rule = this.rule(input.Name, this.bus(input));
      const response: Omit<DescribeRuleResponse, '$metadata'> = {
        Name: rule.name,
        Arn: this.ruleArn(rule),
        State: rule.state as DescribeRuleResponse['State'],
        EventBusName: busOf(rule),
        ...(rule.scheduleExpression ? { ScheduleExpression: rule.scheduleExpression } : {}),
        ...(rule.eventPattern ? { EventPattern: rule.eventPattern } : {}),
      };
      return response;
    },
    ListTargetsByRule: (input) => {
      const rule = this.rule(input.Rule, this.bus(input));
      const targets: Target[] = rule.targets.map((target) => ({
        Id: target.id,
        Arn: target.arn,
        ...(target.roleArn ? { RoleArn: target.roleArn } : {}),
      }));
      return { Targets: targets };
    },
  };

  private limit(input: Input): number {
    const limit = input.Limit;
    return typeof limit === 'number' && limit > 0
      ? Math.min(limit, EVENTBRIDGE_PAGE_SIZE)
      : EVENTBRIDGE_PAGE_SIZE;
  }

  /** The bus a PutEvents entry goes to: the account's default bus, or another account's bus by ARN. */
  private putTarget(name: string | undefined): SimulatedEventBus {
    const ownDefault = this.busArn('default');
    if (this.defaultBus && (name === undefined || name === 'default' || name === ownDefault))
      return this.defaultBus;
    const other = this.otherBuses.find((bus) => bus.arn === name);
    if (!other) {
      throw new ResourceNotFoundException({
        message: `Event bus ${name ?? 'default'} does not exist.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    return other;
  }

  /** The bus a request names (by name or ARN); the default bus when it names none. */
  private bus(input: Input): string {
    const given = typeof input.EventBusName === 'string' ? input.EventBusName : 'default';
    const name = given.startsWith('arn:') ? (given.split('/').at(-1) ?? given) : given;
    if (name !== 'default' && !(this.resources.eventBuses ?? []).includes(name)) {
      throw new ResourceNotFoundException({
        message: `Event bus ${name} does not exist.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    return name;
  }

  private rule(name: unknown, bus: string): SimEventRule {
    const rule = this.resources.rules.find(
      (candidate) => candidate.name === name && busOf(candidate) === bus,
    );
    if (!rule) {
      throw new ResourceNotFoundException({
        message: `Rule ${String(name)} does not exist on EventBus ${bus}.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    return rule;
  }

  private busArn(name: string): string {
    return `arn:aws:events:${this.account.region}:${this.account.accountId}:event-bus/${name}`;
  }

  private ruleArn(rule: SimEventRule): string {
    const bus = busOf(rule);
    const path = bus === 'default' ? rule.name : `${bus}/${rule.name}`;
    return `arn:aws:events:${this.account.region}:${this.account.accountId}:rule/${path}`;
  }
}
