import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { RequestBudget } from './aws/request-budget';
import { readEnvironment, type ScannerEnvironment } from './environment';
import { systemClock, type ScanReport } from './model';
import { runScan, type ScanClients } from './run-scan';
import { DynamoStateStore } from './state/state-store';

// Time kept back from the Lambda timeout to alert and save state after the last per-function check.
const FINISHING_MARGIN_MS = 30_000;

// One client per service for the container's life. Lambda calls are retried by RequestBudget alone
// (it also slows down on throttling), so the SDK's own retries are off for that client.
const clients: ScanClients = {
  lambda: new LambdaClient({ maxAttempts: 1 }),
  cloudwatch: new CloudWatchClient({ retryMode: 'adaptive' }),
  sns: new SNSClient({}),
};
const dynamodb = new DynamoDBClient({});

let environment: ScannerEnvironment | undefined;

/** Scheduled entry point: validates the environment once, then runs one scan of this account and region. */
export async function handler(_event: unknown, context: Context): Promise<ScanReport> {
  environment ??= readEnvironment(process.env);
  const { settings, topicArn, tableName, region } = environment;
  const accountId = context.invokedFunctionArn.split(':')[4] ?? '';
  const clock = systemClock;
  const budget = new RequestBudget({
    getFunctionRps: settings.getFunctionRps,
    controlPlaneRps: settings.controlPlaneRps,
    clock,
  });
  const stateStore = new DynamoStateStore(dynamodb, tableName, {
    clock,
    budget,
    renotifyHours: settings.renotifyHours,
  });
  return runScan(
    settings,
    { accountId, region, topicArn, selfFunctionName: context.functionName, stateTableName: tableName },
    {
      clients,
      stateStore,
      actionLog: stateStore,
      budget,
      clock,
      log: (record) => console.log(JSON.stringify(record)),
      deadline: Date.now() + context.getRemainingTimeInMillis() - FINISHING_MARGIN_MS,
      newAlertId: randomUUID,
    },
  );
}
