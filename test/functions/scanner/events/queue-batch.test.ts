import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { RequestBudget } from '../../../../functions/scanner/aws/request-budget';
import {
  MAX_FOLLOW_UPS,
  followUpBody,
  parseFollowUp,
  type FollowUpStop,
} from '../../../../functions/scanner/events/alarm-follow-up';
import { handleQueueBatch, type QueueBatchOutcome } from '../../../../functions/scanner/events/queue-batch';
import { DEFAULT_SETTINGS } from '../../../../functions/scanner/settings';
import { LEASE_WAIT_MS } from '../../../../functions/scanner/state/lease';
import { EXPECTED_FINDINGS, troubledAccount } from '../../../../sim/generators';
import { MemoryStateStore } from '../../../../sim/memory-state-store';
import { SimulatedAccount } from '../../../../sim/simulated-account';
import { simulatedTopicArn } from '../../../../sim/simulated-scan';
import { VirtualClock } from '../../../support/virtual-clock';

const MINUTE = 60_000;
const STARTS_AT = Date.parse('2030-01-15T12:00:00.000Z');
const THROTTLES = 'LambdaSentinel-Sentinel-trigger-throttles';
const hog = EXPECTED_FINDINGS['concurrency-hog'];

// A small account whose hog starts at noon: its victims are throttled from the first minutes on.
const model = troubledAccount(40, ['concurrency-hog'], { observedAt: STARTS_AT, troubleStart: 'now' });
const QUEUE_URL = `https://sqs.${model.region}.amazonaws.com/${model.accountId}/LambdaSentinel-PendingChecks`;
const sqsMock = mockClient(SQSClient);

interface Delivered {
  readonly outcome: QueueBatchOutcome;
  readonly account: SimulatedAccount;
  readonly logs: Readonly<Record<string, unknown>>[];
}

/** Hands `bodies` to the scanner as one batch from the pending-checks queue, `at` a moment of the hog's day. */
async function deliver(
  at: number,
  bodies: readonly string[],
  store = new MemoryStateStore(),
): Promise<Delivered> {
  const clock = new VirtualClock(at);
  const account = new SimulatedAccount(model, { clock });
  const logs: Readonly<Record<string, unknown>>[] = [];
  const outcome = await clock.run(() =>
    handleQueueBatch(
      bodies.map((body, index) => ({ messageId: `message-${index}`, body })),
      DEFAULT_SETTINGS,
      { accountId: model.accountId, region: model.region, topicArn: simulatedTopicArn(model) },
      {
        clients: account.clients(),
        stateStore: store,
        budget: new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock }),
        clock,
        log: (record) => logs.push(record),
        newAlertId: () => `alert-${clock.now()}`,
        sqs: new SQSClient({ region: model.region }),
        queueUrl: QUEUE_URL,
        lease: store,
        leaseRequest: { holder: 'this-invocation', holdMs: 300_000, waitMs: LEASE_WAIT_MS.focused },
      },
    ),
  );
  return { outcome, account, logs };
}

const followUp = (attempt: number) => followUpBody({ alarmName: THROTTLES, attempt, windowLagMinutes: 2 });

function sentFollowUps() {
  return sqsMock.commandCalls(SendMessageCommand).map(({ args: [{ input }] }) => ({
    queueUrl: input.QueueUrl,
    delaySeconds: input.DelaySeconds,
    followUp: parseFollowUp(input.MessageBody ?? ''),
  }));
}

/** The run logged that the throttles alarm's chain ends with it, and why. */
function expectChainStopped(logs: Delivered['logs'], reason: FollowUpStop) {
  expect(logs).toContainEqual(
    expect.objectContaining({ phase: 'follow-up', alarm: THROTTLES, stopped: reason }),
  );
}

