import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaSentinel } from '../../lib/lambda-sentinel';
import { pendingCheckDelay } from '../../lib/pending-checks';
import {
  actionsOf,
  arnOf,
  logicalIdOf,
  onlyResource,
  resourceOf,
  scanner,
  statementsGranting,
  synthesize,
  synthesizeStack,
  type Statement,
} from './stack-template';

describe('pendingCheckDelay', () => {
  it.each([
    [6, 390],
    [0.5, 60],
    // Whole seconds only: SQS takes no fraction.
    [6.01, 391],
    [14.5, 900],
    // SQS holds a message back for 15 minutes at most; the scanner re-delays what is not yet due.
    [15, 900],
    [60, 900],
  ])('holds a state change back %s minutes + 30 s → %i s', (pendingMinutes, seconds) => {
    expect(pendingCheckDelay(pendingMinutes).toSeconds()).toBe(seconds);
  });
});

describe('pending checks in the stack', () => {
  let template: Template;
  let queue: string;
  let rule: string;
  let deadLetterQueue: string;
  beforeAll(() => {
    const { stack, template: synthesized } = synthesizeStack();
    template = synthesized;
    queue = logicalIdOf(stack.sentinel.pendingCheckQueue);
    rule = logicalIdOf(stack.sentinel.stateChangeRule);
    deadLetterQueue = logicalIdOf(stack.sentinel.deadLetterQueue);
  });

  it('forwards every Lambda function state change on the default bus to the queue, failures to the DLQ', () => {
    expect(resourceOf(template, rule).Properties).toEqual({
      Description: expect.stringContaining('state changes') as unknown,
      EventPattern: { source: ['aws.lambda'], 'detail-type': ['Lambda Function State Change'] },
      State: 'ENABLED',
      Targets: [{ Id: 'Target0', Arn: arnOf(queue), DeadLetterConfig: { Arn: arnOf(deadLetterQueue) } }],
    });
  });

  it('holds each event back until 30 s after pendingMinutes (6 by default), encrypted, failing checks to the DLQ', () => {
    expect(resourceOf(template, queue).Properties).toMatchObject({
      DelaySeconds: 390,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: arnOf(deadLetterQueue), maxReceiveCount: 5 },
    });
  });

  it('brings a check the scanner could not run back 30 s after the scanner could time out', () => {
    const timeoutSeconds = scanner(template).Properties.Timeout as number;

    expect(resourceOf(template, queue).Properties.VisibilityTimeout).toBe(timeoutSeconds + 30);
  });

  it('lets only the state-change rule send to the queue, and only over TLS', () => {
    const policies = Object.values(
      template.findResources('AWS::SQS::QueuePolicy', { Properties: { Queues: [{ Ref: queue }] } }),
    ) as { Properties: { PolicyDocument: { Statement: (Statement & { Principal: unknown })[] } } }[];
    expect(policies).toHaveLength(1);
    const statements = policies[0]!.Properties.PolicyDocument.Statement;

    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: expect.arrayContaining(['sqs:SendMessage']) as unknown,
        Condition: { ArnEquals: { 'aws:SourceArn': arnOf(rule) } },
      }),
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('feeds the scanner batches of up to 10 checks within 20 s, retrying only the checks that failed', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(queue),
      FunctionName: { Ref: onlyResource(template, 'AWS::Lambda::Function').logicalId },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 20,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // Checks take turns on the state lease: more concurrent batches would only wait.
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('tells the scanner the queue URL, for re-delaying a check that arrived early and for alarm follow-ups', () => {
    expect(scanner(template).Properties.Environment).toMatchObject({
      Variables: { PENDING_CHECK_QUEUE_URL: { Ref: queue } },
    });
  });

  it('lets the scanner receive, delete, re-send and follow up (SendMessage) on this queue only', () => {
    const onQueue = (statement: Statement) =>
      JSON.stringify(statement.Resource) === JSON.stringify(arnOf(queue));
    const queueStatements = statementsGranting(template, 'sqs:ReceiveMessage');

    expect(queueStatements.every(onQueue)).toBe(true);
    expect(queueStatements.flatMap(actionsOf).sort()).toEqual(
      ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage', 'sqs:SendMessage'].sort(),
    );
    // SendMessage otherwise only for failed scans, to the dead-letter queue.
    expect(statementsGranting(template, 'sqs:SendMessage').map((statement) => statement.Resource)).toEqual(
      expect.arrayContaining([arnOf(queue), arnOf(deadLetterQueue)]),
    );
    expect(statementsGranting(template, 'sqs:SendMessage')).toHaveLength(2);
  });
});

describe('pending checks with a custom pendingMinutes', () => {
  const delayOf = (template: Template) =>
    Object.values(
      template.findResources('AWS::SQS::Queue', { Properties: { DelaySeconds: Match.anyValue() } }),
    ).map((queue) => (queue as { Properties: { DelaySeconds: number } }).Properties.DelaySeconds);

  it('holds events back pendingMinutes + 30 s from CDK context', () => {
    expect(delayOf(synthesize({ pendingMinutes: '10' }))).toEqual([630]);
  });

  it('holds events back at most 900 s, however long pendingMinutes is', () => {
    expect(delayOf(synthesize({ pendingMinutes: 45 }))).toEqual([900]);
  });

  it('takes pendingMinutes from construct props, and exposes the queue and rule', () => {
    const stack = new Stack(new App(), 'Host');
    const sentinel = new LambdaSentinel(stack, 'Sentinel', { pendingMinutes: 2 });
    const template = Template.fromStack(stack);

    expect(resourceOf(template, logicalIdOf(sentinel.pendingCheckQueue)).Properties.DelaySeconds).toBe(150);
    expect(resourceOf(template, logicalIdOf(sentinel.stateChangeRule)).Properties.EventPattern).toEqual({
      source: ['aws.lambda'],
      'detail-type': ['Lambda Function State Change'],
    });
  });
});
