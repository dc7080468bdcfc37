import { App, Validations, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import { LambdaSentinelStack } from '../../lib/lambda-sentinel-stack';

// Two addresses, so that the rules on e-mail subscriptions have something to check.
const CONTEXT = { alertEmails: 'ops@example.com,oncall@example.com' };
// Every remediation on, for the permissions (and their acknowledgments) the flags add.
const REMEDIATING = { ...CONTEXT, remediate: 'throttle-loops,cap-hogs,unblock-pending' };

function synthesize(context: Record<string, string> = CONTEXT): Stack {
  const app = new App({ context });
  const stack = new LambdaSentinelStack(app, 'LambdaSentinel');
  app.synth();
  return stack;
}

/** Every finding the AWS Solutions and Serverless packs report, with the path of the resource it is on. */
function findings(stack: Stack): { rule: string; path: string }[] {
  const packs: NagPack[] = [new AwsSolutionsChecks(), new ServerlessChecks()];
  return packs
    .flatMap((pack) => pack.validateScope(stack).violations)
    .flatMap((violation) =>
      violation.violatingResources.map((resource) => ({
        rule: violation.ruleName,
        // cdk-nag always names the construct; the logical ID is only the framework's fallback.
        path: resource.constructPath ?? String(resource.resourceLogicalId),
      })),
    );
}

/** Every acknowledgment in the tree, by the construct it was made on. */
function acknowledgments(stack: Stack): { at: string; id: string; reason: string }[] {
  return stack.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => ({ at: construct.node.path, id: id.replace(/^annotation::/i, ''), reason })),
  );
}

// Each acknowledgment, as "rule at construct path"; it covers the resources under that construct.
const ACKNOWLEDGED_BY_DEFAULT = [
  'AwsSolutions-IAM5[Resource::*] at LambdaSentinel/Sentinel/ScannerRole',
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*] at LambdaSentinel/Sentinel/ScannerRole',
  'Serverless-LambdaAsyncFailureDestination at LambdaSentinel/Sentinel/Scanner',
  'Serverless-LambdaEventSourceMappingDestination at LambdaSentinel/Sentinel/PendingChecks/Consumer',
  'Serverless-LambdaTracing at LambdaSentinel/Sentinel/Scanner',
  'Serverless-SQSRedrivePolicy at LambdaSentinel/Sentinel/DeadLetterQueue',
];
// throttle-loops pauses event source mappings, whose UUIDs are only known once a loop is found.
const ACKNOWLEDGED_WHEN_REMEDIATING = [
  ...ACKNOWLEDGED_BY_DEFAULT,
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:event-source-mapping:*] at LambdaSentinel/Sentinel/ScannerRole',
];

// Alerts in Slack and Teams as well: the channel role and the guardrail read CloudWatch with wildcards.
const CHATTING = {
  ...CONTEXT,
  slackWorkspaceId: 'T07EA123LEP',
  slackChannelId: 'C07EZ1ABC23',
  teamsTeamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
  teamsTenantId: 'b7a5d3c1-0000-4a4b-8c8d-1234567890ab',
  teamsChannelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
};
const CHAT_WILDCARDS = [
  'AwsSolutions-IAM5[Action::cloudwatch:Describe*]',
  'AwsSolutions-IAM5[Action::cloudwatch:Get*]',
  'AwsSolutions-IAM5[Action::cloudwatch:List*]',
  'AwsSolutions-IAM5[Resource::*]',
];
const ACKNOWLEDGED_WHEN_CHATTING = [
  ...ACKNOWLEDGED_BY_DEFAULT,
  ...CHAT_WILDCARDS.map((id) => `${id} at LambdaSentinel/Sentinel/Chat/ChannelRole`),
  ...CHAT_WILDCARDS.map((id) => `${id} at LambdaSentinel/Sentinel/Chat/ChannelGuardrail`),
];

describe.each([
  ['with no remediation', CONTEXT, ACKNOWLEDGED_BY_DEFAULT],
  ['with every remediation on', REMEDIATING, ACKNOWLEDGED_WHEN_REMEDIATING],
  ['with Slack and Teams channels', CHATTING, ACKNOWLEDGED_WHEN_CHATTING],
])('cdk-nag AWS Solutions and Serverless packs, %s', (_label, context, ACKNOWLEDGED) => {
  let stack: Stack;
  beforeAll(() => {
    stack = synthesize(context);
  });

  it('report no unacknowledged error or warning', () => {
    expect(findings(stack).map(({ rule, path }) => `${rule} at ${path}`)).toEqual([]);
  });

  it('leave CDK itself nothing to warn about', () => {
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  it('are acknowledged for exactly these rules, each on the construct it concerns', () => {
    expect(
      acknowledgments(stack)
        .map(({ id, at }) => `${id} at ${at}`)
        .sort(),
    ).toEqual([...ACKNOWLEDGED].sort());
  });

  it('carry a specific reason for every acknowledgment', () => {
    const reasons = acknowledgments(stack).map(({ reason }) => reason);
    expect(new Set(reasons).size).toBe(reasons.length);
    for (const reason of reasons) {
      expect(reason.length).toBeGreaterThanOrEqual(100);
      expect(reason).not.toMatch(/\b(todo|tbd|fixme|not needed|n\/a)\b/i);
    }
  });

  it('would report exactly the acknowledged findings without the acknowledgments', () => {
    jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const coveredBy = findings(synthesize(context)).map(
      ({ rule, path }) =>
        ACKNOWLEDGED.find((acknowledged) => {
          const [id, at] = acknowledged.split(' at ');
          return id === rule && path.startsWith(`${at}/`);
        }) ?? `${rule} at ${path} (not acknowledged)`,
    );
    expect(coveredBy.sort()).toEqual([...ACKNOWLEDGED].sort());
  });
});
