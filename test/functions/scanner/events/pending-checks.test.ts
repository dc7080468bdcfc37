import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { RequestBudget } from '../../../../functions/scanner/aws/request-budget';
import {
  checkPendingRecords,
  isSqsEvent,
  type PendingCheckOutcome,
} from '../../../../functions/scanner/events/pending-checks';
import { RunFailedError, runScan, type ScanDependencies } from '../../../../functions/scanner/run-scan';
import { parseSettings } from '../../../../functions/scanner/settings';
import { withLease } from '../../../../functions/scanner/state/lease';
import { DynamoStateStore } from '../../../../functions/scanner/state/state-store';
import { startDynalite, type LocalDynamo } from '../../../support/dynalite';
import {
  FAKE_ACCOUNT,
  fakeFunction,
  serveAccount,
  type FakeFunction,
} from '../../../support/fake-lambda-account';
import { VirtualClock } from '../../../support/virtual-clock';

const { accountId, region } = FAKE_ACCOUNT;
const TOPIC = `arn:aws:sns:${region}:${accountId}:LambdaSentinel-Alerts`;
const QUEUE_URL = `https://sqs.${region}.amazonaws.com/${accountId}/LambdaSentinel-PendingChecks`;
const TARGET = { accountId, region, topicArn: TOPIC };
const MINUTE = 60_000;

const lambdaMock = mockClient(LambdaClient);
const snsMock = mockClient(SNSClient);
const sqsMock = mockClient(SQSClient);
const cloudwatchMock = mockClient(CloudWatchClient);

