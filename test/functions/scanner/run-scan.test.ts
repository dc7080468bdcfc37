import { GetFunctionCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { RequestBudget } from '../../../functions/scanner/aws/request-budget';
import type { ScanReport } from '../../../functions/scanner/model';
import { RunFailedError, runScan } from '../../../functions/scanner/run-scan';
import { parseSettings } from '../../../functions/scanner/settings';
import { DynamoStateStore } from '../../../functions/scanner/state/state-store';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { fakeFunction, lambdaTime, serveAccount, type FakeFunction } from '../../support/fake-lambda-account';
import { VirtualClock } from '../../support/virtual-clock';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:LambdaSentinel-Alerts`;
const MINUTE = 60_000;

const lambdaMock = mockClient(LambdaClient);
const snsMock = mockClient(SNSClient);
const eventsMock = mockClient(EventBridgeClient);
const cloudwatchMock = mockClient(CloudWatchClient);

function publishedAlerts(): { subject: string; email: string; document: Record<string, unknown> }[] {
  return snsMock.commandCalls(PublishCommand).map((call) => {
    const input = call.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.MessageStructure).toBe('json');
    const message = JSON.parse(input.Message ?? '{}') as { default: string; email: string };
    return { subject: input.Subject ?? '', email: message.email, document: JSON.parse(message.default) };
  });
}

describe('runScan end to end (mocked Lambda and SNS, dynalite state)', () => {
  let dynamo: LocalDynamo;
  let clock: VirtualClock;
  let tableName: string;
  let account: Map<string, FakeFunction>;
  const settings = parseSettings({ alertEmails: 'ops@example.com', renotifyHours: 24 });

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.stop());

  beforeEach(async () => {
    lambdaMock.reset();
    snsMock.reset();
    cloudwatchMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'message-1' });
    cloudwatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    eventsMock.reset();
    eventsMock.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, index) => ({ EventId: `e-${index}` })),
    }));
    clock = new VirtualClock(Date.parse('2030-01-01T12:00:00.000Z'), true);
    tableName = await dynamo.createStateTable();
    const now = clock.now();
    account = new Map([
      ['checkout-api', fakeFunction('checkout-api', now - 3 * MINUTE, {})],
      [
        'vpc-ingest',
        fakeFunction('vpc-ingest', now - 10 * MINUTE, {
          State: 'Pending',
          StateReasonCode: 'Creating',
          StateReason: 'The function is being created.',
        }),
      ],
      [
        'billing-worker',
        fakeFunction('billing-worker', now - 2 * MINUTE, {
          State: 'Failed',
          StateReasonCode: 'KMSKeyAccessDenied',
          StateReason:
            'Lambda was unable to decrypt the environment variables: access to the KMS key was denied.',
        }),
      ],
    ]);
    serveAccount(lambdaMock, account);
  });

  let alertIds = 0;
  function scan(minutesLater = 0, runSettings = settings): Promise<ScanReport> {
    return clock.run(async () => {
      await clock.sleep(minutesLater * MINUTE);
      const budget = new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock });
      return runScan(
        runSettings,
        { accountId: ACCOUNT, region: REGION, topicArn: TOPIC },
        {
          clients: {
            lambda: new LambdaClient({ region: REGION }),
            cloudwatch: new CloudWatchClient({ region: REGION }),
            sns: new SNSClient({ region: REGION }),
            eventbridge: new EventBridgeClient({ region: REGION }),
          },
          stateStore: new DynamoStateStore(dynamo.client, tableName, { clock, budget, renotifyHours: 24 }),
          budget,
          clock,
          log: () => undefined,
          newAlertId: () => `alert-${++alertIds}`,
        },
      );
    });
  }

  test('first run: one e-mail names the stuck and the failed function with guidance and console links', async () => {
    const report = await scan();

    expect(report.findings.map((f) => `${f.kind}:${f.functionName}`).sort()).toEqual([
      'failed-state:billing-worker',
      'stuck-pending:vpc-ingest',
    ]);
    expect(report.errors).toEqual([]);
    expect(report.stats).toMatchObject({ functionsListed: 3, newFindings: 2, alertSent: true });
    expect(report.stats.apiCalls).toMatchObject({ ListFunctions: 1, Publish: 1 });

    const [alert, ...more] = publishedAlerts();
    expect(more).toEqual([]);
    expect(alert?.subject.length).toBeLessThan(100);
    expect(alert?.subject).toContain(ACCOUNT);
    expect(alert?.subject).toContain(REGION);
    expect(alert?.subject).toContain('2 new');
    expect(alert?.email).toContain('vpc-ingest');
    expect(alert?.email).toContain('billing-worker');
    expect(alert?.email).toContain('KMSKeyAccessDenied');
    expect(alert?.email).toMatch(/KMS key/);
    expect(alert?.email).toContain(
      `https://${REGION}.console.aws.amazon.com/lambda/home?region=${REGION}#/functions/billing-worker`,
    );
    expect(alert?.document).toMatchObject({ account: ACCOUNT, region: REGION, counts: { new: 2 } });
  });

  test('the next run sends nothing while the findings are unchanged', async () => {
    await scan();
    const second = await scan(5);

    expect(second.findings).toHaveLength(2);
    expect(second.stats.alertSent).toBe(false);
    expect(publishedAlerts()).toHaveLength(1);
  });

  test('a fixed function is reported once as resolved, then no more', async () => {
    await scan();
    const billing = account.get('billing-worker');
    if (!billing) throw new Error('fixture');
    billing.configuration = { ...billing.configuration, State: 'Active', StateReasonCode: undefined };
    billing.configuration.LastModified = lambdaTime(clock.now() + 4 * MINUTE);

    const fixed = await scan(5);
    await scan(5);

    expect(fixed.stats.resolved).toBe(1);
    const alerts = publishedAlerts();
    expect(alerts).toHaveLength(2);
    expect(alerts[1]?.subject).toContain('1 resolved');
    expect(alerts[1]?.email).toContain('billing-worker');
  });

  test('a still-open finding is sent again only after renotifyHours', async () => {
    await scan();
    for (let run = 0; run < 12 * 23; run += 1) await scan(5); // 23 hours of 5-minute runs
    expect(publishedAlerts()).toHaveLength(1);

    const reminder = await scan(60);
    expect(reminder.stats.reminders).toBe(2);
    expect(publishedAlerts()).toHaveLength(2);
  }, 60_000);

  test('a function restoring longer than pendingMinutes is reported once the sentinel has timed it, and resolves when Active', async () => {
    // Every run reads every function, as the rotation eventually does; the restore's LastModified is a month old.
    const everyRun = parseSettings({ alertEmails: 'ops@example.com', sweepMinutes: 5 });
    const restoring = fakeFunction('nightly-report', clock.now() - 30 * 24 * 60 * MINUTE, {
      State: 'Pending',
      StateReasonCode: 'Restoring',
      StateReason: 'The function is being restored.',
    });
    account.set('nightly-report', restoring);
    const firstSeen = new Date(clock.now()).toISOString();

    const first = await scan(0, everyRun);
    const saved = await new DynamoStateStore(dynamo.client, tableName, { clock }).load();
    const second = await scan(7, everyRun);

    expect(first.findings.map((f) => f.functionName)).not.toContain('nightly-report');
    expect(saved.unsettledFunctions).toContainEqual({
      functionName: 'nightly-report',
      state: 'Pending',
      stateReasonCode: 'Restoring',
      lastUpdateStatus: 'Successful',
      since: firstSeen,
    });
    expect(second.findings.filter((f) => f.functionName === 'nightly-report')).toEqual([
      expect.objectContaining({
        kind: 'stuck-pending',
        severity: 'critical',
        evidence: expect.objectContaining({ phase: 'restore', minutesPendingAtLeast: 7 }),
      }),
    ]);
    const [, alert] = publishedAlerts();
    expect(alert?.subject).toContain('[CRITICAL]');
    expect(alert?.email).toContain(
      `nightly-report has been restoring (Pending after going inactive) for at least 7 minutes, first seen restoring at ${firstSeen}`,
    );
    expect(alert?.email).toContain(`Since: ${firstSeen}`);

    restoring.configuration = { ...restoring.configuration, State: 'Active', StateReasonCode: undefined };
    const third = await scan(5, everyRun);

    expect(third.stats.resolved).toBe(1);
    const resolvedAlert = publishedAlerts()[2];
    expect(resolvedAlert?.subject).toContain('1 resolved');
    expect(resolvedAlert?.email).toMatch(/RESOLVED[\s\S]*stuck-pending on nightly-report/);
    expect(
      (await new DynamoStateStore(dynamo.client, tableName, { clock }).load()).unsettledFunctions ?? [],
    ).not.toContainEqual(expect.objectContaining({ functionName: 'nightly-report' }));
  });

  test('a function deleted mid-scan is recorded and the rest of the run goes on', async () => {
    lambdaMock
      .on(GetFunctionCommand, { FunctionName: 'checkout-api' })
      .rejects(new ResourceNotFoundException({ message: 'Function not found: checkout-api', $metadata: {} }));

    const report = await scan();

    expect(report.errors).toEqual([
      expect.objectContaining({ functionName: 'checkout-api', code: 'ResourceNotFoundException' }),
    ]);
    expect(report.findings).toHaveLength(2);
    expect(publishedAlerts()).toHaveLength(1);
  });

  test('a failed publish fails the run; the retry sends the same alert exactly once', async () => {
    snsMock.on(PublishCommand).rejectsOnce(new Error('SNS is unavailable')).resolves({ MessageId: 'm-2' });

    await expect(scan()).rejects.toBeInstanceOf(RunFailedError);
    const retry = await scan(1);
    await scan(5);

    const alerts = publishedAlerts();
    expect(alerts).toHaveLength(2); // the failed attempt and its one successful retry
    expect(alerts[1]).toEqual(alerts[0]);
    expect(alerts[1]?.subject).toContain('2 new');
    expect(retry.stats.alertSent).toBe(false); // the retry's own findings were already notified
  });

  describe('findings as events', () => {
    const putEntries = () =>
      eventsMock.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

    test('a run with news puts one event per finding and its digest on the default bus, after the e-mail', async () => {
      const report = await scan();

      expect(putEntries().map((entry) => [entry.Source, entry.DetailType, entry.EventBusName])).toEqual([
        ['lambda-sentinel', 'Finding Opened', undefined],
        ['lambda-sentinel', 'Finding Opened', undefined],
        ['lambda-sentinel', 'Run Digest', undefined],
      ]);
      const digest = JSON.parse(putEntries()[2]?.Detail ?? '{}') as { digest: string; alertId: string };
      expect(digest.digest.split('\n')[0]).toBe(
        `Account ${ACCOUNT} in ${REGION}: ${publishedAlerts()[0]?.subject}`,
      );
      expect(report.stats.eventsPut).toBe(3);

      await scan(5); // nothing new: no alert, no event
      expect(putEntries()).toHaveLength(3);
    });

    test('events go to the bus eventBusArn names', async () => {
      const central = 'arn:aws:events:eu-west-1:111122223333:event-bus/sentinel-central';
      await scan(0, parseSettings({ alertEmails: 'ops@example.com', eventBusArn: central }));

      expect(new Set(putEntries().map((entry) => entry.EventBusName))).toEqual(new Set([central]));
    });

    test('when the bus refuses them the e-mail still goes out and the run reports it', async () => {
      eventsMock
        .on(PutEventsCommand)
        .rejects(
          Object.assign(new Error('no resource-based policy allows it'), { name: 'AccessDeniedException' }),
        );

      const report = await scan();

      expect(publishedAlerts()).toHaveLength(1);
      expect(report.stats).toMatchObject({ alertSent: true, eventsPut: 0 });
      expect(report.errors).toEqual([
        expect.objectContaining({ phase: 'notify', source: 'PutEvents', code: 'AccessDeniedException' }),
      ]);
    });

    test('an alert delivered by the retry of a failed run carries its events, put once', async () => {
      snsMock.on(PublishCommand).rejectsOnce(new Error('SNS is unavailable')).resolves({ MessageId: 'm-2' });

      await expect(scan()).rejects.toBeInstanceOf(RunFailedError);
      expect(putEntries()).toEqual([]); // nothing is put for an alert that was not published
      await scan(1);
      await scan(5);

      expect(putEntries().map((entry) => entry.DetailType)).toEqual([
        'Finding Opened',
        'Finding Opened',
        'Run Digest',
      ]);
    });
  });

  test('functions carrying the ignore tag are not reported', async () => {
    const billing = account.get('billing-worker');
    if (!billing) throw new Error('fixture');
    billing.tags = { 'lambda-sentinel:ignore': 'true' };

    const report = await scan();

    expect(report.findings.map((f) => f.functionName)).toEqual(['vpc-ingest']);
    expect(report.stats.functionsIgnored).toBe(1);
    expect(publishedAlerts()[0]?.email).not.toContain('billing-worker');
  });
});
