import { Annotations, Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE, type SentinelEventType } from '../functions/scanner/notify/sentinel-events';
import type { SentinelSettings } from '../functions/scanner/settings';
import { CENTRAL_EVENT_BUS_PARAMETER, MEMBER_STACK_NAME, MemberSentinelStack } from './member-sentinel-stack';
import { NO_ALERT_EMAILS_WARNING } from './lambda-sentinel';
import { OrganizationId } from './organization-id';
import { ASSET_BUCKET_ACCOUNT_PARAMETER, type AssetBucketNamer } from './stack-set-member';

/** The detail-type of the one event a member puts per run that has anything new, reminded, resolved or acted on. */
export const RUN_DIGEST_DETAIL_TYPE: SentinelEventType = 'Run Digest';

/** Name of the central event bus, unique in the account and region the organization stack is deployed to. */
export const CENTRAL_BUS_NAME = 'lambda-sentinel';

/** Whether the organization stack is deployed in the management account or in a delegated administrator. */
export type StackSetCallAs = 'SELF' | 'DELEGATED_ADMIN';

/** The StackSet's values for `CallAs`, the way an operator writes them. */
export const STACK_SET_CALL_AS: readonly StackSetCallAs[] = ['SELF', 'DELEGATED_ADMIN'];

/**
 * How a StackSet operation rolls out over hundreds of accounts. The members are independent of one another, so
 * regions go in parallel, a quarter of a region's accounts at a time (four waves, whatever the organization's size),
 * and a region stops once more than a tenth of its accounts have failed: a broken template fails no more than the
 * first wave before it stops, while an account that refuses for its own reasons (an SCP, a quota) stops nobody else,
 * since SOFT_FAILURE_TOLERANCE keeps the concurrency instead of lowering it to the failure tolerance. CloudFormation
 * rounds both down (concurrency to at least one), so a region of fewer than ten accounts stops at its first failure.
 * They govern operations on the StackSet; an account joining a target OU is deployed to by AWS on its own.
 */
export const OPERATION_PREFERENCES: cloudformation.CfnStackSet.OperationPreferencesProperty = {
  regionConcurrencyType: 'PARALLEL',
  maxConcurrentPercentage: 25,
  failureTolerancePercentage: 10,
  concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
};

// A digest's first line names the account and region; as an input transformer's text it arrives with its line
// breaks (EventBridge inserts values unescaped), where InputPath would send it JSON-encoded on one line.
const DIGEST_EMAIL = events.RuleTargetInput.fromText(events.EventField.fromPath('$.detail.digest'));
const ALARM_EMAIL = events.RuleTargetInput.fromText(
  `Account ${events.EventField.account} in ${events.EventField.region}: lambda-sentinel alarm ` +
    `${events.EventField.fromPath('$.detail.alarmName')} is ${events.EventField.fromPath('$.detail.state.value')}. ` +
    `${events.EventField.fromPath('$.detail.state.reason')}`,
);
// SNS encrypts each message under a data key from the topic's KMS key, for whoever publishes.
const ENCRYPTED_PUBLISH_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];

/** What the organization-wide sentinel deploys, and from where. */
export interface OrganizationSentinelProps {
  /** The operator's settings: `orgTargets` and `regions` place the members, the rest configures them. */
  readonly settings: SentinelSettings;
  /** Names the asset bucket of an account in a region, where the members' Lambda code is published. */
  readonly assetBucketName: AssetBucketNamer;
  /**
   * `SELF` when deployed in the organization's management account, `DELEGATED_ADMIN` in an account registered as
   * a delegated administrator for StackSets.
   * @default 'SELF'
   */
  readonly callAs?: StackSetCallAs;
}

/**
 * A member sentinel in every account of the target OUs and every target region, through a service-managed
 * StackSet, and the central bus, topic and rule that e-mail one digest per member run with something new.
 */
export class OrganizationSentinel extends Construct {
  /** The bus every member puts its events on; only accounts of the organization may. */
  readonly bus: events.EventBus;
  /** The topic the digests and the members' alarms are e-mailed through; alertEmails are subscribed to it. */
  readonly alertTopic: sns.Topic;
  /** Customer-managed key encrypting the central topic. */
  readonly alertKey: kms.Key;
  /** Rule sending each member's run digest to the central topic. */
  readonly digestRule: events.Rule;
  /** Rule sending the members' forwarded alarm state changes to the central topic. */
  readonly alarmRule: events.Rule;
  /** Where digests and alarm e-mails that could not be delivered end up. */
  readonly deadLetterQueue: sqs.Queue;
  /** Alarm on `deadLetterQueue`, so that undelivered digests do not go unnoticed. */
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The member template. */
  readonly member: MemberSentinelStack;
  /** The service-managed StackSet deploying `member` to the target OUs and regions. */
  readonly stackSet: cloudformation.CfnStackSet;
  /** The organization's id, read at deploy time. */
  readonly organizationId: string;

