import type { Action, Finding } from '../../../../functions/scanner/model';
import { planAlert, type AlertPlan, type Reminder } from '../../../../functions/scanner/notify/plan-alert';
import {
  CHAT_TEXT_LIMIT,
  renderAlert,
  SNS_PUBLISH_LIMIT_BYTES,
  type AlertRemediation,
  type ChatNotification,
} from '../../../../functions/scanner/notify/render-alert';
import type { SkippedRemediation } from '../../../../functions/scanner/remediate/decide';
import type { PendingAlert, StoredFinding } from '../../../../functions/scanner/state/state-model';
import { capAction, liftAction, pauseAction, throttleAction } from '../../../support/action-builders';
import { ALERT_NOW, hoursAgo, pendingFinding, storedFinding } from '../../../support/finding-builders';

const context = { accountId: '123456789012', region: 'eu-west-1', now: ALERT_NOW, alertId: 'run-42' };

function alertPlan(parts: Partial<AlertPlan>): AlertPlan {
  return { newFindings: [], reminders: [], resolved: [], stillOpen: [], upsert: [], remove: [], ...parts };
}

interface AlertDocument {
  schemaVersion: number;
  account: string;
  region: string;
  generatedAt: string;
  counts: { new: number; reminders: number; resolved: number };
  truncated: number;
  new: { functionName: string; severity: string; evidence: Record<string, unknown> }[];
  reminders: { functionName: string; lastNotifiedAt: string; since: string }[];
  resolved: { functionName: string; since: string }[];
}

function decode(alert: PendingAlert): {
  protocols: Record<string, string>;
  text: string;
  document: AlertDocument;
} {
  const protocols = JSON.parse(alert.message) as Record<string, string>;
  return {
    protocols,
    text: protocols.email ?? '',
    document: JSON.parse(protocols.default ?? '{}') as AlertDocument,
  };
}

function render(plan: AlertPlan, remediation?: AlertRemediation): PendingAlert {
  const alert = renderAlert(plan, context, remediation);
  if (!alert) throw new Error('expected an alert');
  return alert;
}

const loop = pendingFinding('orders-api', {
  kind: 'recursive-loop',
  qualifier: 'live',
  severity: 'critical',
  summary: 'Lambda stopped a recursive loop through SQS',
  evidence: { recursiveInvocationsDropped: 1234, loopDetection: true, queues: ['orders', 'retries'] },
  guidance:
    'Find the trigger that sends the function its own output.\nBreak the loop, then set the concurrency back.',
  fingerprint: 'recursive-loop:orders-api:live',
});
/** A reminder of `previous`, since when it was stored as beginning. */
const reminderOf = (finding: Finding, previous: StoredFinding): Reminder => ({
  finding,
  previous,
  since: previous.since ?? previous.firstSeenAt,
});

const mixedPlan = alertPlan({
  newFindings: [pendingFinding('billing'), loop],
  reminders: [reminderOf(pendingFinding('reports'), storedFinding('reports', 25))],
  resolved: [storedFinding('legacy', 3)],
});

