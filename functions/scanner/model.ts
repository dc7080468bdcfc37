/**
 * The data that flows through one run: snapshot in, findings and actions out, a report at the end.
 * Every phase produces one of these plain objects, so each phase can be tested and logged on its own.
 */

/** Finding kinds; these names are a contract (DESIGN.md). */
export type FindingKind =
  'stuck-pending' | 'failed-state' | 'concurrency-hog' | 'recursive-loop' | 'pc-spillover' | 'pc-health';

/** How urgently a human should look. */
export type Severity = 'critical' | 'warning' | 'info';

/** Severities from the most urgent (0) down, for sorting and for telling an escalation. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };

/** The state fields only GetFunction returns (ListFunctions omits them). */
export interface FunctionStateFields {
  /** Pending, Active, Inactive, Failed, ... */
  readonly state?: string;
  readonly stateReason?: string;
  readonly stateReasonCode?: string;
  /** InProgress, Successful, Failed. */
  readonly lastUpdateStatus?: string;
  readonly lastUpdateStatusReason?: string;
  readonly lastUpdateStatusReasonCode?: string;
}

/** One function as this run saw it: ListFunctions fields always, GetFunction fields when it was checked. */
export interface FunctionSnapshot {
  readonly functionName: string;
  readonly functionArn: string;
  /** ISO-8601 time of the last create or update, as ListFunctions reports it. */
  readonly lastModified: string;
  readonly runtime?: string;
  /** Memory in MB, as ListFunctions reports it. */
  readonly memorySize?: number;
  readonly packageType?: string;
  readonly kmsKeyArn?: string;
  readonly fileSystemArns?: readonly string[];
  readonly vpcSubnetIds?: readonly string[];
  /** Present only when GetFunction ran for this function in this run. */
  readonly detail?: FunctionDetail;
  /**
   * ISO-8601 time the sentinel first saw the function in the unsettled state it is in now (Pending, mid-update,
   * Failed, ...), carried from run to run while its State, StateReasonCode and LastUpdateStatus stay the same; a
   * lower bound on how long it has been in that state. Absent when it is settled or was not checked this run.
   */
  readonly unsettledSince?: string;
}

/** When the sentinel first saw a function in an unsettled state, as one run leaves it for the next. */
export interface UnsettledSighting {
  readonly functionName: string;
  /** The state fields that were seen; a change in any of them is a new state, timed afresh. */
  readonly state?: string;
  readonly stateReasonCode?: string;
  readonly lastUpdateStatus?: string;
  /** ISO-8601 time of the run that first saw the function in this state. */
  readonly since: string;
}

/** What GetFunction told us about one function. */
export interface FunctionDetail extends FunctionStateFields {
  /** The function's own reserved concurrency; undefined when none is set. */
  readonly reservedConcurrency?: number;
  readonly tags: Readonly<Record<string, string>>;
  /** ISO-8601 time the detail was read. */
  readonly checkedAt: string;
}

/** Why a function was chosen for a GetFunction check this run. */
export type CheckReason =
  'recently-modified' | 'watched' | 'rotation' | 'named-by-finding' | 'state-change-event';

/** Everything the detectors may look at; collected once per run. */
export interface AccountSnapshot {
  readonly accountId: string;
  readonly region: string;
  /** ISO-8601 time collection started. */
  readonly collectedAt: string;
  /** Every function listed, except those carrying the ignore tag (when known). */
  readonly functions: readonly FunctionSnapshot[];
  /** False when ListFunctions could not finish: absence from `functions` then proves nothing. */
  readonly inventoryComplete: boolean;
  /** Names of functions skipped because they carry `ignoreTag`. */
  readonly ignoredFunctions: readonly string[];
  /** CloudWatch metrics and the Lambda settings they led to; absent when metrics were not collected this run. */
  readonly metrics?: MetricsSnapshot;
}

/** One CloudWatch datapoint. */
export interface MetricPoint {
  /** ISO-8601 start of the period the value covers. */
  readonly at: string;
  readonly value: number;
}

