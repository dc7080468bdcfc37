import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import * as eventBridgeSdk from '@aws-sdk/client-eventbridge';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import * as lambdaSdk from '@aws-sdk/client-lambda';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import * as snsSdk from '@aws-sdk/client-sns';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import * as sqsSdk from '@aws-sdk/client-sqs';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { handler as Handler } from '../../../functions/scanner/index';
import type { ScanReport } from '../../../functions/scanner/model';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { captureLambdaOutput, type LambdaOutput } from '../../support/lambda-output';

const lambdaMock = mockClient(LambdaClient);
const snsMock = mockClient(SNSClient);
const cloudwatchMock = mockClient(CloudWatchClient);
const sqsMock = mockClient(SQSClient);
const eventsMock = mockClient(EventBridgeClient);
const TOPIC = 'arn:aws:sns:eu-west-1:210987654321:LambdaSentinel-Alerts';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/210987654321/LambdaSentinel-PendingChecks';

const context = {
  functionName: 'LambdaSentinel-Scanner',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:210987654321:function:LambdaSentinel-Scanner',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;

/** The values of one of the scanner's metrics that a dashboard of this scanner reads (`Kind` for Findings). */
function dashboardValues(output: LambdaOutput, metricName: string, kind?: string): number[] {
  const dimensions = { Sentinel: context.functionName, ...(kind !== undefined ? { Kind: kind } : {}) };
  return output.metricData({ namespace: 'LambdaSentinel', metricName, dimensions }).map(({ value }) => value);
}

/** Loads the handler afresh, as a cold start with `env` would. */
async function coldStart(env: Record<string, string>): Promise<typeof Handler> {
  Object.assign(process.env, env);
  let handler: typeof Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    // The fresh module registry must still hand out the SDK clients that aws-sdk-client-mock stubbed.
    jest.doMock('@aws-sdk/client-lambda', () => lambdaSdk);
    jest.doMock('@aws-sdk/client-sns', () => snsSdk);
    jest.doMock('@aws-sdk/client-cloudwatch', () => cloudwatchSdk);
    jest.doMock('@aws-sdk/client-sqs', () => sqsSdk);
    jest.doMock('@aws-sdk/client-eventbridge', () => eventBridgeSdk);
    handler = (await import('../../../functions/scanner/index')).handler;
  });
  if (!handler) throw new Error('handler did not load');
  return handler;
}

