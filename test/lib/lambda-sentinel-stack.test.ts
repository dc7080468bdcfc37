import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_SETTINGS, parseSettings, SettingsError } from '../../functions/scanner/settings';
import { LambdaSentinel } from '../../lib/lambda-sentinel';
import { LambdaSentinelStack } from '../../lib/lambda-sentinel-stack';
import {
  actionsOf,
  arnOf,
  logicalIdOf,
  onlyResource,
  resourceOf,
  scanner,
  scannerDenials,
  scannerGrants,
  statementsGranting,
  synthesize,
  synthesizeStack,
  type Resource,
  type Statement,
} from './stack-template';

function scannerSettings(template: Template): unknown {
  const variables = (scanner(template).Properties.Environment as { Variables: Record<string, unknown> })
    .Variables;
  return JSON.parse(variables.SENTINEL_SETTINGS as string);
}

// Every policy document in the template: identity policies and the topic, queue and key policies.
function allStatements(template: Template): Statement[] {
  const documents: unknown[] = [];
  for (const resource of Object.values(template.toJSON().Resources as Record<string, Resource>)) {
    const properties = resource.Properties ?? {};
    documents.push(properties.PolicyDocument, properties.KeyPolicy, properties.AssumeRolePolicyDocument);
  }
  return documents.flatMap(
    (document) => (document as { Statement?: Statement[] } | undefined)?.Statement ?? [],
  );
}

