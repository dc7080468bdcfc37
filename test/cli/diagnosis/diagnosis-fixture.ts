/**
 * A diagnosis of one function, `orders-api`, against mocked AWS clients (aws-sdk-client-mock): `healthyFunction()`
 * answers every call as a quiet, healthy function would, and each test changes the answers it is about.
 */
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { EFSClient } from '@aws-sdk/client-efs';
import {
  EventBridgeClient,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
} from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import {
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionRecursionConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ResourceNotFoundException,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { ListSubscriptionsCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { DiagnosisCheck } from '../../../cli/diagnosis/diagnosis-check';
import { diagnoseFunction } from '../../../cli/diagnosis/guide-checks';
import { metricWindow } from '../../../functions/scanner/collect/metric-queries';
import type { CallBudget } from '../../../functions/scanner/model';
import { DEFAULT_SETTINGS } from '../../../functions/scanner/settings';

/** The time of every diagnosis here. */
export const NOW = Date.parse('2030-01-15T12:00:05.000Z');
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const NAME = 'orders-api';
export const ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${NAME}`;

/** The metric window a diagnosis at NOW reads. */
export const WINDOW = metricWindow(NOW, DEFAULT_SETTINGS.lookbackMinutes, DEFAULT_SETTINGS.loopBaselineHours);

/** The start of the window's `index`-th minute, as a Date. */
export const minute = (index: number) => new Date(Date.parse(WINDOW.start) + index * 60_000);

export const mocks = {
  lambda: mockClient(LambdaClient),
  cloudwatch: mockClient(CloudWatchClient),
  sns: mockClient(SNSClient),
  eventbridge: mockClient(EventBridgeClient),
  kms: mockClient(KMSClient),
  efs: mockClient(EFSClient),
};

/** An AWS error as the SDK throws it: `name` is the error code. */
export function awsError(name: string, message = `${name} from the mock`): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

/** The error AWS gives a caller whose credentials may not make a call. */
export function accessDenied(action: string): Error {
  return awsError(
    'AccessDeniedException',
    `User: arn:aws:iam::${ACCOUNT}:user/oncall is not authorized to perform: ${action}`,
  );
}

const notFound = (message: string) => new ResourceNotFoundException({ message, $metadata: {} });

/** GetFunction's configuration of a healthy function, with `overrides`. */
export function configuration(overrides: Partial<FunctionConfiguration> = {}): FunctionConfiguration {
  return {
    FunctionName: NAME,
    FunctionArn: ARN,
    Runtime: 'nodejs22.x',
    MemorySize: 512,
    LastModified: '2029-10-01T00:00:00.000+0000',
    State: 'Active',
    LastUpdateStatus: 'Successful',
    ...overrides,
  };
}

/** A resource-based policy document with `statements`, each completed with Effect, Action and Resource. */
export function policy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'default',
    Statement: statements.map((statement, index) => ({
      Sid: `s${index}`,
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: ARN,
      ...statement,
    })),
  });
}

/** GetMetricData results by query id: `{ throttles: [[minute index, value], ...] }`. */
export type SeriesById = Readonly<Record<string, readonly (readonly [number, number])[]>>;

/**
 * Answers GetMetricData with `series` (keyed by query id, or by `id/label` for SEARCH and top-N results); a call
 * asking for one of the `failing` query ids is refused with `error`.
 */
export function metrics(
  series: SeriesById,
  failing: { ids: readonly string[]; error: Error } = { ids: [], error: new Error() },
): void {
  mocks.cloudwatch.on(GetMetricDataCommand).callsFake((input) => {
    const ids = new Set((input.MetricDataQueries ?? []).map((query: { Id?: string }) => query.Id));
    if (failing.ids.some((id) => ids.has(id))) return Promise.reject(failing.error);
    const results: MetricDataResult[] = Object.entries(series)
      .filter(([key]) => ids.has(key.split('/')[0]))
      .map(([key, points]) => ({
        Id: key.split('/')[0],
        Label: key.split('/')[1] ?? key,
        Timestamps: points.map(([index]) => minute(index)),
        Values: points.map(([, value]) => value),
        StatusCode: 'Complete',
      }));
    return Promise.resolve({ MetricDataResults: results, $metadata: {} });
  });
}

/** Answers every call as a quiet, healthy function with no policy, trigger, key or file system would. */
export function healthyFunction(): void {
  for (const mock of Object.values(mocks)) mock.reset();
  mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: configuration() });
  mocks.lambda.on(GetAccountSettingsCommand).resolves({
    AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 },
  });
  mocks.lambda.on(GetPolicyCommand).rejects(notFound('The resource you requested does not exist.'));
  mocks.lambda.on(GetFunctionRecursionConfigCommand).resolves({ RecursiveLoop: 'Terminate' });
  mocks.lambda.on(ListProvisionedConcurrencyConfigsCommand).resolves({ ProvisionedConcurrencyConfigs: [] });
  mocks.lambda.on(ListAliasesCommand).resolves({ Aliases: [] });
  mocks.lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
  mocks.lambda
    .on(GetFunctionUrlConfigCommand)
    .rejects(notFound('The resource you requested does not exist.'));
  metrics({});
  mocks.eventbridge.on(ListEventBusesCommand).resolves({ EventBuses: [{ Name: 'default' }] });
  mocks.eventbridge.on(ListRuleNamesByTargetCommand).resolves({ RuleNames: [] });
  mocks.sns.on(ListSubscriptionsCommand).resolves({ Subscriptions: [] });
}

/** A budget that sends at once: quotas and retries are RequestBudget's business, tested on their own. */
const sendAtOnce: CallBudget = { call: (_operation, send) => send() };

/** Diagnoses `orders-api` against the mocks. */
export function diagnose() {
  return diagnoseFunction(NAME, {
    clients: {
      lambda: new LambdaClient({ region: REGION }),
      cloudwatch: new CloudWatchClient({ region: REGION }),
      sns: new SNSClient({ region: REGION }),
      eventbridge: new EventBridgeClient({ region: REGION }),
      kms: new KMSClient({ region: REGION }),
      efs: new EFSClient({ region: REGION }),
    },
    budget: sendAtOnce,
    settings: DEFAULT_SETTINGS,
    region: REGION,
    now: NOW,
  });
}

/** The lines of a diagnosis on `topic`. */
export async function linesOn(topic: string): Promise<DiagnosisCheck[]> {
  const diagnosis = await diagnose();
  return diagnosis.checks.filter((check) => check.topic === topic);
}

/** The one line of a diagnosis on `topic` (the test fails if there are more or none). */
export async function lineOn(topic: string): Promise<DiagnosisCheck> {
  const lines = await linesOn(topic);
  expect(lines).toHaveLength(1);
  return lines[0] as DiagnosisCheck;
}