  constructor(scope: Construct, id: string, props: OrganizationSentinelProps) {
    super(scope, id);
    const callAs = props.callAs ?? 'SELF';
    const { settings } = props;

    this.organizationId = new OrganizationId(this, 'Organization').organizationId;

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: CENTRAL_BUS_NAME,
      description: 'lambda-sentinel: findings, actions and run digests from every member',
    });
    // The bus's own Policy property rather than a separate policy resource: the bus never exists without it.
    (this.bus.node.defaultChild as events.CfnEventBus).policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AccountsOfTheOrganizationPutEvents',
          principals: [new iam.OrganizationPrincipal(this.organizationId)],
          actions: ['events:PutEvents'],
          // Built from the name: the bus's own ARN attribute cannot appear in its own properties.
          resources: [
            Stack.of(this).formatArn({
              service: 'events',
              resource: 'event-bus',
              resourceName: CENTRAL_BUS_NAME,
            }),
          ],
        }),
      ],
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is the dead-letter queue of the central rules and e-mail subscriptions (EventBridge and SNS ' +
          'name it as theirs, not through an SQS redrive policy, which is what this rule looks for).',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'Being the last stop for undeliverable digests and alarm e-mails, a further queue behind it would only ' +
          'move them elsewhere; its own alarm on visible messages is what surfaces them.',
      },
    );

    this.alertKey = new kms.Key(this, 'AlertKey', {
      description: 'Encrypts lambda-sentinel organization alerts at rest in the central SNS topic',
      enableKeyRotation: true,
      // The key protects only messages in flight through the topic; nothing is left to decrypt once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'lambda-sentinel organization',
      masterKey: this.alertKey,
      enforceSSL: true,
    });
    for (const email of settings.alertEmails) {
      this.alertTopic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: this.deadLetterQueue }),
      );
    }
    if (settings.alertEmails.length === 0) {
      // The same ID as the single-account sentinel's warning, so that one acknowledgment covers both.
      Annotations.of(this).addWarningV2(
        NO_ALERT_EMAILS_WARNING,
        'No alertEmails: nobody will be alerted of any member account. Run digests and member alarms go to a ' +
          'central SNS topic with no subscriber. Set alertEmails (cdk deploy -c alertEmails=ops@example.com), or ' +
          'subscribe an endpoint to the central topic yourself (the CentralAlertTopicArn output).',
      );
    }

    this.digestRule = this.toAlertTopic('RunDigests', {
      description: "E-mails each member run's digest (account and region first) through the central topic",
      eventPattern: { source: [EVENT_SOURCE], detailType: [RUN_DIGEST_DETAIL_TYPE] },
      message: DIGEST_EMAIL,
    });
    this.alarmRule = this.toAlertTopic('MemberAlarms', {
      description: "E-mails the state changes of the members' own alarms through the central topic",
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        // Only the sentinel's alarms, should an account forward others to this bus.
        detail: { alarmName: [{ prefix: `${MEMBER_STACK_NAME}-` }] },
      },
      message: ALARM_EMAIL,
    });
    this.deadLetterAlarm = this.watchDeadLetters();

    this.member = new MemberSentinelStack(this, 'Member', {
      settings,
      regions: settings.regions,
      assetBucketName: props.assetBucketName,
    });
    this.stackSet = new cloudformation.CfnStackSet(this, 'Members', {
      stackSetName: `${Aws.STACK_NAME}-members`,
      description:
        "lambda-sentinel in every account of the target OUs: scans each account and region's functions",
      permissionModel: 'SERVICE_MANAGED',
      // An account that joins a target OU gets a member; one that leaves loses it (its state table is retained).
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs,
      // The member creates IAM roles (with generated names) for its scanner and its alarm forwarding.
      capabilities: ['CAPABILITY_IAM'],
      managedExecution: { Active: true },
      operationPreferences: OPERATION_PREFERENCES,
      templateUrl: this.member.templateUrl,
      parameters: [
        { parameterKey: CENTRAL_EVENT_BUS_PARAMETER, parameterValue: this.bus.eventBusArn },
        { parameterKey: ASSET_BUCKET_ACCOUNT_PARAMETER, parameterValue: Aws.ACCOUNT_ID },
      ],
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...settings.orgTargets] },
          regions: settings.regions.length > 0 ? [...settings.regions] : [Aws.REGION],
        },
      ],
    });
  }

  private toAlertTopic(
    id: string,
    props: { description: string; eventPattern: events.EventPattern; message: events.RuleTargetInput },
  ): events.Rule {
    const rule = new events.Rule(this, id, {
      eventBus: this.bus,
      description: props.description,
      eventPattern: props.eventPattern,
    });
    rule.addTarget(
      new targets.SnsTopic(this.alertTopic, {
        message: props.message,
        deadLetterQueue: this.deadLetterQueue,
      }),
    );
    return rule;
  }

  private watchDeadLetters(): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, 'DeadLetters', {
      alarmName: `${Stack.of(this).stackName} dead-letter messages`,
      alarmDescription:
        `Messages are waiting in the lambda-sentinel organization dead-letter queue ${this.deadLetterQueue.queueName}: ` +
        'a member digest or alarm e-mail that EventBridge could not publish to the central topic, or an e-mail SNS ' +
        'could not deliver. What to do: poll the queue in the SQS console; ERROR_CODE and RULE_ARN say what ' +
        "failed, the body is the member's event. Fix the cause (the topic's key policy, a subscription), then purge.",
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const toAlertTopic = new actions.SnsAction(this.alertTopic);
    alarm.addAlarmAction(toAlertTopic);
    alarm.addOkAction(toAlertTopic);
    // The topic policy set for enforceSSL replaces SNS's default one, so alarm actions need an explicit allow.
    const alarms = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [alarms],
        actions: ['sns:Publish'],
        resources: [this.alertTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.alertKey.grant(alarms, ...ENCRYPTED_PUBLISH_KEY_ACTIONS);
    return alarm;
  }
}
