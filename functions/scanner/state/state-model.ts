import type { Action, Finding, FindingKind, Severity, UnsettledSighting } from '../model';
import type { SentinelEvent } from '../notify/sentinel-events';

/** A finding as remembered between runs: enough to decide whether to alert again and to say it resolved. */
export interface StoredFinding {
  readonly fingerprint: string;
  readonly kind: FindingKind;
  readonly functionName: string;
  readonly qualifier?: string;
  readonly severity: Severity;
  readonly summary: string;
  /** ISO-8601 time the sentinel first saw it. */
  readonly firstSeenAt: string;
  /** ISO-8601 time it was last included in an alert. */
  readonly lastNotifiedAt: string;
  /**
   * ISO-8601 time the problem began as far as the evidence tells: the earliest evidence time any run reported,
   * `firstSeenAt` when none reported one. Absent from records written before it was kept: read `firstSeenAt`.
   */
  readonly since?: string;
}

/** An alert written before it is published, so a failed publish is retried and never sent twice. */
export interface PendingAlert {
  /** Unique per run; the SNS message is published once per id. */
  readonly id: string;
  readonly subject: string;
  /** The SNS `Message` with `MessageStructure: 'json'`: a JSON object with `default` and per-protocol keys. */
  readonly message: string;
  /** ISO-8601 time the alert was decided. */
  readonly createdAt: string;
  /** The run's findings and actions as EventBridge events, put on the bus when the alert is delivered. */
  readonly events?: readonly SentinelEvent[];
}

/** Everything the previous runs left for this one. */
export interface PreviousState {
  /** ISO-8601 time of the last run that saved its state; undefined on the first run. */
  readonly lastRunAt?: string;
  /** Findings still open, by fingerprint. */
  readonly openFindings: readonly StoredFinding[];
  /** Functions last seen in a state that is not settled (Pending, updating, Failed, ...): re-checked every run. */
  readonly watchedFunctions: readonly string[];
  /**
   * When the watched functions were first seen in the unsettled state they were last seen in; absent from
   * stores and items that keep none.
   */
  readonly unsettledFunctions?: readonly UnsettledSighting[];
  /** Alerts saved but not yet confirmed published (a failed or interrupted run); oldest first. */
  readonly pendingAlerts: readonly PendingAlert[];
  /** Remediations earlier runs recorded and the table still keeps; absent from stores that keep none. */
  readonly actions?: readonly ActionRecord[];
  /** ISO-8601 end of the last metric window a spillover probe covered; absent until one answers. */
  readonly spilloverProbedThrough?: string;
}

/** What one run decided to remember. */
export interface StateChange {
  /** ISO-8601 time of this run. */
  readonly runAt: string;
  /** Findings to create or update (new, re-notified, or changed). */
  readonly upsert: readonly StoredFinding[];
  /** Fingerprints of findings that resolved this run. */
  readonly remove: readonly string[];
  /** The full set of functions to re-check next run. */
  readonly watchedFunctions: readonly string[];
  /**
   * The full set of unsettled sightings to carry to the next run, one per watched function whose state is known.
   * @default - none
   */
  readonly unsettledFunctions?: readonly UnsettledSighting[];
  /** This run's alert, saved with the state so that publishing it can be retried; absent when nothing to say. */
  readonly alert?: PendingAlert;
  /**
   * True for a focused check (a few functions read after a state-change event): its findings and watch list are
   * saved, but `lastRunAt` stays where the last scheduled scan left it, because the scan's rotation and its
   * recently-modified window start from there.
   * @default false
   */
  readonly keepLastRunAt?: boolean;
  /**
   * ISO-8601 end of the last metric window a spillover probe covered, as a scheduled scan leaves it; a run that
   * read no metrics (a focused check) leaves it out, and what is stored stands.
   * @default - unchanged
   */
  readonly spilloverProbedThrough?: string;
}

/**
 * Converts a finding into what is kept of it, stamped with when it was seen and notified, and since when the
 * problem has lasted: the earliest of `earlierSince` (what was kept before) and this run's evidence time.
 */
export function toStoredFinding(
  finding: Finding,
  firstSeenAt: string,
  lastNotifiedAt: string,
  earlierSince?: string,
): StoredFinding {
  return {
    fingerprint: finding.fingerprint,
    kind: finding.kind,
    functionName: finding.functionName,
    ...(finding.qualifier !== undefined ? { qualifier: finding.qualifier } : {}),
    severity: finding.severity,
    summary: finding.summary,
    firstSeenAt,
    lastNotifiedAt,
    since: earliestTime(earlierSince, finding.since) ?? firstSeenAt,
  };
}