/**
 * One metric's datapoints, oldest first, as CloudWatch returned them. Lambda publishes a datapoint only for a
 * period that had activity: for a count metric (Invocations, Throttles, ...) a period without a datapoint is zero,
 * and for a concurrency gauge it had no executions. A series that was not read (not asked for, or its query
 * failed) is absent instead: unknown.
 */
export interface MetricSeries {
  /** Seconds each datapoint covers (60 for the window, 300 for history). */
  readonly periodSeconds: number;
  readonly points: readonly MetricPoint[];
}

/** The time the metrics cover. */
export interface MetricWindow {
  /** ISO-8601 start of the examined window (inclusive). */
  readonly start: string;
  /** ISO-8601 end of the examined window (exclusive): the last complete minute CloudWatch is expected to hold. */
  readonly end: string;
  /** ISO-8601 start of the history a rate is compared with (inclusive): `loopBaselineHours` before the window. */
  readonly historyStart: string;
  /**
   * ISO-8601 end of that history (exclusive), on a whole hour most of a day before the window, so that a loop
   * that has been running for hours is never part of the history it is judged against.
   */
  readonly historyEnd: string;
}

/** Region-level Lambda metrics (no dimension), read every run. */
export interface AccountMetrics {
  /** Maximum per minute. */
  readonly concurrentExecutions?: MetricSeries;
  /** Maximum per minute. */
  readonly claimedAccountConcurrency?: MetricSeries;
  /** Maximum per minute. */
  readonly unreservedConcurrentExecutions?: MetricSeries;
  /** Sum per minute. */
  readonly throttles?: MetricSeries;
  /** Sum per minute. */
  readonly invocations?: MetricSeries;
  /** Sum per five minutes over the history. */
  readonly invocationsHistory?: MetricSeries;
}

/** The account's concurrency limits, from GetAccountSettings. */
export interface AccountConcurrencyLimits {
  readonly concurrentExecutions: number;
  readonly unreservedConcurrentExecutions: number;
}

/** Why the collector read one function's own series. */
export type DrillReason =
  | 'top-concurrency'
  | 'throttled'
  | 'recursion-dropped'
  | 'top-invocations'
  | 'provisioned-spillover'
  | 'provisioned-health';

/** An event source mapping (SQS, Kinesis, DynamoDB streams, ...) that feeds a function, as ListEventSourceMappings reports it. */
export interface EventSourceMappingSummary {
  /** The mapping's UUID, which UpdateEventSourceMapping takes. */
  readonly uuid: string;
  /** The queue, stream or broker the mapping reads from. */
  readonly eventSourceArn: string;
  /** Enabled, Enabling, Disabled, Disabling, Creating, Updating or Deleting. */
  readonly state: string;
  /** The function ARN the mapping invokes: qualified (an alias or version) or not. */
  readonly functionArn?: string;
}

/** A function URL as GetFunctionUrlConfig reports it. */
export interface FunctionUrlSummary {
  readonly url: string;
  /** The function ARN the URL invokes: unqualified, or an alias. */
  readonly functionArn: string;
  /** `NONE` (public) or `AWS_IAM`. */
  readonly authType?: string;
}

/** One statement of a function's resource-based policy: who may invoke it, and which ARN it grants. */
export interface InvokePermission {
  readonly sid: string;
  /** The service (`apigateway.amazonaws.com`) or account the statement lets in. */
  readonly principal: string;
  /** The function ARN the statement grants: unqualified, `$LATEST`, an alias or a version. */
  readonly resource: string;
  /** The `AWS:SourceArn` condition (the API, rule or bucket that calls), where the statement has one. */
  readonly sourceArn?: string;
}