describe('handleQueueBatch with alarm follow-ups (simulated account)', () => {
  beforeEach(() => {
    sqsMock.reset();
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'next' });
  });

  it('runs a metric-focused scan for a follow-up and alerts on the hog it finds, asking for no more', async () => {
    const { outcome, account, logs } = await deliver(STARTS_AT + 6 * MINUTE + 5_000, [followUp(2)]);

    const emails = account.usage.published.map((publish) => publish.Message ?? '');
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatch(new RegExp(`\\] concurrency-hog on ${hog.functionName}\\b`));
    expect(outcome.batchItemFailures).toEqual([]);
    expect(outcome.kind).toBe('scan');
    expect(outcome.report.newFindingKinds).toContain('concurrency-hog');
    // Metric-focused: no listing of the account's functions.
    expect(account.usage.apiCalls.ListFunctions ?? 0).toBe(0);
    expect(account.usage.apiCalls.GetMetricData).toBeGreaterThan(0);
    expect(sentFollowUps()).toEqual([]);
    expectChainStopped(logs, 'alarm-answered');
  }, 20_000);

  it('asks for the next follow-up a minute later when the run finds nothing yet', async () => {
    const { outcome, account } = await deliver(STARTS_AT + 30_000, [followUp(1)]);

    expect(account.usage.published).toEqual([]);
    expect(outcome.batchItemFailures).toEqual([]);
    expect(sentFollowUps()).toEqual([
      {
        queueUrl: QUEUE_URL,
        delaySeconds: 60,
        followUp: { alarmName: THROTTLES, attempt: 2, windowLagMinutes: 2 },
      },
    ]);
    expect(outcome.report.stats.apiCalls.SendMessage).toBe(1);
  }, 20_000);

  it('asks for nothing after the last follow-up', async () => {
    const { logs, account } = await deliver(STARTS_AT + 30_000, [followUp(MAX_FOLLOW_UPS)]);

    expect(account.usage.apiCalls.GetMetricData).toBeGreaterThan(0);
    expect(sentFollowUps()).toEqual([]);
    expectChainStopped(logs, 'attempts-used-up');
  }, 20_000);

  it('drops a malformed follow-up without a run and without giving it back', async () => {
    const beyondTheLast = followUp(MAX_FOLLOW_UPS + 1);
    const { outcome, account, logs } = await deliver(STARTS_AT + 6 * MINUTE, [beyondTheLast]);

    expect(outcome.batchItemFailures).toEqual([]);
    expect(account.usage.apiCalls).toEqual({});
    expect(sentFollowUps()).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ phase: 'events', dropped: ['message-0'] }));
  }, 20_000);

  it("gives the follow-up back to the queue when another run keeps the lease past a focused run's wait", async () => {
    const store = new MemoryStateStore();
    await store.tryAcquireLease({
      holder: 'a-scheduled-scan',
      now: STARTS_AT,
      expiresAt: STARTS_AT + 10 * MINUTE,
    });

    const { outcome, account } = await deliver(STARTS_AT + 6 * MINUTE, [followUp(1)], store);

    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(outcome.report.errors).toEqual([expect.objectContaining({ source: 'RunLease' })]);
    expect(outcome.report.errors[0]?.message).toContain(`${LEASE_WAIT_MS.focused / 1000} s`);
    expect(account.usage.apiCalls).toEqual({});
    expect(sentFollowUps()).toEqual([]);
  }, 20_000);

  it('handles a state-change event and a follow-up in one batch, reporting both', async () => {
    const stateChange = JSON.stringify({
      'detail-type': 'Lambda Function State Change',
      time: new Date(STARTS_AT - 30 * MINUTE).toISOString(),
      detail: { functionName: hog.functionName },
    });

    const { outcome, account } = await deliver(STARTS_AT + 6 * MINUTE + 5_000, [stateChange, followUp(1)]);

    expect(outcome.batchItemFailures).toEqual([]);
    expect(outcome.kind).toBe('scan');
    expect(outcome.report.findings.map((finding) => `${finding.kind}:${finding.functionName}`)).toContain(
      `concurrency-hog:${hog.functionName}`,
    );
    // The check read the function once, the follow-up's run read it again before naming it.
    expect(account.usage.apiCalls.GetFunction).toBe(outcome.report.stats.apiCalls.GetFunction);
    expect(outcome.report.stats.functionsChecked).toBeGreaterThanOrEqual(2);
  }, 20_000);
});
