/**
 * What a simulated account holds besides its Lambda functions, for the services `diagnose` reads: EventBridge
 * rules and their targets, SNS subscriptions, KMS keys and EFS file systems with their mount targets and access
 * points. The scanner reads none of it.
 */

/** One target of an EventBridge rule. */
export interface SimRuleTarget {
  readonly id: string;
  readonly arn: string;
  /** The role EventBridge invokes the target with; absent: the target's resource-based policy decides. */
  readonly roleArn?: string;
}

/** One EventBridge rule. */
export interface SimEventRule {
  readonly name: string;
  /**
   * The event bus the rule is on.
   * @default 'default'
   */
  readonly eventBusName?: string;
  /** ENABLED or DISABLED. */
  readonly state: string;
  readonly scheduleExpression?: string;
  readonly eventPattern?: string;
  readonly targets: readonly SimRuleTarget[];
}

/** One SNS subscription. */
export interface SimSubscription {
  readonly topicArn: string;
  /** `lambda`, `sqs`, `email`, ... */
  readonly protocol: string;
  /** For `lambda`: the function ARN, qualified where it names an alias or version. */
  readonly endpoint: string;
  /** The subscription's id, the last part of its ARN. */
  readonly id: string;
}

/** One KMS key. */
export interface SimKmsKey {
  readonly arn: string;
  /** Enabled, Disabled, PendingDeletion, ... */
  readonly keyState: string;
  /** Epoch milliseconds of a scheduled deletion. */
  readonly deletionDate?: number;
}

/** One EFS mount target. */
export interface SimMountTarget {
  readonly id: string;
  readonly subnetId: string;
  readonly vpcId: string;
  readonly availabilityZone: string;
  /** available, creating, deleting, ... */
  readonly lifeCycleState: string;
}

/** One EFS file system, its mount targets and its access points. */
export interface SimFileSystem {
  readonly id: string;
  readonly lifeCycleState: string;
  /** bursting, provisioned or elastic. */
  readonly throughputMode: string;
  readonly mountTargets: readonly SimMountTarget[];
  readonly accessPoints: readonly { readonly id: string; readonly lifeCycleState: string }[];
}

/** Everything of the account that the other services answer from. */
export interface SimAccountResources {
  /** Event buses besides the default one. */
  readonly eventBuses?: readonly string[];
  readonly rules: readonly SimEventRule[];
  readonly subscriptions: readonly SimSubscription[];
  readonly kmsKeys: readonly SimKmsKey[];
  readonly fileSystems: readonly SimFileSystem[];
}

/** An account with none of them. */
export const NO_RESOURCES: SimAccountResources = {
  rules: [],
  subscriptions: [],
  kmsKeys: [],
  fileSystems: [],
};

/** One page of `items` starting at the opaque `token`, and the token of the next page. */
export function tokenPage<T>(
  items: readonly T[],
  token: unknown,
  pageSize: number,
): { readonly items: T[]; readonly nextToken?: string } {
  const start = typeof token === 'string' ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  const from = Number.isInteger(start) && start > 0 ? start : 0;
  const end = from + pageSize;
  return end < items.length
    ? { items: items.slice(from, end), nextToken: Buffer.from(String(end)).toString('base64url') }
    : { items: items.slice(from) };
}
