import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { parseSettings, SETTING_KEYS, SettingsError } from '../../functions/scanner/settings';
import { LambdaSentinelStack } from '../../lib/lambda-sentinel-stack';
import { CENTRAL_EVENT_BUS_PARAMETER, type MemberSentinelStack } from '../../lib/member-sentinel-stack';
import { OPERATION_PREFERENCES } from '../../lib/organization-sentinel';
import {
  addOrganizationStacks,
  LambdaSentinelOrganizationStack,
  ORGANIZATION_STACK_ID,
  type OrganizationStacks,
} from '../../lib/organization-stack';
import { ASSET_BUCKET_ACCOUNT_PARAMETER } from '../../lib/stack-set-member';
import { arnOf, onlyResource, scanner, statementsGranting, textOf, type Statement } from './stack-template';

// The command, plus settings whose way to the members the tests follow.
const CONTEXT = {
  orgTargets: 'ou-ab12-34cd5678',
  regions: 'eu-west-1,us-east-1',
  alertEmails: 'ops@example.com,oncall@example.com',
  remediate: 'throttle-loops,cap-hogs',
  pendingMinutes: '9',
  renotifyHours: '12',
  protectTag: 'team:do-not-touch',
  schedule: 'rate(10 minutes)',
};

interface SynthesizedOrganization {
  readonly app: App;
  readonly stacks: OrganizationStacks;
  readonly assembly: CloudAssembly;
  readonly template: Template;
  readonly member: MemberSentinelStack;
  readonly memberTemplate: Template;
}

/** What bin/lambda-sentinel.ts builds from `context`: the single-account stack, and organization mode's stacks. */
function synthesizeOrganization(context: Record<string, string>): SynthesizedOrganization {
  const app = new App({ context });
  new LambdaSentinelStack(app, 'LambdaSentinel');
  const stacks = addOrganizationStacks(app);
  if (stacks === undefined) throw new Error('no organization stacks for a context with orgTargets');
  const assembly = app.synth();
  const member = stacks.organization.organization.member;
  return {
    app,
    stacks,
    assembly,
    template: Template.fromStack(stacks.organization),
    member,
    memberTemplate: Template.fromJSON(
      JSON.parse(readFileSync(join(assembly.directory, member.templateFile), 'utf8')) as Record<
        string,
        unknown
      >,
    ),
  };
}

const onlyProperties = (template: Template, type: string): Record<string, unknown> =>
  onlyResource(template, type).resource.Properties;

/** The settings the member's scanner receives, with the central bus parameter written as «CentralEventBusArn». */
function memberScannerSettings(memberTemplate: Template): Record<string, unknown> {
  const variables = (scanner(memberTemplate).Properties.Environment as { Variables: Record<string, unknown> })
    .Variables;
  return JSON.parse(textOf(variables.SENTINEL_SETTINGS)) as Record<string, unknown>;
}