describe('LambdaSentinelStack with no context', () => {
  let stack: LambdaSentinelStack;
  let template: Template;
  let deadLetterQueue: string;
  beforeAll(() => {
    const synthesized = synthesizeStack();
    stack = synthesized.stack;
    template = synthesized.template;
    deadLetterQueue = logicalIdOf(synthesized.stack.sentinel.deadLetterQueue);
  });

  it('runs the scanner on a current Node.js runtime on arm64 with JSON logs', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
      MemorySize: 512,
      Timeout: 300,
    });
  });

  it('logs to its own log group, kept for 30 days', () => {
    const logGroup = onlyResource(template, 'AWS::Logs::LogGroup');
    expect(logGroup.resource.Properties.RetentionInDays).toBe(30);
    expect(scanner(template).Properties.LoggingConfig).toMatchObject({
      LogGroup: { Ref: logGroup.logicalId },
    });
  });

  it('runs every 5 minutes by default, targeting the scanner with retries and a dead-letter queue', () => {
    const scannerId = onlyResource(template, 'AWS::Lambda::Function').logicalId;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        {
          Arn: arnOf(scannerId),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: arnOf(deadLetterQueue) },
        },
      ],
    });
  });

  it('retries a failed scan twice, then sends it to an encrypted, SSL-only dead-letter queue', () => {
    expect(resourceOf(template, deadLetterQueue).Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    expect(scanner(template).Properties.DeadLetterConfig).toEqual({ TargetArn: arnOf(deadLetterQueue) });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: deadLetterQueue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('encrypts the alert topic with a rotating customer-managed key and denies publishing without SSL', () => {
    const key = onlyResource(template, 'AWS::KMS::Key');
    expect(key.resource.Properties.EnableKeyRotation).toBe(true);
    const topic = onlyResource(template, 'AWS::SNS::Topic');
    expect(topic.resource.Properties.KmsMasterKeyId).toEqual(arnOf(key.logicalId));
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic.logicalId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets CloudWatch alarms of this account publish to the encrypted topic', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          }),
        ]),
      },
    });
  });

  it('warns at synth that nobody will be alerted, and how to change that', () => {
    Annotations.fromStack(stack).hasWarning(
      '/LambdaSentinel/Sentinel',
      Match.stringLikeRegexp(
        '^No alertEmails: nobody will be alerted\\..*-c alertEmails=ops@example\\.com.*AlertTopicArn output',
      ),
    );
  });

  it('subscribes no e-mail address', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('keeps state in an on-demand table keyed by pk, with TTL on expiresAt and point-in-time recovery', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    });
  });

  it('outputs exactly the alert topic ARN, the scanner function name, the state table name and the dashboard URL', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      'AlertTopicArn',
      'DashboardUrl',
      'ScannerFunctionName',
      'StateTableName',
    ]);
    expect(outputs.AlertTopicArn!.Value).toEqual({
      Ref: onlyResource(template, 'AWS::SNS::Topic').logicalId,
    });
    expect(outputs.ScannerFunctionName!.Value).toEqual({
      Ref: onlyResource(template, 'AWS::Lambda::Function').logicalId,
    });
    expect(outputs.StateTableName!.Value).toEqual({
      Ref: onlyResource(template, 'AWS::DynamoDB::Table').logicalId,
    });
  });

  it('tells the scanner where to publish and where to keep state', () => {
    expect(scanner(template).Properties.Environment).toMatchObject({
      Variables: {
        ALERT_TOPIC_ARN: { Ref: onlyResource(template, 'AWS::SNS::Topic').logicalId },
        STATE_TABLE_NAME: { Ref: onlyResource(template, 'AWS::DynamoDB::Table').logicalId },
      },
    });
  });

  it('gives the scanner the default settings', () => {
    expect(scannerSettings(template)).toEqual(DEFAULT_SETTINGS);
  });

  it('grants the scanner exactly the actions it needs', () => {
    const actions = scannerGrants(template).flatMap(actionsOf);
    expect([...actions].sort()).toEqual(
      [
        'lambda:ListFunctions',
        'lambda:GetFunction',
        'lambda:ListTags',
        'lambda:GetAccountSettings',
        'lambda:ListProvisionedConcurrencyConfigs',
        'lambda:ListAliases',
        'lambda:GetFunctionRecursionConfig',
        // The callers of the bare name that bypass provisioned concurrency (pc-health).
        'lambda:GetFunctionUrlConfig',
        'lambda:GetPolicy',
        'lambda:ListEventSourceMappings',
        'cloudwatch:GetMetricData',
        'sns:Publish',
        'events:PutEvents',
        'kms:GenerateDataKey',
        'kms:Decrypt',
        // What the state store sends during a run: no GetItem or Query, which no run makes.
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:Scan',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        // Failed scans to the dead-letter queue.
        'sqs:SendMessage',
        // Consuming the pending-check queue, and re-delaying a check that arrived early.
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:SendMessage',
      ].sort(),
    );
  });

  it('scopes per-function Lambda reads to functions of this account and region', () => {
    const functionArns = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':lambda:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':function:*',
        ],
      ],
    };
    for (const action of [
      'lambda:GetFunction',
      'lambda:ListTags',
      'lambda:ListAliases',
      'lambda:ListProvisionedConcurrencyConfigs',
      'lambda:GetFunctionRecursionConfig',
      'lambda:GetFunctionUrlConfig',
      'lambda:GetPolicy',
    ]) {
      expect(statementsGranting(template, action).map((statement) => statement.Resource)).toEqual([
        functionArns,
      ]);
    }
  });

  it('puts events on this account’s default bus, and only there, unless eventBusArn names another', () => {
    const putEvents = (context: Record<string, string>) =>
      statementsGranting(synthesize(context), 'events:PutEvents').map((statement) => statement.Resource);

    expect(putEvents({})).toEqual([
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':events:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':event-bus/default',
          ],
        ],
      },
    ]);
    expect(putEvents({ eventBusArn: 'arn:aws:events:eu-west-1:111122223333:event-bus/central' })).toEqual([
      'arn:aws:events:eu-west-1:111122223333:event-bus/central',
    ]);
  });

  it('uses Resource "*" only for the actions IAM cannot scope', () => {
    const unscoped = scannerGrants(template).filter((statement) => statement.Resource === '*');
    expect(unscoped.flatMap(actionsOf).sort()).toEqual(
      [
        'cloudwatch:GetMetricData',
        'lambda:GetAccountSettings',
        'lambda:ListEventSourceMappings',
        'lambda:ListFunctions',
      ].sort(),
    );
  });

  it('lets the scanner publish to its own topic only, with its key only, and write its own table only', () => {
    const topic = onlyResource(template, 'AWS::SNS::Topic').logicalId;
    const key = onlyResource(template, 'AWS::KMS::Key').logicalId;
    const table = onlyResource(template, 'AWS::DynamoDB::Table').logicalId;
    expect(statementsGranting(template, 'sns:Publish').map((s) => s.Resource)).toEqual([{ Ref: topic }]);
    expect(statementsGranting(template, 'kms:Decrypt').map((s) => s.Resource)).toEqual([arnOf(key)]);
    expect(statementsGranting(template, 'dynamodb:PutItem').map((s) => s.Resource)).toEqual([arnOf(table)]);
  });

  it('allows no "*" action anywhere, and no wildcard action in any identity policy', () => {
    const allowed = allStatements(template).filter((statement) => statement.Effect === 'Allow');
    expect(allowed.length).toBeGreaterThan(0);
    expect(allowed.flatMap(actionsOf)).not.toContain('*');
    expect(
      scannerGrants(template)
        .flatMap(actionsOf)
        .filter((action) => action.includes('*')),
    ).toEqual([]);
  });

  it('sets up no chat channel, nor a role for one, without the chat keys', () => {
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);
    expect(stack.sentinel.chat).toBeUndefined();
  });

  it('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('LambdaSentinelStack with chat channels', () => {
  const CHAT = {
    alertEmails: 'ops@example.com',
    slackWorkspaceId: 'T07EA123LEP',
    slackChannelId: 'C07EZ1ABC23',
    teamsTeamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
    teamsTenantId: 'b7a5d3c1-0000-4a4b-8c8d-1234567890ab',
    teamsChannelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
  };
  let stack: LambdaSentinelStack;
  let template: Template;
  let alertTopic: string;
  beforeAll(() => {
    ({ stack, template } = synthesizeStack(CHAT));
    alertTopic = logicalIdOf(stack.sentinel.alertTopic);
  });

  it('subscribes a Slack and a Teams channel configuration to the alert topic', () => {
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T07EA123LEP',
      SlackChannelId: 'C07EZ1ABC23',
      SnsTopicArns: [{ Ref: alertTopic }],
    });
    template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      TeamId: CHAT.teamsTeamId,
      TeamsTenantId: CHAT.teamsTenantId,
      TeamsChannelId: CHAT.teamsChannelId,
      SnsTopicArns: [{ Ref: alertTopic }],
    });
    // The service subscribes itself when the configuration names the topic; the stack adds no subscription for it.
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'https' }, 0);
  });

  it('caps both channels with the read-only guardrail', () => {
    const guardrail = logicalIdOf(stack.sentinel.chat!.guardrail);
    for (const type of [
      'AWS::Chatbot::SlackChannelConfiguration',
      'AWS::Chatbot::MicrosoftTeamsChannelConfiguration',
    ]) {
      template.hasResourceProperties(type, {
        GuardrailPolicies: [{ Ref: guardrail }],
        UserRoleRequired: false,
      });
    }
    const document = resourceOf(template, guardrail).Properties.PolicyDocument as { Statement: Statement[] };
    for (const statement of document.Statement) {
      expect(statement.Effect).toBe('Allow');
      for (const action of actionsOf(statement)) expect(action).toMatch(/^cloudwatch:(Describe|Get|List)\*$/);
    }
  });

  it('keeps the topic encrypted and its key to its publishers: the chat service gets no key statement', () => {
    const key = onlyResource(template, 'AWS::KMS::Key');
    expect(onlyResource(template, 'AWS::SNS::Topic').resource.Properties.KmsMasterKeyId).toEqual(
      arnOf(key.logicalId),
    );
    const principals = JSON.stringify(
      (key.resource.Properties.KeyPolicy as { Statement: Statement[] }).Statement.map(
        (statement) => (statement as { Principal?: unknown }).Principal,
      ),
    );
    expect(principals).toContain('cloudwatch.amazonaws.com');
    expect(principals).not.toContain('chatbot');
  });

  it('gives the scanner no permission it did not have without chat', () => {
    expect(scannerGrants(template)).toEqual(scannerGrants(synthesize({ alertEmails: CHAT.alertEmails })));
  });
});

