import { Annotations, Aws, CfnParameter } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { SLACK_KEYS, TEAMS_KEYS, type SentinelSettings } from '../functions/scanner/settings';
import { LambdaSentinel, NO_ALERT_EMAILS_WARNING } from './lambda-sentinel';
import { addSentinelOutputs } from './lambda-sentinel-stack';
import { StackSetMemberStack, type AssetBucketNamer } from './stack-set-member';

/** Logical ID of the member template's parameter holding the central event bus's ARN. */
export const CENTRAL_EVENT_BUS_PARAMETER = 'CentralEventBusArn';

/** The stack name member constructs see (alarm and dashboard names start with it); CloudFormation names the instances. */
export const MEMBER_STACK_NAME = 'LambdaSentinelMember';

/** What the member template is built from. */
export interface MemberSentinelStackProps {
  /** The operator's settings; organization keys and alertEmails are the organization stack's, not the member's. */
  readonly settings: SentinelSettings;
  /** Regions the StackSet deploys to; empty for the organization stack's own region. */
  readonly regions: readonly string[];
  /** Names the asset bucket of an account in a region. */
  readonly assetBucketName: AssetBucketNamer;
}

/**
 * The settings a member sentinel runs with: every setting the operator gave, except that findings go to the
 * central bus, e-mail goes out centrally (subscribing alertEmails in every member would send a confirmation, and
 * then every alert, once per account and region), a member is not itself an organization, and it sets up no chat
 * channel (a channel configuration needs its Slack workspace or Teams tenant authorized in its own account first, so
 * in every member account it would fail the StackSet; and where it did not, each account and region would post).
 */
export function memberSettings(settings: SentinelSettings, centralEventBusArn: string): SentinelSettings {
  const noChannel: Partial<SentinelSettings> = Object.fromEntries(
    [...SLACK_KEYS, ...TEAMS_KEYS].map((key) => [key, undefined]),
  );
  return {
    ...settings,
    ...noChannel,
    alertEmails: [],
    eventBusArn: centralEventBusArn,
    orgTargets: [],
    regions: [],
  };
}

/**
 * The template every target account and region gets through the StackSet: the single-account sentinel, putting
 * its events on the central bus and forwarding its own alarms there, since nobody subscribes to its local topic.
 */
export class MemberSentinelStack extends StackSetMemberStack {
  /** The member's sentinel. */
  readonly sentinel: LambdaSentinel;
  /** The parameter the StackSet sets to the central event bus's ARN. */
  readonly centralEventBusArn: CfnParameter;
  /** Rule forwarding the state changes of the sentinel's own alarms to the central bus; absent without them. */
  readonly alarmForwarding?: events.Rule;

  constructor(scope: Construct, id: string, props: MemberSentinelStackProps) {
    super(scope, id, {
      regions: props.regions,
      assetBucketName: props.assetBucketName,
      stackName: MEMBER_STACK_NAME,
      description:
        "lambda-sentinel member: scans this account and region's Lambda functions (organization StackSet)",
    });
    this.centralEventBusArn = new CfnParameter(this, CENTRAL_EVENT_BUS_PARAMETER, {
      type: 'String',
      allowedPattern: 'arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/.+',
      description:
        "The organization's central lambda-sentinel event bus, where findings, actions and alarms go",
    });

    this.sentinel = new LambdaSentinel(
      this,
      'Sentinel',
      memberSettings(props.settings, this.centralEventBusArn.valueAsString),
    );
    Annotations.of(this.sentinel).acknowledgeWarning(
      NO_ALERT_EMAILS_WARNING,
      "A member's alerts reach people through the central bus: its run digests and alarms are e-mailed by the " +
        "organization stack's central topic, to which alertEmails are subscribed.",
    );
    this.nameDashboardPerRegion();
    if (this.sentinel.alarms.length > 0) {
      this.alarmForwarding = this.forwardAlarms(this.sentinel.alarms);
    }
    addSentinelOutputs(this, this.sentinel);
  }

  // Dashboard names are unique per account, not per region: the member in a second region would collide with the
  // first. Alarm names are regional and need no such suffix.
  private nameDashboardPerRegion(): void {
    const dashboard = this.sentinel.dashboard.node.defaultChild as cloudwatch.CfnDashboard;
    dashboard.dashboardName = `${dashboard.dashboardName}-${Aws.REGION}`;
  }

  private forwardAlarms(alarms: readonly cloudwatch.Alarm[]): events.Rule {
    const rule = new events.Rule(this, 'ForwardAlarms', {
      description:
        "Forwards the state changes of the sentinel's own alarms to the organization's central bus",
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: alarms.map((alarm) => alarm.alarmArn),
      },
    });
    rule.addTarget(
      new targets.EventBus(
        events.EventBus.fromEventBusArn(this, 'CentralBus', this.centralEventBusArn.valueAsString),
        { deadLetterQueue: this.sentinel.deadLetterQueue },
      ),
    );
    return rule;
  }
}