/** One function's own series, present only for functions the account-level metrics singled out. */
export interface FunctionMetrics {
  readonly functionName: string;
  readonly reasons: readonly DrillReason[];
  /** Maximum per minute. */
  readonly concurrentExecutions?: MetricSeries;
  /** Sum per minute. */
  readonly throttles?: MetricSeries;
  /** Sum per minute, every version and alias together. */
  readonly invocations?: MetricSeries;
  /** Sum per five minutes over the history. */
  readonly invocationsHistory?: MetricSeries;
  /** Sum per minute. */
  readonly recursiveInvocationsDropped?: MetricSeries;
  /** Sum per minute by `Resource` dimension value (`name:alias`, `name:7`, ...), where read. */
  readonly invocationsByResource?: Readonly<Record<string, MetricSeries>>;
  /** GetFunctionRecursionConfig's `RecursiveLoop` (`Allow` or `Terminate`), where read. */
  readonly recursiveLoop?: string;
  /** The mappings that feed the function, where ListEventSourceMappings was read (runaway candidates). */
  readonly eventSourceMappings?: readonly EventSourceMappingSummary[];
  /**
   * Provisioned concurrency requested over all the function's aliases and versions, where
   * ListProvisionedConcurrencyConfigs was read (hog candidates); 0 when it has none.
   */
  readonly provisionedConcurrency?: number;
  /**
   * The function URL of the unqualified function (GetFunctionUrlConfig without a qualifier), where read for a
   * function whose traffic bypasses its provisioned concurrency; empty when it has none.
   */
  readonly functionUrls?: readonly FunctionUrlSummary[];
  /**
   * The statements of the unqualified function's resource-based policy (GetPolicy without a qualifier), where read
   * for a function whose traffic bypasses its provisioned concurrency; empty when it has no policy.
   */
  readonly invokePermissions?: readonly InvokePermission[];
}

/** What a function capped by `cap-hogs` did since: the evidence for lifting the cap once it is calm. */
export interface CapHoldMetrics {
  readonly functionName: string;
  /** ISO-8601 start of the minutes read: `capHoldMinutes` before the window's end. */
  readonly since: string;
  /** Sum per minute; a missing minute had no throttles. */
  readonly throttles: MetricSeries;
}

/** One alias or version that reports provisioned concurrency metrics. */
export interface QualifierMetrics {
  readonly functionName: string;
  readonly qualifier: string;
  /** Sum per minute; empty when the probe found provisioned metrics of the qualifier but never a spillover. */
  readonly spilloverInvocations: MetricSeries;
  /** Maximum per minute; read only when it spilled over. */
  readonly concurrentExecutions?: MetricSeries;
  /** Sum per minute; read only when it spilled over. */
  readonly invocations?: MetricSeries;
  /** `ProvisionedConcurrencyInvocations`, Sum per minute, where the provisioned concurrency probe ran. */
  readonly provisionedInvocations?: MetricSeries;
  /** `ProvisionedConcurrencyUtilization`, Maximum per minute (0-1), where the provisioned concurrency probe ran. */
  readonly provisionedUtilization?: MetricSeries;
  /**
   * `Invocations` by `ExecutedVersion` (Sum per minute, keyed by version), read for an alias whose provisioned
   * concurrency stopped serving: the versions that actually ran behind the alias in the window.
   */
  readonly invocationsByExecutedVersion?: Readonly<Record<string, MetricSeries>>;
}

/** A provisioned concurrency config as ListProvisionedConcurrencyConfigs reports it. */
export interface ProvisionedConcurrencyConfig {
  /** The alias or version it is configured on. */
  readonly qualifier: string;
  readonly requested: number;
  readonly allocated?: number;
  readonly available?: number;
  /** IN_PROGRESS, READY or FAILED. */
  readonly status?: string;
  /** Why the allocation failed (with FAILED), as Lambda words it. */
  readonly statusReason?: string;
  /** ISO-8601 time the config last changed: when it was set, or when its alias moved to another version. */
  readonly lastModified?: string;
}

/** An alias as ListAliases reports it. */
export interface AliasRouting {
  readonly name: string;
  readonly functionVersion: string;
  /** Other versions that get a share (0-1) of the alias's traffic; empty when weighted routing is off. */
  readonly additionalVersionWeights: Readonly<Record<string, number>>;
}

/** The provisioned concurrency setup read for a function that spilled over. */
export interface ProvisionedSetup {
  readonly functionName: string;
  /** Absent when ListProvisionedConcurrencyConfigs failed. */
  readonly configs?: readonly ProvisionedConcurrencyConfig[];
  /** Absent when ListAliases failed. */
  readonly aliases?: readonly AliasRouting[];
}

/** Whether a per-function drill-down ran: not needed (no signal), done, or failed. */
export type DrillStatus = 'not-needed' | 'done' | 'failed';

