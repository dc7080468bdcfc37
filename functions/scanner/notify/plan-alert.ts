import { SEVERITY_RANK, type Finding, type Severity } from '../model';
import type { SentinelSettings } from '../settings';
import {
  type PreviousState,
  type StoredFinding,
  earliestTime,
  storedSince,
  toStoredFinding,
} from '../state/state-model';

/** What planning an alert needs: this run's findings, what earlier runs left, and when re-alerting is due. */
export interface AlertPlanInput {
  /** Every finding this run's detectors reported. */
  readonly findings: readonly Finding[];
  /** What earlier runs left: the findings open before this run. */
  readonly previous: Pick<PreviousState, 'openFindings'>;
  /** Whether this run saw enough of the finding's function to say the problem is gone (Detector.assessed). */
  readonly isAssessed: (stored: StoredFinding) => boolean;
  /** Epoch milliseconds of the run. */
  readonly now: number;
  /** `renotifyHours`: how long an open finding stays quiet before it is sent again. */
  readonly settings: Pick<SentinelSettings, 'renotifyHours'>;
}

/** A finding still open and due to be sent again, with what was remembered of it. */
export interface Reminder {
  /** The finding as this run saw it, with today's evidence. */
  readonly finding: Finding;
  /** What was stored of it: when it was first seen and last notified. */
  readonly previous: StoredFinding;
  /**
   * ISO-8601 time the problem began: the earliest of what was stored and this run's evidence time, so that a
   * metric finding, whose evidence window slides forward every run, still says when it started.
   */
  readonly since: string;
  /** The severity it was last alerted with, when this run's is higher: it got worse, and is alerted at once. */
  readonly escalatedFrom?: Severity;
}

/** What this run's alert says and what the state store must remember because of it. */
export interface AlertPlan {
  /** Findings whose fingerprint was not open before. */
  readonly newFindings: readonly Finding[];
  /** Open findings last notified at least `renotifyHours` ago. */
  readonly reminders: readonly Reminder[];
  /** Findings open before that this run could assess and no longer sees. */
  readonly resolved: readonly StoredFinding[];
  /** Open findings that stay silent: seen but not due, or not assessable this run. */
  readonly stillOpen: readonly StoredFinding[];
  /** New and reminded findings, stamped as notified now (StateChange.upsert). */
  readonly upsert: readonly StoredFinding[];
  /** Fingerprints of the resolved findings (StateChange.remove). */
  readonly remove: readonly string[];
}

const HOUR_MS = 3_600_000;

/** Whether this run's finding is more severe than the one last alerted. */
function escalated(stored: StoredFinding, finding: Finding): boolean {
  return SEVERITY_RANK[finding.severity] < SEVERITY_RANK[stored.severity];
}

/** Sorts this run's findings against the open ones into new, reminders, resolved and still open. */
export function planAlert(input: AlertPlanInput): AlertPlan {
  const { previous, isAssessed, now, settings } = input;
  const notifiedAt = new Date(now).toISOString();
  const renotifyMs = settings.renotifyHours * HOUR_MS;
  const open = new Map(previous.openFindings.map((stored) => [stored.fingerprint, stored]));
  const seen = new Map<string, Finding>();
  for (const finding of input.findings)
    if (!seen.has(finding.fingerprint)) seen.set(finding.fingerprint, finding);

  const newFindings: Finding[] = [];
  const reminders: Reminder[] = [];
  const resolved: StoredFinding[] = [];
  const stillOpen: StoredFinding[] = [];
  for (const finding of seen.values()) {
    const stored = open.get(finding.fingerprint);
    if (!stored) newFindings.push(finding);
    // An unreadable time counts as due: a reminder too many beats a problem never mentioned again. A problem
    // that got worse (a loop that now grows, say) is due at once.
    else if (escalated(stored, finding) || !(now - Date.parse(stored.lastNotifiedAt) < renotifyMs))
      reminders.push({
        finding,
        previous: stored,
        since: earliestTime(storedSince(stored), finding.since) ?? storedSince(stored),
        ...(escalated(stored, finding) ? { escalatedFrom: stored.severity } : {}),
      });
    else stillOpen.push(stored);
  }
  for (const stored of open.values()) {
    if (seen.has(stored.fingerprint)) continue;
    // Absence proves nothing when this run could not look (function not checked, metrics missing).
    if (isAssessed(stored)) resolved.push(stored);
    else stillOpen.push(stored);
  }

  return {
    newFindings,
    reminders,
    resolved,
    stillOpen,
    upsert: [
      ...newFindings.map((finding) => toStoredFinding(finding, notifiedAt, notifiedAt)),
      ...reminders.map(({ finding, previous: stored, since }) =>
        toStoredFinding(finding, stored.firstSeenAt, notifiedAt, since),
      ),
    ],
    remove: resolved.map((stored) => stored.fingerprint),
  };
}