describe('renderAlert', () => {
  it('says nothing when no finding is new, due or resolved', () => {
    expect(renderAlert(alertPlan({ stillOpen: [storedFinding('orders-api')] }), context)).toBeUndefined();
  });

  it('names account, region and counts in the subject, marking a new critical finding', () => {
    expect(render(mixedPlan).subject).toBe(
      '[CRITICAL] lambda-sentinel 123456789012 eu-west-1: 2 new, 1 reminder, 1 resolved',
    );
    expect(render(alertPlan({ resolved: [storedFinding('legacy')] })).subject).toBe(
      'lambda-sentinel 123456789012 eu-west-1: 1 resolved',
    );
  });

  it('does not mark the subject critical for a critical reminder alone', () => {
    const alert = render(alertPlan({ reminders: [reminderOf(loop, storedFinding('orders-api', 30))] }));

    expect(alert.subject).toBe('lambda-sentinel 123456789012 eu-west-1: 1 reminder');
  });

  it('keeps the subject under 100 characters and on one line, whatever it is given', () => {
    const many = Array.from({ length: 12345 }, (_, index) =>
      pendingFinding(`fn-${index}`, { severity: 'critical' }),
    );
    const alert = renderAlert(alertPlan({ newFindings: many.slice(0, 20) }), {
      ...context,
      region: 'ap-southeast-7\nX-Injected: yes',
      accountId: '123456789012'.repeat(6),
    });

    expect(alert?.subject.length).toBeLessThan(100);
    expect(alert?.subject).not.toMatch(/\p{Cc}/u);
    expect(alert?.subject.startsWith('[CRITICAL] lambda-sentinel')).toBe(true);
  });

  it('tells the on-call engineer which function, what is wrong, the evidence, what to do and where to look', () => {
    const { text } = decode(render(mixedPlan));

    expect(text).toContain('[CRITICAL] recursive-loop on orders-api:live');
    expect(text).toContain('Lambda stopped a recursive loop through SQS');
    expect(text).toContain('recursiveInvocationsDropped: 1234');
    expect(text).toContain('loopDetection: true');
    expect(text).toContain('queues: orders, retries');
    expect(text).toContain('Since: ' + hoursAgo(0.7) + ' (42 minutes ago)');
    expect(text).toContain(
      '    Find the trigger that sends the function its own output.\n    Break the loop',
    );
    expect(text).toContain(
      'Function in the Lambda console: https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/orders-api',
    );
    expect(text).toContain('account 123456789012 in eu-west-1');
  });

  it('lists the most severe first, then reminders, then one line per resolved finding', () => {
    const { text } = decode(render(mixedPlan));
    const position = (needle: string) => text.indexOf(needle);

    expect(position('on orders-api:live')).toBeLessThan(position('on billing'));
    expect(position('on billing')).toBeLessThan(position('REMINDERS: STILL OPEN (1)'));
    expect(text).toContain(`[WARNING] stuck-pending on reports (still open)`);
    expect(text).toContain(`Last alerted: ${hoursAgo(25)} (25 hours ago)`);
    expect(text).toContain(
      `RESOLVED (1)\n============\n  - [warning] stuck-pending on legacy: legacy has been Pending for 42 minutes (open since ${hoursAgo(27)})`,
    );
  });

  it('says so when an open finding is back because it got worse', () => {
    const worse = pendingFinding('order-events', { severity: 'critical' });
    const escalation = {
      ...mixedPlan,
      newFindings: [],
      resolved: [],
      reminders: [
        {
          finding: worse,
          previous: storedFinding('order-events', 1),
          since: hoursAgo(2),
          escalatedFrom: 'warning' as const,
        },
      ],
    };

    expect(decode(render(escalation)).text).toContain(
      '[CRITICAL] stuck-pending on order-events (still open, now critical; it was warning)',
    );
  });

  it('a reminder a day later still says since when the problem began, though the metric window moved on', () => {
    const dayBefore = ALERT_NOW - 24 * 3_600_000;
    // A metric finding's evidence starts where this run's window starts, 12 minutes before the run.
    const loopSeenAt = (now: number) =>
      pendingFinding('order-events', {
        kind: 'recursive-loop',
        severity: 'critical',
        fingerprint: 'recursive-loop:order-events:runaway',
        since: new Date(now - 12 * 60_000).toISOString(),
      });
    const began = new Date(dayBefore - 12 * 60_000).toISOString();
    const settings = { renotifyHours: 24 };
    const first = planAlert({
      findings: [loopSeenAt(dayBefore)],
      previous: { openFindings: [] },
      isAssessed: () => true,
      now: dayBefore,
      settings,
    });
    const dayLater = planAlert({
      findings: [loopSeenAt(ALERT_NOW)],
      previous: { openFindings: first.upsert },
      isAssessed: () => true,
      now: ALERT_NOW,
      settings,
    });

    const { text, document } = decode(render(dayLater));

    expect(dayLater.reminders).toHaveLength(1);
    expect(text).toContain(`Since: ${began} (24 hours ago)`);
    expect(text).not.toContain('(12 minutes ago)');
    expect(document.reminders[0]?.since).toBe(began);
    // What is saved keeps the beginning too, for the next reminder and the resolved line.
    expect(dayLater.upsert.map((stored) => stored.since)).toEqual([began]);
  });

  it('says since when a resolved problem had lasted, from the earliest time its evidence gave', () => {
    const { text, document } = decode(
      render(alertPlan({ resolved: [storedFinding('legacy', 3, { since: hoursAgo(50) })] })),
    );

    expect(text).toContain(`legacy has been Pending for 42 minutes (open since ${hoursAgo(50)})`);
    expect(document.resolved[0]?.since).toBe(hoursAgo(50));
  });

  it('gives e-mail the text, HTTPS (the chat service) the chat message, every other protocol the JSON document', () => {
    const { protocols, text, document } = decode(render(mixedPlan));

    // SNS delivers `default` to every protocol that has no key of its own: email-json, sqs, lambda, ...
    expect(Object.keys(protocols).sort()).toEqual(['default', 'email', 'https']);
    expect(JSON.parse(protocols.https ?? '{}')).toMatchObject({ version: '1.0', source: 'custom' });
    expect(text).toContain('lambda-sentinel checked the Lambda functions of AWS account 123456789012');
    expect(document).toMatchObject({
      schemaVersion: 1,
      account: '123456789012',
      region: 'eu-west-1',
      generatedAt: new Date(ALERT_NOW).toISOString(),
      counts: { new: 2, reminders: 1, resolved: 1 },
      truncated: 0,
    });
    expect(document.new.map((entry) => entry.functionName)).toEqual(['orders-api', 'billing']);
    expect(document.new[0]?.evidence.recursiveInvocationsDropped).toBe(1234);
    expect(document.reminders[0]?.lastNotifiedAt).toBe(hoursAgo(25));
    expect(document.resolved.map((entry) => entry.functionName)).toEqual(['legacy']);
  });

  it('fits 5,000 findings under the SNS limit by leaving out the least severe, and says how many', () => {
    const severities = ['info', 'warning', 'critical'] as const;
    const findings = Array.from({ length: 5000 }, (_, index) =>
      pendingFinding(`function-${String(index).padStart(4, '0')}`, {
        severity: index % 500 === 0 ? 'critical' : (severities[index % 2] ?? 'info'),
        guidance: 'Check the function in the console and follow the troubleshooting guide. '.repeat(4),
      }),
    );

    const alert = render(alertPlan({ newFindings: findings, resolved: [storedFinding('legacy')] }));
    const { protocols, text, document } = decode(alert);

    const size = Buffer.byteLength(alert.subject) + Buffer.byteLength(alert.message);
    expect(size).toBeLessThan(SNS_PUBLISH_LIMIT_BYTES);
    expect(size).toBeGreaterThan(SNS_PUBLISH_LIMIT_BYTES * 0.95);
    expect(document.truncated).toBeGreaterThan(0);
    expect(document.new.length + document.resolved.length + document.truncated).toBe(5001);
    expect(text).toContain(`... and ${document.truncated} more findings not shown`);
    expect(text).toContain(`NEW FINDINGS (showing ${document.new.length} of 5000)`);
    expect(document.counts.new).toBe(5000);
    expect(document.new.filter((entry) => entry.severity === 'critical')).toHaveLength(10);
    expect(document.new.some((entry) => entry.severity === 'info')).toBe(false);
    expect(alert.subject).toBe('[CRITICAL] lambda-sentinel 123456789012 eu-west-1: 5000 new, 1 resolved');
    // The size above is of all three copies: the chat message is in it, short and still counting every finding.
    expect(Object.keys(protocols).sort()).toEqual(['default', 'email', 'https']);
    const chat = JSON.parse(protocols.https ?? '{}') as ChatNotification;
    expect(chat.content.title).toBe('🔴 lambda-sentinel 123456789012 eu-west-1: 5000 new, 1 resolved');
    expect(chat.content.description.length).toBeLessThanOrEqual(CHAT_TEXT_LIMIT);
    const shownInChat = chat.content.description.split('\n').filter((line) => line.includes(' on `'));
    const note = /… and (\d+) more findings not shown/.exec(chat.content.description);
    expect(shownInChat.length + Number(note?.[1])).toBe(5001);
  });
});