describe('organization mode: -c orgTargets=ou-ab12-34cd5678 -c regions=eu-west-1,us-east-1', () => {
  let synthesized: SynthesizedOrganization;
  let bus: string;
  let topic: string;
  let organizationIdLookup: { 'Fn::GetAtt': [string, string] };
  beforeAll(() => {
    synthesized = synthesizeOrganization(CONTEXT);
    bus = onlyResource(synthesized.template, 'AWS::Events::EventBus').logicalId;
    topic = onlyResource(synthesized.template, 'AWS::SNS::Topic').logicalId;
    organizationIdLookup = {
      'Fn::GetAtt': [
        onlyResource(synthesized.template, 'Custom::OrganizationId').logicalId,
        'Organization.Id',
      ],
    };
  }, 180_000);

  describe('the StackSet', () => {
    it('is service-managed and deploys automatically to accounts joining the OUs, removing leavers', () => {
      expect(onlyProperties(synthesized.template, 'AWS::CloudFormation::StackSet')).toMatchObject({
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
        ManagedExecution: { Active: true },
        Capabilities: ['CAPABILITY_IAM'],
      });
    });

    it('is called as the management account unless the operator says otherwise', () => {
      expect(onlyProperties(synthesized.template, 'AWS::CloudFormation::StackSet').CallAs).toBe('SELF');
    });

    it('targets the orgTargets OUs in the regions given', () => {
      expect(
        onlyProperties(synthesized.template, 'AWS::CloudFormation::StackSet').StackInstancesGroup,
      ).toEqual([
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-34cd5678'] },
          Regions: ['eu-west-1', 'us-east-1'],
        },
      ]);
    });

    it('rolls out to a quarter of the accounts at a time, regions in parallel, stopping at a tenth failed', () => {
      expect(
        onlyProperties(synthesized.template, 'AWS::CloudFormation::StackSet').OperationPreferences,
      ).toEqual({
        RegionConcurrencyType: 'PARALLEL',
        MaxConcurrentPercentage: 25,
        FailureTolerancePercentage: 10,
        ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
      });
      expect(OPERATION_PREFERENCES.failureTolerancePercentage).toBeLessThan(
        OPERATION_PREFERENCES.maxConcurrentPercentage!,
      );
    });

    it('deploys the member template, uploaded with the organization stack', () => {
      const manifest = JSON.parse(
        readFileSync(join(synthesized.assembly.directory, `${ORGANIZATION_STACK_ID}.assets.json`), 'utf8'),
      ) as { files: Record<string, { source: { path: string } }> };
      const [templateHash] = Object.entries(manifest.files).find(
        ([, file]) => file.source.path === synthesized.member.templateFile,
      )!;
      const templateUrl = onlyProperties(synthesized.template, 'AWS::CloudFormation::StackSet')
        .TemplateURL as {
        'Fn::Sub': string;
      };
      expect(templateUrl['Fn::Sub']).toMatch(new RegExp(`/${templateHash}\\.json$`));
    });

    it("gives every member the central bus's ARN and the account holding the asset buckets", () => {
      expect(onlyProperties(synthesized.template, 'AWS::CloudFormation::StackSet').Parameters).toEqual([
        { ParameterKey: CENTRAL_EVENT_BUS_PARAMETER, ParameterValue: arnOf(bus) },
        { ParameterKey: ASSET_BUCKET_ACCOUNT_PARAMETER, ParameterValue: { Ref: 'AWS::AccountId' } },
      ]);
    });
  });

  describe('the central bus', () => {
    it('admits events:PutEvents from accounts of the organization only, and nothing else', () => {
      const properties = onlyProperties(synthesized.template, 'AWS::Events::EventBus');
      expect(properties.Name).toBe('lambda-sentinel');
      expect(properties.Policy).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountsOfTheOrganizationPutEvents',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'events:PutEvents',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':events:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':event-bus/lambda-sentinel',
                ],
              ],
            },
            Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationIdLookup } },
          },
        ],
      });
      // No second policy resource that could admit more.
      synthesized.template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    });

    it("learns the organization's id from DescribeOrganization at deploy time", () => {
      synthesized.template.hasResourceProperties('Custom::OrganizationId', {
        Create: Match.serializedJson(
          Match.objectLike({ service: 'Organizations', action: 'DescribeOrganization' }),
        ),
      });
    });
  });

  describe('the digest rule', () => {
    const digestRule = () =>
      Object.values(
        synthesized.template.findResources('AWS::Events::Rule', {
          Properties: { EventPattern: { 'detail-type': ['Run Digest'] } },
        }) as Record<string, { Properties: Record<string, unknown> }>,
      );

    it('matches exactly the run digests members put on the central bus', () => {
      const rules = digestRule();
      expect(rules).toHaveLength(1);
      expect(rules[0]!.Properties).toMatchObject({
        EventBusName: { Ref: bus },
        EventPattern: { source: ['lambda-sentinel'], 'detail-type': ['Run Digest'] },
      });
      expect(Object.keys(rules[0]!.Properties.EventPattern as object).sort()).toEqual([
        'detail-type',
        'source',
      ]);
    });

    it("e-mails the digest's text, account and region first, through the central topic, keeping undeliverables", () => {
      const queue = onlyResource(synthesized.template, 'AWS::SQS::Queue').logicalId;
      expect(digestRule()[0]!.Properties.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: { Ref: topic },
          InputTransformer: {
            InputPathsMap: { 'detail-digest': '$.detail.digest' },
            InputTemplate: '"<detail-digest>"',
          },
          DeadLetterConfig: { Arn: arnOf(queue) },
        },
      ]);
    });
  });

  it("e-mails the members' own alarms through the central topic, naming account and region first", () => {
    const rules = Object.values(
      synthesized.template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['aws.cloudwatch'] } },
      }) as Record<string, { Properties: Record<string, unknown> }>,
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      EventBusName: { Ref: bus },
      EventPattern: {
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'LambdaSentinelMember-' }] },
      },
      Targets: [
        {
          Arn: { Ref: topic },
          InputTransformer: {
            InputTemplate:
              '"Account <account> in <region>: lambda-sentinel alarm <detail-alarmName> is <detail-state-value>. ' +
              '<detail-state-reason>"',
          },
        },
      ],
    });
  });

  describe('the central topic', () => {
    it('subscribes each alertEmails address, with undeliverable e-mails kept', () => {
      const queue = onlyResource(synthesized.template, 'AWS::SQS::Queue').logicalId;
      for (const address of ['ops@example.com', 'oncall@example.com']) {
        synthesized.template.hasResourceProperties('AWS::SNS::Subscription', {
          TopicArn: { Ref: topic },
          Protocol: 'email',
          Endpoint: address,
          RedrivePolicy: { deadLetterTargetArn: arnOf(queue) },
        });
      }
      synthesized.template.resourceCountIs('AWS::SNS::Subscription', 2);
    });

    it('is encrypted with a key EventBridge and CloudWatch alarms may use to publish', () => {
      const key = onlyResource(synthesized.template, 'AWS::KMS::Key');
      expect(onlyProperties(synthesized.template, 'AWS::SNS::Topic').KmsMasterKeyId).toEqual(
        arnOf(key.logicalId),
      );
      const keyStatements = (key.resource.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
      for (const [service, generateDataKey] of [
        ['events.amazonaws.com', 'kms:GenerateDataKey*'],
        ['cloudwatch.amazonaws.com', 'kms:GenerateDataKey'],
      ]) {
        expect(keyStatements).toContainEqual(
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: service },
            Action: expect.arrayContaining(['kms:Decrypt', generateDataKey]),
          }),
        );
      }
    });

    it('is watched: undelivered digests raise an alarm on the central topic', () => {
      const queue = onlyResource(synthesized.template, 'AWS::SQS::Queue').logicalId;
      synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'LambdaSentinelOrganization dead-letter messages',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        AlarmActions: [{ Ref: topic }],
        OKActions: [{ Ref: topic }],
      });
    });
  });

  it('outputs exactly CentralBusArn and CentralAlertTopicArn', () => {
    expect(synthesized.template.toJSON().Outputs).toEqual({
      CentralBusArn: { Description: expect.any(String), Value: arnOf(bus) },
      CentralAlertTopicArn: { Description: expect.any(String), Value: { Ref: topic } },
    });
  });

  describe('the member template', () => {
    it('passes every setting from context through to the member scanner', () => {
      const settings = memberScannerSettings(synthesized.memberTemplate);
      const fromContext = parseSettings(CONTEXT);
      for (const key of SETTING_KEYS.filter(
        (key) => !['alertEmails', 'eventBusArn', 'orgTargets', 'regions'].includes(key),
      )) {
        expect([key, settings[key]]).toEqual([key, fromContext[key] ?? undefined]);
      }
      expect(settings).toMatchObject({ remediate: ['throttle-loops', 'cap-hogs'], pendingMinutes: 9 });
    });

    it('sends findings to the central bus, e-mail centrally, and is no organization itself', () => {
      expect(memberScannerSettings(synthesized.memberTemplate)).toMatchObject({
        eventBusArn: `«${CENTRAL_EVENT_BUS_PARAMETER}»`,
        alertEmails: [],
        orgTargets: [],
        regions: [],
      });
      synthesized.memberTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('lets the member scanner put events on exactly the central bus', () => {
      expect(
        statementsGranting(synthesized.memberTemplate, 'events:PutEvents').map((s) => s.Resource),
      ).toEqual([{ Ref: CENTRAL_EVENT_BUS_PARAMETER }]);
    });

    it('grants the remediation actions the settings ask for, as the single-account stack would', () => {
      for (const action of [
        'lambda:PutFunctionConcurrency',
        'lambda:DeleteFunctionConcurrency',
        'lambda:UpdateEventSourceMapping',
      ]) {
        expect(statementsGranting(synthesized.memberTemplate, action)).toHaveLength(1);
      }
      expect(statementsGranting(synthesized.memberTemplate, 'lambda:UpdateFunctionConfiguration')).toEqual(
        [],
      );
    });

    it("forwards the state changes of its own alarms to the central bus, keeping what it can't deliver", () => {
      // The sentinel's own alarms; the trigger alarms only start scans and are nobody's news.
      const alarms = Object.keys(synthesized.memberTemplate.findResources('AWS::CloudWatch::Alarm')).filter(
        (logicalId) => !logicalId.includes('AlarmTriggers'),
      );
      expect(alarms).toHaveLength(4);
      const deadLetterQueue = Object.keys(
        synthesized.memberTemplate.findResources('AWS::SQS::Queue', {
          Properties: { MessageRetentionPeriod: 1209600 },
        }),
      );
      expect(deadLetterQueue).toHaveLength(1);
      synthesized.memberTemplate.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          resources: alarms.map((alarm) => arnOf(alarm)),
        },
        Targets: [
          Match.objectLike({
            Arn: { Ref: CENTRAL_EVENT_BUS_PARAMETER },
            RoleArn: Match.anyValue(),
            DeadLetterConfig: { Arn: arnOf(deadLetterQueue[0]!) },
          }),
        ],
      });
    });

    it('names its dashboard per region, since dashboard names are unique per account', () => {
      synthesized.memberTemplate.hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardName: { 'Fn::Join': ['', ['LambdaSentinelMember-Sentinel-', { Ref: 'AWS::Region' }]] },
      });
    });

    it('outputs what an operator of a member account needs, and nothing of the organization', () => {
      expect(Object.keys(synthesized.memberTemplate.toJSON().Outputs as object).sort()).toEqual(
        ['AlertTopicArn', 'DashboardUrl', 'ScannerFunctionName', 'StateTableName'].sort(),
      );
    });

    it('keeps its own state table, retained when a member is removed', () => {
      expect(onlyResource(synthesized.memberTemplate, 'AWS::DynamoDB::Table').resource).toMatchObject({
        DeletionPolicy: 'Retain',
      });
    });
  });

  describe('the asset buckets', () => {
    it('are one stack per target region, deployed before the organization stack', () => {
      expect(synthesized.stacks.assetBuckets.map((stack) => [stack.stackName, stack.region])).toEqual([
        ['LambdaSentinelAssets-eu-west-1', 'eu-west-1'],
        ['LambdaSentinelAssets-us-east-1', 'us-east-1'],
      ]);
      expect(synthesized.stacks.organization.dependencies.map((stack) => stack.stackName).sort()).toEqual([
        'LambdaSentinelAssets-eu-west-1',
        'LambdaSentinelAssets-us-east-1',
      ]);
    });

    it('are where cdk deploy publishes the member code and where the member template reads it', () => {
      const manifest = JSON.parse(
        readFileSync(
          join(synthesized.assembly.directory, `${synthesized.member.artifactId}.assets.json`),
          'utf8',
        ),
      ) as {
        files: Record<string, { destinations: Record<string, { bucketName: string; region: string }> }>;
      };
      const published = Object.values(manifest.files).flatMap((file) =>
        Object.values(file.destinations).map((destination) => [destination.region, destination.bucketName]),
      );
      const created = synthesized.stacks.assetBuckets.map((stack) => [
        stack.region,
        textOf(
          onlyProperties(Template.fromStack(stack), 'AWS::S3::Bucket').BucketName,
          () => '${AWS::AccountId}',
        ),
      ]);
      expect(published).toEqual(created);
      expect(scanner(synthesized.memberTemplate).Properties.Code).toMatchObject({
        S3Bucket: {
          'Fn::Join': [
            '',
            ['lambda-sentinel-assets-', { Ref: ASSET_BUCKET_ACCOUNT_PARAMETER }, '-', { Ref: 'AWS::Region' }],
          ],
        },
      });
    });
  });

  it('matches the snapshots: organization stack, member template, asset bucket stack', () => {
    expect(synthesized.template.toJSON()).toMatchSnapshot();
    expect(synthesized.memberTemplate.toJSON()).toMatchSnapshot();
    expect(Template.fromStack(synthesized.stacks.assetBuckets[0]!).toJSON()).toMatchSnapshot();
  });

  it('leaves the single-account stack in the app as it was', () => {
    const stacks = synthesized.assembly.stacks.map((stack) => stack.stackName).sort();
    expect(stacks).toEqual(
      [
        'LambdaSentinel',
        'LambdaSentinelAssets-eu-west-1',
        'LambdaSentinelAssets-us-east-1',
        'LambdaSentinelOrganization',
      ].sort(),
    );
  });
});

