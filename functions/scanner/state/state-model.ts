import type { Finding, FindingKind, Severity } from '../model';

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
}

/** Everything the previous runs left for this one. */
export interface PreviousState {
  /** ISO-8601 time of the last run that saved its state; undefined on the first run. */
  readonly lastRunAt?: string;
  /** Findings still open, by fingerprint. */
  readonly openFindings: readonly StoredFinding[];
  /** Functions last seen in a state that is not settled (Pending, updating, Failed, ...): re-checked every run. */
  readonly watchedFunctions: readonly string[];
  /** Alerts saved but not yet confirmed published (a failed or interrupted run); oldest first. */
  readonly pendingAlerts: readonly PendingAlert[];
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
  /** This run's alert, saved with the state so that publishing it can be retried; absent when nothing to say. */
  readonly alert?: PendingAlert;
}

/** Converts a finding into what is kept of it, stamped with when it was seen and notified. */
export function toStoredFinding(
  finding: Finding,
  firstSeenAt: string,
  lastNotifiedAt: string,
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
  };
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
