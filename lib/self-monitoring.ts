import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { schedulePeriodMinutes } from '../functions/scanner/settings';
import { sentinelRunMetric } from './sentinel-metrics';

/** What the sentinel's alarms on itself watch, and where they send their e-mails. */
export interface SelfMonitoringProps {
  /** The scanner function whose errors, duration and completed scans are watched. */
  readonly scanner: lambda.Function;
  /** The scanner's timeout, against which its duration is judged. */
  readonly scannerTimeout: Duration;
  /** The scan's schedule expression (`settings.schedule`), which says how often a completed scan is expected. */
  readonly schedule: string;
  /** The dead-letter queue whose messages mean that something failed every retry. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The topic each alarm and each recovery is sent to. */
  readonly alertTopic: sns.ITopic;
  /** Starts every alarm name, so that an e-mail subject says which sentinel it is about. */
  readonly alarmNamePrefix: string;
}

/** How the missed-run alarm looks at the ScanCompleted metric. */
export interface MissedRunWindow {
  /** Length of one evaluated period. */
  readonly period: Duration;
  /** Periods in a row without a completed scan that raise the alarm: together, two schedule periods. */
  readonly evaluationPeriods: number;
  /** The two schedule periods, in minutes. */
  readonly windowMinutes: number;
}

// Nothing in a cron expression says how often it fires; an hour is assumed, so crons should fire at least hourly.
const CRON_PERIOD_MINUTES = 60;
// CloudWatch's longest alarm period; a longer schedule is watched over several one-day periods.
const MAX_PERIOD_MINUTES = 24 * 60;
const FIVE_MINUTES = Duration.minutes(5);
// A run at this share of its timeout has little room left before the next, slower one times out.
const NEAR_TIMEOUT_SHARE = 0.8;

/** The missed-run alarm's periods for `schedule`: two schedule periods, in periods CloudWatch accepts. */
export function missedRunWindow(schedule: string): MissedRunWindow {
  const scheduleMinutes = schedulePeriodMinutes(schedule) ?? CRON_PERIOD_MINUTES;
  const periodMinutes = Math.min(scheduleMinutes, MAX_PERIOD_MINUTES);
  const windowMinutes = 2 * scheduleMinutes;
  return {
    period: Duration.minutes(periodMinutes),
    evaluationPeriods: Math.ceil(windowMinutes / periodMinutes),
    windowMinutes,
  };
}