describe('LambdaSentinelStack with context', () => {
  let stack: LambdaSentinelStack;
  let template: Template;
  let deadLetterQueue: string;
  beforeAll(() => {
    const synthesized = synthesizeStack({
      // As -c key=value delivers them: strings.
      schedule: 'rate(10 minutes)',
      alertEmails: 'ops@example.com, oncall@example.com',
      getFunctionRps: '50',
      // As cdk.json may hold them: numbers.
      pendingMinutes: 10,
    });
    stack = synthesized.stack;
    template = synthesized.template;
    deadLetterQueue = logicalIdOf(synthesized.stack.sentinel.deadLetterQueue);
  });

  it('gives no warning once alertEmails are set', () => {
    expect(Annotations.fromStack(stack).findWarning('/LambdaSentinel/Sentinel', Match.anyValue())).toEqual(
      [],
    );
  });

  it('uses the custom schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
  });

  it('subscribes each address once, with undeliverable e-mails kept in the dead-letter queue', () => {
    const subscriptions = Object.values(
      template.findResources('AWS::SNS::Subscription') as Record<string, Resource>,
    );
    expect(subscriptions.map((subscription) => subscription.Properties.Endpoint).sort()).toEqual([
      'oncall@example.com',
      'ops@example.com',
    ]);
    for (const subscription of subscriptions) {
      expect(subscription.Properties).toMatchObject({
        Protocol: 'email',
        RedrivePolicy: { deadLetterTargetArn: arnOf(deadLetterQueue) },
      });
    }
  });

  it('passes every setting to the scanner as validated values, including keys the CDK code never names', () => {
    const settings = scannerSettings(template);
    expect(settings).toEqual({
      ...DEFAULT_SETTINGS,
      schedule: 'rate(10 minutes)',
      alertEmails: ['ops@example.com', 'oncall@example.com'],
      getFunctionRps: 50,
      pendingMinutes: 10,
    });
    // The scanner validates its environment with the same parser at cold start.
    expect(parseSettings(settings as Record<string, unknown>, 'scanner environment')).toEqual(settings);
  });
});