describe('organization mode in the organization stack’s own region, from a delegated administrator', () => {
  let stacks: OrganizationStacks;
  let template: Template;
  beforeAll(() => {
    const app = new App({
      context: { orgTargets: 'r-ab12,ou-ab12-34cd5678', orgCallAs: 'DELEGATED_ADMIN' },
    });
    stacks = addOrganizationStacks(app)!;
    template = Template.fromStack(stacks.organization);
  }, 180_000);

  it("deploys the members to the organization stack's own region, with the asset bucket there", () => {
    expect(onlyProperties(template, 'AWS::CloudFormation::StackSet').StackInstancesGroup).toEqual([
      {
        DeploymentTargets: { OrganizationalUnitIds: ['r-ab12', 'ou-ab12-34cd5678'] },
        Regions: [{ Ref: 'AWS::Region' }],
      },
    ]);
    expect(stacks.assetBuckets.map((stack) => stack.stackName)).toEqual(['LambdaSentinelAssets']);
    expect(Stack.of(stacks.assetBuckets[0]!).region).toBe(stacks.organization.region);
  });

  it('is called as a delegated administrator when orgCallAs says so', () => {
    expect(onlyProperties(template, 'AWS::CloudFormation::StackSet').CallAs).toBe('DELEGATED_ADMIN');
  });

  it('subscribes nobody when alertEmails is not set, and warns at synth that nobody will be alerted', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    Annotations.fromStack(stacks.organization).hasWarning(
      '/LambdaSentinelOrganization/Organization',
      Match.stringLikeRegexp(
        '^No alertEmails: nobody will be alerted of any member account\\..*CentralAlertTopicArn',
      ),
    );
  });
});

