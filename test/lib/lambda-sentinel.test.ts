import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaSentinel, NO_ALERT_EMAILS_WARNING } from '../../lib/lambda-sentinel';

describe('LambdaSentinel without alertEmails', () => {
  it('warns a team using the construct in its own app that nobody will be alerted, and how to change it', () => {
    const stack = new Stack(new App(), 'Host');
    new LambdaSentinel(stack, 'Sentinel', { pendingMinutes: 10 });

    Annotations.fromStack(stack).hasWarning(
      '/Host/Sentinel',
      Match.stringLikeRegexp(
        `^No alertEmails: nobody will be alerted\\..*the alertEmails prop.*construct's alertTopic.*` +
          `\\[ack: ${NO_ALERT_EMAILS_WARNING}\\]$`,
      ),
    );
  }, 60_000);
});

describe('LambdaSentinel with eventBusArn', () => {
  const putEventsResources = (stack: Stack): unknown[] =>
    Object.values(
      Template.fromStack(stack).findResources('AWS::IAM::Policy') as Record<
        string,
        {
          Properties: {
            PolicyDocument: { Statement: { Effect: string; Action: unknown; Resource: unknown }[] };
          };
        }
      >,
    )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter(
        (statement) => statement.Effect === 'Allow' && [statement.Action].flat().includes('events:PutEvents'),
      )
      .map((statement) => statement.Resource);

  it('lets the scanner put events on exactly that bus', () => {
    const stack = new Stack(new App(), 'Host');
    const busArn = 'arn:aws:events:eu-west-1:111122223333:event-bus/lambda-sentinel';
    new LambdaSentinel(stack, 'Sentinel', { eventBusArn: busArn });

    expect(putEventsResources(stack)).toEqual([busArn]);
  }, 60_000);

  it('takes a bus known only at deploy time, such as a StackSet parameter, and grants PutEvents on it', () => {
    const stack = new Stack(new App(), 'Member');
    const busArn = new CfnParameter(stack, 'CentralEventBusArn');
    const sentinel = new LambdaSentinel(stack, 'Sentinel', { eventBusArn: busArn.valueAsString });

    expect(putEventsResources(stack)).toEqual([{ Ref: 'CentralEventBusArn' }]);
    expect(stack.resolve(sentinel.settings.eventBusArn)).toEqual({ Ref: 'CentralEventBusArn' });
  }, 60_000);

  it('still rejects a bus ARN known at synth time that is malformed', () => {
    const stack = new Stack(new App(), 'Host');
    expect(() => new LambdaSentinel(stack, 'Sentinel', { eventBusArn: 'lambda-sentinel' })).toThrow(
      /eventBusArn="lambda-sentinel": an EventBridge bus ARN/,
    );
  });
});
