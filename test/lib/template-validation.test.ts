import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { LambdaSentinelStack } from '../../lib/lambda-sentinel-stack';
import { addOrganizationStacks } from '../../lib/organization-stack';

// test/setup.ts turns CDK's template validation off for speed; here it runs, and its findings are errors.
const VALIDATING = {
  '@aws-cdk/core:validateAgainstDefaultRules': true,
  '@aws-cdk/core:failSynthOnValidationErrors': true,
};

// Every optional part on: chat channels, every remediation, organization mode with its member template.
const EVERYTHING = {
  alertEmails: 'ops@example.com',
  remediate: 'throttle-loops,cap-hogs,unblock-pending',
  slackWorkspaceId: 'T07EA123LEP',
  slackChannelId: 'C07EZ1ABC23',
  teamsTeamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
  teamsTenantId: 'b7a5d3c1-0000-4a4b-8c8d-1234567890ab',
  teamsChannelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
  orgTargets: 'ou-ab12-34cd5678',
  regions: 'eu-west-1,us-east-1',
};

const SYNTH_TIMEOUT_MS = 120_000;

describe("CloudFormation's schema validation of every template", () => {
  const validation = process.env.CDK_VALIDATION;
  beforeEach(() => {
    process.env.CDK_VALIDATION = 'true';
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    process.env.CDK_VALIDATION = validation;
  });

  it(
    'passes for the single-account and organization stacks with every option on',
    () => {
      const app = new App({ context: { ...VALIDATING, ...EVERYTHING } });
      new LambdaSentinelStack(app, 'LambdaSentinel');
      expect(addOrganizationStacks(app)).toBeDefined();
      expect(() => app.synth()).not.toThrow();
      expect(console.error).not.toHaveBeenCalled();
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'fails synth on a template CloudFormation would reject, so the test above can fail',
    () => {
      const app = new App({ context: VALIDATING });
      const stack = new Stack(app, 'Broken');
      new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue', properties: { VisibilityTimeout: 'soon' } });
      expect(() => app.synth()).toThrow(/VisibilityTimeout: 'soon' is not of type 'integer'/);
    },
    SYNTH_TIMEOUT_MS,
  );
});