describe('settings validation', () => {
  it('rejects bad CDK context with one error naming every bad key, its value and what is allowed', () => {
    const app = new App({
      context: { pendingMinutes: '-1', alertEmails: 'not-an-email', schedule: 'sometimes' },
    });
    let thrown: unknown;
    try {
      new LambdaSentinelStack(app, 'LambdaSentinel');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SettingsError);
    const { message, problems } = thrown as SettingsError;
    expect(problems.map((problem) => problem.key).sort()).toEqual([
      'alertEmails',
      'pendingMinutes',
      'schedule',
    ]);
    expect(message).toContain('CDK context');
    expect(message).toContain('pendingMinutes="-1": a number of minutes > 0');
    expect(message).toContain('alertEmails="not-an-email": comma-separated e-mail addresses');
    expect(message).toContain('schedule="sometimes": an EventBridge schedule expression');
  });

  // The commands: each used to synthesize a stack that ignored the mistyped keys.
  it('fails `cdk synth -c remediate=throttle-loops -c dryrun=true -c alertEmail=ops@example.com`', () => {
    const app = new App({
      context: { remediate: 'throttle-loops', dryrun: 'true', alertEmail: 'ops@example.com' },
    });

    // Exactly what bin/lambda-sentinel.ts prints before exiting 1.
    expect(() => new LambdaSentinelStack(app, 'LambdaSentinel')).toThrow(
      'Invalid lambda-sentinel CDK context (-c key=value or cdk.json) (2):\n' +
        '  - dryrun="true": unknown key; did you mean dryRun?\n' +
        '  - alertEmail="ops@example.com": unknown key; did you mean alertEmails?',
    );
  });

  it('fails `cdk synth -c pendingMinuts=5` naming the key and pendingMinutes', () => {
    const app = new App({ context: { pendingMinuts: '5' } });

    expect(() => new LambdaSentinelStack(app, 'LambdaSentinel')).toThrow(
      /^Invalid lambda-sentinel CDK context [^\n]*\(1\):\n {2}- pendingMinuts="5": unknown key; did you mean pendingMinutes\?$/,
    );
  });

  it('fails `cdk synth` on a bad or half-given chat channel, naming the key', () => {
    expect(() => synthesize({ slackWorkspaceId: 'T07EA123LEP', slackChannelId: '#alerts' })).toThrow(
      /slackChannelId="#alerts": a Slack channel id of letters and digits/,
    );
    expect(() => synthesize({ slackWorkspaceId: 'T07EA123LEP' })).toThrow(
      /slackChannelId=undefined: required with slackWorkspaceId/,
    );
    expect(() =>
      synthesize({
        teamsTeamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
        teamsChannelId: '19:abc@thread.tacv2',
      }),
    ).toThrow(
      /teamsChannelId="19:abc@thread.tacv2": .*\n.*teamsTenantId=undefined: required with teamsTeamId/s,
    );
  });

  it('rejects bad construct props the same way, naming them as construct props', () => {
    const build = () =>
      new LambdaSentinel(new Stack(new App(), 'Host'), 'Sentinel', {
        pendingMinutes: 0,
        alertEmails: ['ops@'],
      });
    expect(build).toThrow(SettingsError);
    expect(build).toThrow(/construct props[\s\S]*alertEmails=\["ops@"\][\s\S]*pendingMinutes=0/);
  });
});