describe('renderAlert: remediation', () => {
  const undo = { tableName: 'LambdaSentinel-StateTable', region: 'eu-west-1' };
  const throttled = throttleAction('order-events', {
    applied: true,
    outcome: 'Lambda confirmed reserved concurrency 0',
  });
  const protectedSkip: SkippedRemediation = {
    kind: 'throttle',
    functionName: 'payments',
    fingerprint: 'recursive-loop:payments:runaway',
    findingKind: 'recursive-loop',
    severity: 'critical',
    reason: 'protected',
    detail: 'it carries the tag lambda-sentinel:protect',
  };
  const remediation = (actions: Action[], skipped: SkippedRemediation[] = []): AlertRemediation => ({
    actions,
    skipped,
    undo,
  });

  it('always alerts for a run that took an action, even with no finding to report', () => {
    const alert = renderAlert(alertPlan({}), context, remediation([throttled]));

    expect(alert?.subject).toBe('lambda-sentinel 123456789012 eu-west-1: 1 action');
  });

  it('lists each action with previous -> new, why, the outcome and the exact undo command', () => {
    const { text, document } = decode(render(mixedPlan, remediation([throttled])));

    expect(text).toContain(
      [
        'ACTIONS (1)',
        '===========',
        '- Throttled order-events: reserved concurrency none -> 0',
        '    Why: recursive-loop [critical]: order-events looks like a runaway loop',
        '    Outcome: Lambda confirmed reserved concurrency 0',
        `    Undo: npx lambda-sentinel undo ${throttled.id} --table LambdaSentinel-StateTable --region eu-west-1`,
        `    Action id: ${throttled.id}`,
      ].join('\n'),
    );
    expect(text.indexOf('ACTIONS (1)')).toBeLessThan(text.indexOf('NEW FINDINGS'));
    expect(document).toMatchObject({
      counts: { actions: 1 },
      actions: [
        {
          id: throttled.id,
          kind: 'throttle',
          functionName: 'order-events',
          applied: true,
          previous: null,
          next: 0,
          undoCommand: `npx lambda-sentinel undo ${throttled.id} --table LambdaSentinel-StateTable --region eu-west-1`,
        },
      ],
    });
  });

  it('lists dry-run actions as "would", with no undo command, and says so in the subject', () => {
    const planned = throttleAction('order-events', { dryRun: true, outcome: 'dry run: nothing was changed' });

    const alert = render(alertPlan({}), remediation([planned]));
    const { text } = decode(alert);

    expect(alert.subject).toBe('lambda-sentinel 123456789012 eu-west-1: 1 dry-run action');
    expect(text).toContain('ACTIONS (DRY RUN: NOTHING CHANGED) (1)');
    expect(text).toContain(
      '- Would throttle order-events: reserved concurrency none -> 0 (dry run: nothing changed)',
    );
    expect(text).not.toContain('npx lambda-sentinel undo');
  });

  it('shows a failed action with its error and no undo command', () => {
    const failed = throttleAction('order-events', {
      errorCode: 'TooManyRequestsException',
      error: 'Lambda was still throttling PutFunctionConcurrency after retries; the next run tries again',
    });

    const { text } = decode(render(alertPlan({}), remediation([failed])));

    expect(text).toContain('- Could not throttle order-events: reserved concurrency none -> 0');
    expect(text).toContain('    Error: Lambda was still throttling PutFunctionConcurrency after retries');
    expect(text).not.toContain('Undo:');
  });

  it('names the remediations the rails held back, but not those whose flag is simply off', () => {
    const flagOff: SkippedRemediation = { ...protectedSkip, functionName: 'reports', reason: 'flag-off' };

    const { text, document } = decode(render(mixedPlan, remediation([throttled], [protectedSkip, flagOff])));

    expect(text).toContain(
      'NOT REMEDIATED (1)\n==================\n- throttle payments (recursive-loop): not done, it carries the tag lambda-sentinel:protect',
    );
    expect(text).not.toContain('throttle reports');
    expect(document).toMatchObject({ notRemediated: [{ functionName: 'payments', reason: 'protected' }] });
  });

  it('does not alert for held-back remediations alone', () => {
    expect(renderAlert(alertPlan({}), context, remediation([], [protectedSkip]))).toBeUndefined();
  });

  it('lists a pause of the triggers with the mappings it disabled, what happens to their messages, and the undo', () => {
    const paused = pauseAction('order-events', ['orders'], {
      applied: true,
      outcome: 'Lambda is pausing the mapping (arn:aws:sqs:eu-west-1:123456789012:orders: Disabling)',
    });

    const { text, document } = decode(render(alertPlan({}), remediation([paused])));

    expect(text).toContain(
      [
        '- Paused the triggers of order-events: event source mapping arn:aws:sqs:eu-west-1:123456789012:orders: enabled -> disabled',
        '    Why: recursive-loop [critical]: order-events looks like a runaway loop',
        '    Effect: Lambda stops polling the mappings; nothing is dropped: messages and stream records wait in ' +
          'their queue or stream, within its retention period, and are processed once the mappings are enabled ' +
          'again. Other callers of the function are not held back.',
        '    Outcome: Lambda is pausing the mapping (arn:aws:sqs:eu-west-1:123456789012:orders: Disabling)',
        `    Undo: npx lambda-sentinel undo ${paused.id} --table LambdaSentinel-StateTable --region eu-west-1`,
      ].join('\n'),
    );
    expect(document).toMatchObject({
      actions: [{ kind: 'pause-trigger', mappings: [{ uuid: 'uuid-orders', stateBefore: 'Enabled' }] }],
    });
  });

  it('lists a lift with the reservation it restored and its undo, and a lift that found the cap changed with why', () => {
    const cap = capAction('image-resizer', 470);
    const lifted = liftAction(cap, {
      applied: true,
      outcome: 'Lambda removed the cap: the function draws from the unreserved pool again',
    });
    const refused = liftAction(capAction('video-encoder', 300), {
      id: 'lift-video-encoder',
      errorCode: 'ChangedSince',
      error: 'its reserved concurrency is now 250, not the cap of 300 that action cap-video-encoder set',
    });

    const { text } = decode(render(alertPlan({}), remediation([lifted, refused])));

    expect(text).toContain(
      [
        '- Lifted the cap on image-resizer: reserved concurrency 470 -> none',
        '    Why: concurrency-hog [info]: no throttles for 60 minutes under the cap of 470',
        '    Effect: the function is no longer held to the cap, and has the reserved concurrency it had before it again.',
        '    Outcome: Lambda removed the cap: the function draws from the unreserved pool again',
      ].join('\n'),
    );
    expect(text).toContain(
      `    Undo: npx lambda-sentinel undo ${lifted.id} --table LambdaSentinel-StateTable --region eu-west-1`,
    );
    expect(text).toContain(
      [
        '- Could not lift the cap on video-encoder: reserved concurrency 300 -> none',
        '    Why: concurrency-hog [info]: no throttles for 60 minutes under the cap of 300',
        '    Error: its reserved concurrency is now 250, not the cap of 300 that action cap-video-encoder set',
        '    Action id: lift-video-encoder',
      ].join('\n'),
    );
  });

  it('says a calm cap stays, with the command that lifts it by hand', () => {
    const stays: SkippedRemediation = {
      kind: 'lift',
      functionName: 'image-resizer',
      fingerprint: 'concurrency-hog:image-resizer',
      findingKind: 'concurrency-hog',
      severity: 'info',
      reason: 'cap-stays',
      detail:
        'image-resizer has gone 60 minutes without a throttle under the cap of 470 that action cap-1 set, but cap-hogs is no longer in remediate: it stays until it is undone by hand',
      undoActionId: 'cap-1',
    };

    const { text, document } = decode(render(mixedPlan, remediation([], [stays])));

    expect(text).toContain(
      [
        '- lift image-resizer (concurrency-hog): not done, image-resizer has gone 60 minutes without a throttle under the cap of 470 that action cap-1 set, but cap-hogs is no longer in remediate: it stays until it is undone by hand',
        '    Undo by hand: npx lambda-sentinel undo cap-1 --table LambdaSentinel-StateTable --region eu-west-1',
      ].join('\n'),
    );
    expect(document).toMatchObject({
      notRemediated: [
        {
          reason: 'cap-stays',
          undoCommand: 'npx lambda-sentinel undo cap-1 --table LambdaSentinel-StateTable --region eu-west-1',
        },
      ],
    });
  });

  it('alerts for a cap that stays the first time it is due, naming it in the subject', () => {
    const stays: SkippedRemediation = {
      kind: 'lift',
      functionName: 'image-resizer',
      fingerprint: 'concurrency-hog:image-resizer',
      findingKind: 'concurrency-hog',
      severity: 'info',
      reason: 'cap-stays',
      detail:
        'image-resizer has gone 60 minutes without a throttle under the cap of 470, but this is a dry run',
      undoActionId: 'cap-1',
    };

    expect(renderAlert(alertPlan({}), context, remediation([], [stays]))).toBeUndefined();
    const alert = render(alertPlan({}), remediation([], [{ ...stays, announce: true }]));
    expect(alert.subject).toBe('lambda-sentinel 123456789012 eu-west-1: 1 cap stays');
    expect(decode(alert).text).toContain(
      '- lift image-resizer (concurrency-hog): not done, image-resizer has gone',
    );
  });
});

