/**
 * A run's findings and actions as EventBridge events (`source: lambda-sentinel`), the integration point for
 * ticketing, paging and chat tools and, in organization mode, how every member's findings reach one central bus.
 * Building them is pure; they are saved with the run's alert and put on the bus when the alert is delivered, so a
 * run's events go out once, with its e-mail.
 *
 * Schema (version EVENT_SCHEMA_VERSION; a field changes meaning or goes away only with a new version). Every
 * detail has `schemaVersion`, `account`, `region`, `sentinel` (the scanner's function name, where known), `runAt`
 * and `alertId`, and:
 * - `Finding Opened` / `Finding Reminder`: `finding` (as the machine-readable alert carries it: fingerprint, kind,
 *   functionName, qualifier, severity, summary, since, firstSeenAt, lastNotifiedAt, evidence, guidance, links);
 *   a reminder of a finding that got worse also has `escalatedFrom`;
 * - `Finding Resolved`: `finding` (fingerprint, kind, functionName, qualifier, severity, summary, since,
 *   firstSeenAt, lastNotifiedAt);
 * - `Remediation Action`: `action` (id, kind, functionName, applied, dryRun, previous, next, mappings, outcome,
 *   error, ...) and `headline`;
 * - `Run Digest`, one per alert: `subject`, `counts` and `digest`, a plain-text message whose first line is
 *   `Account <id> in <region>: <subject>`, then a line per finding and action.
 */
import type { Action } from '../model';
import { actionHeadline } from '../remediate/action-text';
import type { StoredFinding } from '../state/state-model';
import type { AlertPlan, Reminder } from './plan-alert';
import { findingDocument, functionLabel, oneLine, resolvedDocument } from './render-alert';

/** The `source` of every event the sentinel puts. */
export const EVENT_SOURCE = 'lambda-sentinel';

/** Version of the events' detail schema. */
export const EVENT_SCHEMA_VERSION = 1;

/** The detail-types the sentinel puts, one per kind of news. */
export type SentinelEventType =
  'Finding Opened' | 'Finding Reminder' | 'Finding Resolved' | 'Remediation Action' | 'Run Digest';

/** One event, ready for PutEvents. */
export interface SentinelEvent {
  readonly detailType: SentinelEventType;
  /** ISO-8601 time of the run the event reports. */
  readonly time: string;
  /** ARNs the event is about (the function), for rules that match on `resources`. */
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Where and by whom the events are raised. */
export interface EventContext {
  readonly accountId: string;
  readonly region: string;
  /** The scanner's own function name, where known. */
  readonly sentinel?: string;
  /** Epoch milliseconds of the run. */
  readonly now: number;
  readonly alertId: string;
  /** The alert's subject line, which the digest repeats. */
  readonly subject: string;
}

function functionArn(context: EventContext, functionName: string): string {
  return `arn:aws:lambda:${context.region}:${context.accountId}:function:${functionName}`;
}

function findingLine(
  change: 'new' | 'still open' | 'resolved',
  finding: Pick<StoredFinding, 'severity' | 'kind' | 'functionName' | 'qualifier' | 'summary'>,
): string {
  return `- [${finding.severity.toUpperCase()}] ${change}: ${finding.kind} on ${functionLabel(finding)}: ${oneLine(finding.summary)}`;
}

/** The digest's text: the account and region first, then a line per finding and action. */
function digestText(plan: AlertPlan, actions: readonly Action[], context: EventContext): string {
  return [
    `Account ${context.accountId} in ${context.region}: ${context.subject}`,
    '',
    ...plan.newFindings.map((finding) => findingLine('new', finding)),
    ...plan.reminders.map(({ finding }) => findingLine('still open', finding)),
    ...plan.resolved.map((stored) => findingLine('resolved', stored)),
    ...actions.map((action) => `- ${actionHeadline(action)}`),
  ].join('\n');
}

/** Every event one alert's news makes: one per finding and action, and the run's digest. */
export function sentinelEvents(
  plan: AlertPlan,
  actions: readonly Action[],
  context: EventContext,
): SentinelEvent[] {
  const time = new Date(context.now).toISOString();
  const common = {
    schemaVersion: EVENT_SCHEMA_VERSION,
    account: context.accountId,
    region: context.region,
    ...(context.sentinel !== undefined ? { sentinel: context.sentinel } : {}),
    runAt: time,
    alertId: context.alertId,
  };
  const event = (
    detailType: SentinelEventType,
    functionName: string | undefined,
    detail: Record<string, unknown>,
  ): SentinelEvent => ({
    detailType,
    time,
    resources: functionName === undefined ? [] : [functionArn(context, functionName)],
    detail: { ...common, ...detail },
  });
  const reminded = (reminder: Reminder) =>
    event('Finding Reminder', reminder.finding.functionName, {
      finding: findingDocument(reminder.finding, reminder, context.now),
      ...(reminder.escalatedFrom !== undefined ? { escalatedFrom: reminder.escalatedFrom } : {}),
    });
  return [
    ...plan.newFindings.map((finding) =>
      event('Finding Opened', finding.functionName, {
        finding: findingDocument(finding, undefined, context.now),
      }),
    ),
    ...plan.reminders.map(reminded),
    ...plan.resolved.map((stored) =>
      event('Finding Resolved', stored.functionName, { finding: resolvedDocument(stored) }),
    ),
    ...actions.map((action) =>
      event('Remediation Action', action.functionName, { action, headline: actionHeadline(action) }),
    ),
    event('Run Digest', undefined, {
      subject: context.subject,
      counts: {
        new: plan.newFindings.length,
        reminders: plan.reminders.length,
        resolved: plan.resolved.length,
        actions: actions.length,
      },
      digest: digestText(plan, actions, context),
    }),
  ];
}
