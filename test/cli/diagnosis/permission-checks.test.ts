import {
  DescribeRuleCommand,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import {
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { ListSubscriptionsCommand } from '@aws-sdk/client-sns';
import {
  ACCOUNT,
  ARN,
  accessDenied,
  awsError,
  healthyFunction,
  lineOn,
  linesOn,
  mocks,
  policy,
  REGION,
} from './diagnosis-fixture';

const OTHERS = 'Other accounts or services';
const IDENTITY = 'lambda:InvokeFunction not authorized';
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/nightly-export`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:order-events`;

/** An enabled rule `nightly-export` on the default bus that targets `targetArn`. */
function ruleTargeting(targetArn: string, target: { RoleArn?: string } = {}, state = 'ENABLED') {
  mocks.eventbridge
    .on(ListRuleNamesByTargetCommand, { TargetArn: targetArn, EventBusName: 'default' })
    .resolves({ RuleNames: ['nightly-export'] });
  mocks.eventbridge
    .on(DescribeRuleCommand)
    .resolves({ Name: 'nightly-export', Arn: RULE_ARN, State: state as 'ENABLED' });
  mocks.eventbridge
    .on(ListTargetsByRuleCommand)
    .resolves({ Targets: [{ Id: 'export', Arn: targetArn, ...target }] });
}

function subscribed(endpoint = ARN) {
  mocks.sns.on(ListSubscriptionsCommand).resolves({
    Subscriptions: [
      { TopicArn: TOPIC_ARN, Protocol: 'lambda', Endpoint: endpoint, SubscriptionArn: `${TOPIC_ARN}:1` },
      {
        TopicArn: TOPIC_ARN,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:eu-west-1:123456789012:q',
        SubscriptionArn: `${TOPIC_ARN}:2`,
      },
    ],
  });
}

function withPolicy(document: string, qualifier?: string) {
  mocks.lambda.on(GetPolicyCommand, qualifier ? { Qualifier: qualifier } : {}).resolves({ Policy: document });
}

function withAlias(name: string) {
  mocks.lambda.on(ListAliasesCommand).resolves({ Aliases: [{ Name: name, FunctionVersion: '3' }] });
}

const eventsFor = (sourceArn: string, resource = ARN) => ({
  Principal: { Service: 'events.amazonaws.com' },
  Resource: resource,
  Condition: { ArnLike: { 'AWS:SourceArn': sourceArn } },
});

describe("diagnose: invoke permissions (the guide's two permission sections)", () => {
  beforeEach(healthyFunction);

  describe('with no policy and no trigger', () => {
    it('says nothing and nobody outside can invoke it, which is fine (OK)', async () => {
      const line = await lineOn(OTHERS);

      expect(line.status).toBe('ok');
      expect(line.summary).toMatch(
        /^no resource-based policy: no AWS service and no other account can invoke it/,
      );
      expect(line.summary).toContain('S3 notifications, API Gateway and other push sources cannot be listed');
    });

    it('explains that identity callers cannot be seen from the function and need lambda:InvokeFunction', async () => {
      const line = await lineOn(IDENTITY);

      expect(line.status).toBe('info');
      expect(line.summary).toContain(`each needs lambda:InvokeFunction on ${ARN} in its identity policy`);
      expect(line.advice).toContain('although the API operation is Invoke');
    });
  });

  describe('EventBridge rules', () => {
    it('passes a rule whose ARN a statement for events.amazonaws.com names', async () => {
      ruleTargeting(ARN);
      withPolicy(policy(eventsFor(RULE_ARN)));

      const line = await lineOn(OTHERS);

      expect(line.status).toBe('ok');
      expect(line.summary).toContain('EventBridge rule nightly-export has a matching statement');
    });

    it('reports a rule with no matching statement as a PROBLEM, with the add-permission that fixes it', async () => {
      ruleTargeting(ARN);
      withPolicy(policy(eventsFor(`arn:aws:events:${REGION}:${ACCOUNT}:rule/old-export`)));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('problem');
      expect(line?.summary).toMatch(
        /^EventBridge rule nightly-export \(default bus\) invokes orders-api, but no statement in its resource-based policy lets events\.amazonaws\.com invoke it/,
      );
      expect(line?.summary).toContain('every invocation it attempts is refused');
      expect(line?.advice).toContain(
        `aws lambda add-permission --function-name orders-api --statement-id events-nightly-export --action lambda:InvokeFunction --principal events.amazonaws.com --source-arn ${RULE_ARN}`,
      );
      expect(line?.advice).toContain(
        'only for arn:aws:events:eu-west-1:123456789012:rule/old-export: a renamed or deleted source?',
      );
    });

    it('reports a disabled rule with no statement as a WARNING: refused once enabled', async () => {
      ruleTargeting(ARN, {}, 'DISABLED');

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('warning');
      expect(line?.summary).toContain('nightly-export (default bus), which is disabled,');
      expect(line?.summary).toContain('it will be refused once enabled');
    });

    it("needs a statement on the alias when the rule targets the alias: the function's own does not count", async () => {
      withAlias('live');
      ruleTargeting(`${ARN}:live`);
      withPolicy(policy(eventsFor(RULE_ARN)));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('problem');
      expect(line?.summary).toContain(
        "invokes orders-api:live, but no statement in the alias's resource-based policy",
      );
      expect(line?.advice).toContain('--function-name orders-api --qualifier live');
      expect(line?.advice).toContain(
        'a statement on orders-api itself does not cover calls to orders-api:live',
      );
      expect(mocks.lambda.commandCalls(GetPolicyCommand, { Qualifier: 'live' })).toHaveLength(1);
    });

    it('passes a rule on an alias whose own policy has the statement', async () => {
      withAlias('live');
      ruleTargeting(`${ARN}:live`);
      withPolicy(policy(eventsFor(RULE_ARN, `${ARN}:live`)), 'live');

      const line = await lineOn(OTHERS);

      expect(line.status).toBe('ok');
    });

    it('finds rules on custom event buses too', async () => {
      mocks.eventbridge
        .on(ListEventBusesCommand)
        .resolves({ EventBuses: [{ Name: 'default' }, { Name: 'orders' }] });
      mocks.eventbridge
        .on(ListRuleNamesByTargetCommand, { TargetArn: ARN, EventBusName: 'orders' })
        .resolves({ RuleNames: ['order-placed'] });
      mocks.eventbridge.on(DescribeRuleCommand, { Name: 'order-placed', EventBusName: 'orders' }).resolves({
        Name: 'order-placed',
        Arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/orders/order-placed`,
        State: 'ENABLED',
      });
      mocks.eventbridge.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 't', Arn: ARN }] });

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('problem');
      expect(line?.summary).toMatch(/^EventBridge rule order-placed \(bus orders\)/);
      expect(line?.summary).toContain('rule/orders/order-placed');
    });

    it('sends a rule whose target has a role to the IAM section: the role needs lambda:InvokeFunction', async () => {
      ruleTargeting(ARN, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/events-invoker` });

      const others = await linesOn(OTHERS);
      const identity = await linesOn(IDENTITY);

      expect(others.map((line) => line.status)).toEqual(['ok']);
      expect(identity[1]).toMatchObject({
        status: 'info',
        summary: expect.stringContaining(
          `with the role arn:aws:iam::${ACCOUNT}:role/events-invoker, which needs lambda:InvokeFunction on ${ARN}`,
        ),
      });
    });
  });

  describe('SNS subscriptions', () => {
    it('passes a subscription whose topic a statement names', async () => {
      subscribed();
      withPolicy(
        policy({
          Principal: { Service: 'sns.amazonaws.com' },
          Condition: { ArnLike: { 'AWS:SourceArn': TOPIC_ARN } },
        }),
      );

      const line = await lineOn(OTHERS);

      expect(line.status).toBe('ok');
      expect(line.summary).toContain(`SNS topic ${TOPIC_ARN} has a matching statement`);
    });

    it('reports a subscription with no statement for its topic as a PROBLEM', async () => {
      subscribed();

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('problem');
      expect(line?.summary).toContain(`SNS topic ${TOPIC_ARN} invokes orders-api, but no statement`);
      expect(line?.advice).toContain(`--principal sns.amazonaws.com --source-arn ${TOPIC_ARN}`);
    });

    it('reports a subscription to an alias the function does not have', async () => {
      withAlias('live');
      subscribed(`${ARN}:blue`);

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('problem');
      expect(line?.summary).toBe(`SNS topic ${TOPIC_ARN} invokes alias blue, which orders-api does not have`);
    });

    it("reads at most 20 pages of the account's subscriptions, and says the rest was not looked at", async () => {
      mocks.sns.on(ListSubscriptionsCommand).resolves({
        Subscriptions: Array.from({ length: 100 }, (_, index) => ({
          TopicArn: TOPIC_ARN,
          Protocol: 'email',
          Endpoint: `oncall${index}@example.com`,
        })),
        NextToken: 'more',
      });

      const lines = await linesOn(OTHERS);

      expect(mocks.sns.commandCalls(ListSubscriptionsCommand)).toHaveLength(20);
      expect(lines.at(-1)).toMatchObject({
        status: 'unknown',
        summary: 'not every trigger could be looked at: SNS subscriptions past the first 2,000 of the region',
      });
    });
  });

  describe('statements', () => {
    it('warns of a service statement with no source ARN or account (the confused deputy)', async () => {
      withPolicy(policy({ Principal: { Service: 's3.amazonaws.com' } }));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('warning');
      expect(line?.summary).toBe('the statement for Service s3.amazonaws.com names no source ARN or account');
      expect(line?.advice).toContain('Add a SourceArn or SourceAccount condition');
    });

    it('tells that a caller in another account also needs lambda:InvokeFunction in its own policy (INFO)', async () => {
      withPolicy(policy({ Principal: { AWS: 'arn:aws:iam::444455556666:role/reporting' } }));

      const lines = await linesOn(OTHERS);

      expect(lines.map((line) => line.status)).toEqual(['ok', 'info']);
      expect(lines[1]?.summary).toContain(
        'arn:aws:iam::444455556666:role/reporting (account 444455556666) may invoke it',
      );
      expect(lines[1]?.advice).toContain(`also needs lambda:InvokeFunction on ${ARN} in its own IAM policy`);
    });

    it('warns of a statement that lets anyone invoke it with no condition', async () => {
      withPolicy(policy({ Principal: '*' }));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('warning');
      expect(line?.summary).toMatch(/^a statement lets anyone \(\*\) invoke it, with no condition/);
    });

    it('warns, rather than passes, when the only statement for a trigger has a condition it cannot evaluate', async () => {
      ruleTargeting(ARN);
      withPolicy(
        policy({
          ...eventsFor(RULE_ARN),
          Condition: { ArnLike: { 'AWS:SourceArn': RULE_ARN }, NumericLessThan: { 'aws:EpochTime': '1' } },
        }),
      );

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('warning');
      expect(line?.summary).toContain('has conditions this check cannot evaluate');
    });

    it('is UNKNOWN when GetPolicy returns something that is not a policy', async () => {
      withPolicy('{"Statement": "not a list of statements"}');

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('unknown');
      expect(line?.summary).toBe(
        'who may invoke orders-api: GetPolicy returned a document that is not a policy',
      );
    });

    it('reads the triggers and policies of its first 10 aliases, and says the others were not looked at', async () => {
      mocks.lambda.on(ListAliasesCommand).resolves({
        Aliases: Array.from({ length: 12 }, (_, index) => ({
          Name: `a${String(index).padStart(2, '0')}`,
          FunctionVersion: '1',
        })),
      });

      const lines = await linesOn(OTHERS);

      expect(mocks.lambda.commandCalls(GetPolicyCommand)).toHaveLength(11);
      expect(lines.at(-1)).toMatchObject({
        status: 'unknown',
        summary:
          'not every trigger could be looked at: the rules, URLs, event source mappings and policies of 2 aliases past the first 10',
      });
    });

    it('reads the policies of its aliases too', async () => {
      withAlias('live');
      withPolicy(policy({ Principal: { Service: 'sns.amazonaws.com' }, Resource: `${ARN}:live` }), 'live');

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('warning');
      expect(line?.summary).toContain('Service sns.amazonaws.com names no source');
    });
  });

  describe('function URLs', () => {
    const url = (AuthType: 'NONE' | 'AWS_IAM', CreationTime = '2026-03-01T10:00:00.000Z') =>
      mocks.lambda
        .on(GetFunctionUrlConfigCommand, { FunctionName: 'orders-api', Qualifier: undefined })
        .resolves({
          FunctionUrl: 'https://abc123.lambda-url.eu-west-1.on.aws/',
          FunctionArn: ARN,
          AuthType,
          CreationTime,
        });
    const publicUrl = policy({
      Principal: '*',
      Action: 'lambda:InvokeFunctionUrl',
      Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
    });
    const publicInvoke = {
      Principal: '*',
      Action: 'lambda:InvokeFunction',
      Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
    };

    it('reports a public URL (AuthType NONE) with no public statement: every request gets 403', async () => {
      url('NONE');

      const lines = await linesOn(OTHERS);

      expect(lines[0]?.status).toBe('problem');
      expect(lines[0]?.summary).toContain(
        'has AuthType NONE, but no statement lets anyone (*) call lambda:InvokeFunctionUrl',
      );
      expect(lines[0]?.advice).toContain(
        "--action lambda:InvokeFunctionUrl --principal '*' --function-url-auth-type NONE",
      );
    });

    it('requires lambda:InvokeFunction too for a URL created from October 2025', async () => {
      url('NONE');
      withPolicy(publicUrl);

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('problem');
      expect(line?.summary).toContain('created on 2026-03-01');
      expect(line?.advice).toContain('--invoked-via-function-url');
    });

    it('passes a public URL whose statements allow both', async () => {
      url('NONE');
      const both = JSON.parse(publicUrl) as { Statement: unknown[] };
      both.Statement.push({ Sid: 'x', Effect: 'Allow', Resource: ARN, ...publicInvoke });
      withPolicy(JSON.stringify(both));

      const line = await lineOn(OTHERS);

      expect(line.status).toBe('ok');
      expect(line.summary).toContain(
        'the public function URL https://abc123.lambda-url.eu-west-1.on.aws/ has a matching statement',
      );
    });

    it('passes an older public URL with lambda:InvokeFunctionUrl alone', async () => {
      url('NONE', '2024-05-01T10:00:00.000Z');
      withPolicy(publicUrl);

      expect((await lineOn(OTHERS)).status).toBe('ok');
    });

    it('tells that callers of an AWS_IAM URL need lambda:InvokeFunctionUrl in their identity policy', async () => {
      url('AWS_IAM');

      const identity = await linesOn(IDENTITY);

      expect(identity[1]).toMatchObject({
        status: 'info',
        summary: expect.stringContaining(
          'uses AuthType AWS_IAM: its callers sign their requests and need lambda:InvokeFunctionUrl',
        ),
      });
    });
  });

  describe('event source mappings', () => {
    it('says Lambda polls with the execution role, and which permissions an SQS source needs', async () => {
      mocks.lambda.on(ListEventSourceMappingsCommand).resolves({
        EventSourceMappings: [
          {
            UUID: 'm-1',
            EventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders',
            FunctionArn: ARN,
            State: 'Enabled',
          },
        ],
      });

      const lines = await linesOn(OTHERS);

      expect(lines.map((line) => line.status)).toEqual(['ok', 'info']);
      expect(lines[1]?.summary).toContain(
        "Lambda polls it with the function's execution role, so no resource-based statement is needed",
      );
      expect(lines[1]?.summary).toContain('sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes');
    });

    it("warns when Lambda reports a problem processing the mapping's records", async () => {
      mocks.lambda.on(ListEventSourceMappingsCommand).resolves({
        EventSourceMappings: [
          {
            UUID: 'm-2',
            EventSourceArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/clicks',
            FunctionArn: ARN,
            State: 'Enabled',
            LastProcessingResult: 'PROBLEM: Function call failed',
          },
        ],
      });

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('warning');
      expect(line?.summary).toContain('Lambda reports "PROBLEM: Function call failed"');
      expect(line?.advice).toContain('kinesis:GetRecords');
    });
  });

  describe('a call that failed is UNKNOWN with the reason, never OK', () => {
    it('GetPolicy denied', async () => {
      mocks.lambda.on(GetPolicyCommand).rejects(accessDenied('lambda:GetPolicy'));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('unknown');
      expect(line?.summary).toMatch(
        /^who may invoke orders-api: GetPolicy failed: AccessDeniedException: User: .* lambda:GetPolicy/,
      );
      expect(line?.advice).toContain("'lambda-sentinel diagnose --help' lists every action");
    });

    it('ListRuleNamesByTarget denied', async () => {
      mocks.eventbridge
        .on(ListRuleNamesByTargetCommand)
        .rejects(accessDenied('events:ListRuleNamesByTarget'));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('unknown');
      expect(line?.summary).toContain(
        `rules on event bus default that target ${ARN}: ListRuleNamesByTarget failed`,
      );
    });

    it('ListEventBuses denied: the default bus is still searched', async () => {
      mocks.eventbridge.on(ListEventBusesCommand).rejects(accessDenied('events:ListEventBuses'));
      ruleTargeting(ARN);

      const lines = await linesOn(OTHERS);

      expect(lines.map((line) => line.status)).toEqual(['unknown', 'problem']);
      expect(lines[0]?.summary).toMatch(
        /^rules on event buses other than the default bus: ListEventBuses failed/,
      );
    });

    it('ListTargetsByRule denied: a refusal may be a role, so not a PROBLEM', async () => {
      ruleTargeting(ARN);
      mocks.eventbridge.on(ListTargetsByRuleCommand).rejects(accessDenied('events:ListTargetsByRule'));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('unknown');
      expect(line?.summary).toContain(
        "unless the rule's target invokes with a role: ListTargetsByRule failed",
      );
    });

    it('DescribeRule denied: the rule ARN is built from its bus and name, and the permission still judged', async () => {
      ruleTargeting(ARN);
      mocks.eventbridge.on(DescribeRuleCommand).rejects(accessDenied('events:DescribeRule'));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('problem');
      expect(line?.summary).toContain(RULE_ARN);
    });

    it('ListSubscriptions denied', async () => {
      mocks.sns
        .on(ListSubscriptionsCommand)
        .rejects(awsError('AuthorizationError', 'not authorized to perform: sns:ListSubscriptions'));

      const [line] = await linesOn(OTHERS);

      expect(line).toMatchObject({
        status: 'unknown',
        summary: expect.stringMatching(
          /^SNS subscriptions that deliver to it: ListSubscriptions failed: AuthorizationError/,
        ),
      });
    });

    it('GetFunctionUrlConfig not supported', async () => {
      mocks.lambda
        .on(GetFunctionUrlConfigCommand)
        .rejects(awsError('UnsupportedOperation', 'not supported in this region'));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('unknown');
      expect(line?.summary).toContain(
        'the function URL of orders-api: GetFunctionUrlConfig failed: UnsupportedOperation',
      );
    });

    it('ListEventSourceMappings denied', async () => {
      mocks.lambda.on(ListEventSourceMappingsCommand).rejects(accessDenied('lambda:ListEventSourceMappings'));

      const [line] = await linesOn(OTHERS);

      expect(line?.status).toBe('unknown');
      expect(line?.summary).toMatch(/^event source mappings: ListEventSourceMappings failed/);
    });
  });
});
