/**
 * The state of a simulated AWS account: its Lambda functions as the Lambda API describes them, and the demand
 * behind their CloudWatch metrics (who calls each function, how much and how: see traffic-shape.ts); what Lambda
 * publishes is derived from both (lambda-physics.ts). The simulator answers API calls from it and changes it as
 * AWS would (reserved concurrency, event source mappings, updates, published versions), recording each change
 * with its time so that the metrics follow it from then on.
 */
import type { SimAccountResources } from './account-resources';
import type { ShapeTerm } from './traffic-shape';

/** How a function's own loop travels back to it; Lambda's loop detection sees only SQS, SNS, S3 and Lambda. */
export type LoopTransport = 'sqs' | 'sns' | 's3' | 'lambda' | 'dynamodb' | 'kinesis' | 'eventbridge' | 'api';

/** Every loop transport. */
export const LOOP_TRANSPORTS: readonly LoopTransport[] = [
  'sqs',
  'sns',
  's3',
  'lambda',
  'dynamodb',
  'kinesis',
  'eventbridge',
  'api',
];

/** The transports whose loops Lambda's recursive loop detection stops (when the function is set to Terminate). */
export const DETECTED_LOOP_TRANSPORTS: readonly LoopTransport[] = ['sqs', 'sns', 's3', 'lambda'];

/** Transports that invoke asynchronously: events a throttled-to-0 function cannot run are dropped. */
export const ASYNC_LOOP_TRANSPORTS: readonly LoopTransport[] = ['sns', 's3', 'eventbridge'];

/** What one request costs and how its demand varies: a shape and how long each invocation runs. */
export interface TrafficProfile {
  /** Shape terms giving requests a minute (see traffic-shape.ts). */
  readonly shape: readonly ShapeTerm[];
  /** Mean duration of one invocation: concurrency demand = rate × duration / 60. */
  readonly durationSeconds: number;
  /**
   * Peak concurrency within a minute over its average (ConcurrentExecutions is a Maximum).
   * @default 1
   */
  readonly peakToAverage?: number;
  /**
   * Share of invocations that fail (the Errors metric).
   * @default 0
   */
  readonly errorShare?: number;
}

/** Who calls a function, how much, and how. */
export interface FunctionTraffic {
  /** The function's own profile, or the name of one shared in `SimAccountModel.profiles`. */
  readonly profile: TrafficProfile | string;
  /**
   * Multiplies the profile's rates (a shared profile is a class of functions alike but for volume).
   * @default 1
   */
  readonly weight?: number;
  /** Share (0-1) of requests that name an alias or version; the rest call the unqualified name ($LATEST). */
  readonly qualifierShares?: Readonly<Record<string, number>>;
  /**
   * Changes of routing during the history, oldest first: from `at` on, `qualifierShares` are the given ones (a
   * trigger repointed to the bare name, say). Before the first, `qualifierShares` above hold.
   * @default none
   */
  readonly reroutes?: readonly Reroute[];
  /**
   * Share (0-1) of the function's own requests invoked asynchronously (dropped, not run, while throttled to 0).
   * @default 0
   */
  readonly asyncShare?: number;
  /** How the function's loop (runaway and loop terms) travels back to it. */
  readonly loopTransport?: LoopTransport;
}

/** Routing in force from a time on: which share of a function's requests names which alias or version. */
export interface Reroute {
  /** Epoch milliseconds the routing changes. */
  readonly at: number;
  readonly qualifierShares: Readonly<Record<string, number>>;
}

/** One change to a setting during the simulation: in force for the minute that contains `at` and later ones. */
export interface SettingChange<T> {
  /** Epoch milliseconds of the change. */
  readonly at: number;
  readonly before: T;
  readonly after: T;
}

/** An event source mapping: a poller that invokes the function with records from a queue or stream. */
export interface SimEventSourceMapping {
  readonly uuid: string;
  readonly eventSourceArn: string;
  /** The alias or version the mapping invokes; unqualified when absent. */
  readonly qualifier?: string;
  /** Share (0-1) of the function's own requests that arrive through this mapping. */
  readonly share: number;
  /** Whether the function's loop runs through this mapping (its loop stops while the mapping is off). */
  readonly carriesLoop?: boolean;
  readonly batchSize: number;
  /** Enabled, Enabling, Disabled or Disabling, as last set. */
  state: string;
  /** Epoch milliseconds of the last state change. */
  lastModified: number;
  /** Enabled=true/false changes made during the simulation. */
  readonly enabledChanges: SettingChange<boolean>[];
}

/** Application Auto Scaling target tracking on a provisioned concurrency config. */
export interface SimProvisionedAutoScaling {
  /** Target of ProvisionedConcurrencyUtilization (0-1). */
  readonly targetUtilization: number;
  readonly minimum: number;
  readonly maximum: number;
  /**
   * Minutes between a rise in demand and the allocation that follows it.
   * @default 3
   */
  readonly lagMinutes?: number;
  /**
   * Minutes of lower demand before the allocation shrinks.
   * @default 15
   */
  readonly scaleInMinutes?: number;
}

