import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ChatChannels, namesChatChannel, type ChatChannelSettings } from '../../lib/chat-channels';
import { onlyResource, textOf, type Resource, type Statement } from './stack-template';

const SLACK = { slackWorkspaceId: 'T07EA123LEP', slackChannelId: 'C07EZ1ABC23' };
const TEAMS = {
  teamsTeamId: '74361522-da01-538d-aa2e-ac7918c6bb92',
  teamsTenantId: 'b7a5d3c1-0000-4a4b-8c8d-1234567890ab',
  teamsChannelId: '19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2',
};

function channels(
  settings: ChatChannelSettings,
  props: { prefix?: string; loggingLevel?: chatbot.LoggingLevel } = {},
): { template: Template; chat: ChatChannels; topicLogicalId: string } {
  const stack = new Stack(new App(), 'Host');
  const topic = new sns.Topic(stack, 'Alerts');
  const chat = new ChatChannels(stack, 'Chat', {
    ...settings,
    topic,
    configurationNamePrefix: props.prefix ?? 'Host-Sentinel',
    ...(props.loggingLevel ? { loggingLevel: props.loggingLevel } : {}),
  });
  return {
    template: Template.fromStack(stack),
    chat,
    topicLogicalId: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic),
  };
}

const statementsOf = (resource: Resource): Statement[] =>
  (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

describe('namesChatChannel', () => {
  it('is true only for a complete Slack or Teams channel', () => {
    expect(namesChatChannel({})).toBe(false);
    expect(namesChatChannel({ slackWorkspaceId: SLACK.slackWorkspaceId })).toBe(false);
    expect(namesChatChannel(SLACK)).toBe(true);
    expect(namesChatChannel({ ...TEAMS, teamsTenantId: undefined })).toBe(false);
    expect(namesChatChannel(TEAMS)).toBe(true);
  });
});

describe('ChatChannels', () => {
  describe('with a Slack and a Teams channel', () => {
    const { template, topicLogicalId } = channels({ ...SLACK, ...TEAMS });
    const slack = onlyResource(template, 'AWS::Chatbot::SlackChannelConfiguration').resource;
    const teams = onlyResource(template, 'AWS::Chatbot::MicrosoftTeamsChannelConfiguration').resource;
    const role = onlyResource(template, 'AWS::IAM::Role');
    const guardrail = onlyResource(template, 'AWS::IAM::ManagedPolicy');

    it('subscribes the Slack channel to the topic', () => {
      expect(slack.Properties).toMatchObject({
        SlackWorkspaceId: 'T07EA123LEP',
        SlackChannelId: 'C07EZ1ABC23',
        SnsTopicArns: [{ Ref: topicLogicalId }],
      });
    });

    it('subscribes the Teams channel to the topic, with the team, tenant and URL-encoded channel', () => {
      expect(teams.Properties).toMatchObject({
        TeamId: TEAMS.teamsTeamId,
        TeamsTenantId: TEAMS.teamsTenantId,
        TeamsChannelId: TEAMS.teamsChannelId,
        SnsTopicArns: [{ Ref: topicLogicalId }],
      });
    });

    it('runs both with one role, one guardrail, errors-only logging and no per-user roles', () => {
      for (const configuration of [slack, teams]) {
        expect(configuration.Properties).toMatchObject({
          IamRoleArn: { 'Fn::GetAtt': [role.logicalId, 'Arn'] },
          GuardrailPolicies: [{ Ref: guardrail.logicalId }],
          LoggingLevel: 'ERROR',
          UserRoleRequired: false,
        });
      }
    });

    it('names each configuration after the sentinel, the region and the chat application', () => {
      expect(textOf(slack.Properties.ConfigurationName, (ref) => `«${ref}»`)).toBe(
        'Host-Sentinel-«AWS::Region»-slack',
      );
      expect(textOf(teams.Properties.ConfigurationName, (ref) => `«${ref}»`)).toBe(
        'Host-Sentinel-«AWS::Region»-teams',
      );
    });

    it('lets only the chat service assume the role, which may only read CloudWatch (for alarm charts)', () => {
      expect(role.resource.Properties.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } },
        ],
      });
      expect(role.resource.Properties.ManagedPolicyArns).toBeUndefined();
      const rolePolicy = onlyResource(template, 'AWS::IAM::Policy').resource;
      expect(rolePolicy.Properties.Roles).toEqual([{ Ref: role.logicalId }]);
      expect(statementsOf(rolePolicy)).toEqual([
        {
          Effect: 'Allow',
          Action: ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'],
          Resource: '*',
        },
      ]);
    });

    it('caps the channels with a guardrail that allows nothing beyond reading CloudWatch', () => {
      const statements = statementsOf(guardrail.resource);
      expect(statements).toEqual([
        {
          Sid: 'ReadCloudWatchOnly',
          Effect: 'Allow',
          Action: ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'],
          Resource: '*',
        },
      ]);
      // Attached to no principal: the chat service applies it to the channels as their ceiling.
      expect(guardrail.resource.Properties.Roles).toBeUndefined();
    });
  });

  it('makes only the Slack configuration for Slack keys alone, and only the Teams one for Teams keys', () => {
    const slackOnly = channels(SLACK);
    expect(slackOnly.chat.slack).toBeDefined();
    expect(slackOnly.chat.teams).toBeUndefined();
    slackOnly.template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);

    const teamsOnly = channels(TEAMS);
    expect(teamsOnly.chat.slack).toBeUndefined();
    teamsOnly.template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    teamsOnly.template.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 1);
  });

  it('keeps a long or oddly named prefix within the 128 letters, digits, - and _ a configuration name allows', () => {
    const { template } = channels(SLACK, {
      prefix: `My Team's/${'x'.repeat(200)}`,
      loggingLevel: chatbot.LoggingLevel.INFO,
    });
    const slack = onlyResource(template, 'AWS::Chatbot::SlackChannelConfiguration').resource;
    // The longest region name today, ap-southeast-7 or us-gov-west-1, is 14 characters.
    const name = textOf(slack.Properties.ConfigurationName, () => 'ap-southeast-7');
    expect(name).toMatch(/^My-Team-s-x+-ap-southeast-7-slack$/);
    expect(name.length).toBeLessThanOrEqual(128);
    expect(slack.Properties.LoggingLevel).toBe('INFO');
  });
});