/** When a stored finding's problem began: its `since`, or `firstSeenAt` for records that predate it. */
export function storedSince(stored: Pick<StoredFinding, 'since' | 'firstSeenAt'>): string {
  return stored.since ?? stored.firstSeenAt;
}

/** The earliest of some ISO-8601 times, ignoring absent and unreadable ones; undefined when none is left. */
export function earliestTime(...times: readonly (string | undefined)[]): string | undefined {
  let earliest: string | undefined;
  for (const time of times) {
    if (time === undefined || Number.isNaN(Date.parse(time))) continue;
    if (earliest === undefined || Date.parse(time) < Date.parse(earliest)) earliest = time;
  }
  return earliest;
}

/** Where a run's memory lives between runs (DynamoDB in production). */
export interface StateStore {
  /** Reads what earlier runs left, with any unconfirmed alert's state change already applied. */
  load(): Promise<PreviousState>;
  /** Saves this run's change; the alert (if any) first, so that publishing it can be retried. */
  save(change: StateChange): Promise<void>;
  /** Records that an alert was published, so no later run sends it again. */
  markDelivered(alertId: string): Promise<void>;
}

/** One attempt to take the run lease, with the times as the caller's clock reads them. */
export interface LeaseClaim {
  /** Who asks: unique per invocation. */
  readonly holder: string;
  /** Epoch milliseconds of the attempt: a lease that expired before it is free to take over. */
  readonly now: number;
  /** Epoch milliseconds until which the lease is held unless released (the holder cannot outlive its timeout). */
  readonly expiresAt: number;
}

/**
 * The lease that lets one run at a time (the scheduled scan or a focused check) read, alert and save, so that
 * two runs never both see a finding as new and both send it.
 */
export interface RunLease {
  /** Takes the lease if it is free, expired, or already held by `claim.holder`; true when taken. */
  tryAcquireLease(claim: LeaseClaim): Promise<boolean>;
  /** Gives the lease back if `holder` still holds it; false when someone else took it over meanwhile. */
  releaseLease(holder: string): Promise<boolean>;
}

/**
 * Where an action record stands: `pending` is written before the mutating call (so nothing is ever changed
 * without a record that can undo it), then becomes `applied` or `failed`; a dry run records `dry-run`;
 * undo moves `applied` (or `pending`) through `undoing` to `undone`; a cap the sentinel lifted itself once the hog
 * was calm becomes `lifted` (an automatic undo, which unlike an operator's does not hold back a later cap).
 */
export type ActionStatus = 'pending' | 'applied' | 'failed' | 'dry-run' | 'undoing' | 'undone' | 'lifted';

/** How an action was undone. */
export interface UndoRecord {
  /** ISO-8601 time the undo claimed the record. */
  readonly startedAt: string;
  /** ISO-8601 time Lambda accepted the restore; absent while it is in progress. */
  readonly finishedAt?: string;
  /** The reserved concurrency restored; null when the restore removed it. */
  readonly restored: number | null;
  /** Who ran the undo, as far as the CLI can tell (the AWS caller or the OS user). */
  readonly by?: string;
}

/** The audit trail of one action, as the state table keeps it. */
export interface ActionRecord extends Action {
  readonly status: ActionStatus;
  /** Bumped by every write; a write succeeds only against the revision it read, so two undos cannot both win. */
  readonly revision: number;
  readonly undo?: UndoRecord;
}

/** Thrown when an action record changed since it was read (another run or undo got there first). */
export class ActionConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActionConflictError';
  }
}

/** The audit trail of remediations (DynamoDB in production): every action is recorded before it is applied. */
export interface ActionLog {
  /** Writes a new record (revision 0); throws ActionConflictError if one with its id exists. */
  recordAction(record: ActionRecord): Promise<void>;
  /** Replaces `record` if it is still at `record.revision`, and returns it at its new revision; else ActionConflictError. */
  updateAction(record: ActionRecord): Promise<ActionRecord>;
  /** The record with `id`, or undefined when there is none (never recorded, or expired). */
  getAction(id: string): Promise<ActionRecord | undefined>;
}
