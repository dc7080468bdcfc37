/**
 * The EventBridge rules that target a function: ListRuleNamesByTarget reads one event bus at a time (the default
 * bus unless told otherwise), so the buses are listed first; then each rule found is described (its ARN, which a
 * permission's SourceArn must match, and whether it is enabled) and its targets listed (a target with a RoleArn
 * invokes with that role's identity policy instead of the function's resource-based policy). Bounded by
 * EVENTBRIDGE_LIMITS; what a bound left out is said, never taken for "no rule".
 */
import {
  DescribeRuleCommand,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import type { CallBudget } from '../../functions/scanner/model';
import { attempt, attemptPages, wasRead, type Read, type ReadFailure } from './reading';

/** How far the rule search reaches. */
export const EVENTBRIDGE_LIMITS = {
  /** Pages of ListEventBuses (100 buses a page). */
  busPages: 2,
  /** Pages of ListRuleNamesByTarget per bus and target ARN (100 rules a page). */
  rulePages: 3,
  /** Rules described and listed, at two calls each. */
  rulesRead: 25,
} as const;

/** One rule's target that is the function (or one of its aliases or versions). */
export interface RuleTarget {
  readonly ruleName: string;
  readonly eventBusName: string;
  /** The ARN the rule targets: the function's, or a qualified one. */
  readonly targetArn: string;
  /** The rule's ARN, as DescribeRule gives it (built from bus and name when DescribeRule failed). */
  readonly ruleArn: string;
  /** The rule's State (ENABLED, DISABLED, ...). */
  readonly state: Read<string | undefined>;
  /** The role the target invokes with; undefined: EventBridge uses the function's resource-based policy. */
  readonly roleArn: Read<string | undefined>;
}

/** What the rule search found, and what it could not read. */
export interface EventBridgeReading {
  readonly targets: readonly RuleTarget[];
  /** Listings that failed, each with what it would have covered. */
  readonly unread: readonly { readonly what: string; readonly failure: ReadFailure }[];
  /** What the bounds left out, in words. */
  readonly leftOut: readonly string[];
}

/** The ARN of a rule, as EventBridge forms it: `rule/<name>` on the default bus, `rule/<bus>/<name>` elsewhere. */
export function ruleArnOf(region: string, accountId: string, eventBusName: string, ruleName: string): string {
  const path = eventBusName === 'default' ? ruleName : `${eventBusName}/${ruleName}`;
  return `arn:aws:events:${region}:${accountId}:rule/${path}`;
}

/** Finds the rules on any of the account's event buses that target any of `targetArns`. */
export async function readRuleTargets(
  events: EventBridgeClient,
  budget: CallBudget,
  where: { readonly region: string; readonly accountId: string },
  targetArns: readonly string[],
): Promise<EventBridgeReading> {
  const unread: { what: string; failure: ReadFailure }[] = [];
  const leftOut: string[] = [];
  const buses = await attemptPages(
    budget,
    'ListEventBuses',
    EVENTBRIDGE_LIMITS.busPages,
    (NextToken) => events.send(new ListEventBusesCommand({ NextToken, Limit: 100 })),
    (page) => ({ items: (page.EventBuses ?? []).map((bus) => bus.Name ?? ''), next: page.NextToken }),
  );
  let busNames = ['default'];
  if (!wasRead(buses)) {
    unread.push({ what: 'rules on event buses other than the default bus', failure: buses });
  } else {
    busNames = [...new Set(['default', ...buses.value.items.filter((name) => name !== '')])];
    if (!buses.value.complete) {
      leftOut.push(`event buses past the first ${EVENTBRIDGE_LIMITS.busPages * 100}`);
    }
  }

  const found = new Map<string, { ruleName: string; eventBusName: string; targetArns: Set<string> }>();
  await Promise.all(
    busNames.flatMap((eventBusName) =>
      targetArns.map(async (targetArn) => {
        const names = await attemptPages(
          budget,
          'ListRuleNamesByTarget',
          EVENTBRIDGE_LIMITS.rulePages,
          (NextToken) =>
            events.send(
              new ListRuleNamesByTargetCommand({
                TargetArn: targetArn,
                EventBusName: eventBusName,
                NextToken,
              }),
            ),
          (page) => ({ items: page.RuleNames ?? [], next: page.NextToken }),
        );
        if (!wasRead(names)) {
          unread.push({
            what: `rules on event bus ${eventBusName} that target ${targetArn}`,
            failure: names,
          });
          return;
        }
        if (!names.value.complete) {
          leftOut.push(
            `rules on event bus ${eventBusName} targeting ${targetArn} past the first ${names.value.items.length}`,
          );
        }
        for (const ruleName of names.value.items) {
          const key = `${eventBusName}\u0000${ruleName}`;
          const entry = found.get(key) ?? { ruleName, eventBusName, targetArns: new Set<string>() };
          entry.targetArns.add(targetArn);
          found.set(key, entry);
        }
      }),
    ),
  );

  const rules = [...found.values()].sort(
    (a, b) => a.eventBusName.localeCompare(b.eventBusName) || a.ruleName.localeCompare(b.ruleName),
  );
  if (rules.length > EVENTBRIDGE_LIMITS.rulesRead) {
    leftOut.push(
      `${rules.length - EVENTBRIDGE_LIMITS.rulesRead} of the ${rules.length} rules that target it (only the first ` +
        `${EVENTBRIDGE_LIMITS.rulesRead} were read)`,
    );
  }
  const targets = await Promise.all(
    rules.slice(0, EVENTBRIDGE_LIMITS.rulesRead).map(async ({ ruleName, eventBusName, targetArns: arns }) => {
      const [described, listed] = await Promise.all([
        attempt(budget, 'DescribeRule', () =>
          events.send(new DescribeRuleCommand({ Name: ruleName, EventBusName: eventBusName })),
        ),
        // A rule has at most five targets: one page.
        attempt(budget, 'ListTargetsByRule', () =>
          events.send(new ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: eventBusName })),
        ),
      ]);
      return [...arns].map((targetArn): RuleTarget => ({
        ruleName,
        eventBusName,
        targetArn,
        ruleArn:
          (wasRead(described) ? described.value.Arn : undefined) ??
          ruleArnOf(where.region, where.accountId, eventBusName, ruleName),
        state: wasRead(described) ? { value: described.value.State } : described,
        roleArn: wasRead(listed)
          ? { value: listed.value.Targets?.find((target) => target.Arn === targetArn)?.RoleArn }
          : listed,
      }));
    }),
  );
  return { targets: targets.flat(), unread, leftOut };
}
