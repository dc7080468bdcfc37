/**
 * The state of a simulated AWS account: its Lambda functions as the Lambda API describes them, and the traffic
 * behind their CloudWatch metrics. The simulator answers API calls from it and changes it as AWS would
 * (reserved concurrency, updates, published versions).
 */

/** A per-minute value: constant, or by minute (epoch milliseconds of the minute's start). */
export type MinuteValue = number | ((minute: number) => number);

/** Traffic through one alias or version, reported under the `Resource` dimension (`name:qualifier`). */
export interface QualifierTraffic {
  /** Invocations a minute through this qualifier, spillover included. */
  readonly invocations: MinuteValue;
  /** Peak concurrent executions a minute. */
  readonly concurrency: MinuteValue;
  /** Invocations a minute served on standard concurrency because every provisioned environment was busy. */
  readonly spillover?: MinuteValue;
}

/** What the function's CloudWatch metrics show; the region-level series are the sums of these. */
export interface FunctionTraffic {
  /** Invocations a minute, every version and alias together (throttled requests are not invocations). */
  readonly invocations: MinuteValue;
  /** Peak concurrent executions a minute. */
  readonly concurrency: MinuteValue;
  /** Throttled requests a minute; a function never throttled has no Throttles series. */
  readonly throttles?: MinuteValue;
  /** Recursive invocations Lambda's loop detection dropped a minute. */
  readonly recursiveInvocationsDropped?: MinuteValue;
  /** Part of the traffic above that went through aliases or versions; the rest called the function unqualified. */
  readonly qualifiers?: Readonly<Record<string, QualifierTraffic>>;
}

/** A provisioned concurrency config on an alias or version. */
export interface SimProvisionedConfig {
  readonly qualifier: string;
  readonly requested: number;
  readonly allocated: number;
  /** IN_PROGRESS, READY or FAILED. */
  readonly status: string;
  readonly statusReason?: string;
}

/** An alias and its routing. */
export interface SimAlias {
  readonly name: string;
  readonly functionVersion: string;
  /** Other versions and their share (0-1) of the alias's traffic. */
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
}

/** One statement of a function's resource-based policy: who may invoke it. */
export interface SimPolicyStatement {
  readonly sid: string;
  /** `{ Service: 's3.amazonaws.com' }` or `{ AWS: 'arn:aws:iam::111122223333:root' }`. */
  readonly principal: Readonly<Record<string, string>>;
  readonly action?: string;
  readonly condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** One Lambda function of the simulated account; mutable, as the API changes it. */
export interface SimFunction {
  readonly name: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  /** Epoch milliseconds of the last create or update. */
  lastModified: number;
  /** Pending, Active, Inactive, Failed, ... */
  state: string;
  stateReasonCode?: string;
  stateReason?: string;
  /** InProgress, Successful or Failed. */
  lastUpdateStatus: string;
  lastUpdateStatusReasonCode?: string;
  lastUpdateStatusReason?: string;
  kmsKeyArn?: string;
  fileSystems?: readonly { readonly arn: string; readonly localMountPath: string }[];
  vpc?: {
    readonly vpcId: string;
    readonly subnetIds: readonly string[];
    readonly securityGroupIds: readonly string[];
  };
  /** The function's own reserved concurrency; undefined when none is set (0 = throttled). */
  reservedConcurrency?: number;
  tags: Record<string, string>;
  /** Allow or Terminate (Lambda's default). */
  recursiveLoop: string;
  /** Published version numbers, oldest first. */
  versions: string[];
  aliases: SimAlias[];
  provisioned: SimProvisionedConfig[];
  /** Resource-based policy statements; none means no other service or account may invoke it. */
  policy: SimPolicyStatement[];
  readonly traffic: FunctionTraffic;
}

/** A whole simulated account in one region. */
export interface SimAccountModel {
  readonly accountId: string;
  readonly region: string;
  /** Epoch milliseconds the account is observed at: its metrics end at the minute before. */
  readonly observedAt: number;
  /** Minutes of metric history before `observedAt` (enough for the longest baseline read). */
  readonly historyMinutes: number;
  /** AccountLimit.ConcurrentExecutions. */
  readonly concurrencyLimit: number;
  /** Unreserved concurrency the account must keep (100 on accounts with the default quotas). */
  readonly minimumUnreserved: number;
  readonly functions: SimFunction[];
}

/** The value of `value` in the minute starting at `minute`. */
export function valueIn(value: MinuteValue | undefined, minute: number): number {
  if (value === undefined) return 0;
  return typeof value === 'number' ? value : value(minute);
}

/** The function's ARN, optionally qualified with a version or alias. */
export function functionArn(account: SimAccountModel, functionName: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${account.region}:${account.accountId}:function:${functionName}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

/** Lambda's timestamp format: `2030-01-01T00:00:00.000+0000`. */
export function lambdaTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}
