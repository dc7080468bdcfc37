import { Aws, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { SentinelOptions } from '../functions/scanner/settings';

/** The settings that name the chat channels (validated by parseSettings before they get here). */
export type ChatChannelSettings = Pick<
  SentinelOptions,
  'slackWorkspaceId' | 'slackChannelId' | 'teamsTeamId' | 'teamsTenantId' | 'teamsChannelId'
>;

/** Whether `settings` name a Slack or a Teams channel at all. */
export function namesChatChannel(settings: ChatChannelSettings): boolean {
  return (
    (settings.slackWorkspaceId !== undefined && settings.slackChannelId !== undefined) ||
    (settings.teamsTeamId !== undefined &&
      settings.teamsTenantId !== undefined &&
      settings.teamsChannelId !== undefined)
  );
}

/** Which channels show a topic's messages, and under what name. */
export interface ChatChannelsProps extends ChatChannelSettings {
  /** The topic whose messages the channels show. */
  readonly topic: sns.ITopic;
  /**
   * Start of each channel configuration's name; the region and the chat application are appended, since names are
   * unique per account while the sentinel is deployed per region. Characters other than letters, digits, `-` and
   * `_` become `-`.
   */
  readonly configurationNamePrefix: string;
  /**
   * What Amazon Q Developer logs about the channels, in CloudWatch Logs of us-east-1 (`/aws/chatbot/<name>`).
   * @default chatbot.LoggingLevel.ERROR
   */
  readonly loggingLevel?: chatbot.LoggingLevel;
}

// Amazon Q Developer's documented notifications-only permissions: read CloudWatch, so that the CloudWatch alarm
// notifications on the topic (the sentinel's own alarms) show their chart. The sentinel's custom notifications need no
// permission at all: the service renders what SNS hands it. Nothing here reads a function, its code or its logs.
const NOTIFICATION_READ_ACTIONS = ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'];
// Configuration names: 1-128 of letters, digits, '-' and '_'. The longest region name today is 14 characters.
const CONFIGURATION_NAME_MAX = 128;
const REGION_ALLOWANCE = 16;
const LONGEST_SUFFIX = '-teams';

/**
 * Amazon Q Developer in chat applications (formerly AWS Chatbot) channel configurations, Slack and/or Microsoft Teams,
 * subscribed to a topic, with a role that can do no more than show notifications and a guardrail that keeps whatever
 * is run from the channel to reading CloudWatch.
 *
 * The topic's KMS key needs no statement for the chat service: SNS decrypts each message with the publisher's grant
 * and delivers it to the service's subscription decrypted, as it does for e-mail. Only publishers (the scanner,
 * CloudWatch alarms) use the key.
 */
export class ChatChannels extends Construct {
  /** The role Amazon Q Developer assumes for the channels: CloudWatch reads for alarm charts, nothing else. */
  readonly role: iam.Role;
  /** The channels' guardrail: the most any command run in a channel may do, whatever role it runs with. */
  readonly guardrail: iam.ManagedPolicy;
  /** The Slack channel configuration, when the settings name a Slack channel. */
  readonly slack?: chatbot.SlackChannelConfiguration;
  /** The Microsoft Teams channel configuration (CloudFormation resource: CDK has no higher-level one), when named. */
  readonly teams?: chatbot.CfnMicrosoftTeamsChannelConfiguration;

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    // ERROR records failed deliveries (an unauthorized workspace, a removed channel) and nothing else; INFO would also
    // copy every alert, evidence included, into a log group in us-east-1 that never expires unless someone sets it.
    const loggingLevel = props.loggingLevel ?? chatbot.LoggingLevel.ERROR;
    const name = (application: string): string =>
      `${configurationNamePrefix(props.configurationNamePrefix)}-${Aws.REGION}-${application}`;

    this.role = new iam.Role(this, 'ChannelRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: 'lambda-sentinel chat channels: reads CloudWatch to show alarm charts, nothing else',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: NOTIFICATION_READ_ACTIONS, resources: ['*'] }),
    );
    // Without a guardrail the service applies AdministratorAccess as the ceiling. This one lets nothing beyond
    // CloudWatch reads through, even if more is attached to the role later or a user's own role is used.
    this.guardrail = new iam.ManagedPolicy(this, 'ChannelGuardrail', {
      description: 'lambda-sentinel chat channels: the most a channel may do is read CloudWatch',
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadCloudWatchOnly',
          actions: NOTIFICATION_READ_ACTIONS,
          resources: ['*'],
        }),
      ],
    });
    Validations.of(this.role).acknowledge(
      ...NOTIFICATION_READ_ACTIONS.map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          `The channel role may use ${action} because Amazon Q Developer's documented notifications-only ` +
          'permissions are the read-only families cloudwatch:Describe*, Get* and List*; naming single actions would ' +
          'guess which ones it calls to chart an alarm, and a missing one leaves the alarm notification without its chart.',
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'The channel role reads CloudWatch on Resource "*": cloudwatch:GetMetricData, which draws the chart of an ' +
          'alarm notification, defines no resource type in IAM; every action granted here only reads.',
      },
    );
    Validations.of(this.guardrail).acknowledge(
      ...[...NOTIFICATION_READ_ACTIONS, '*'].map((wildcard) => ({
        id: wildcard === '*' ? 'AwsSolutions-IAM5[Resource::*]' : `AwsSolutions-IAM5[Action::${wildcard}]`,
        reason:
          `The guardrail's ${wildcard === '*' ? 'Resource "*"' : wildcard} grants nothing: a guardrail is the ` +
          'ceiling of what a chat channel may do, here exactly the read-only CloudWatch actions of the channel role, ' +
          'where the service would otherwise apply AdministratorAccess.',
      })),
    );

    const common = {
      loggingLevel,
      guardrailPolicies: [this.guardrail],
      // Every channel member acts with the channel role alone; there is no per-user role to map.
      userRoleRequired: false,
    };
    if (props.slackWorkspaceId !== undefined && props.slackChannelId !== undefined) {
      this.slack = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: name('slack'),
        slackWorkspaceId: props.slackWorkspaceId,
        slackChannelId: props.slackChannelId,
        notificationTopics: [props.topic],
        role: this.role,
        ...common,
      });
    }
    if (
      props.teamsTeamId !== undefined &&
      props.teamsTenantId !== undefined &&
      props.teamsChannelId !== undefined
    ) {
      this.teams = new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, 'Teams', {
        configurationName: name('teams'),
        teamId: props.teamsTeamId,
        teamsTenantId: props.teamsTenantId,
        teamsChannelId: props.teamsChannelId,
        snsTopicArns: [props.topic.topicArn],
        iamRoleArn: this.role.roleArn,
        loggingLevel: common.loggingLevel,
        guardrailPolicies: [this.guardrail.managedPolicyArn],
        userRoleRequired: common.userRoleRequired,
      });
    }
  }
}

/** The literal start of a configuration name: allowed characters only, short enough for region and suffix. */
function configurationNamePrefix(prefix: string): string {
  return prefix
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, CONFIGURATION_NAME_MAX - REGION_ALLOWANCE - LONGEST_SUFFIX.length - 2);
}
