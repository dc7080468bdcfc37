import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaSentinel } from '../../lib/lambda-sentinel';
import { missedRunWindow } from '../../lib/self-monitoring';
import {
  logicalIdOf,
  onlyResource,
  resourceOf,
  scanner,
  synthesize,
  synthesizeStack,
  textOf,
  type Resource,
} from './stack-template';

type AlarmProperties = Record<string, unknown> & { AlarmName: string; AlarmDescription: unknown };

/** The alarms on the sentinel itself (the trigger alarms, which only start scans, are tested in alarm-triggers.test.ts). */
function alarmsOf(template: Template): AlarmProperties[] {
  return Object.entries(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>)
    .filter(([logicalId]) => !logicalId.includes('AlarmTriggers'))
    .map(([, alarm]) => alarm.Properties as AlarmProperties);
}

function alarmOn(template: Template, metricName: string): AlarmProperties {
  const alarms = alarmsOf(template).filter((alarm) => alarm.MetricName === metricName);
  expect(alarms).toHaveLength(1);
  return alarms[0]!;
}

// Longer than any name a reference can stand for: function names have at most 64 characters, queue names 80, and
// a generated log group name is the stack name (at most 128) with the logical ID and a suffix.
const LONGEST_NAME = 'x'.repeat(200);
// CloudWatch's limit on an alarm description.
const MAX_DESCRIPTION = 1024;

describe('missedRunWindow', () => {
  it.each([
    ['rate(1 minute)', 60, 2],
    ['rate(5 minutes)', 300, 2],
    ['rate(2 hours)', 7200, 2],
    ['rate(1 day)', 86400, 2],
    // CloudWatch's longest period is a day: two 3-day periods are six one-day periods.
    ['rate(3 days)', 86400, 6],
    ['rate(36 hours)', 86400, 3],
    // A cron expression does not say how often it fires: an hour is assumed.
    ['cron(0/15 * * * ? *)', 3600, 2],
  ])('%s is watched in periods of %i s, %i in a row', (schedule, periodSeconds, evaluationPeriods) => {
    const window = missedRunWindow(schedule);

    expect(window.period.toSeconds()).toBe(periodSeconds);
    expect(window.evaluationPeriods).toBe(evaluationPeriods);
    // Never a false alarm: the window covers two schedule periods.
    expect(periodSeconds * evaluationPeriods).toBeGreaterThanOrEqual(window.windowMinutes * 60);
  });
});

