import { Annotations, Aws, Duration, RemovalPolicy, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENVIRONMENT_VARIABLES } from '../functions/scanner/environment';
import {
  parseSettings,
  type RemediationFlag,
  type SentinelOptions,
  type SentinelSettings,
} from '../functions/scanner/settings';
import { AlarmTriggers } from './alarm-triggers';
import { ChatChannels, namesChatChannel } from './chat-channels';
import { PendingChecks } from './pending-checks';
import { scannerCode } from './scanner-code';
import { SelfMonitoring } from './self-monitoring';
import { SentinelDashboard } from './sentinel-dashboard';

/** How settings given as construct props are named in a SettingsError message. */
export const PROPS_ORIGIN = 'construct props';

/** ID of the synth warning a sentinel without alertEmails gets; acknowledge it when the topic is subscribed otherwise. */
export const NO_ALERT_EMAILS_WARNING = 'lambda-sentinel:noAlertEmails';

/** Everything an operator may set (the same settings as CDK context) plus what only a construct user can choose. */
export interface LambdaSentinelProps extends SentinelOptions {
  /**
   * How long the scanner's log lines are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

// Per-function reads: IAM lets each of these be scoped to a function ARN.
const FUNCTION_READ_ACTIONS = [
  'lambda:GetFunction',
  // GetFunction returns the function's Tags only when the caller may also ListTags.
  'lambda:ListTags',
  'lambda:ListAliases',
  'lambda:ListProvisionedConcurrencyConfigs',
  'lambda:GetFunctionRecursionConfig',
  // pc-health names the callers that bypass an alias's provisioned concurrency: the bare function's URL and the
  // resource-based policy statements (API Gateway, other services). Both take a function ARN in IAM.
  'lambda:GetFunctionUrlConfig',
  'lambda:GetPolicy',
];
// Account-wide reads: IAM defines no resource type for these, so Resource must be "*". The event source mappings
// of a function running hot are evidence in the finding (and what pause-trigger would stop), flags or not.
const ACCOUNT_READ_ACTIONS = [
  'lambda:ListFunctions',
  'lambda:GetAccountSettings',
  'lambda:ListEventSourceMappings',
  'cloudwatch:GetMetricData',
];
// What DynamoStateStore sends during a run; reading one action record (GetItem) is the undo CLI's, under the
// operator's own credentials.
const STATE_ITEM_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:Scan',
];
// The mutating Lambda actions each remediation flag needs, by the resource type IAM scopes them to; nothing
// mutating is granted without a flag, or in a dry run. A lift's read-back is GetFunction, which every run has.
const REMEDIATION_ACTIONS: Readonly<
  Record<
    RemediationFlag,
    { readonly onFunctions: readonly string[]; readonly onMappings?: readonly string[] }
  >
> = {
  'throttle-loops': {
    onFunctions: ['lambda:PutFunctionConcurrency'],
    // pause-trigger: Enabled=false on the mappings that feed a runaway loop.
    onMappings: ['lambda:UpdateEventSourceMapping'],
  },
  // A cap, and the lift that restores the reservation from before it (DeleteFunctionConcurrency where none).
  'cap-hogs': { onFunctions: ['lambda:PutFunctionConcurrency', 'lambda:DeleteFunctionConcurrency'] },
  'unblock-pending': { onFunctions: ['lambda:UpdateFunctionConfiguration'] },
};
// Every mutating action on a function any flag may grant: the guardrails deny them all, flags or not.
const FUNCTION_WRITE_ACTIONS = [
  'lambda:PutFunctionConcurrency',
  'lambda:DeleteFunctionConcurrency',
  'lambda:UpdateFunctionConfiguration',
];
// SNS encrypts each published message under a data key from the topic's KMS key.
const ENCRYPTED_PUBLISH_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'];
// Both for EventBridge delivering the schedule and for Lambda retrying a failed scan.
const SCAN_RETRIES = 2;
// A scan an hour late is superseded by the scheduled runs since; replaying it would only repeat their work.
const SCAN_MAX_EVENT_AGE = Duration.hours(1);
// A 10,000-function account lists in about 70 s at 3 rps on Lambda's shared control-plane bucket and reads its
// rotation slice of GetFunction in about 45 s at 20 rps: 5 minutes leaves room for throttling back-off.
const SCANNER_TIMEOUT = Duration.minutes(5);

/**
 * A scheduled Lambda that scans this account's Lambda functions for the invocation problems in AWS's
 * troubleshooting guide and e-mails what it finds; add it to any stack.
 */
export class LambdaSentinel extends Construct {
  /** The validated settings, with every default applied, that the scanner receives as SENTINEL_SETTINGS. */
  readonly settings: SentinelSettings;
  /** The scanner function the schedule invokes. */
  readonly scanner: NodejsFunction;
  /** Explicit denials on the scanner's role: it never changes itself, its own triggers, or a protected function. */
  readonly guardrails: iam.Policy;
  /** Topic the scanner publishes alerts to; subscribe more endpoints or point CloudWatch alarms at it. */
  readonly alertTopic: sns.Topic;
  /** Customer-managed key encrypting the alert topic (the AWS-managed SNS key would lock out CloudWatch alarms). */
  readonly alertKey: kms.Key;
  /** DynamoDB table holding open findings, alert times and the values needed to undo remediations. */
  readonly stateTable: dynamodb.Table;
  /**
   * Where scans that failed every retry, undeliverable schedule and state-change events, undeliverable e-mails
   * and pending checks that kept failing end up.
   */
  readonly deadLetterQueue: sqs.Queue;
  /** EventBridge rule that runs the scanner on `settings.schedule`. */
  readonly schedule: events.Rule;
  /** EventBridge rule forwarding Lambda's function state-change events to `pendingCheckQueue`. */
  readonly stateChangeRule: events.Rule;
  /**
   * Delay queue holding each state-change event until `pendingMinutes` later, when the scanner checks it; it also
   * carries the follow-ups of a trigger alarm's run.
   */
  readonly pendingCheckQueue: sqs.Queue;
  /** Region-level alarms whose change into ALARM starts a metric-focused scan at once (see AlarmTriggers). */
  readonly triggerAlarms: readonly cloudwatch.Alarm[];
  /** EventBridge rule from the trigger alarms' changes into ALARM to the scanner. */
  readonly triggerRule: events.Rule;
  /** The alarms on the sentinel itself, sent to `alertTopic`; empty when `selfMonitoring` is off. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** CloudWatch dashboard of the sentinel's metrics beside the account's concurrency and throttles. */
  readonly dashboard: cloudwatch.Dashboard;
  /** The dashboard's address in the CloudWatch console. */
  readonly dashboardUrl: string;
  /** The Slack and Teams channels subscribed to `alertTopic`; absent unless the settings name one. */
  readonly chat?: ChatChannels;

