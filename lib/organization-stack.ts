import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct, Node } from 'constructs';
import { SettingsError, type SentinelSettings, type SettingProblem } from '../functions/scanner/settings';
import { AssetBucketStack, assetBucketName } from './asset-bucket-stack';
import { CONTEXT_ORIGIN, parseContextSettings } from './context-settings';
import { OrganizationSentinel, STACK_SET_CALL_AS, type StackSetCallAs } from './organization-sentinel';
import { StackSetParentSynthesizer } from './stack-set-member';

/** ID (and name) of the organization stack. */
export const ORGANIZATION_STACK_ID = 'LambdaSentinelOrganization';

/** ID of the asset bucket stack of `region`, or of the organization stack's own region. */
export const assetBucketStackId = (region?: string): string =>
  region === undefined ? 'LambdaSentinelAssets' : `LambdaSentinelAssets-${region}`;

/**
 * Context key saying where the organization stack is deployed: `SELF` (the default) in the management account,
 * `DELEGATED_ADMIN` in an account registered as a delegated administrator for CloudFormation StackSets. It is the
 * StackSet's own CallAs, which CloudFormation needs and cannot infer.
 */
export const CALL_AS_CONTEXT_KEY = 'orgCallAs';

/** What organization mode reads from CDK context. */
export interface OrganizationContext {
  /** The operator's validated settings. */
  readonly settings: SentinelSettings;
  /** Where the organization stack is deployed; undefined when not set, for the construct's default. */
  readonly callAs?: StackSetCallAs;
}

/** The settings and `orgCallAs` in CDK context; throws one SettingsError naming every bad key. */
export function parseOrganizationContext(node: Node): OrganizationContext {
  const problems: SettingProblem[] = [];
  let settings: SentinelSettings | undefined;
  try {
    settings = parseContextSettings(node);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    problems.push(...error.problems);
  }
  const rawCallAs: unknown = node.tryGetContext(CALL_AS_CONTEXT_KEY);
  const callAs = rawCallAs === undefined || rawCallAs === '' ? undefined : rawCallAs;
  if (callAs !== undefined && !STACK_SET_CALL_AS.includes(callAs as StackSetCallAs)) {
    problems.push({
      key: CALL_AS_CONTEXT_KEY,
      value: rawCallAs,
      allowed: 'SELF (deployed in the management account) or DELEGATED_ADMIN (in a delegated administrator)',
    });
  }
  if (settings === undefined || problems.length > 0) throw new SettingsError(problems, CONTEXT_ORIGIN);
  return { settings, callAs: callAs as StackSetCallAs | undefined };
}

/** What the organization stack deploys. */
export interface LambdaSentinelOrganizationStackProps extends StackProps {
  /** The operator's settings; `orgTargets` must name at least one OU or root. */
  readonly settings: SentinelSettings;
  /**
   * Where the stack is deployed: the management account (`SELF`) or a delegated administrator.
   * @default 'SELF'
   */
  readonly callAs?: StackSetCallAs;
}

/**
 * The stack deployed once in the management account (or a delegated administrator): the member StackSet, and the
 * central bus and topic every member reports to.
 */
export class LambdaSentinelOrganizationStack extends Stack {
  /** The organization-wide sentinel. */
  readonly organization: OrganizationSentinel;

  constructor(scope: Construct, id: string, props: LambdaSentinelOrganizationStackProps) {
    super(scope, id, {
      description: 'lambda-sentinel organization: member StackSet, central event bus and alert topic',
      ...props,
      // It publishes the members' Lambda code to the asset buckets on cdk deploy.
      synthesizer: new StackSetParentSynthesizer(),
    });
    if (props.settings.orgTargets.length === 0) {
      throw new SettingsError(
        [{ key: 'orgTargets', value: props.settings.orgTargets, allowed: 'at least one OU or root id' }],
        'organization stack props',
      );
    }
    this.organization = new OrganizationSentinel(this, 'Organization', {
      settings: props.settings,
      callAs: props.callAs,
      assetBucketName,
    });

    new CfnOutput(this, 'CentralBusArn', {
      description: 'Event bus every member sentinel puts its findings, actions and run digests on',
      value: this.organization.bus.eventBusArn,
    });
    new CfnOutput(this, 'CentralAlertTopicArn', {
      description:
        "SNS topic e-mailing one digest per member run with something new, and the members' alarms",
      value: this.organization.alertTopic.topicArn,
    });
  }
}

/** The stacks of organization mode: the organization stack and the asset bucket stacks it depends on. */
export interface OrganizationStacks {
  /** The organization stack. */
  readonly organization: LambdaSentinelOrganizationStack;
  /** One asset bucket stack per target region (or one for the organization stack's own region). */
  readonly assetBuckets: readonly AssetBucketStack[];
}

/**
 * Adds organization mode's stacks to `app` when its context sets `orgTargets`: an asset bucket stack for each target
 * region, deployed first, and the organization stack. Undefined (and nothing added) without `orgTargets`.
 */
export function addOrganizationStacks(app: Construct): OrganizationStacks | undefined {
  const { settings, callAs } = parseOrganizationContext(app.node);
  if (settings.orgTargets.length === 0) return undefined;

  const assetBuckets =
    settings.regions.length > 0
      ? settings.regions.map(
          (region) => new AssetBucketStack(app, assetBucketStackId(region), { env: { region } }),
        )
      : [new AssetBucketStack(app, assetBucketStackId())];
  const organization = new LambdaSentinelOrganizationStack(app, ORGANIZATION_STACK_ID, { settings, callAs });
  // cdk deploy publishes a stack's assets once the stacks it depends on are deployed: the buckets exist by then.
  for (const stack of assetBuckets) organization.addStackDependency(stack);
  return { organization, assetBuckets };
}
