import { SEVERITY_RANK, type Action, type Finding, type Severity } from '../model';
import { actionHeadline, isUndoable, undoCommandLine, type UndoLocation } from '../remediate/action-text';
import type { SkippedRemediation } from '../remediate/decide';
import { type PendingAlert, type StoredFinding, storedSince } from '../state/state-model';
import type { AlertPlan, Reminder } from './plan-alert';

/** SNS rejects a Publish whose subject and message together exceed 256 KiB of UTF-8. */
export const SNS_PUBLISH_LIMIT_BYTES = 262_144;

/** Version of the machine-readable alert document; it changes when a field changes meaning or goes away. */
export const ALERT_SCHEMA_VERSION = 1;

/**
 * Most characters the chat message's description may hold, and its next steps together. The custom-notification
 * documentation we could read gives no length limit for either field. Slack refuses a section of text longer than
 * 3,000 characters, the strictest limit we know of the two chat applications, so a text within it is shown whole
 * however the service lays it out.
 */
export const CHAT_TEXT_LIMIT = 3_000;

/** Most characters of the chat message's title (one line). */
export const CHAT_TITLE_LIMIT = 250;

/** The `eventType` of the chat message, for Amazon Q Developer custom actions that match on it. */
export const CHAT_EVENT_TYPE = 'lambda-sentinel-alert';

