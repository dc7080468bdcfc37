import { SEVERITY_RANK, type Action, type Finding, type Severity } from '../model';
import { actionHeadline, isUndoable, undoCommandLine, type UndoLocation } from '../remediate/action-text';
import type { SkippedRemediation } from '../remediate/decide';
import { type PendingAlert, type StoredFinding, storedSince } from '../state/state-model';
import type { AlertPlan, Reminder } from './plan-alert';

/** SNS rejects a Publish whose subject and message together exceed 256 KiB of UTF-8. */
export const SNS_PUBLISH_LIMIT_BYTES = 262_144;

/** Version of the machine-readable alert document; it changes when a field changes meaning or goes away. */
export const ALERT_SCHEMA_VERSION = 1;

/** Where and when the alert is raised, and the id it is published (at most once) under. */
export interface AlertContext {
  /** The scanned account, named in the subject and the body. */
  readonly accountId: string;
  /** The scanned region, named in the subject and the body. */
  readonly region: string;
  /** Epoch milliseconds of the run. */
  readonly now: number;
  /** Unique per run; becomes PendingAlert.id. */
  readonly alertId: string;
}

/** The run's remediations as the alert reports them. */
export interface AlertRemediation {
  /** Every action of the run: applied, failed, or planned in a dry run. */
  readonly actions: readonly Action[];
  /** Remediations the rails held back; those held back only because their flag is off are not news and left out. */
  readonly skipped: readonly SkippedRemediation[];
  /** Where the state table is, so each undo command works as pasted. */
  readonly undo: UndoLocation;
}

const NO_REMEDIATION: AlertRemediation = { actions: [], skipped: [], undo: {} };

// What a kind of action means for the function's traffic, where the change itself does not say it.
const EFFECTS: Partial<Readonly<Record<Action['kind'], string>>> = {
  'pause-trigger':
    'Lambda stops polling the mappings; nothing is dropped: messages and stream records wait in their queue or ' +
    'stream, within its retention period, and are processed once the mappings are enabled again. Other ' +
    'callers of the function are not held back.',
  lift: 'the function is no longer held to the cap, and has the reserved concurrency it had before it again.',
};

type Section = 'new' | 'reminder' | 'resolved';

/** One finding as the alert shows it, rendered once and reused while the message is fitted to the size limit. */
interface Entry {
  readonly section: Section;
  readonly severity: Severity;
  readonly label: string;
  readonly fingerprint: string;
  readonly text: string;
  readonly document: object;
}

interface Counts {
  readonly new: number;
  readonly reminders: number;
  readonly resolved: number;
  readonly actions: number;
}

const SECTION_RANK: Readonly<Record<Section, number>> = { new: 0, reminder: 1, resolved: 2 };

/**
 * Turns a plan and the run's remediations into the SNS message to publish, or undefined when there is nothing
 * new to say. A run that took (or, in a dry run, planned) any action always alerts, and its actions are never
 * left out to fit the size limit: findings are.
 */
export function renderAlert(
  plan: AlertPlan,
  context: AlertContext,
  remediation: AlertRemediation = NO_REMEDIATION,
): PendingAlert | undefined {
  const counts: Counts = {
    new: plan.newFindings.length,
    reminders: plan.reminders.length,
    resolved: plan.resolved.length,
    actions: remediation.actions.length,
  };
  const announced = remediation.skipped.filter((skip) => skip.announce).length;
  if (counts.new + counts.reminders + counts.resolved + counts.actions + announced === 0) return undefined;

  const subject = renderSubject(plan, counts, announced, remediation, context);
  const entries = rankEntries(plan, context.now);
  const compose = (shown: number): string =>
    composeMessage(entries.slice(0, shown), entries.length - shown, counts, remediation, context);
  const fits = (message: string): boolean =>
    Buffer.byteLength(subject, 'utf8') + Buffer.byteLength(message, 'utf8') < SNS_PUBLISH_LIMIT_BYTES;

  let message = compose(entries.length);
  if (!fits(message)) {
    // The most entries, in rank order, that still fit; the least severe are the ones left out.
    let low = 0;
    let high = entries.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(compose(middle))) low = middle;
      else high = middle - 1;
    }
    message = compose(low);
  }
  return { id: context.alertId, subject, message, createdAt: new Date(context.now).toISOString() };
}

function renderSubject(
  plan: AlertPlan,
  counts: Counts,
  announced: number,
  remediation: AlertRemediation,
  context: AlertContext,
): string {
  const dryRun = remediation.actions.some((action) => action.dryRun);
  const parts = [
    counts.actions > 0 ? plural(counts.actions, dryRun ? 'dry-run action' : 'action') : '',
    counts.new > 0 ? `${counts.new} new` : '',
    counts.reminders > 0 ? plural(counts.reminders, 'reminder') : '',
    counts.resolved > 0 ? `${counts.resolved} resolved` : '',
    announced > 0 ? `${announced} ${announced === 1 ? 'cap stays' : 'caps stay'}` : '',
  ].filter((part) => part !== '');
  const critical = plan.newFindings.some((finding) => finding.severity === 'critical') ? '[CRITICAL] ' : '';
  // SNS requires fewer than 100 characters and no line breaks or control characters.
  return oneLine(
    `${critical}lambda-sentinel ${context.accountId} ${context.region}: ${parts.join(', ')}`,
  ).slice(0, 99);
}