/** A part of the collection whose answer CloudWatch may have cut short. */
export type CoveragePart =
  | 'region'
  | 'recursion-probe'
  | 'spillover-probe'
  | 'provisioned-probe'
  | 'provisioned-drill'
  | 'concurrency-drill'
  | 'invocation-drill'
  | 'cap-holds';

/** What the collection managed to read, so that "nothing found" can be told from "not looked". */
export interface MetricCoverage {
  /** The account-level query answered and CloudWatch had delivered datapoints for the window. */
  readonly accountWindowDelivered: boolean;
  /** The search for RecursiveInvocationsDropped series answered. */
  readonly recursionProbe: boolean;
  /** The search for ProvisionedConcurrencySpilloverInvocations series answered. */
  readonly spilloverProbe: boolean;
  /**
   * The searches for ProvisionedConcurrencyInvocations and ProvisionedConcurrencyUtilization series answered (they
   * run in the same runs as the spillover probe).
   * @default false
   */
  readonly provisionedProbe?: boolean;
  /** Top functions by concurrency and by throttles (concurrency hogs). */
  readonly concurrencyDrill: DrillStatus;
  /** Top functions by invocations and their baselines (runaway loops). */
  readonly invocationDrill: DrillStatus;
  /**
   * Parts whose answer was incomplete (`PartialData`, a `NextToken` left, SEARCH's 500 series, Metrics Insights'
   * 10,000 metrics): what they did not show proves nothing, so findings they back stay open.
   */
  readonly partial: readonly CoveragePart[];
}

/** The metrics one run read: account level always, per function and per qualifier only where drilled down. */
export interface MetricsSnapshot {
  readonly window: MetricWindow;
  readonly account: AccountMetrics;
  /** Read only when the account level showed throttling; absent otherwise or when the call failed. */
  readonly accountLimits?: AccountConcurrencyLimits;
  readonly functions: readonly FunctionMetrics[];
  readonly qualifiers: readonly QualifierMetrics[];
  readonly provisioned: readonly ProvisionedSetup[];
  /** Functions under a cap the sentinel applied, read so that decide can lift calm ones; absent when none. */
  readonly capHolds?: readonly CapHoldMetrics[];
  readonly coverage: MetricCoverage;
}

/** One problem found in one function (or one qualifier of it). */
export interface Finding {
  readonly kind: FindingKind;
  readonly functionName: string;
  /** Version or alias, for findings about a qualifier. */
  readonly qualifier?: string;
  readonly severity: Severity;
  /** One line: what is wrong. */
  readonly summary: string;
  /** The observed facts, as a human can check them. */
  readonly evidence: Readonly<Record<string, string | number | boolean | readonly string[]>>;
  /** What to do about it, in our own words from AWS's troubleshooting guide. */
  readonly guidance: string;
  /** Stable identity of this problem across runs: the same problem keeps the same fingerprint. */
  readonly fingerprint: string;
  /** ISO-8601 time the problem began, when the evidence tells (e.g. when Pending started). */
  readonly since?: string;
  /** Console pages that show the evidence (the function, the metric graph behind the finding). */
  readonly links?: readonly FindingLink[];
}

/** A console page a human can open to check a finding. */
export interface FindingLink {
  readonly label: string;
  readonly url: string;
}

/**
 * What a remediation does: reserved concurrency 0 (`throttle`), pausing the event source mappings that feed a loop
 * (`pause-trigger`), a reserved concurrency cap (`cap`), lifting a cap once the hog is calm (`lift`), or the
 * guide's no-change update (`unblock`).
 */
export type ActionKind = 'throttle' | 'pause-trigger' | 'cap' | 'lift' | 'unblock';

/** One event source mapping a `pause-trigger` action disabled, with the state it had, which undo restores. */
export interface PausedMapping {
  readonly uuid: string;
  readonly eventSourceArn: string;
  /** The mapping's state when the sentinel paused it (Enabled, or Enabling). */
  readonly stateBefore: string;
}

/**
 * One remediation the sentinel decided on for one finding: applied, tried and failed, or (in a dry run) only
 * planned. For throttle and cap, `previous` and `next` are the function's reserved concurrency before and after
 * (null: none set), which is what undo restores.
 */