describe('organization mode configuration', () => {
  const problemsOf = (context: Record<string, string>): string => {
    try {
      addOrganizationStacks(new App({ context }));
    } catch (error) {
      if (error instanceof SettingsError) return error.message;
      throw error;
    }
    throw new Error('no SettingsError');
  };

  it('adds nothing without orgTargets', () => {
    const app = new App({ context: { alertEmails: 'ops@example.com' } });
    expect(addOrganizationStacks(app)).toBeUndefined();
    expect(app.node.children).toEqual([]);
  });

  it('fails bad orgTargets and regions in one error naming both', () => {
    expect(problemsOf({ orgTargets: 'ou-ab12,o-1234567890', regions: 'eu-west-1,Mars' })).toBe(
      'Invalid lambda-sentinel CDK context (-c key=value or cdk.json) (2):\n' +
        '  - orgTargets="ou-ab12,o-1234567890": a comma list of organizational unit ids (ou-xxxx-xxxxxxxx) or the ' +
        'root id (r-xxxx)\n' +
        '  - regions="eu-west-1,Mars": a comma list of AWS regions, e.g. eu-west-1,us-east-1',
    );
  });

  it('fails an unknown orgCallAs, naming what it may be', () => {
    expect(problemsOf({ orgTargets: 'ou-ab12-34cd5678', orgCallAs: 'MANAGEMENT' })).toContain(
      '  - orgCallAs="MANAGEMENT": SELF (deployed in the management account) or DELEGATED_ADMIN',
    );
  });

  it('refuses an organization stack without targets', () => {
    expect(
      () =>
        new LambdaSentinelOrganizationStack(new App(), 'Organization', {
          settings: parseSettings({}),
        }),
    ).toThrow(/orgTargets/);
  });
});