/** A provisioned concurrency config on an alias or version. */
export interface SimProvisionedConfig {
  readonly qualifier: string;
  readonly requested: number;
  /** Allocated units; with auto scaling, the allocation when the simulation starts (it then follows demand). */
  readonly allocated: number;
  /** IN_PROGRESS, READY or FAILED, since `lastModified`; before it the config was READY at `requested`. */
  readonly status: string;
  readonly statusReason?: string;
  /**
   * Epoch milliseconds the config last changed (set, or its alias moved); ListProvisionedConcurrencyConfigs reports
   * it. A time within the history makes `status` and `allocated` start there.
   * @default the function's lastModified
   */
  readonly lastModified?: number;
  /** Target tracking that moves the allocation with demand, a few minutes late. */
  readonly autoScaling?: SimProvisionedAutoScaling;
}

/** An alias and its routing. */
export interface SimAlias {
  readonly name: string;
  readonly functionVersion: string;
  /** Other versions and their share (0-1) of the alias's traffic. */
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
  /** The version the alias pointed to before `movedAt` (a deploy during the history). */
  readonly previousVersion?: string;
  /** Epoch milliseconds the alias moved from `previousVersion` to `functionVersion`. */
  readonly movedAt?: number;
}

/** A function URL: the qualifier it invokes (an alias, or none for the bare function) and how callers authenticate. */
export interface SimFunctionUrl {
  /** The alias the URL belongs to; absent for the unqualified function ($LATEST). */
  readonly qualifier?: string;
  readonly authType: 'NONE' | 'AWS_IAM';
  /** Epoch milliseconds it was created. */
  readonly createdAt: number;
}

/** One statement of a function's resource-based policy: who may invoke it. */
export interface SimPolicyStatement {
  readonly sid: string;
  /** `{ Service: 's3.amazonaws.com' }` or `{ AWS: 'arn:aws:iam::111122223333:root' }`. */
  readonly principal: Readonly<Record<string, string>>;
  readonly action?: string;
  readonly condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * The alias or version the permission is granted on (its own policy, read with GetPolicy's Qualifier); absent
   * for the function itself, which calls to the bare name and $LATEST need.
   */
  readonly qualifier?: string;
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
  /** The function's own reserved concurrency now; undefined when none is set (0 = throttled). */
  reservedConcurrency?: number;
  /** Reserved concurrency changes made during the simulation, oldest first (the metrics follow them). */
  readonly reservedChanges: SettingChange<number | undefined>[];
  tags: Record<string, string>;
  /** Allow or Terminate (Lambda's default). */
  recursiveLoop: string;
  /** Published version numbers, oldest first. */
  versions: string[];
  aliases: SimAlias[];
  provisioned: SimProvisionedConfig[];
  /** Resource-based policy statements; none means no other service or account may invoke it. */
  policy: SimPolicyStatement[];
  /** Its function URLs: at most one for the bare function and one per alias. */
  functionUrls?: SimFunctionUrl[];
  eventSourceMappings: SimEventSourceMapping[];
  /** Who calls the function and how; no traffic means nobody does (no metric series at all). */
  readonly traffic?: FunctionTraffic;
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
  /** Unreserved concurrency the account must keep (100 normally; the whole limit on accounts limited to 10 or 50). */
  readonly minimumUnreserved: number;
  /** Traffic profiles shared by name (a class of functions alike but for volume). */
  readonly profiles?: Readonly<Record<string, TrafficProfile>>;
  readonly functions: SimFunction[];
  /**
   * EventBridge rules, SNS subscriptions, KMS keys and EFS file systems, for what `diagnose` reads.
   * @default none of them
   */
  readonly resources?: SimAccountResources;
}

/**
 * Metric history every account holds: nine days (a scanner may read eight days of hourly history), the longest
 * lookback window a scan uses (15 minutes) and CloudWatch's three-minute delivery delay.
 */
export const DEFAULT_HISTORY_MINUTES = 9 * 24 * 60 + 15 + 3;

/** The unreserved concurrency an account must keep: 100, or the whole limit on accounts limited below that. */
export function minimumUnreservedFor(concurrencyLimit: number): number {
  return Math.min(100, concurrencyLimit);
}

/** The profile `traffic` uses, looked up by name where it is shared; undefined when the name is unknown. */
export function profileOf(
  account: Pick<SimAccountModel, 'profiles'>,
  traffic: FunctionTraffic,
): TrafficProfile | undefined {
  return typeof traffic.profile === 'string' ? account.profiles?.[traffic.profile] : traffic.profile;
}

/** The value a setting had in the minute starting at `minute`, given its value now and its changes. */
export function settingIn<T>(current: T, changes: readonly SettingChange<T>[], minute: number): T {
  if (changes.length === 0) return current;
  let value = changes[0]?.before as T;
  for (const change of changes) {
    // A change applies from the minute that contains it: that minute cannot have been published yet.
    if (Math.floor(change.at / 60_000) * 60_000 <= minute) value = change.after;
    else break;
  }
  return value;
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
