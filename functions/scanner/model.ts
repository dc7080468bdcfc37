/**
 * The data that flows through one run: snapshot in, findings and actions out, a report at the end.
 * Every phase produces one of these plain objects, so each phase can be tested and logged on its own.
 */

/** Finding kinds; these names are a contract (DESIGN.md). */
export type FindingKind =
  'stuck-pending' | 'failed-state' | 'concurrency-hog' | 'recursive-loop' | 'pc-spillover';

/** How urgently a human should look. */
export type Severity = 'critical' | 'warning' | 'info';

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
  readonly packageType?: string;
  readonly kmsKeyArn?: string;
  readonly fileSystemArns?: readonly string[];
  readonly vpcSubnetIds?: readonly string[];
  /** Present only when GetFunction ran for this function in this run. */
  readonly detail?: FunctionDetail;
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
export type CheckReason = 'recently-modified' | 'watched' | 'rotation';

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

/** A remediation the sentinel decided on (issue 4 fills these in). */
export interface Action {
  readonly id: string;
  readonly kind: 'throttle' | 'cap' | 'unblock';
  readonly functionName: string;
  readonly fingerprint: string;
  readonly applied: boolean;
  readonly dryRun: boolean;
  readonly previous?: number | null;
  readonly next?: number | null;
  readonly outcome?: string;
  readonly error?: string;
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
  readonly durationMs: number;
}

/** What the handler returns and logs at the end of a run. */
export interface ScanReport {
  readonly findings: readonly Finding[];
  readonly actions: readonly Action[];
  readonly errors: readonly ScanError[];
  readonly stats: ScanStats;
}

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
