import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertPlan } from '../../../../functions/scanner/notify/plan-alert';
import {
  PUT_EVENTS_LIMIT_BYTES,
  batchEntries,
  entrySize,
  putSentinelEvents,
  toEntry,
} from '../../../../functions/scanner/notify/publish-events';
import { sentinelEvents, type SentinelEvent } from '../../../../functions/scanner/notify/sentinel-events';
import { throttleAction } from '../../../support/action-builders';
import { CountingBudget } from '../../../support/fake-cloudwatch';
import { ALERT_NOW, pendingFinding, storedFinding } from '../../../support/finding-builders';

const context = {
  accountId: '123456789012',
  region: 'eu-west-1',
  sentinel: 'LambdaSentinel-Scanner',
  now: ALERT_NOW,
  alertId: 'run-42',
  subject: '[CRITICAL] lambda-sentinel 123456789012 eu-west-1: 1 action, 1 new, 1 reminder, 1 resolved',
};

const plan: AlertPlan = {
  newFindings: [pendingFinding('billing', { severity: 'critical' })],
  reminders: [
    {
      finding: pendingFinding('reports', { severity: 'critical' }),
      previous: storedFinding('reports', 25),
      since: '2026-11-25T10:00:00.000Z',
      escalatedFrom: 'warning',
    },
  ],
  resolved: [storedFinding('legacy', 3)],
  stillOpen: [],
  upsert: [],
  remove: [],
};

const events = sentinelEvents(plan, [throttleAction('order-events', { applied: true })], context);
const ofType = (type: SentinelEvent['detailType']) => events.filter((event) => event.detailType === type);

describe('sentinelEvents', () => {
  it('makes one event per finding and action, and one digest, each with the versioned common fields', () => {
    expect(events.map((event) => event.detailType)).toEqual([
      'Finding Opened',
      'Finding Reminder',
      'Finding Resolved',
      'Remediation Action',
      'Run Digest',
    ]);
    for (const event of events) {
      expect(event.detail).toMatchObject({
        schemaVersion: 1,
        account: '123456789012',
        region: 'eu-west-1',
        sentinel: 'LambdaSentinel-Scanner',
        runAt: new Date(ALERT_NOW).toISOString(),
        alertId: 'run-42',
      });
    }
  });

  it('carries each finding as the machine-readable alert does, names the function as a resource, and says what got worse', () => {
    const [opened] = ofType('Finding Opened');
    expect(opened?.resources).toEqual(['arn:aws:lambda:eu-west-1:123456789012:function:billing']);
    expect(opened?.detail.finding).toMatchObject({
      fingerprint: 'stuck-pending:billing',
      kind: 'stuck-pending',
      severity: 'critical',
      summary: 'billing has been Pending for 42 minutes',
    });
    expect(ofType('Finding Reminder')[0]?.detail).toMatchObject({
      escalatedFrom: 'warning',
      finding: { since: '2026-11-25T10:00:00.000Z' },
    });
    expect(ofType('Remediation Action')[0]?.detail).toMatchObject({
      action: { kind: 'throttle', functionName: 'order-events' },
      headline: 'Throttled order-events: reserved concurrency none -> 0',
    });
  });

  it('writes a digest whose first line names the account and region, then a line per finding and action', () => {
    const [digest] = ofType('Run Digest');
    expect(digest?.resources).toEqual([]);
    expect(digest?.detail.counts).toEqual({ new: 1, reminders: 1, resolved: 1, actions: 1 });
    expect(String(digest?.detail.digest).split('\n')).toEqual([
      `Account 123456789012 in eu-west-1: ${context.subject}`,
      '',
      '- [CRITICAL] new: stuck-pending on billing: billing has been Pending for 42 minutes',
      '- [CRITICAL] still open: stuck-pending on reports: reports has been Pending for 42 minutes',
      '- [WARNING] resolved: stuck-pending on legacy: legacy has been Pending for 42 minutes',
      '- Throttled order-events: reserved concurrency none -> 0',
    ]);
  });
});

describe('putting the events', () => {
  const eventBridge = mockClient(EventBridgeClient);
  beforeEach(() => eventBridge.reset());

  it('puts them on the named bus as source lambda-sentinel, ten at most a call', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, index) => ({ EventId: `e-${index}` })),
    }));
    const many = sentinelEvents(
      { ...plan, newFindings: Array.from({ length: 12 }, (_, index) => pendingFinding(`fn-${index}`)) },
      [],
      context,
    );
    const budget = new CountingBudget();

    const result = await putSentinelEvents(
      new EventBridgeClient({ region: 'eu-west-1' }),
      'arn:aws:events:eu-west-1:111122223333:event-bus/central',
      many,
      budget,
    );

    const calls = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length)).toEqual([10, 5]);
    expect(calls[0]?.[0]).toMatchObject({
      Source: 'lambda-sentinel',
      DetailType: 'Finding Opened',
      EventBusName: 'arn:aws:events:eu-west-1:111122223333:event-bus/central',
    });
    expect(result).toEqual({ put: 15, errors: [] });
    expect(budget.calls).toEqual({ PutEvents: 2 });
  });

  it('returns what EventBridge refused or could not take, and carries on', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'e-1' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' },
          { EventId: 'e-3' },
          { EventId: 'e-4' },
          { EventId: 'e-5' },
        ],
      })
      .rejects(
        Object.assign(new Error('not authorized to perform events:PutEvents'), {
          name: 'AccessDeniedException',
        }),
      );

    const result = await putSentinelEvents(
      new EventBridgeClient({ region: 'eu-west-1' }),
      undefined,
      events,
      new CountingBudget(),
    );

    expect(result.put).toBe(4);
    expect(result.errors).toEqual([
      {
        phase: 'notify',
        source: 'PutEvents',
        code: 'InternalFailure',
        message: 'Finding Reminder refused by the default bus: try again',
      },
    ]);

    const denied = await putSentinelEvents(
      new EventBridgeClient({ region: 'eu-west-1' }),
      undefined,
      events,
      new CountingBudget(),
    );
    expect(denied).toEqual({
      put: 0,
      errors: [
        expect.objectContaining({
          code: 'AccessDeniedException',
          message: '5 events not put on the default bus: not authorized to perform events:PutEvents',
        }),
      ],
    });
  });

  it('slims an event too large for PutEvents, keeping what identifies it', () => {
    const huge = pendingFinding('batch-import', {
      evidence: {
        victims: Array.from(
          { length: 10_000 },
          (_, index) => `victim-${index}: 1,234 throttles in those minutes`,
        ),
      },
    });
    const [opened] = sentinelEvents({ ...plan, newFindings: [huge] }, [], context);
    if (!opened) throw new Error('no event');

    const entry = toEntry(opened, undefined);

    expect(entrySize(entry)).toBeLessThanOrEqual(PUT_EVENTS_LIMIT_BYTES);
    expect(JSON.parse(entry.Detail ?? '{}')).toMatchObject({
      truncated: true,
      finding: { fingerprint: 'stuck-pending:batch-import', guidance: '' },
    });
  });

  it('splits a batch before its entries together pass the size limit', () => {
    const entry = { Source: 'lambda-sentinel', DetailType: 'Run Digest', Detail: 'x'.repeat(100_000) };
    expect(batchEntries([entry, entry, entry]).map((batch) => batch.length)).toEqual([2, 1]);
  });
});