describe('remediation flags', () => {
  // Anything a Lambda action can do beyond reading: the deployed role must grant only what the flags need.
  const lambdaWrites = (template: Template): string[] =>
    scannerGrants(template)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('lambda:') && !/^lambda:(Get|List)/.test(action))
      .sort();

  it('with no flag, grants no mutating Lambda action at all', () => {
    expect(lambdaWrites(synthesize())).toEqual([]);
  });

  it.each([
    ['throttle-loops', ['lambda:PutFunctionConcurrency', 'lambda:UpdateEventSourceMapping']],
    ['cap-hogs', ['lambda:DeleteFunctionConcurrency', 'lambda:PutFunctionConcurrency']],
    ['unblock-pending', ['lambda:UpdateFunctionConfiguration']],
    [
      'throttle-loops,cap-hogs,unblock-pending',
      [
        'lambda:DeleteFunctionConcurrency',
        'lambda:PutFunctionConcurrency',
        'lambda:UpdateEventSourceMapping',
        'lambda:UpdateFunctionConfiguration',
      ],
    ],
  ])('remediate=%s grants exactly %j', (remediate, expected) => {
    expect(lambdaWrites(synthesize({ remediate }))).toEqual(expected);
  });

  it("scopes pausing a loop's triggers to the event source mappings of this account and region", () => {
    const template = synthesize({ remediate: 'throttle-loops' });

    expect(statementsGranting(template, 'lambda:UpdateEventSourceMapping')).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:UpdateEventSourceMapping',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':lambda:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':event-source-mapping:*',
            ],
          ],
        },
      },
    ]);
  });

  it('grants ListEventSourceMappings, which IAM cannot scope, whatever the flags: a hot function’s mappings are evidence', () => {
    const listing = (context: Record<string, string>) =>
      statementsGranting(synthesize(context), 'lambda:ListEventSourceMappings').map((s) => s.Resource);

    expect(listing({})).toEqual(['*']);
    expect(listing({ remediate: 'throttle-loops', dryRun: 'true' })).toEqual(['*']);
  });

  it('scopes the mutating action to functions of this account and region', () => {
    const template = synthesize({ remediate: 'throttle-loops' });

    expect(statementsGranting(template, 'lambda:PutFunctionConcurrency').map((s) => s.Resource)).toEqual(
      statementsGranting(template, 'lambda:GetFunction').map((s) => s.Resource),
    );
  });

  it('grants nothing mutating in a dry run, whatever the flags', () => {
    expect(lambdaWrites(synthesize({ remediate: 'throttle-loops,cap-hogs', dryRun: 'true' }))).toEqual([]);
  });

  it('passes the remediation settings to the scanner', () => {
    const template = synthesize({ remediate: 'cap-hogs', maxActionsPerRun: '1', hogCap: '200' });

    expect(scannerSettings(template)).toMatchObject({
      remediate: ['cap-hogs'],
      dryRun: false,
      maxActionsPerRun: 1,
      hogCap: 200,
    });
  });

  it('tags the scanner with protectTag, so no sentinel ever acts on it', () => {
    const tags = (template: Template) => scanner(template).Properties.Tags;

    expect(tags(synthesize())).toEqual(
      expect.arrayContaining([{ Key: 'lambda-sentinel:protect', Value: 'true' }]),
    );
    expect(tags(synthesize({ protectTag: 'team:hands-off' }))).toEqual(
      expect.arrayContaining([{ Key: 'team:hands-off', Value: 'true' }]),
    );
  });

  describe('guardrails', () => {
    const functionWrites = [
      'lambda:PutFunctionConcurrency',
      'lambda:DeleteFunctionConcurrency',
      'lambda:UpdateFunctionConfiguration',
    ];
    const scannerArns = (template: Template) => {
      const scannerArn = arnOf(onlyResource(template, 'AWS::Lambda::Function').logicalId);
      return [scannerArn, { 'Fn::Join': ['', [scannerArn, ':*']] }];
    };
    const everyArn = (type: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':lambda:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:${type}:*`,
        ],
      ],
    });

    it.each([
      ['with every flag', { remediate: 'throttle-loops,cap-hogs,unblock-pending' }],
      ['with no flag', {}],
    ])(
      'deny changing the scanner itself, its own triggers and any protected function, %s',
      (_label, context) => {
        const template = synthesize(context);

        expect(scannerDenials(template)).toEqual([
          {
            Sid: 'NeverChangeTheSentinelItself',
            Effect: 'Deny',
            Action: functionWrites,
            Resource: scannerArns(template),
          },
          {
            Sid: 'NeverPauseTheSentinelsOwnTriggers',
            Effect: 'Deny',
            Action: 'lambda:UpdateEventSourceMapping',
            Resource: everyArn('event-source-mapping'),
            Condition: { ArnLike: { 'lambda:FunctionArn': scannerArns(template) } },
          },
          {
            Sid: 'NeverChangeProtectedFunctions',
            Effect: 'Deny',
            Action: functionWrites,
            Resource: everyArn('function'),
            Condition: { Null: { 'aws:ResourceTag/lambda-sentinel:protect': 'false' } },
          },
        ]);
      },
    );

    it('deny by the protectTag the operator chose', () => {
      const denials = scannerDenials(synthesize({ remediate: 'cap-hogs', protectTag: 'team:hands-off' }));

      expect(denials.find((denial) => denial.Sid === 'NeverChangeProtectedFunctions')?.Condition).toEqual({
        Null: { 'aws:ResourceTag/team:hands-off': 'false' },
      });
    });
  });

  it('takes the same settings as construct props', () => {
    const stack = new Stack(new App(), 'Host');
    new LambdaSentinel(stack, 'Sentinel', { remediate: ['unblock-pending'] });

    expect(lambdaWrites(Template.fromStack(stack))).toEqual(['lambda:UpdateFunctionConfiguration']);
  });
});