export interface Action {
  /** Unique; what `lambda-sentinel undo <id>` takes. */
  readonly id: string;
  readonly kind: ActionKind;
  readonly functionName: string;
  /** The finding the action answers. */
  readonly fingerprint: string;
  readonly findingKind: FindingKind;
  readonly severity: Severity;
  /** One line: why the sentinel acted (the finding's summary). */
  readonly reason: string;
  /** ISO-8601 time the action was decided. */
  readonly decidedAt: string;
  /** True once Lambda accepted the change; always false in a dry run. */
  readonly applied: boolean;
  readonly dryRun: boolean;
  /** Reserved concurrency before the change; null when none was set; absent for unblock. */
  readonly previous?: number | null;
  /** Reserved concurrency the action sets; absent for unblock. */
  readonly next?: number | null;
  /** For pause-trigger: the mappings it disables (Enabled=false), and what undo re-enables. */
  readonly mappings?: readonly PausedMapping[];
  /** For lift: the id of the cap action it lifts. */
  readonly lifts?: string;
  /** One line: what became of the function, as read back after the call. */
  readonly outcome?: string;
  /** For unblock: the function's State (and LastUpdateStatus) read back after the call. */
  readonly stateAfter?: string;
  /** Why the action failed, in words an operator can act on. */
  readonly error?: string;
  /** The AWS error name behind `error`, e.g. `TooManyRequestsException`. */
  readonly errorCode?: string;
}

/** Which phase a recorded error came from. */
export type Phase = 'settings' | 'collect' | 'detect' | 'decide' | 'act' | 'notify' | 'persist';

/** A problem the run hit and carried on past. */
export interface ScanError {
  readonly phase: Phase;
  /** The collector, detector or operation that failed, e.g. `GetFunction` or `detector:failed-state`. */
  readonly source: string;
  readonly functionName?: string;
  /** Error name, e.g. `TooManyRequestsException`. */
  readonly code: string;
  readonly message: string;
}

/** Counts that describe the cost and coverage of a run. */
export interface ScanStats {
  readonly functionsListed: number;
  readonly functionsChecked: number;
  readonly functionsIgnored: number;
  /** SDK operations sent, by name (`ListFunctions`, `GetFunction`, ...), including retries. */
  readonly apiCalls: Readonly<Record<string, number>>;
  readonly throttledCalls: number;
  readonly metricsRequested: number;
  readonly newFindings: number;
  readonly reminders: number;
  readonly resolved: number;
  readonly alertSent: boolean;
  /** Events EventBridge accepted on the run's bus (findings, actions and the digest of each alert delivered). */
  readonly eventsPut: number;
  readonly durationMs: number;
}

/** The stats of a run that read and sent nothing (a batch with nothing due, an event that asks for no run). */
export const NOTHING_DONE: ScanStats = {
  functionsListed: 0,
  functionsChecked: 0,
  functionsIgnored: 0,
  apiCalls: {},
  throttledCalls: 0,
  metricsRequested: 0,
  eventsPut: 0,
  newFindings: 0,
  reminders: 0,
  resolved: 0,
  alertSent: false,
  durationMs: 0,
};

/** What the handler returns and logs at the end of a run. */
export interface ScanReport {
  readonly findings: readonly Finding[];
  readonly actions: readonly Action[];
  readonly errors: readonly ScanError[];
  readonly stats: ScanStats;
  /**
   * The kinds of the findings this run alerted on for the first time (not open before it), each once, sorted.
   * @default - none (a run that alerted on nothing new)
   */
  readonly newFindingKinds?: readonly FindingKind[];
}

/** The report of a run that read and sent nothing. */
export const EMPTY_REPORT: ScanReport = { findings: [], actions: [], errors: [], stats: NOTHING_DONE };

/**
 * Sends AWS calls within the run's request budget: waits for its rate limit, retries throttling with
 * backoff, and counts every call by operation name (implemented by RequestBudget).
 */
export interface CallBudget {
  call<T>(operation: string, send: () => Promise<T>): Promise<T>;
}

/** Source of time for everything that waits or stamps: real in Lambda, virtual in the simulator and tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