/**
 * The alert as Amazon Q Developer in chat applications (formerly AWS Chatbot) shows it in Slack or Microsoft Teams:
 * its custom-notification format. AWS's documentation of the format confirms the fields used here, that `version`
 * must be `1.0` and `source` must be `custom`, that `client-markdown` is the only text type (written in the chat
 * application's own markdown, emoji included), and that a custom notification reaches a channel through an SNS topic
 * the channel is configured with. It does not say with which protocol the service subscribes to the topic. We assume
 * HTTPS, the protocol of the subscriptions it is seen to create, and so publish this message under the SNS message's
 * `https` key; were it another protocol, the channel would be handed the `default` JSON document instead.
 */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  /** The alert id, unique per run. */
  readonly id: string;
  readonly content: {
    /** The only text type the format has: written in the chat application's own markdown. */
    readonly textType: 'client-markdown';
    /** Account, region and counts, on one line. */
    readonly title: string;
    /** The actions, then the findings, the most severe first, each with its console link. */
    readonly description: string;
    /** The undo commands of the run's actions, where there are any. */
    readonly nextSteps?: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    /** The title without its mark, for previews. */
    readonly summary: string;
    readonly eventType: string;
    /** The ARNs of the functions the message names. */
    readonly relatedResources: readonly string[];
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

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
  /** The function the entry is about (without qualifier). */
  readonly functionName: string;
  readonly fingerprint: string;
  readonly text: string;
  readonly document: object;
  /** The entry's lines in the chat message: what and where, then its first console link. */
  readonly chat: string;
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

  const parts = headlineParts(counts, announced, remediation);
  const critical = plan.newFindings.some((finding) => finding.severity === 'critical') ? '[CRITICAL] ' : '';
  // SNS requires fewer than 100 characters and no line breaks or control characters.
  const subject = oneLine(
    `${critical}lambda-sentinel ${context.accountId} ${context.region}: ${parts.join(', ')}`,
  ).slice(0, 99);
  const entries = rankEntries(plan, context.now);
  const chat = JSON.stringify(renderChat(plan, parts, entries, counts, remediation, context));
  const compose = (shown: number): string =>
    composeMessage(entries.slice(0, shown), entries.length - shown, counts, remediation, context, chat);
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

/** What the alert brings, as the subject and the chat title count it: `1 action, 2 new, 1 reminder`. */
function headlineParts(counts: Counts, announced: number, remediation: AlertRemediation): string[] {
  const dryRun = remediation.actions.some((action) => action.dryRun);
  return [
    counts.actions > 0 ? plural(counts.actions, dryRun ? 'dry-run action' : 'action') : '',
    counts.new > 0 ? `${counts.new} new` : '',
    counts.reminders > 0 ? plural(counts.reminders, 'reminder') : '',
    counts.resolved > 0 ? `${counts.resolved} resolved` : '',
    announced > 0 ? `${announced} ${announced === 1 ? 'cap stays' : 'caps stay'}` : '',
  ].filter((part) => part !== '');
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
  const change =
    reminder === undefined
      ? 'new'
      : reminder.escalatedFrom !== undefined
        ? `still open, now ${finding.severity}; it was ${reminder.escalatedFrom}`
        : 'still open';
  return {
    section,
    severity: finding.severity,
    label,
    functionName: finding.functionName,
    fingerprint: finding.fingerprint,
    text: lines.join('\n'),
    document: findingDocument(finding, reminder, now),
    chat: chatLines(
      `${SEVERITY_MARKS[finding.severity]} *${finding.severity.toUpperCase()}* ${finding.kind} on \`${label}\` ` +
        `(${change}): ${chatText(finding.summary)}`,
      finding.links,
    ),
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
    functionName: stored.functionName,
    fingerprint: stored.fingerprint,
    text: `  - [${stored.severity}] ${stored.kind} on ${label}: ${oneLine(stored.summary)} (open since ${since})`,
    document: resolvedDocument(stored),
    chat: `${RESOLVED_MARK} Resolved: ${stored.kind} on \`${label}\` (was ${stored.severity}): ${chatText(stored.summary)}`,
  };
}

function composeMessage(
  shown: readonly Entry[],
  hidden: number,
  counts: Counts,
  remediation: AlertRemediation,
  context: AlertContext,
  chat: string,
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
  // SNS sends `default` to every protocol without a key of its own (email-json, sqs, lambda, ...), and counts every
  // copy against the 256 KiB limit: two full copies leave room for three times as many findings as six. The chat
  // message is a third, bounded copy (CHAT_TEXT_LIMIT) that every HTTPS subscription receives: the chat service's (see
  // ChatNotification), and any HTTPS endpoint of one's own, which reads the JSON document from the events instead.
  return JSON.stringify({ default: document, email: text, https: chat });
}

// Unicode rather than Slack's :shortcodes:, which Microsoft Teams would show as text.
const SEVERITY_MARKS: Readonly<Record<Severity, string>> = { critical: '🔴', warning: '🟠', info: '🔵' };
const RESOLVED_MARK = '✅';
const ACTION_MARK = '🔧';

/**
 * Text from a finding or the AWS API, safe in either chat application's markdown: on one line, with no `<` (Slack reads
 * `<!channel>` and `<url|text>` as a mention or a link; `->` stays) and no backtick (it would end a code span).
 */
function chatText(value: string): string {
  return oneLine(value).replace(/</g, '‹').replace(/`/g, "'");
}

/** A finding's chat line and, below it, its first console link (the function's page), bare so both apps link it. */
function chatLines(line: string, links: readonly { readonly url: string }[] | undefined): string {
  const link = links?.[0]?.url;
  return link !== undefined ? `${line}\n${link}` : line;
}

/** The longest prefix of `items` whose lines, with the note `more(left)` on what is left, fit in `budget`. */
function fitLines(
  items: readonly string[],
  budget: number,
  more: (left: number) => string,
): { lines: string[]; left: number } {
  // Characters of the first n items joined by line breaks, for every n: one pass, however many findings there are.
  const prefix = [0];
  items.forEach((item, index) => prefix.push((prefix[index] ?? 0) + item.length + (index > 0 ? 1 : 0)));
  for (let shown = items.length; shown >= 0; shown--) {
    const left = items.length - shown;
    const note = left > 0 ? more(left) : undefined;
    const size = (prefix[shown] ?? 0) + (note === undefined ? 0 : note.length + (shown > 0 ? 1 : 0));
    if (size <= budget)
      return { lines: [...items.slice(0, shown), ...(note === undefined ? [] : [note])], left };
  }
  return { lines: [], left: items.length };
}

/**
 * The chat message: a title naming account, region and counts; the actions and then the findings, the most severe
 * first, each with its console link, within CHAT_TEXT_LIMIT (the least severe are left out first, and counted); and
 * the undo commands as next steps.
 */
function renderChat(
  plan: AlertPlan,
  parts: readonly string[],
  entries: readonly Entry[],
  counts: Counts,
  remediation: AlertRemediation,
  context: AlertContext,
): ChatNotification {
  const open = [...plan.newFindings, ...plan.reminders.map((reminder) => reminder.finding)];
  const worst = open
    .map((finding) => finding.severity)
    .sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b])[0];
  const mark =
    worst !== undefined
      ? SEVERITY_MARKS[worst]
      : remediation.actions.length > 0
        ? ACTION_MARK
        : RESOLVED_MARK;
  const headline = oneLine(`lambda-sentinel ${context.accountId} ${context.region}: ${parts.join(', ')}`);

  const skipped = reportedSkips(remediation);
  const dryRun = remediation.actions.some((action) => action.dryRun);
  const actionItems = [
    ...remediation.actions.map((action) => ({
      functionName: action.functionName,
      line: `${ACTION_MARK} ${chatText(actionHeadline(action))}`,
    })),
    ...skipped.map((skip) => ({
      functionName: skip.functionName,
      line: `⏸ Not done: ${skip.kind} \`${skip.functionName}\` (${skip.findingKind}): ${chatText(skip.detail)}`,
    })),
  ];
  const actionHeading =
    actionItems.length > 0 ? [dryRun ? '*Actions (dry run: nothing changed)*' : '*Actions*'] : [];
  // Actions come first and are left out only when they alone would not fit; findings share what they leave.
  const actions = fitLines(
    actionItems.map((item) => item.line),
    CHAT_TEXT_LIMIT - (actionHeading[0]?.length ?? 0) - 1,
    (left) => `… and ${plural(left, 'more action')} in the e-mail.`,
  );
  const actionBlock = [...actionHeading, ...actions.lines];
  const findingHeading = entries.length > 0 ? ['*Findings*'] : [];
  const used = [...actionBlock, ...findingHeading].join('\n').length + 1;
  const findings = fitLines(
    entries.map((entry) => entry.chat),
    CHAT_TEXT_LIMIT - used,
    (left) =>
      `… and ${left} more ${left === 1 ? 'finding' : 'findings'} not shown (least severe left out first).`,
  );
  const description = [
    ...actionBlock,
    ...(findings.lines.length > 0 ? [...findingHeading, ...findings.lines] : []),
  ]
    .join('\n')
    .slice(0, CHAT_TEXT_LIMIT);

  const undoSteps = [
    ...remediation.actions
      .filter(isUndoable)
      .map(
        (action) => `Undo \`${action.functionName}\`: \`${undoCommandLine(action.id, remediation.undo)}\``,
      ),
    ...skipped.flatMap((skip) =>
      skip.undoActionId !== undefined
        ? [
            `Undo by hand \`${skip.functionName}\`: \`${undoCommandLine(skip.undoActionId, remediation.undo)}\``,
          ]
        : [],
    ),
  ];
  const nextSteps = fitLines(
    undoSteps,
    CHAT_TEXT_LIMIT,
    (left) => `… and ${plural(left, 'more undo command')} in the e-mail.`,
  ).lines;

  // The functions the message names, as it shows them: the actions first, then the findings.
  const shownFunctions = [
    ...actionItems.slice(0, actionItems.length - actions.left),
    ...entries.slice(0, entries.length - findings.left),
  ].map((shown) => shown.functionName);
  return {
    version: '1.0',
    source: 'custom',
    id: context.alertId,
    content: {
      textType: 'client-markdown',
      title: `${mark} ${headline}`.slice(0, CHAT_TITLE_LIMIT),
      description,
      ...(nextSteps.length > 0 ? { nextSteps } : {}),
      keywords: [context.accountId, context.region],
    },
    // No threadId: each alert is news, to be seen in the channel rather than folded into an earlier alert's thread.
    metadata: {
      summary: headline.slice(0, CHAT_TITLE_LIMIT),
      eventType: CHAT_EVENT_TYPE,
      relatedResources: [...new Set(shownFunctions)].map(
        (functionName) => `arn:aws:lambda:${context.region}:${context.accountId}:function:${functionName}`,
      ),
      additionalContext: {
        alertId: context.alertId,
        account: context.accountId,
        region: context.region,
        new: String(counts.new),
        reminders: String(counts.reminders),
        resolved: String(counts.resolved),
        actions: String(counts.actions),
      },
    },
  };
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
