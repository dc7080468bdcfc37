import * as cloudwatchSdk from '@aws-sdk/client-cloudwatch';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import * as lambdaSdk from '@aws-sdk/client-lambda';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import * as snsSdk from '@aws-sdk/client-sns';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { handler as Handler } from '../../../functions/scanner/index';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';

const lambdaMock = mockClient(LambdaClient);
const snsMock = mockClient(SNSClient);
const cloudwatchMock = mockClient(CloudWatchClient);
const TOPIC = 'arn:aws:sns:eu-west-1:210987654321:LambdaSentinel-Alerts';

const context = {
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:210987654321:function:LambdaSentinel-Scanner',
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;

/** Loads the handler afresh, as a cold start with `env` would. */
async function coldStart(env: Record<string, string>): Promise<typeof Handler> {
  Object.assign(process.env, env);
  let handler: typeof Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    // The fresh module registry must still hand out the SDK clients that aws-sdk-client-mock stubbed.
    jest.doMock('@aws-sdk/client-lambda', () => lambdaSdk);
    jest.doMock('@aws-sdk/client-sns', () => snsSdk);
    jest.doMock('@aws-sdk/client-cloudwatch', () => cloudwatchSdk);
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
    const handler = await coldStart({
      SENTINEL_SETTINGS: JSON.stringify({ sweepMinutes: 1 }),
      ALERT_TOPIC_ARN: TOPIC,
      STATE_TABLE_NAME: await dynamo.createStateTable(),
    });

    const report = await handler({}, context);

    expect(report.errors).toEqual([]);
    expect(report.findings.map((f) => `${f.kind}:${f.functionName}`)).toEqual(['failed-state:orders']);
    const publish = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(publish?.TopicArn).toBe(TOPIC);
    expect(publish?.Subject).toContain('210987654321 eu-west-1');
    expect(JSON.parse(publish?.Message ?? '{}').email).toContain('EFS');
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
