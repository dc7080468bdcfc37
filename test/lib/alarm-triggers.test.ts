import { Match } from 'aws-cdk-lib/assertions';
import { logicalIdOf, synthesizeStack } from './stack-template';

describe('alarm triggers', () => {
  const { stack, template } = synthesizeStack({ alertEmails: 'ops@example.com' });
  const sentinel = stack.sentinel;

  it('holds three one-minute alarms with no action of their own: throttles, an invocation surge, spillover', () => {
    expect(sentinel.triggerAlarms.map((alarm) => logicalIdOf(alarm))).toHaveLength(3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'LambdaSentinel-Sentinel-trigger-throttles',
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'LambdaSentinel-Sentinel-trigger-invocation-surge',
      ComparisonOperator: 'GreaterThanUpperThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'ANOMALY_DETECTION_BAND(m0, 3)' }),
        Match.objectLike({
          Id: 'm0',
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations' },
            Period: 60,
            Stat: 'Sum',
          },
        }),
      ]),
      AlarmActions: Match.absent(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'LambdaSentinel-Sentinel-trigger-spillover',
      Metrics: [
        Match.objectLike({
          Expression: Match.stringLikeRegexp('SUM\\(ProvisionedConcurrencySpilloverInvocations\\)'),
          Period: 60,
        }),
      ],
      AlarmActions: Match.absent(),
    });
  });

  it("has a rule from exactly those alarms' changes into ALARM to the scanner, with retries and the dead-letter queue", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: sentinel.triggerAlarms.map((alarm) => ({ 'Fn::GetAtt': [logicalIdOf(alarm), 'Arn'] })),
        detail: { state: { value: ['ALARM'] } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalIdOf(sentinel.scanner), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(sentinel.deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
  });
});