describe('renderAlert: the chat message (Amazon Q Developer custom notification)', () => {
  const chatOf = (alert: PendingAlert): ChatNotification =>
    JSON.parse(decode(alert).protocols.https ?? '{}') as ChatNotification;
  const consoleLink = (name: string) =>
    `https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/${name}`;
  const undo = { tableName: 'LambdaSentinel-StateTable', region: 'eu-west-1' };

  it('titles account, region and counts, lists actions then findings most severe first, and gives the undo command', () => {
    const throttled = throttleAction('order-events', { applied: true });
    const chat = chatOf(render(mixedPlan, { actions: [throttled], skipped: [], undo }));

    expect(chat).toEqual({
      version: '1.0',
      source: 'custom',
      id: 'run-42',
      content: {
        textType: 'client-markdown',
        title: '🔴 lambda-sentinel 123456789012 eu-west-1: 1 action, 2 new, 1 reminder, 1 resolved',
        description: [
          '*Actions*',
          '🔧 Throttled order-events: reserved concurrency none -> 0',
          '*Findings*',
          '🔴 *CRITICAL* recursive-loop on `orders-api:live` (new): Lambda stopped a recursive loop through SQS',
          consoleLink('orders-api'),
          '🟠 *WARNING* stuck-pending on `billing` (new): billing has been Pending for 42 minutes',
          consoleLink('billing'),
          '🟠 *WARNING* stuck-pending on `reports` (still open): reports has been Pending for 42 minutes',
          consoleLink('reports'),
          '✅ Resolved: stuck-pending on `legacy` (was warning): legacy has been Pending for 42 minutes',
        ].join('\n'),
        nextSteps: [
          'Undo `order-events`: `npx lambda-sentinel undo 20261126T1430-order-events ' +
            '--table LambdaSentinel-StateTable --region eu-west-1`',
        ],
        keywords: ['123456789012', 'eu-west-1'],
      },
      metadata: {
        summary: 'lambda-sentinel 123456789012 eu-west-1: 1 action, 2 new, 1 reminder, 1 resolved',
        eventType: 'lambda-sentinel-alert',
        relatedResources: ['order-events', 'orders-api', 'billing', 'reports', 'legacy'].map(
          (name) => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`,
        ),
        additionalContext: {
          alertId: 'run-42',
          account: '123456789012',
          region: 'eu-west-1',
          new: '2',
          reminders: '1',
          resolved: '1',
          actions: '1',
        },
      },
    });
  });

  it('marks the title by the worst open finding, and says when a reminder got worse', () => {
    const escalated = reminderOf(loop, storedFinding('orders-api', 30));
    const worse = chatOf(render(alertPlan({ reminders: [{ ...escalated, escalatedFrom: 'warning' }] })));
    expect(worse.content.title).toBe('🔴 lambda-sentinel 123456789012 eu-west-1: 1 reminder');
    expect(worse.content.description).toContain(
      '🔴 *CRITICAL* recursive-loop on `orders-api:live` (still open, now critical; it was warning): ',
    );

    const info = chatOf(render(alertPlan({ newFindings: [pendingFinding('batch', { severity: 'info' })] })));
    expect(info.content.title).toBe('🔵 lambda-sentinel 123456789012 eu-west-1: 1 new');
  });

  it('titles an alert of resolved findings alone with a check mark, and has no next steps without actions', () => {
    const chat = chatOf(render(alertPlan({ resolved: [storedFinding('legacy')] })));

    expect(chat.content.title).toBe('✅ lambda-sentinel 123456789012 eu-west-1: 1 resolved');
    expect(chat.content.description).toBe(
      '*Findings*\n✅ Resolved: stuck-pending on `legacy` (was warning): legacy has been Pending for 42 minutes',
    );
    expect(chat.content).not.toHaveProperty('nextSteps');
  });

  it('says a dry run changed nothing, and offers no undo for what was not done', () => {
    const planned = throttleAction('order-events', { dryRun: true });
    const chat = chatOf(render(alertPlan({}), { actions: [planned], skipped: [], undo }));

    expect(chat.content.title).toBe('🔧 lambda-sentinel 123456789012 eu-west-1: 1 dry-run action');
    expect(chat.content.description).toBe(
      '*Actions (dry run: nothing changed)*\n' +
        '🔧 Would throttle order-events: reserved concurrency none -> 0 (dry run: nothing changed)',
    );
    expect(chat.content).not.toHaveProperty('nextSteps');
  });

  it('keeps text from findings from mentioning the channel, linking, or breaking a code span', () => {
    const hostile = pendingFinding('billing', {
      summary: 'failed: <!channel> see <https://evil.example|here> `rm`',
    });
    const { description } = chatOf(render(alertPlan({ newFindings: [hostile] }))).content;

    expect(description).toContain("failed: ‹!channel> see ‹https://evil.example|here> 'rm'");
    expect(description).not.toMatch(/<|`rm`/);
  });

  it('fits 100 findings in the description by leaving out the least severe, and says how many', () => {
    const severities = ['info', 'warning', 'critical'] as const;
    const findings = Array.from({ length: 100 }, (_, index) =>
      pendingFinding(`function-${String(index).padStart(3, '0')}`, {
        severity: severities[index % 3] ?? 'info',
      }),
    );
    const alert = render(alertPlan({ newFindings: findings }));
    const { description } = chatOf(alert).content;

    expect(description.length).toBeLessThanOrEqual(CHAT_TEXT_LIMIT);
    expect(description.length).toBeGreaterThan(CHAT_TEXT_LIMIT - 250);
    const shown = description.split('\n').filter((line) => line.includes(' on `function-'));
    const note = /… and (\d+) more findings not shown \(least severe left out first\)\.$/.exec(description);
    expect(shown.length + Number(note?.[1])).toBe(100);
    // The most severe first: only criticals, and fewer than the 33 there are, so nothing less severe got in.
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.length).toBeLessThan(33);
    expect(shown.every((line) => line.startsWith('🔴 *CRITICAL*'))).toBe(true);
    // Each finding shown keeps its console link on the next line.
    const lines = description.split('\n');
    const first = lines.indexOf(shown[0] ?? '');
    expect(lines[first + 1]).toMatch(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/lambda\/home/);
    // Related resources are the functions the message shows, not those left out.
    expect(chatOf(alert).metadata.relatedResources).toHaveLength(shown.length);
    // The e-mail and the JSON document, far larger, still carry every finding.
    expect(decode(alert).document.new).toHaveLength(100);
    expect(decode(alert).text).toContain('NEW FINDINGS (100)');
  });

  it('fits the undo commands of many actions in the next steps, counting the rest', () => {
    const actions = Array.from({ length: 60 }, (_, index) =>
      throttleAction(`order-events-${index}`, { applied: true }),
    );
    const chat = chatOf(render(alertPlan({}), { actions, skipped: [], undo }));
    const { nextSteps, description } = chat.content;

    expect((nextSteps ?? []).join('\n').length).toBeLessThanOrEqual(CHAT_TEXT_LIMIT);
    const last = nextSteps?.[nextSteps.length - 1] ?? '';
    expect(last).toMatch(/^… and \d+ more undo commands in the e-mail\.$/);
    expect((nextSteps?.length ?? 0) - 1 + Number(/\d+/.exec(last)?.[0])).toBe(60);
    // The description lists as many actions as fit, counts the rest, and relates only the functions it names.
    expect(description.length).toBeLessThanOrEqual(CHAT_TEXT_LIMIT);
    const listed = description.split('\n').filter((line) => line.startsWith('🔧 Throttled order-events-'));
    expect(description).toContain(`… and ${60 - listed.length} more actions in the e-mail.`);
    expect(chat.metadata.relatedResources).toHaveLength(listed.length);
  });
});
