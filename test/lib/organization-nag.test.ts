import { App, Validations, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import { addOrganizationStacks, type OrganizationStacks } from '../../lib/organization-stack';

// Every remediation on, so that the member carries every permission (and acknowledgment) a flag can add.
const CONTEXT = {
  orgTargets: 'ou-ab12-34cd5678',
  regions: 'eu-west-1,us-east-1',
  alertEmails: 'ops@example.com,oncall@example.com',
  remediate: 'throttle-loops,cap-hogs,unblock-pending',
};

function synthesize(): OrganizationStacks {
  const app = new App({ context: CONTEXT });
  const stacks = addOrganizationStacks(app)!;
  app.synth();
  return stacks;
}

/** Every finding the AWS Solutions and Serverless packs report under `stack`, member template included. */
function findings(stack: Stack): string[] {
  const packs: NagPack[] = [new AwsSolutionsChecks(), new ServerlessChecks()];
  return packs
    .flatMap((pack) => pack.validateScope(stack).violations)
    .flatMap((violation) =>
      violation.violatingResources.map(
        (resource) =>
          `${violation.ruleName} at ${resource.constructPath ?? String(resource.resourceLogicalId)}`,
      ),
    );
}

/** Every acknowledgment under `stack`, by the construct it was made on. */
function acknowledgments(stack: Stack): { at: string; id: string; reason: string }[] {
  return stack.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => ({ at: construct.node.path, id: id.replace(/^annotation::/i, ''), reason })),
  );
}

// The handler CDK runs every AwsCustomResource of a stack with, here the organization id lookup.
const LOOKUP_HANDLER_ACKNOWLEDGMENTS = (stack: string) => [
  `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] at ${stack}/AWS679f53fac002430cb0da5b7982bd2287`,
  `Serverless-LambdaDLQ at ${stack}/AWS679f53fac002430cb0da5b7982bd2287`,
  `Serverless-LambdaTracing at ${stack}/AWS679f53fac002430cb0da5b7982bd2287`,
  `Serverless-LambdaDefaultMemorySize at ${stack}/AWS679f53fac002430cb0da5b7982bd2287`,
];
const MEMBER = 'LambdaSentinelOrganization/Organization/Member/Sentinel';
const ACKNOWLEDGED: Record<string, string[]> = {
  LambdaSentinelOrganization: [
    ...LOOKUP_HANDLER_ACKNOWLEDGMENTS('LambdaSentinelOrganization'),
    'AwsSolutions-IAM5[Resource::*] at LambdaSentinelOrganization/Organization/Organization/DescribeOrganization',
    'AwsSolutions-SQS3 at LambdaSentinelOrganization/Organization/DeadLetterQueue',
    'Serverless-SQSRedrivePolicy at LambdaSentinelOrganization/Organization/DeadLetterQueue',
    // The member template: the single-account sentinel's own acknowledgments, nothing added.
    `AwsSolutions-IAM5[Resource::*] at ${MEMBER}/ScannerRole`,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*] at ${MEMBER}/ScannerRole`,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:event-source-mapping:*] at ${MEMBER}/ScannerRole`,
    `Serverless-LambdaAsyncFailureDestination at ${MEMBER}/Scanner`,
    `Serverless-LambdaEventSourceMappingDestination at ${MEMBER}/PendingChecks/Consumer`,
    `Serverless-LambdaTracing at ${MEMBER}/Scanner`,
    `Serverless-SQSRedrivePolicy at ${MEMBER}/DeadLetterQueue`,
  ],
  ...Object.fromEntries(
    ['LambdaSentinelAssets-eu-west-1', 'LambdaSentinelAssets-us-east-1'].map((stack) => [
      stack,
      [
        ...LOOKUP_HANDLER_ACKNOWLEDGMENTS(stack),
        `AwsSolutions-IAM5[Resource::*] at ${stack}/Organization/DescribeOrganization`,
        `AwsSolutions-S1 at ${stack}/Bucket`,
      ],
    ]),
  ),
};

describe('cdk-nag AWS Solutions and Serverless packs on the organization stacks', () => {
  let stacks: Stack[];
  beforeAll(() => {
    const synthesized = synthesize();
    stacks = [synthesized.organization, ...synthesized.assetBuckets];
  }, 180_000);

  it('report no unacknowledged error or warning, member template included', () => {
    expect(stacks.map((stack) => [stack.stackName, findings(stack)])).toEqual(
      stacks.map((stack) => [stack.stackName, []]),
    );
  });

  it('leave CDK itself nothing to warn about, in the stacks or in the member template', () => {
    for (const stack of stacks) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
      expect(annotations.findError('*', Match.anyValue())).toEqual([]);
      const unacknowledged = stack.node
        .findAll()
        .flatMap((construct) => construct.node.metadata)
        .filter((entry) => entry.type === 'aws:cdk:warning' || entry.type === 'aws:cdk:error');
      expect(unacknowledged).toEqual([]);
    }
  });

  it('are acknowledged for exactly these rules, each on the construct it concerns', () => {
    for (const stack of stacks) {
      expect([
        stack.stackName,
        acknowledgments(stack)
          .map(({ id, at }) => `${id} at ${at}`)
          .sort(),
      ]).toEqual([stack.stackName, [...ACKNOWLEDGED[stack.stackName]!].sort()]);
    }
  });

  it('carry a specific reason for every acknowledgment', () => {
    for (const stack of stacks) {
      const reasons = acknowledgments(stack).map(({ reason }) => reason);
      expect(new Set(reasons).size).toBe(reasons.length);
      for (const reason of reasons) {
        expect(reason.length).toBeGreaterThanOrEqual(100);
        expect(reason).not.toMatch(/\b(todo|tbd|fixme|not needed|n\/a)\b/i);
      }
    }
  });

  it('would report exactly the acknowledged findings without the acknowledgments', () => {
    jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const unacknowledged = synthesize();
    for (const stack of [unacknowledged.organization, ...unacknowledged.assetBuckets]) {
      const acknowledged = ACKNOWLEDGED[stack.stackName]!;
      const coveredBy = findings(stack).map(
        (finding) =>
          acknowledged.find((entry) => {
            const [id, at] = entry.split(' at ');
            const [rule, path] = finding.split(' at ');
            return id === rule && path!.startsWith(`${at}/`);
          }) ?? `${finding} (not acknowledged)`,
      );
      expect([stack.stackName, [...new Set(coveredBy)].sort()]).toEqual([
        stack.stackName,
        [...acknowledged].sort(),
      ]);
    }
  }, 180_000);
});