  constructor(scope: Construct, id: string, props: LambdaSentinelProps = {}) {
    super(scope, id);
    // A bus known only at deploy time (organization mode passes the central bus as a StackSet parameter) cannot be
    // checked here; the scanner checks the resolved ARN at cold start like every other setting.
    const deployTimeBusArn = Token.isUnresolved(props.eventBusArn) ? props.eventBusArn : undefined;
    const settings = parseSettings(
      { ...props, eventBusArn: deployTimeBusArn === undefined ? props.eventBusArn : undefined },
      PROPS_ORIGIN,
    );
    this.settings =
      deployTimeBusArn === undefined ? settings : { ...settings, eventBusArn: deployTimeBusArn };

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself the dead-letter queue for the scanner, its two EventBridge rules, its e-mail ' +
        'subscriptions and its pending-check queue; redriving it to a further queue would only move undelivered ' +
        'messages elsewhere, not surface them.',
    });

    this.alertKey = new kms.Key(this, 'AlertKey', {
      description: 'Encrypts lambda-sentinel alerts at rest in the SNS topic',
      enableKeyRotation: true,
      // The key protects only messages in flight through the topic; nothing is left to decrypt once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'lambda-sentinel',
      masterKey: this.alertKey,
      enforceSSL: true,
    });
    for (const email of this.settings.alertEmails) {
      this.alertTopic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: this.deadLetterQueue }),
      );
    }
    if (this.settings.alertEmails.length === 0) {
      // On the construct rather than the stack, so a team adding the sentinel to its own app sees it too.
      Annotations.of(this).addWarningV2(
        NO_ALERT_EMAILS_WARNING,
        'No alertEmails: nobody will be alerted. Findings and alarms go to an SNS topic with no subscriber. ' +
          'Set alertEmails (cdk deploy -c alertEmails=ops@example.com, or the alertEmails prop), or subscribe ' +
          "an endpoint to the alert topic yourself (the AlertTopicArn output; in your own app, the construct's " +
          'alertTopic).',
      );
    }
    this.allowCloudWatchAlarmsToPublish();

    this.stateTable = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // The table holds the reserved concurrency each remediated function had before the sentinel changed it:
      // deleting the stack must not destroy the only record of what to restore.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.scanner = this.createScanner(props.logRetention ?? logs.RetentionDays.ONE_MONTH);
    this.guardrails = this.guardRemediation(this.scanner);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the lambda-sentinel scan',
      schedule: events.Schedule.expression(this.settings.schedule),
    });
    this.schedule.addTarget(
      new targets.LambdaFunction(this.scanner, {
        retryAttempts: SCAN_RETRIES,
        maxEventAge: SCAN_MAX_EVENT_AGE,
        deadLetterQueue: this.deadLetterQueue,
      }),
    );

    const pendingChecks = new PendingChecks(this, 'PendingChecks', {
      scanner: this.scanner,
      scannerTimeout: SCANNER_TIMEOUT,
      pendingMinutes: this.settings.pendingMinutes,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.stateChangeRule = pendingChecks.rule;
    this.pendingCheckQueue = pendingChecks.queue;

    // Stack names are unique in a region; the construct ID tells apart two sentinels in one stack.
    const name = `${Stack.of(this).stackName}-${id.replace(/[^\w-]/g, '-')}`;
    const triggers = new AlarmTriggers(this, 'AlarmTriggers', {
      scanner: this.scanner,
      deadLetterQueue: this.deadLetterQueue,
      alarmNamePrefix: name,
    });
    this.triggerAlarms = triggers.alarms;
    this.triggerRule = triggers.rule;
    if (namesChatChannel(this.settings)) {
      this.chat = new ChatChannels(this, 'Chat', {
        ...this.settings,
        topic: this.alertTopic,
        configurationNamePrefix: name,
      });
    }
    this.alarms = this.settings.selfMonitoring
      ? new SelfMonitoring(this, 'SelfMonitoring', {
          scanner: this.scanner,
          scannerTimeout: SCANNER_TIMEOUT,
          schedule: this.settings.schedule,
          deadLetterQueue: this.deadLetterQueue,
          alertTopic: this.alertTopic,
          alarmNamePrefix: name,
        }).alarms
      : [];
    const dashboard = new SentinelDashboard(this, 'Dashboard', {
      dashboardName: name,
      scanner: this.scanner,
      scannerTimeout: SCANNER_TIMEOUT,
      alarms: this.alarms,
    });
    this.dashboard = dashboard.dashboard;
    this.dashboardUrl = dashboard.url;
  }

  private createScanner(logRetention: logs.RetentionDays): NodejsFunction {
    const logGroup = new logs.LogGroup(this, 'ScannerLogs', { retention: logRetention });
    const role = new iam.Role(this, 'ScannerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'lambda-sentinel scanner: reads Lambda configuration and metrics, publishes alerts, keeps state',
    });
    // Writing to its own log group replaces AWSLambdaBasicExecutionRole, which allows every log group in the account.
    logGroup.grantWrite(role);
    this.grantScannerAccess(role);

    const scanner = new NodejsFunction(this, 'Scanner', {
      description: "lambda-sentinel: scans this account's Lambda functions for invocation problems",
      // From source in a checkout, the prebuilt bundle from the package; the esbuild options live in scanner-code.
      ...scannerCode(),
      architecture: lambda.Architecture.ARM_64,
      // Lambda's CPU share grows with memory; 512 MB keeps parsing thousands of function configurations quick.
      memorySize: 512,
      timeout: SCANNER_TIMEOUT,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      retryAttempts: SCAN_RETRIES,
      maxEventAge: SCAN_MAX_EVENT_AGE,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        [ENVIRONMENT_VARIABLES.settings]: JSON.stringify(this.settings),
        [ENVIRONMENT_VARIABLES.topicArn]: this.alertTopic.topicArn,
        [ENVIRONMENT_VARIABLES.tableName]: this.stateTable.tableName,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    // The sentinel never remediates itself; the tag also keeps any other sentinel in the account off it.
    Tags.of(scanner).add(this.settings.protectTag, 'true');

    Validations.of(scanner).acknowledge(
      {
        id: 'Serverless-LambdaAsyncFailureDestination',
        reason:
          'Failed scans already go to the dead-letter queue through DeadLetterConfig; an on-failure destination ' +
          'on the same queue would deliver every failed scan twice.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          'The scanner is not instrumented with the X-Ray SDK, so active tracing would record only the invocation ' +
          'duration its JSON platform logs already carry, at the price of xray:Put* permissions on Resource "*".',
      },
    );
    return scanner;
  }

  private grantScannerAccess(role: iam.Role): void {
    // Pseudo-parameters even in an environment-specific stack, so the ARN (and its acknowledgment below) never varies.
    const everyFunction = `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:*`;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: FUNCTION_READ_ACTIONS, resources: [everyFunction] }),
    );
    const remediation = this.remediationActions();
    if (remediation.onFunctions.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: remediation.onFunctions, resources: [everyFunction] }),
      );
    }
    if (remediation.onMappings.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: remediation.onMappings, resources: [this.everyMapping()] }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ACCOUNT_READ_ACTIONS,
        resources: ['*'],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.alertTopic.topicArn] }),
    );
    // Findings and actions go out as events on exactly one bus: the one named, or this account's default bus.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [
          this.settings.eventBusArn ??
            `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`,
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ENCRYPTED_PUBLISH_KEY_ACTIONS, resources: [this.alertKey.keyArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: STATE_ITEM_ACTIONS, resources: [this.stateTable.tableArn] }),
    );

    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'lambda:ListFunctions, lambda:GetAccountSettings, lambda:ListEventSourceMappings and ' +
          'cloudwatch:GetMetricData define no resource type in IAM, so they can only be granted on Resource "*"; ' +
          'every other action here is scoped.',
      },
      ...(remediation.onMappings.length > 0
        ? [
            {
              id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:event-source-mapping:*]',
              reason:
                "throttle-loops pauses the event source mappings that feed a runaway loop, and a mapping's UUID is " +
                'only known once the loop is found, so lambda:UpdateEventSourceMapping is granted on every mapping ' +
                "of this account and region; an explicit Deny keeps it off the scanner's own mappings.",
            },
          ]
        : []),
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*]',
        reason:
          'The scanner must read every function in this account and region, including ones created after ' +
          'deployment. Beyond read-only actions, only the mutating action of each remediation flag the operator ' +
          'set is granted (none by default, none in a dry run), since a finding can name any function.',
      },
    );
  }

  /** The mutating Lambda actions the operator's remediation flags need; none in a dry run, which changes nothing. */
  private remediationActions(): { onFunctions: string[]; onMappings: string[] } {
    const flags = this.settings.dryRun ? [] : this.settings.remediate;
    const sorted = (actions: readonly string[]) => [...new Set(actions)].sort();
    return {
      onFunctions: sorted(flags.flatMap((flag) => REMEDIATION_ACTIONS[flag].onFunctions)),
      onMappings: sorted(flags.flatMap((flag) => REMEDIATION_ACTIONS[flag].onMappings ?? [])),
    };
  }

  /** Every event source mapping of this account and region. */
  private everyMapping(): string {
    return `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-source-mapping:*`;
  }

  /**
   * Explicit denials that hold whatever the role is granted, so that no bug (and no policy attached later) can
   * change the scanner itself or a function carrying protectTag. They are a policy of their own: the scanner
   * function depends on its role's default policy, so that one cannot name the scanner's ARN.
   *
   * IAM's service authorization reference for Lambda: PutFunctionConcurrency, DeleteFunctionConcurrency and
   * UpdateFunctionConfiguration take a function ARN and support aws:ResourceTag/${TagKey} (the function's tags),
   * but not lambda:FunctionArn. UpdateEventSourceMapping takes an event source mapping ARN and supports
   * lambda:FunctionArn (the function the mapping invokes) and aws:ResourceTag/${TagKey} of the MAPPING, not of its
   * function: IAM has no key for the function's tags there, so no denial can keep the sentinel from pausing the
   * mappings of a function carrying protectTag; only decide's protect rail does (it reads the function's tags).
   */
  private guardRemediation(scanner: NodejsFunction): iam.Policy {
    const everyFunction = `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:*`;
    // Qualified ARNs (a version or alias) too, for actions that accept them.
    const scannerArns = [scanner.functionArn, `${scanner.functionArn}:*`];
    return new iam.Policy(this, 'ScannerGuardrails', {
      roles: scanner.role ? [scanner.role] : [],
      statements: [
        new iam.PolicyStatement({
          sid: 'NeverChangeTheSentinelItself',
          effect: iam.Effect.DENY,
          actions: FUNCTION_WRITE_ACTIONS,
          resources: scannerArns,
        }),
        new iam.PolicyStatement({
          sid: 'NeverPauseTheSentinelsOwnTriggers',
          effect: iam.Effect.DENY,
          actions: ['lambda:UpdateEventSourceMapping'],
          resources: [this.everyMapping()],
          conditions: { ArnLike: { 'lambda:FunctionArn': scannerArns } },
        }),
        new iam.PolicyStatement({
          sid: 'NeverChangeProtectedFunctions',
          effect: iam.Effect.DENY,
          actions: FUNCTION_WRITE_ACTIONS,
          resources: [everyFunction],
          conditions: { Null: { [`aws:ResourceTag/${this.settings.protectTag}`]: 'false' } },
        }),
      ],
    });
  }

  // The topic policy set for enforceSSL replaces SNS's default one, so alarm actions need an explicit allow.
  private allowCloudWatchAlarmsToPublish(): void {
    const alarms = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [alarms],
        actions: ['sns:Publish'],
        resources: [this.alertTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    // No account condition on the key: the topic policy above already decides whose alarms may publish.
    this.alertKey.grant(alarms, ...ENCRYPTED_PUBLISH_KEY_ACTIONS);
  }
}
