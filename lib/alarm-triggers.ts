import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { triggerAlarmName, type TriggerAlarm } from '../functions/scanner/events/alarm-trigger';

/** What the trigger alarms need from the sentinel around them. */
export interface AlarmTriggersProps {
  /** The scanner, which runs a metric-focused scan when one of the alarms goes into ALARM. */
  readonly scanner: lambda.IFunction;
  /** Where alarm events that could not be delivered to the scanner end up. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Prefix of the alarms' names, unique in the account and region. */
  readonly alarmNamePrefix: string;
}

const ONE_MINUTE = Duration.minutes(1);
// A metric-focused run more than ten minutes late has been overtaken by the schedule; replaying it only repeats it.
const TRIGGER_MAX_EVENT_AGE = Duration.minutes(10);
const TRIGGER_RETRIES = 2;
// Wide enough that an ordinary busy minute stays inside the band; the run judges each function against its own week.
const SURGE_STANDARD_DEVIATIONS = 3;

/**
 * Region-level signals, each on one-minute periods, that start a metric-focused scan the moment they go into
 * ALARM, so that a hog or a runaway loop is alerted on about two minutes after it begins instead of at the next
 * scheduled run. The alarms decide nothing: they only say "look now", and the run applies the same verdict rules
 * as the schedule, with the same state, lease and fingerprints, so nothing is alerted twice.
 *
 * - `Throttles`: any throttle in the region in a minute. CloudWatch has no metric holding the account's concurrency
 *   limit, so the alarm cannot tell a full pool from a function reaching its own reservation; the run reads the
 *   claimed concurrency and the limit and tells them apart.
 * - `InvocationSurge`: the region's invocations above CloudWatch's anomaly-detection band, which learns the daily and
 *   weekly rhythm of the account, so a nightly batch does not start a run every night.
 * - `Spillover`: any invocation spilling over provisioned concurrency, through a Metrics Insights query over every
 *   alias and version (a query alarm finds nothing to evaluate, and costs nothing extra, where none has it).
 *
 * An alarm changes state once per episode: a throttling that lasts an hour starts one run, not sixty.
 */
export class AlarmTriggers extends Construct {
  /** The three alarms, in the order above. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The rule from the alarms' changes into ALARM to the scanner. */
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: AlarmTriggersProps) {
    super(scope, id);
    const name = (alarm: TriggerAlarm) => triggerAlarmName(props.alarmNamePrefix, alarm);

    const throttles = new cloudwatch.Alarm(this, 'Throttles', {
      alarmName: name('throttles'),
      alarmDescription:
        'Starts a lambda-sentinel scan of the metrics when any function in the region is throttled (no action of its own).',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName: 'Throttles',
        statistic: cloudwatch.Stats.SUM,
        period: ONE_MINUTE,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const surge = new cloudwatch.AnomalyDetectionAlarm(this, 'InvocationSurge', {
      alarmName: name('invocation-surge'),
      alarmDescription:
        "Starts a lambda-sentinel scan of the metrics when the region's invocations rise above what is usual for the hour and day (no action of its own).",
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName: 'Invocations',
        statistic: cloudwatch.Stats.SUM,
        period: ONE_MINUTE,
      }),
      stdDevs: SURGE_STANDARD_DEVIATIONS,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const spillover = new cloudwatch.Alarm(this, 'Spillover', {
      alarmName: name('spillover'),
      alarmDescription:
        'Starts a lambda-sentinel scan of the metrics when invocations spill over provisioned concurrency (no action of its own).',
      metric: new cloudwatch.MathExpression({
        expression:
          'SELECT SUM(ProvisionedConcurrencySpilloverInvocations) FROM SCHEMA("AWS/Lambda", FunctionName, Resource)',
        usingMetrics: {},
        period: ONE_MINUTE,
        label: 'Spillover invocations, every alias and version',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.alarms = [throttles, surge, spillover];
    this.rule = new events.Rule(this, 'Rule', {
      description:
        'Runs a lambda-sentinel scan of the metrics when one of its trigger alarms goes into ALARM',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: this.alarms.map((alarm) => alarm.alarmArn),
        detail: { state: { value: ['ALARM'] } },
      },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.scanner, {
        retryAttempts: TRIGGER_RETRIES,
        maxEventAge: TRIGGER_MAX_EVENT_AGE,
        deadLetterQueue: props.deadLetterQueue,
      }),
    );
  }
}