/** Every finding the alert mentions, in the order they are kept when the message must shrink. */
function rankEntries(plan: AlertPlan, now: number): Entry[] {
  const entries = [
    ...plan.newFindings.map((finding) => findingEntry('new', finding, undefined, now)),
    ...plan.reminders.map((reminder) => findingEntry('reminder', reminder.finding, reminder, now)),
    ...plan.resolved.map(resolvedEntry),
  ];
  // Open problems before resolved ones, then the most severe, then new before reminders.
  return entries.sort(
    (a, b) =>
      Number(a.section === 'resolved') - Number(b.section === 'resolved') ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      SECTION_RANK[a.section] - SECTION_RANK[b.section] ||
      a.label.localeCompare(b.label) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
}

/** Why an open finding is in this alert again: it got worse, or it is simply still open. */
function reminderNote(reminder: Reminder): string {
  return reminder.escalatedFrom !== undefined
    ? ` (still open, now ${reminder.finding.severity}; it was ${reminder.escalatedFrom})`
    : ' (still open)';
}

function findingEntry(
  section: Section,
  finding: Finding,
  reminder: Reminder | undefined,
  now: number,
): Entry {
  const label = functionLabel(finding);
  // When the problem began, as the evidence tells; a reminder keeps the earliest any run saw.
  const openSince = reminder?.since ?? finding.since ?? new Date(now).toISOString();
  const lines = [
    `[${finding.severity.toUpperCase()}] ${finding.kind} on ${label}${reminder ? reminderNote(reminder) : ''}`,
    `  ${oneLine(finding.summary)}`,
    `  Since: ${openSince}${ago(openSince, now)}`,
    ...(reminder
      ? [`  Last alerted: ${reminder.previous.lastNotifiedAt}${ago(reminder.previous.lastNotifiedAt, now)}`]
      : []),
    '  Evidence:',
    ...Object.entries(finding.evidence).map(([key, value]) => `    ${key}: ${evidenceValue(value)}`),
    '  What to do:',
    ...finding.guidance.split('\n').map((line) => `    ${line.trimEnd()}`),
    ...(finding.links && finding.links.length > 0
      ? ['  Links:', ...finding.links.map((link) => `    ${oneLine(link.label)}: ${link.url}`)]
      : []),
    `  Fingerprint: ${finding.fingerprint}`,
  ];
  return {
    section,
    severity: finding.severity,
    label,
    fingerprint: finding.fingerprint,
    text: lines.join('\n'),
    document: findingDocument(finding, reminder, now),
  };
}

/**
 * A new or reminded finding as the machine-readable alert and the `Finding Opened` / `Finding Reminder` events
 * carry it.
 */
export function findingDocument(finding: Finding, reminder: Reminder | undefined, now: number): object {
  return {
    fingerprint: finding.fingerprint,
    kind: finding.kind,
    functionName: finding.functionName,
    qualifier: finding.qualifier,
    severity: finding.severity,
    summary: finding.summary,
    since: reminder?.since ?? finding.since ?? new Date(now).toISOString(),
    firstSeenAt: reminder?.previous.firstSeenAt ?? new Date(now).toISOString(),
    lastNotifiedAt: reminder?.previous.lastNotifiedAt,
    evidence: finding.evidence,
    guidance: finding.guidance,
    links: finding.links ?? [],
  };
}

/** A resolved finding as the machine-readable alert and the `Finding Resolved` event carry it. */
export function resolvedDocument(stored: StoredFinding): object {
  return { ...stored, since: storedSince(stored) };
}

function resolvedEntry(stored: StoredFinding): Entry {
  const label = functionLabel(stored);
  const since = storedSince(stored);
  return {
    section: 'resolved',
    severity: stored.severity,
    label,
    fingerprint: stored.fingerprint,
    text: `  - [${stored.severity}] ${stored.kind} on ${label}: ${oneLine(stored.summary)} (open since ${since})`,
    document: resolvedDocument(stored),
  };
}

function composeMessage(
  shown: readonly Entry[],
  hidden: number,
  counts: Counts,
  remediation: AlertRemediation,
  context: AlertContext,
): string {
  const generatedAt = new Date(context.now).toISOString();
  const inSection = (section: Section): Entry[] => shown.filter((entry) => entry.section === section);
  const newEntries = inSection('new');
  const reminderEntries = inSection('reminder');
  const resolvedEntries = inSection('resolved');

  const text = [
    `lambda-sentinel checked the Lambda functions of AWS account ${context.accountId} in ${context.region} at ${generatedAt}.`,
    `${counts.new} new, ${plural(counts.reminders, 'reminder')}, ${counts.resolved} resolved` +
      `${counts.actions > 0 ? `, ${plural(counts.actions, 'action')}` : ''}. Most severe first.`,
    ...actionSections(remediation),
    ...section('NEW FINDINGS', counts.new, textsOf(newEntries), '\n\n'),
    ...section('REMINDERS: STILL OPEN', counts.reminders, textsOf(reminderEntries), '\n\n'),
    ...section('RESOLVED', counts.resolved, textsOf(resolvedEntries), '\n'),
    ...(hidden > 0
      ? [
          '',
          `... and ${hidden} more ${hidden === 1 ? 'finding' : 'findings'} not shown (lowest severity left out first).`,
        ]
      : []),
    '',
    `Alert ${context.alertId}, generated ${generatedAt} by lambda-sentinel.`,
  ].join('\n');

  const document = JSON.stringify({
    schemaVersion: ALERT_SCHEMA_VERSION,
    alertId: context.alertId,
    account: context.accountId,
    region: context.region,
    generatedAt,
    counts,
    truncated: hidden,
    actions: remediation.actions.map((action) => ({
      ...action,
      ...(isUndoable(action) ? { undoCommand: undoCommandLine(action.id, remediation.undo) } : {}),
    })),
    notRemediated: reportedSkips(remediation).map((skip) => ({
      ...skip,
      ...(skip.undoActionId !== undefined
        ? { undoCommand: undoCommandLine(skip.undoActionId, remediation.undo) }
        : {}),
    })),
    new: newEntries.map((entry) => entry.document),
    reminders: reminderEntries.map((entry) => entry.document),
    resolved: resolvedEntries.map((entry) => entry.document),
  });
  // SNS sends `default` to every protocol without a key of its own (email-json, sqs, lambda, https, ...), and
  // counts every copy against the 256 KiB limit: two copies leave room for three times as many findings as six.
  return JSON.stringify({ default: document, email: text });
}

/** The actions taken (or planned, in a dry run) and the remediations the rails held back. */
function actionSections(remediation: AlertRemediation): string[] {
  const { actions } = remediation;
  const skipped = reportedSkips(remediation);
  const title = actions.some((action) => action.dryRun) ? 'ACTIONS (DRY RUN: NOTHING CHANGED)' : 'ACTIONS';
  const actionLines = actions.map((action) =>
    [
      `- ${actionHeadline(action)}`,
      `    Why: ${action.findingKind} [${action.severity}]: ${oneLine(action.reason)}`,
      ...(EFFECTS[action.kind] && (action.applied || action.dryRun)
        ? [`    Effect: ${EFFECTS[action.kind] ?? ''}`]
        : []),
      ...(action.outcome ? [`    Outcome: ${oneLine(action.outcome)}`] : []),
      ...(action.error ? [`    Error: ${oneLine(action.error)}`] : []),
      ...(isUndoable(action) ? [`    Undo: ${undoCommandLine(action.id, remediation.undo)}`] : []),
      ...(action.applied && !isUndoable(action)
        ? ['    Undo: nothing to undo (no setting was changed)']
        : []),
      `    Action id: ${action.id}`,
    ].join('\n'),
  );
  const skippedLines = skipped.map((skip) =>
    [
      `- ${skip.kind} ${skip.functionName} (${skip.findingKind}): not done, ${oneLine(skip.detail)}`,
      ...(skip.undoActionId !== undefined
        ? [`    Undo by hand: ${undoCommandLine(skip.undoActionId, remediation.undo)}`]
        : []),
    ].join('\n'),
  );
  return [
    ...section(title, actions.length, actionLines, '\n\n'),
    ...section('NOT REMEDIATED', skipped.length, skippedLines, '\n'),
  ];
}

function reportedSkips(remediation: AlertRemediation): SkippedRemediation[] {
  return remediation.skipped.filter((skip) => skip.reason !== 'flag-off');
}

function section(title: string, total: number, texts: readonly string[], separator: string): string[] {
  if (total === 0) return [];
  const heading = `${title} (${texts.length < total ? `showing ${texts.length} of ${total}` : total})`;
  return ['', heading, '='.repeat(heading.length), texts.join(separator)];
}

const textsOf = (entries: readonly Entry[]): string[] => entries.map((entry) => entry.text);

/** A finding's function, with its alias or version where it has one: `checkout:live`. */
export function functionLabel(finding: Pick<Finding, 'functionName' | 'qualifier'>): string {
  return finding.qualifier !== undefined
    ? `${finding.functionName}:${finding.qualifier}`
    : finding.functionName;
}

function evidenceValue(value: Finding['evidence'][string]): string {
  if (typeof value === 'string') return oneLine(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value.map(oneLine).join(', ');
}

function ago(isoTime: string, now: number): string {
  const minutes = Math.floor((now - Date.parse(isoTime)) / 60_000);
  if (!Number.isFinite(minutes) || minutes < 0) return '';
  if (minutes < 120) return ` (${plural(minutes, 'minute')} ago)`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? ` (${plural(hours, 'hour')} ago)` : ` (${plural(Math.floor(hours / 24), 'day')} ago)`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Text on one line: control characters (line breaks included) become spaces. */
export function oneLine(value: string): string {
  return value
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}