describe('self-monitoring, on by default', () => {
  let template: Template;
  let topic: string;
  let scannerId: string;
  let deadLetterQueue: string;
  beforeAll(() => {
    const { stack, template: synthesized } = synthesizeStack();
    template = synthesized;
    topic = logicalIdOf(stack.sentinel.alertTopic);
    scannerId = logicalIdOf(stack.sentinel.scanner);
    deadLetterQueue = logicalIdOf(stack.sentinel.deadLetterQueue);
  });

  it('creates four alarms, each e-mailed to the alert topic when it fires and when it recovers', () => {
    const alarms = alarmsOf(template);

    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  it('names each alarm after the stack and what broke, so the e-mail subject says it', () => {
    expect(
      alarmsOf(template)
        .map((alarm) => alarm.AlarmName)
        .sort(),
    ).toEqual([
      'LambdaSentinel-Sentinel dead-letter messages',
      'LambdaSentinel-Sentinel no scan completed',
      'LambdaSentinel-Sentinel run near timeout',
      'LambdaSentinel-Sentinel scanner failing',
    ]);
  });

  it('alarms on scanner errors in two 5-minute periods in a row', () => {
    expect(alarmOn(template, 'Errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: scannerId } }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when no scan completed in two schedule periods, counting missing data as missed scans', () => {
    expect(alarmOn(template, 'ScanCompleted')).toMatchObject({
      Namespace: 'LambdaSentinel',
      Dimensions: [{ Name: 'Sentinel', Value: { Ref: scannerId } }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
    });
  });

  it('alarms as soon as the dead-letter queue holds a message', () => {
    expect(alarmOn(template, 'ApproximateNumberOfMessagesVisible')).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueue, 'QueueName'] } }],
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
    });
  });

  it("alarms when a run takes 80% of the scanner's timeout", () => {
    const timeoutSeconds = scanner(template).Properties.Timeout as number;

    expect(alarmOn(template, 'Duration')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: scannerId } }],
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: timeoutSeconds * 1000 * 0.8,
      EvaluationPeriods: 1,
    });
  });

  it('says in each description what broke and what to do, naming the function, log group or queue', () => {
    const logGroup = onlyResource(template, 'AWS::Logs::LogGroup').logicalId;
    const description = (metricName: string) => textOf(alarmOn(template, metricName).AlarmDescription);

    expect(description('Errors')).toContain(`Lambda function «${scannerId}»`);
    expect(description('Errors')).toContain(`in log group «${logGroup}»`);
    expect(description('ScanCompleted')).toContain(
      'No lambda-sentinel scan completed in the last 10 minutes',
    );
    expect(description('ScanCompleted')).toContain(`function «${scannerId}» is not throttled`);
    expect(description('ApproximateNumberOfMessagesVisible')).toContain(
      `dead-letter queue «${deadLetterQueue}.QueueName»`,
    );
    expect(description('Duration')).toContain("80% or more of the scanner's 300-second timeout");
    for (const alarm of alarmsOf(template)) {
      expect(textOf(alarm.AlarmDescription)).toMatch(/What to do: \S/);
    }
  });

  it('keeps every description within CloudWatch’s 1024 characters, even with the longest names', () => {
    for (const alarm of alarmsOf(template)) {
      expect(textOf(alarm.AlarmDescription, () => LONGEST_NAME).length).toBeLessThanOrEqual(MAX_DESCRIPTION);
    }
  });

  it('exposes the alarms on the construct', () => {
    const { stack, template: synthesized } = synthesizeStack();

    expect(stack.sentinel.alarms.map((alarm) => resourceOf(synthesized, logicalIdOf(alarm)).Type)).toEqual(
      Array(4).fill('AWS::CloudWatch::Alarm'),
    );
  });
});

describe('self-monitoring with other schedules', () => {
  it('watches an hourly schedule in hourly periods', () => {
    expect(alarmOn(synthesize({ schedule: 'rate(1 hour)' }), 'ScanCompleted')).toMatchObject({
      Period: 3600,
      EvaluationPeriods: 2,
    });
  });

  it('watches a 2-day schedule over four one-day periods', () => {
    const alarm = alarmOn(synthesize({ schedule: 'rate(2 days)' }), 'ScanCompleted');

    expect(alarm).toMatchObject({ Period: 86400, EvaluationPeriods: 4, DatapointsToAlarm: 4 });
    expect(textOf(alarm.AlarmDescription)).toContain('in the last 4 days (two periods of rate(2 days))');
  });

  it('assumes an hourly cron, and warns at synth that a rarer cron keeps the alarm firing', () => {
    const { stack, template } = synthesizeStack({ schedule: 'cron(0 * * * ? *)' });

    expect(alarmOn(template, 'ScanCompleted')).toMatchObject({ Period: 3600, EvaluationPeriods: 2 });
    Annotations.fromStack(stack).hasWarning(
      '/LambdaSentinel/Sentinel/SelfMonitoring/MissedRuns',
      Match.stringLikeRegexp('cron schedule \\(cron\\(0 \\* \\* \\* \\? \\*\\)\\).*selfMonitoring=false'),
    );
  });
});

describe('self-monitoring switched off', () => {
  it('creates no alarm with -c selfMonitoring=false', () => {
    const { stack, template } = synthesizeStack({ selfMonitoring: 'false' });

    expect(alarmsOf(template)).toEqual([]);
    expect(stack.sentinel.alarms).toEqual([]);
  });

  it('creates no alarm with selfMonitoring: false in construct props', () => {
    const stack = new Stack(new App(), 'Host');
    new LambdaSentinel(stack, 'Sentinel', { selfMonitoring: false });

    expect(alarmsOf(Template.fromStack(stack))).toEqual([]);
  });

  it('accepts a schedule too long for the missed-run alarm', () => {
    const template = synthesize({ selfMonitoring: 'false', schedule: 'rate(7 days)' });

    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(7 days)' });
  });
});