describe('scanner handler', () => {
  let dynamo: LocalDynamo;
  const saved = { ...process.env };

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.stop());

  beforeEach(() => {
    lambdaMock.reset();
    snsMock.reset();
    cloudwatchMock.reset();
    sqsMock.reset();
    eventsMock.reset();
    cloudwatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    process.env = {
      ...saved,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    };
  });
  afterAll(() => {
    process.env = saved;
  });

  test('scans the account named by its own ARN and alerts through the configured topic', async () => {
    const modified = new Date(Date.now() - 20 * 60_000).toISOString().replace('Z', '+0000');
    lambdaMock.on(ListFunctionsCommand).resolves({
      Functions: [
        {
          FunctionName: 'orders',
          FunctionArn: 'arn:aws:lambda:eu-west-1:210987654321:function:orders',
          LastModified: modified,
        },
      ],
    });
    lambdaMock.on(GetFunctionCommand).resolves({
      Configuration: {
        FunctionName: 'orders',
        LastModified: modified,
        State: 'Failed',
        StateReasonCode: 'EFSMountFailure',
        StateReason: 'mount failed',
      },
      Tags: {},
    });
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    eventsMock
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }, { EventId: 'e-2' }] });
    const handler = await coldStart({
      SENTINEL_SETTINGS: JSON.stringify({ sweepMinutes: 1 }),
      ALERT_TOPIC_ARN: TOPIC,
      STATE_TABLE_NAME: await dynamo.createStateTable(),
    });

    const output = captureLambdaOutput();

    const report = (await handler({}, context)) as ScanReport;

    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => `${f.kind}:${f.functionName}`)).toEqual(['failed-state:orders']);
    const publish = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(publish?.TopicArn).toBe(TOPIC);
    expect(publish?.Subject).toContain('210987654321 eu-west-1');
    expect(JSON.parse(publish?.Message ?? '{}').email).toContain('EFS');
    // The finding and the digest, on the account's default bus.
    expect(
      eventsMock
        .commandCalls(PutEventsCommand)[0]
        ?.args[0].input.Entries?.map((entry) => [entry.DetailType, entry.EventBusName]),
    ).toEqual([
      ['Finding Opened', undefined],
      ['Run Digest', undefined],
    ]);
    // One JSON record per phase, naming the invocation; the notify record names the alert it sent.
    expect(output.logRecords().map((record) => record.phase)).toEqual([
      'lease',
      'collect',
      'detect',
      'decide',
      'notify',
      'persist',
      'report',
    ]);
    expect(output.logRecords().find((record) => record.phase === 'notify')).toMatchObject({
      level: 'INFO',
      function_request_id: context.awsRequestId,
      subject: publish?.Subject,
    });
    expect(dashboardValues(output, 'ScanCompleted')).toEqual([1]);
    expect(dashboardValues(output, 'NewFindings')).toEqual([1]);
    expect(dashboardValues(output, 'Findings', 'failed-state')).toEqual([1]);
    expect(dashboardValues(output, 'Findings', 'concurrency-hog')).toEqual([0]);
  });

  test('a batch from the pending-checks queue runs a focused check and answers with a partial batch response', async () => {
    const created = new Date(Date.now() - 7 * 60_000);
    lambdaMock.on(GetFunctionCommand, { FunctionName: 'vpc-ingest' }).resolves({
      Configuration: {
        FunctionName: 'vpc-ingest',
        LastModified: created.toISOString().replace('Z', '+0000'),
        State: 'Pending',
        StateReasonCode: 'Creating',
      },
      Tags: {},
    });
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-2' });
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'resent' });
    const handler = await coldStart({
      SENTINEL_SETTINGS: JSON.stringify({ pendingMinutes: 6 }),
      ALERT_TOPIC_ARN: TOPIC,
      STATE_TABLE_NAME: await dynamo.createStateTable(),
      PENDING_CHECK_QUEUE_URL: QUEUE_URL,
    });
    const message = (messageId: string, functionName: string, time: Date) => ({
      messageId,
      eventSource: 'aws:sqs',
      body: JSON.stringify({ 'detail-type': 'Lambda Function State Change', time, detail: { functionName } }),
    });
    const event = {
      Records: [message('due', 'vpc-ingest', created), message('later', 'orders', new Date())],
    } as unknown as SQSEvent;
    const output = captureLambdaOutput();

    const response = (await handler(event, context)) as SQSBatchResponse;

    expect(response).toEqual({ batchItemFailures: [] });
    expect(lambdaMock.commandCalls(ListFunctionsCommand)).toHaveLength(0);
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toContain('1 new');
    const resent = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(resent?.QueueUrl).toBe(QUEUE_URL);
    // Six minutes and the 30-second margin after the event, less the (real) milliseconds the test took to get here.
    expect(resent?.DelaySeconds).toBeGreaterThan(380);
    expect(resent?.DelaySeconds).toBeLessThanOrEqual(390);
    expect(dashboardValues(output, 'CheckCompleted')).toEqual([1]);
    expect(dashboardValues(output, 'ScanCompleted')).toEqual([]);
    expect(dashboardValues(output, 'Findings', 'stuck-pending')).toEqual([1]);
  });

  test("a trigger alarm's change into ALARM runs a metric-focused scan whose window ends at the alarm's minute", async () => {
    const handler = await coldStart({
      SENTINEL_SETTINGS: JSON.stringify({}),
      ALERT_TOPIC_ARN: TOPIC,
      STATE_TABLE_NAME: await dynamo.createStateTable(),
    });
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000;
    const alarmEvent = (value: string) => ({
      version: '0',
      id: '4e2f6a0c-0000-4000-8000-000000000001',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '210987654321',
      time: new Date(minute + 90_000).toISOString(),
      region: 'eu-west-1',
      resources: [
        'arn:aws:cloudwatch:eu-west-1:210987654321:alarm:LambdaSentinel-Sentinel-trigger-throttles',
      ],
      detail: {
        alarmName: 'LambdaSentinel-Sentinel-trigger-throttles',
        state: {
          value,
          reason: 'Threshold Crossed: 1 datapoint [412.0] was greater than or equal to the threshold (1.0).',
          reasonData: JSON.stringify({
            version: '1.0',
            period: 60,
            evaluatedDatapoints: [{ timestamp: new Date(minute).toISOString(), sampleCount: 1, value: 412 }],
          }),
          timestamp: new Date(minute + 90_000).toISOString(),
        },
      },
    });

    const output = captureLambdaOutput();

    const report = (await handler(alarmEvent('ALARM'), context)) as ScanReport;

    // No listing and no sweep: the run reads the metrics, ending with the minute the alarm saw.
    expect(report.errors).toEqual([]);
    expect(lambdaMock.commandCalls(ListFunctionsCommand)).toHaveLength(0);
    expect(report.stats.functionsListed).toBe(0);
    const windows = cloudwatchMock.commandCalls(GetMetricDataCommand).map(({ args }) => args[0].input);
    expect(windows.length).toBeGreaterThan(0);
    expect(windows[0]?.EndTime).toEqual(new Date(minute + 60_000));
    // The alarm's run is a scan to the missed-run alarm and the dashboard: its run line and a Findings line per kind.
    expect(dashboardValues(output, 'ScanCompleted')).toEqual([1]);
    expect(output.emfDocuments()).toHaveLength(7);

    // An alarm going back to OK asks for nothing.
    cloudwatchMock.resetHistory();
    const idle = (await handler(alarmEvent('OK'), context)) as ScanReport;
    expect(idle.stats.apiCalls).toEqual({});
    expect(cloudwatchMock.calls()).toHaveLength(0);
    expect(output.emfDocuments()).toHaveLength(7);
  });

  test("an alarm's run that finds nothing asks for a follow-up a minute later, which the queue's batch runs", async () => {
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'follow-up' });
    const handler = await coldStart({
      SENTINEL_SETTINGS: JSON.stringify({}),
      ALERT_TOPIC_ARN: TOPIC,
      STATE_TABLE_NAME: await dynamo.createStateTable(),
      PENDING_CHECK_QUEUE_URL: QUEUE_URL,
    });
    const alarmName = 'LambdaSentinel-Sentinel-trigger-throttles';
    const minute = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000;
    const output = captureLambdaOutput();

    await handler(
      {
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        time: new Date(minute + 90_000).toISOString(),
        detail: {
          alarmName,
          state: {
            value: 'ALARM',
            reasonData: JSON.stringify({
              evaluatedDatapoints: [{ timestamp: new Date(minute).toISOString() }],
            }),
          },
        },
      },
      context,
    );

    const sent = sqsMock.commandCalls(SendMessageCommand).map(({ args: [{ input }] }) => input);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.QueueUrl).toBe(QUEUE_URL);
    expect(sent[0]?.DelaySeconds).toBe(60);
    expect(JSON.parse(sent[0]?.MessageBody ?? '{}')).toEqual({
      sentinelFollowUp: { alarmName, attempt: 1, windowLagMinutes: expect.any(Number) },
    });

    cloudwatchMock.resetHistory();
    sqsMock.resetHistory();
    const response = (await handler(
      { Records: [{ messageId: 'follow-up-1', eventSource: 'aws:sqs', body: sent[0]?.MessageBody }] },
      context,
    )) as SQSBatchResponse;

    expect(response).toEqual({ batchItemFailures: [] });
    expect(lambdaMock.commandCalls(ListFunctionsCommand)).toHaveLength(0);
    expect(cloudwatchMock.commandCalls(GetMetricDataCommand).length).toBeGreaterThan(0);
    const next = sqsMock.commandCalls(SendMessageCommand).map(({ args: [{ input }] }) => input.MessageBody);
    expect(next.map((body) => JSON.parse(body ?? '{}'))).toEqual([
      { sentinelFollowUp: { alarmName, attempt: 2, windowLagMinutes: expect.any(Number) } },
    ]);
    // Both runs count as scans (they judge every metric kind), and each logs what its chain does next.
    expect(dashboardValues(output, 'ScanCompleted')).toEqual([1, 1]);
    expect(
      output
        .logRecords()
        .filter((record) => record.phase === 'follow-up')
        .map((record) => record.next),
    ).toEqual([1, 2]);
  });

  test('a bad environment fails with every problem named and sends no AWS call', async () => {
    const handler = await coldStart({
      SENTINEL_SETTINGS: JSON.stringify({ pendingMinutes: -1 }),
      ALERT_TOPIC_ARN: 'not-an-arn',
      STATE_TABLE_NAME: 'state',
    });

    await expect(handler({}, context)).rejects.toThrow(/ALERT_TOPIC_ARN="not-an-arn".*\n.*pendingMinutes=-1/);
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(snsMock.calls()).toHaveLength(0);
    expect(cloudwatchMock.calls()).toHaveLength(0);
  });
});