/** `minutes` in the largest whole unit, e.g. "10 minutes", "2 hours", "2 days". */
function inWords(minutes: number): string {
  const [amount, unit] =
    minutes % 1440 === 0
      ? [minutes / 1440, 'day']
      : minutes % 60 === 0
        ? [minutes / 60, 'hour']
        : [minutes, 'minute'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/**
 * CloudWatch alarms on the sentinel itself, each e-mailed through the alert topic when it fires and when it
 * recovers, each saying in its description what broke and what to do.
 */
export class SelfMonitoring extends Construct {
  /** The scanner ended in error in two 5-minute periods in a row. */
  readonly scannerErrors: cloudwatch.Alarm;
  /** No scheduled scan completed in two schedule periods. */
  readonly missedRuns: cloudwatch.Alarm;
  /** The dead-letter queue holds messages. */
  readonly deadLetters: cloudwatch.Alarm;
  /** A run took 80% of the scanner's timeout or more. */
  readonly nearTimeout: cloudwatch.Alarm;
  /** All four alarms. */
  readonly alarms: readonly cloudwatch.Alarm[];

  private readonly toAlertTopic: actions.SnsAction;

  constructor(scope: Construct, id: string, props: SelfMonitoringProps) {
    super(scope, id);
    this.toAlertTopic = new actions.SnsAction(props.alertTopic);
    const { scanner, scannerTimeout, deadLetterQueue } = props;
    const functionName = scanner.functionName;
    const logGroup = scanner.logGroup.logGroupName;

    // One failed attempt that Lambda's retry recovers is not worth a page; a failure that persists pages within
    // 10 minutes, and a scan that fails every retry reaches the dead-letter queue and its alarm anyway.
    this.scannerErrors = this.alarm('ScannerErrors', {
      alarmName: `${props.alarmNamePrefix} scanner failing`,
      alarmDescription:
        `The lambda-sentinel scanner (Lambda function ${functionName}) ended in error in two 5-minute periods in ` +
        'a row: scans or pending checks are failing, so problems in this account may go unreported. ' +
        `What to do: in log group ${logGroup}, find the latest lines with level ERROR. A SettingsError names the ` +
        'bad setting (fix it and redeploy); AccessDenied means a policy was changed (redeploy the stack); a ' +
        'failure to publish the alert or write the state table names the topic or table; Task timed out means ' +
        'runs are too slow (see the duration alarm). OK is sent after two periods without errors.',
      metric: scanner.metricErrors({ statistic: cloudwatch.Stats.SUM, period: FIVE_MINUTES }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const window = missedRunWindow(props.schedule);
    this.missedRuns = this.alarm('MissedRuns', {
      alarmName: `${props.alarmNamePrefix} no scan completed`,
      alarmDescription:
        `No lambda-sentinel scan completed in the last ${inWords(window.windowMinutes)} (two periods of ` +
        `${props.schedule}): this account's Lambda functions are not being checked. What to do: if the ` +
        'scanner-failing or dead-letter alarm fired too, start there. Otherwise check that the schedule rule is ' +
        `enabled and that function ${functionName} is not throttled (reserved concurrency 0, or the account at its ` +
        'concurrency limit); then invoke it once by hand and look for ScanCompleted in its last log line. Missing ' +
        'metric data counts as a missed scan, so a brand-new sentinel is in alarm until its first scan completes. ' +
        'OK is sent when a scan completes.',
      metric: sentinelRunMetric(scanner, 'ScanCompleted', { period: window.period }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: window.evaluationPeriods,
      datapointsToAlarm: window.evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    if (schedulePeriodMinutes(props.schedule) === undefined) {
      Annotations.of(this.missedRuns).addWarningV2(
        'lambda-sentinel:cronMissedRuns',
        `The missed-run alarm expects a scan at least every ${CRON_PERIOD_MINUTES} minutes, since a cron ` +
          `schedule (${props.schedule}) does not say how often it fires. A cron firing less often keeps the ` +
          'alarm firing: use a rate() schedule, or set selfMonitoring=false.',
      );
    }

    this.deadLetters = this.alarm('DeadLetters', {
      alarmName: `${props.alarmNamePrefix} dead-letter messages`,
      alarmDescription:
        `Messages are waiting in the lambda-sentinel dead-letter queue ${deadLetterQueue.queueName}: a scan that ` +
        'failed every retry, a schedule or state-change event EventBridge could not deliver, an alert e-mail SNS ' +
        'could not deliver, or a pending check that failed five times. What to do: poll the queue in the SQS ' +
        'console; the message attributes say what failed (ErrorMessage from Lambda, ERROR_CODE and RULE_ARN from ' +
        'EventBridge) and the body is the scan event, the alert or the state-change event. Fix the cause, then ' +
        'purge the queue: the next scan re-checks every function, but an undelivered alert is sent again only ' +
        'after renotifyHours. OK is sent when the queue is empty.',
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: FIVE_MINUTES,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const timeoutSeconds = scannerTimeout.toSeconds();
    this.nearTimeout = this.alarm('NearTimeout', {
      alarmName: `${props.alarmNamePrefix} run near timeout`,
      alarmDescription:
        `A lambda-sentinel run took ${NEAR_TIMEOUT_SHARE * 100}% or more of the scanner's ${timeoutSeconds}-second ` +
        `timeout (function ${functionName}); a slightly slower run will time out and report nothing. What to do: ` +
        `in log group ${logGroup}, look at the slow run's API calls and throttling (TooManyRequestsException) or ` +
        "a long wait for the state lease. If the account's functions simply take longer to read, raise " +
        'getFunctionRps (Lambda allows 100) or sweepMinutes, or raise the scanner timeout in lib/lambda-sentinel.ts.',
      metric: scanner.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, period: FIVE_MINUTES }),
      threshold: scannerTimeout.toMilliseconds() * NEAR_TIMEOUT_SHARE,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.alarms = [this.scannerErrors, this.missedRuns, this.deadLetters, this.nearTimeout];
  }

  private alarm(id: string, alarmProps: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, alarmProps);
    alarm.addAlarmAction(this.toAlertTopic);
    alarm.addOkAction(this.toAlertTopic);
    return alarm;
  }
}