/** The EventBridge event Lambda sends when `functionName` changes state, as the queue delivers it. */
function stateChangeBody(functionName: string, changedAt: number, state = 'Pending'): string {
  return JSON.stringify({
    version: '0',
    id: `event-${functionName}-${changedAt}`,
    'detail-type': 'Lambda Function State Change',
    source: 'aws.lambda',
    account: accountId,
    time: new Date(changedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:lambda:${region}:${accountId}:function:${functionName}`],
    detail: { functionName, state },
  });
}

function publishedEmails(): { subject: string; email: string }[] {
  return snsMock.commandCalls(PublishCommand).map(({ args: [{ input }] }) => ({
    subject: input.Subject ?? '',
    email: (JSON.parse(input.Message ?? '{}') as { email: string }).email,
  }));
}

function checkedFunctionNames(): (string | undefined)[] {
  return lambdaMock.commandCalls(GetFunctionCommand).map(({ args: [{ input }] }) => input.FunctionName);
}

describe('checkPendingRecords (mocked Lambda, SNS and SQS; dynalite state; virtual clock)', () => {
  const settings = parseSettings({ alertEmails: 'ops@example.com', pendingMinutes: 6 });
  let dynamo: LocalDynamo;
  let clock: VirtualClock;
  let tableName: string;
  let account: Map<string, FakeFunction>;
  let created: number;
  let runs = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.stop());

  beforeEach(async () => {
    lambdaMock.reset();
    snsMock.reset();
    sqsMock.reset();
    cloudwatchMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'message-1' });
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'resent-1' });
    cloudwatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    clock = new VirtualClock(Date.parse('2030-01-01T12:00:00.000Z'), true);
    tableName = await dynamo.createStateTable();
    created = clock.now() - 7 * MINUTE;
    account = new Map([
      ['vpc-ingest', fakeFunction('vpc-ingest', created, { State: 'Pending', StateReasonCode: 'Creating' })],
      ['checkout-api', fakeFunction('checkout-api', clock.now() - 60 * MINUTE, {})],
    ]);
    serveAccount(lambdaMock, account);
  });

  /** One run's dependencies, as the handler builds them for each invocation. */
  function dependencies(): ScanDependencies & { stateStore: DynamoStateStore } {
    const budget = new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock });
    return {
      clients: {
        lambda: new LambdaClient({ region }),
        cloudwatch: new CloudWatchClient({ region }),
        sns: new SNSClient({ region }),
      },
      stateStore: new DynamoStateStore(dynamo.client, tableName, { clock, budget }),
      budget,
      clock,
      log: () => undefined,
      newAlertId: () => `alert-${++runs}`,
    };
  }

  function check(bodies: readonly string[]): Promise<PendingCheckOutcome> {
    const deps = dependencies();
    return checkPendingRecords(
      bodies.map((body, index) => ({ messageId: `message-${index + 1}`, body })),
      settings,
      TARGET,
      {
        ...deps,
        sqs: new SQSClient({ region }),
        queueUrl: QUEUE_URL,
        lease: deps.stateStore,
        leaseRequest: { holder: `check-${++runs}`, holdMs: 5 * MINUTE },
      },
    );
  }

  function scheduledScan() {
    const deps = dependencies();
    return withLease(deps.stateStore, { holder: `scan-${++runs}`, holdMs: 5 * MINUTE, clock }, () =>
      runScan(settings, TARGET, deps),
    );
  }

  test('a Pending event come due: GetFunction of that function only, a stuck-pending finding, one e-mail', async () => {
    const outcome = await clock.run(() => check([stateChangeBody('vpc-ingest', created)]));

    expect(outcome.batchItemFailures).toEqual([]);
    expect(checkedFunctionNames()).toEqual(['vpc-ingest']);
    expect(lambdaMock.commandCalls(ListFunctionsCommand)).toHaveLength(0);
    expect(cloudwatchMock.calls()).toHaveLength(0);
    expect(outcome.report.findings.map((f) => `${f.kind}:${f.functionName}`)).toEqual([
      'stuck-pending:vpc-ingest',
    ]);
    const [email, ...more] = publishedEmails();
    expect(more).toEqual([]);
    expect(email?.subject).toContain('1 new');
    expect(email?.email).toContain('vpc-ingest has been Pending for 7 minutes');
    expect(outcome.report.stats).toMatchObject({ functionsChecked: 1, newFindings: 1, alertSent: true });
  });

  test('a function that turned Active before its check: no finding, no e-mail', async () => {
    const fn = account.get('vpc-ingest');
    if (!fn) throw new Error('fixture');
    fn.configuration = { ...fn.configuration, State: 'Active', StateReasonCode: undefined };

    const outcome = await clock.run(() => check([stateChangeBody('vpc-ingest', created)]));

    expect(checkedFunctionNames()).toEqual(['vpc-ingest']);
    expect(outcome.report.findings).toEqual([]);
    expect(outcome.batchItemFailures).toEqual([]);
    expect(publishedEmails()).toEqual([]);
  });

  test('an event not yet due goes back to the queue with the delay still to run, and nothing is checked', async () => {
    const body = stateChangeBody('vpc-ingest', clock.now() - 2 * MINUTE);

    const outcome = await clock.run(() => check([body]));

    expect(outcome.batchItemFailures).toEqual([]);
    expect(sqsMock.commandCalls(SendMessageCommand).map(({ args: [{ input }] }) => input)).toEqual([
      { QueueUrl: QUEUE_URL, MessageBody: body, DelaySeconds: 4 * 60 + 30 },
    ]);
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(publishedEmails()).toEqual([]);
    expect(outcome.report.stats.apiCalls).toEqual({ SendMessage: 1 });
  });

  test('an event whose function is gone: no finding, no failure, no error', async () => {
    const outcome = await clock.run(() => check([stateChangeBody('deleted-job', created, 'Deleting')]));

    expect(checkedFunctionNames()).toEqual(['deleted-job']);
    expect(outcome.batchItemFailures).toEqual([]);
    expect(outcome.report.findings).toEqual([]);
    expect(outcome.report.errors).toEqual([]);
    expect(publishedEmails()).toEqual([]);
  });

  test('a message that names no function is dropped, not returned to the queue', async () => {
    const outcome = await clock.run(() => check(['{"detail-type":"Scheduled Event","detail":{}}']));

    expect(outcome.batchItemFailures).toEqual([]);
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  test('several events for one function are one GetFunction', async () => {
    await clock.run(() =>
      check([
        stateChangeBody('vpc-ingest', created),
        stateChangeBody('vpc-ingest', created + 1_000, 'Pending'),
      ]),
    );

    expect(checkedFunctionNames()).toEqual(['vpc-ingest']);
  });

  test('leaves lastRunAt to the scheduled scan, and puts the unsettled function on its watch list', async () => {
    account.delete('vpc-ingest');
    await clock.run(scheduledScan);
    const scannedAt = new Date(clock.now()).toISOString();
    const pending = fakeFunction('vpc-ingest', clock.now(), {
      State: 'Pending',
      StateReasonCode: 'Creating',
    });
    account.set('vpc-ingest', pending);

    await clock.run(async () => {
      await clock.sleep(7 * MINUTE);
      return check([stateChangeBody('vpc-ingest', clock.now() - 7 * MINUTE)]);
    });

    const state = await new DynamoStateStore(dynamo.client, tableName, { clock }).load();
    expect(state.lastRunAt).toBe(scannedAt);
    expect(state.watchedFunctions).toEqual(['vpc-ingest']);
    expect(state.openFindings.map((stored) => stored.functionName)).toEqual(['vpc-ingest']);
  });

  describe('never two alerts for one finding', () => {
    test('the focused check alerts first; the scheduled scan after it says nothing', async () => {
      await clock.run(() => check([stateChangeBody('vpc-ingest', created)]));
      const scan = await clock.run(async () => {
        await clock.sleep(MINUTE);
        return scheduledScan();
      });

      expect(scan.findings.map((f) => f.functionName)).toEqual(['vpc-ingest']);
      expect(scan.stats.alertSent).toBe(false);
      expect(publishedEmails()).toHaveLength(1);
    });

    test('the scheduled scan alerts first; the focused check after it says nothing', async () => {
      await clock.run(scheduledScan);
      const outcome = await clock.run(async () => {
        await clock.sleep(MINUTE);
        return check([stateChangeBody('vpc-ingest', created)]);
      });

      expect(outcome.report.findings.map((f) => f.functionName)).toEqual(['vpc-ingest']);
      expect(outcome.report.stats.alertSent).toBe(false);
      expect(publishedEmails()).toHaveLength(1);
    });

    test('both at the same moment: the lease makes one wait for the other, and one e-mail goes out', async () => {
      const [scan, outcome] = await clock.run(() =>
        Promise.all([scheduledScan(), check([stateChangeBody('vpc-ingest', created)])]),
      );

      expect(scan.stats.newFindings + outcome.report.stats.newFindings).toBe(1);
      expect(publishedEmails()).toHaveLength(1);
    });
  });

  test('without the lease after a minute of waiting, the due records go back to SQS and nothing is checked', async () => {
    const store = new DynamoStateStore(dynamo.client, tableName, { clock });
    await store.tryAcquireLease({
      holder: 'long-scan',
      now: clock.now(),
      expiresAt: clock.now() + 5 * MINUTE,
    });
    const startedAt = clock.now();
    const notYetDue = stateChangeBody('checkout-api', clock.now() - MINUTE, 'Active');

    const outcome = await clock.run(() => check([stateChangeBody('vpc-ingest', created), notYetDue]));

    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    expect(clock.now() - startedAt).toBeGreaterThanOrEqual(MINUTE);
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(outcome.report.errors.map((error) => error.code)).toEqual(['LeaseUnavailableError']);
    // The not-yet-due record is re-sent, its delay counted from when it was sent.
    expect(sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.DelaySeconds).toBe(4 * 60 + 30);
  });

  test('a check whose alert cannot be published fails the whole batch, re-sending nothing', async () => {
    snsMock.on(PublishCommand).rejects(new Error('SNS is unavailable'));
    const notYetDue = stateChangeBody('checkout-api', clock.now() - MINUTE, 'Active');

    const outcome = clock.run(() => check([stateChangeBody('vpc-ingest', created), notYetDue]));

    await expect(outcome).rejects.toBeInstanceOf(RunFailedError);
    expect(sqsMock.calls()).toHaveLength(0);
  });
});

describe('isSqsEvent', () => {
  test('tells a batch from the pending-checks queue from the schedule’s event', () => {
    const record = { messageId: 'm-1', body: '{}', eventSource: 'aws:sqs' };

    expect(isSqsEvent({ Records: [record] })).toBe(true);
    expect(isSqsEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} })).toBe(false);
    expect(isSqsEvent({ Records: [{ ...record, eventSource: 'aws:kinesis' }] })).toBe(false);
    expect(isSqsEvent({})).toBe(false);
  });
});
