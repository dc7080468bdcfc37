import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { RequestBudget } from './aws/request-budget';
import { readEnvironment, type ScannerEnvironment } from './environment';
import { alarmRun, runAlarmScan } from './events/alarm-follow-up';
import { isAlarmStateChange } from './events/alarm-trigger';
import { isSqsEvent } from './events/pending-checks';
import { handleQueueBatch } from './events/queue-batch';
import { EMPTY_REPORT, systemClock, type ScanReport } from './model';
import type { RunKind } from './observe/emf';
import { logPhase, scannerLogger } from './observe/log-phase';
import { publishRunMetrics, sentinelMetrics } from './observe/publish-run-metrics';
import { runScan, type ScanClients, type ScanDependencies } from './run-scan';
import { LEASE_WAIT_MS, withLease } from './state/lease';
import { DynamoStateStore } from './state/state-store';

// Time kept back from the Lambda timeout to alert and save state after the last per-function check.
const FINISHING_MARGIN_MS = 30_000;

// One client per service for the container's life. Lambda and CloudWatch calls are retried by RequestBudget
// alone (it also slows down on throttling and counts every attempt), so the SDK's own retries are off for them.
const clients: ScanClients = {
  lambda: new LambdaClient({ maxAttempts: 1 }),
  cloudwatch: new CloudWatchClient({ maxAttempts: 1 }),
  sns: new SNSClient({}),
  eventbridge: new EventBridgeClient({}),
};
const dynamodb = new DynamoDBClient({});
const sqs = new SQSClient({});
const metrics = sentinelMetrics();
const logger = scannerLogger();

let environment: ScannerEnvironment | undefined;

/**
 * Entry point for every trigger: a batch from the pending-checks queue runs a focused check of the functions
 * whose state-change events came due and a metric-focused run for the alarm follow-ups due (returning SQS's partial
 * batch response); a trigger alarm going into ALARM runs a metric-focused scan at once, which asks for follow-ups
 * while it finds nothing new; anything else is the schedule and runs one scan of this account and region.
 * Every run's metrics are published through Powertools Metrics (an alarm's run and a follow-up count as a scan).
 */
export async function handler(event: unknown, context: Context): Promise<ScanReport | SQSBatchResponse> {
  logger.addContext(context);
  environment ??= readEnvironment(process.env);
  const { settings, topicArn, tableName, region, pendingCheckQueueUrl } = environment;
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
  const target = {
    accountId: context.invokedFunctionArn.split(':')[4] ?? '',
    region,
    topicArn,
    selfFunctionName: context.functionName,
    stateTableName: tableName,
  };
  const deps: ScanDependencies = {
    clients,
    stateStore,
    actionLog: stateStore,
    budget,
    clock,
    log: (record) => logPhase(logger, record),
    deadline: Date.now() + context.getRemainingTimeInMillis() - FINISHING_MARGIN_MS,
    newAlertId: randomUUID,
  };
  // Held until released, or until this invocation's timeout, after which it cannot be running any more; every run
  // but the schedule's is focused and waits longer for it.
  const leaseRequest = (waitMs: number) => ({
    holder: context.awsRequestId,
    holdMs: context.getRemainingTimeInMillis(),
    waitMs,
  });
  const emit = (report: ScanReport, kind: RunKind) =>
    publishRunMetrics(metrics, { report, kind, sentinel: context.functionName });

  const queue = pendingCheckQueueUrl !== undefined ? { queueUrl: pendingCheckQueueUrl } : {};

  if (isSqsEvent(event)) {
    const outcome = await handleQueueBatch(event.Records, settings, target, {
      ...deps,
      sqs,
      lease: stateStore,
      leaseRequest: leaseRequest(LEASE_WAIT_MS.focused),
      ...queue,
    });
    emit(outcome.report, outcome.kind);
    return { batchItemFailures: [...outcome.batchItemFailures] };
  }

  const alarm = alarmRun(event, clock.now());
  if (isAlarmStateChange(event) && !alarm) {
    // The rule forwards ALARM only; an alarm's return to OK (or a hand-made event) asks for no run.
    deps.log({ phase: 'trigger', ignored: 'an alarm state change other than ALARM' });
    return EMPTY_REPORT;
  }
  const waitMs = alarm ? LEASE_WAIT_MS.focused : LEASE_WAIT_MS.scheduled;
  const report = await withLease(stateStore, { ...leaseRequest(waitMs), clock, log: deps.log }, async () =>
    alarm
      ? (await runAlarmScan(alarm, settings, target, { ...deps, sqs, ...queue })).report
      : runScan(settings, target, deps),
  );
  emit(report, 'scan');
  return report;
}
