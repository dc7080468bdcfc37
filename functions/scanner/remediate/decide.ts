/**
 * The decide phase: which findings get which remediation, under the operator's flags and the safety rails.
 * Pure: the run's findings, snapshot, settings and what earlier runs did go in; planned actions and the reason
 * every other candidate was left alone come out. Nothing here calls AWS.
 */
import { isThrottlingError } from '../aws/request-budget';
import type {
  AccountConcurrencyLimits,
  AccountSnapshot,
  Action,
  ActionKind,
  Finding,
  FindingKind,
  FunctionDetail,
  Severity,
} from '../model';
import type { RemediationFlag, SentinelSettings } from '../settings';
import type { ActionRecord, StoredFinding } from '../state/state-model';
import { concurrencyText } from './action-text';
import { chooseHogCap } from './hog-cap';

/** Why a finding that has a remediation did not get it this run. */
export type SkipReason =
  /** Its remediation flag is not in `remediate`. */
  | 'flag-off'
  /** The finding is of a sort the remediation does not answer (an update in progress, a loop set to Allow). */
  | 'not-applicable'
  /** The function is the sentinel itself. */
  | 'self'
  /** GetFunction did not answer for it this run: its tags and reserved concurrency are unknown. */
  | 'no-detail'
  /** It carries `protectTag`. */
  | 'protected'
  /** Another action of this run already changes this function. */
  | 'same-function'
  /** An earlier run acted on this problem already, or an operator undid such an action. */
  | 'already-acted'
  /** Its reserved concurrency is already what the action would set (or tighter). */
  | 'already-at-target'
  /** No cap is both below the hog's peak, above its provisioned concurrency and within the unreserved minimum. */
  | 'no-safe-cap'
  /** `maxActionsPerRun` actions were already planned. */
  | 'over-limit';

/** A remediation the rails held back, with the reason in words. */
export interface SkippedRemediation {
  readonly kind: ActionKind;
  readonly functionName: string;
  readonly fingerprint: string;
  readonly findingKind: FindingKind;
  readonly severity: Severity;
  readonly reason: SkipReason;
  /** One line an operator can act on. */
  readonly detail: string;
}

/** What earlier runs left that bears on acting again. */
export interface EarlierRuns {
  /** Action records the state table still keeps. */
  readonly actions: readonly ActionRecord[];
  /** Findings open before this run, with when each was first seen. */
  readonly openFindings: readonly StoredFinding[];
  /** ISO-8601 time of the last run that saved its state. */
  readonly lastRunAt?: string;
}

/** Everything decide looks at. */
export interface DecideInput {
  /** This run's findings (ignored functions already taken out). */
  readonly findings: readonly Finding[];
  /** This run's snapshot: GetFunction details (tags, reserved concurrency, state) and the account limits. */
  readonly snapshot: AccountSnapshot;
  readonly settings: Pick<
    SentinelSettings,
    'remediate' | 'dryRun' | 'maxActionsPerRun' | 'hogCap' | 'protectTag'
  >;
  /** The scanner's own function name, which is never remediated. */
  readonly selfFunctionName?: string;
  readonly earlier: EarlierRuns;
  /** Epoch milliseconds of the run. */
  readonly now: number;
  /** A new unique action id. */
  readonly newActionId: () => string;
}

/** The decide phase's output. */
export interface Decision {
  /** Actions to apply (or, in a dry run, to report), most severe first, at most `maxActionsPerRun`. */
  readonly planned: readonly Action[];
  /** Every remediable finding that got no action, and why. */
  readonly skipped: readonly SkippedRemediation[];
}

interface Remedy {
  readonly flag: RemediationFlag;
  readonly kind: ActionKind;
}

/** The finding kinds that have a remediation; the others (failed-state, pc-spillover) are guidance only. */
const REMEDIES: Partial<Readonly<Record<FindingKind, Remedy>>> = {
  'recursive-loop': { flag: 'throttle-loops', kind: 'throttle' },
  'concurrency-hog': { flag: 'cap-hogs', kind: 'cap' },
  'stuck-pending': { flag: 'unblock-pending', kind: 'unblock' },
};

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };
// At equal severity a runaway loop costs money every second, a hog starves other functions, a stuck function
// only waits: that is the order they are worth the limited actions of a run.
const KIND_RANK: Readonly<Record<ActionKind, number>> = {
  throttle: 0,
  'pause-trigger': 0,
  cap: 1,
  lift: 1,
  unblock: 2,
};

interface Candidate {
  readonly finding: Finding;
  readonly remedy: Remedy;
}

type Verdict =
  | { readonly plan: Pick<Action, 'previous' | 'next'>; readonly limits?: AccountConcurrencyLimits }
  | { readonly skip: SkipReason; readonly detail: string };

/** Plans this run's remediations: the most severe findings first, each through every rail. */
export function decide(input: DecideInput): Decision {
  const { settings } = input;
  const byName = new Map(input.snapshot.functions.map((fn) => [fn.functionName, fn]));
  let limits = input.snapshot.metrics?.accountLimits;
  const planned: Action[] = [];
  const skipped: SkippedRemediation[] = [];

  for (const { finding, remedy } of candidates(input.findings)) {
    const skip = (reason: SkipReason, detail: string) =>
      skipped.push({
        kind: remedy.kind,
        functionName: finding.functionName,
        fingerprint: finding.fingerprint,
        findingKind: finding.kind,
        severity: finding.severity,
        reason,
        detail,
      });
    const detail = byName.get(finding.functionName)?.detail;
    const verdict =
      railsFor(finding, remedy, detail, input, planned) ??
      target(finding, remedy, detail, limits, settings, input.snapshot);
    if ('skip' in verdict) {
      skip(verdict.skip, verdict.detail);
    } else if (planned.length >= settings.maxActionsPerRun) {
      skip(
        'over-limit',
        `this run already has maxActionsPerRun (${settings.maxActionsPerRun}) actions; the next run comes back to it`,
      );
    } else {
      limits = verdict.limits ?? limits;
      planned.push({
        id: input.newActionId(),
        kind: remedy.kind,
        functionName: finding.functionName,
        fingerprint: finding.fingerprint,
        findingKind: finding.kind,
        severity: finding.severity,
        reason: finding.summary,
        decidedAt: new Date(input.now).toISOString(),
        applied: false,
        dryRun: settings.dryRun,
        ...verdict.plan,
      });
    }
  }
  return { planned, skipped };
}

/** Findings that have a remediation, most severe first, then by how costly the problem is to leave running. */
function candidates(findings: readonly Finding[]): Candidate[] {
  return findings
    .flatMap((finding) => {
      const remedy = REMEDIES[finding.kind];
      return remedy ? [{ finding, remedy }] : [];
    })
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.finding.severity] - SEVERITY_RANK[b.finding.severity] ||
        KIND_RANK[a.remedy.kind] - KIND_RANK[b.remedy.kind] ||
        a.finding.functionName.localeCompare(b.finding.functionName) ||
        a.finding.fingerprint.localeCompare(b.finding.fingerprint),
    );
}

/** The rails every action passes, in the order their reasons are most useful to read; undefined when all pass. */
function railsFor(
  finding: Finding,
  remedy: Remedy,
  detail: FunctionDetail | undefined,
  input: DecideInput,
  planned: readonly Action[],
): Verdict | undefined {
  const { settings } = input;
  if (!settings.remediate.includes(remedy.flag)) {
    return { skip: 'flag-off', detail: `${remedy.flag} is not in remediate` };
  }
  const notApplicable = notApplicableBecause(finding, remedy, detail);
  if (notApplicable) return { skip: 'not-applicable', detail: notApplicable };
  if (finding.functionName === input.selfFunctionName) {
    return { skip: 'self', detail: 'this is the sentinel itself, which never remediates itself' };
  }
  if (!detail) {
    return {
      skip: 'no-detail',
      detail: 'GetFunction did not answer for it this run, so its tags and reserved concurrency are unknown',
    };
  }
  if (Object.hasOwn(detail.tags, settings.protectTag)) {
    return { skip: 'protected', detail: `it carries the tag ${settings.protectTag}` };
  }
  const sameFunction = planned.find((action) => action.functionName === finding.functionName);
  if (sameFunction) {
    return { skip: 'same-function', detail: `action ${sameFunction.id} of this run already changes it` };
  }
  const earlier = blockingRecord(finding, remedy.kind, input.earlier, settings.dryRun);
  if (earlier) return { skip: 'already-acted', detail: earlierText(earlier) };
  return undefined;
}

function notApplicableBecause(
  finding: Finding,
  remedy: Remedy,
  detail: FunctionDetail | undefined,
): string | undefined {
  if (remedy.kind === 'throttle' && finding.severity === 'info') {
    return 'it runs hot with loop detection set to Allow but is not climbing: not treated as a runaway loop';
  }
  // The guide's unblock is for a function Pending since creation; mid-update, the function still serves.
  if (remedy.kind === 'unblock' && detail && detail.state !== 'Pending') {
    return `it is ${detail.state ?? 'in an unknown state'} with an update in progress, which the guide's unblock does not cover`;
  }
  return undefined;
}

/**
 * An earlier action that rules out acting again: any action on this problem decided since its episode began
 * (since it was first seen, or since the last saved run for a problem not yet saved as open, as after a failed
 * run), except dry runs when this run is real and failures Lambda throttled (those are retried next run). An
 * undone action holds back the same action on that function for as long as its record is kept, open episode
 * or not: an operator's undo is not overruled.
 */
function blockingRecord(
  finding: Finding,
  kind: ActionKind,
  earlier: EarlierRuns,
  dryRun: boolean,
): ActionRecord | undefined {
  const open = earlier.openFindings.find((stored) => stored.fingerprint === finding.fingerprint);
  const episodeStart = Date.parse(open?.firstSeenAt ?? earlier.lastRunAt ?? '');
  return earlier.actions.find((record) => {
    const sameFunctionAndKind = record.functionName === finding.functionName && record.kind === kind;
    if (!sameFunctionAndKind && record.fingerprint !== finding.fingerprint) return false;
    if (record.status === 'undone' || record.status === 'undoing') return sameFunctionAndKind;
    if (Date.parse(record.decidedAt) < episodeStart) return false;
    if (record.status === 'dry-run') return dryRun;
    return !(record.status === 'failed' && isThrottlingError({ name: record.errorCode }));
  });
}

function earlierText(record: ActionRecord): string {
  if (record.status === 'undone' || record.status === 'undoing') {
    return `an operator undid action ${record.id} (${record.kind} of ${record.decidedAt}); it is not repeated`;
  }
  return `action ${record.id} (${record.kind}, ${record.status}) answered it at ${record.decidedAt}`;
}

/** What the action sets, or why no value is safe. */
function target(
  finding: Finding,
  remedy: Remedy,
  detail: FunctionDetail | undefined,
  limits: AccountConcurrencyLimits | undefined,
  settings: Pick<SentinelSettings, 'hogCap'>,
  snapshot: AccountSnapshot,
): Verdict {
  const previous = detail?.reservedConcurrency ?? null;
  if (remedy.kind === 'unblock') return { plan: {} };
  if (remedy.kind === 'throttle') {
    if (previous === 0) {
      return { skip: 'already-at-target', detail: 'its reserved concurrency is already 0 (throttled)' };
    }
    // What the function reserved goes back to the pool when its reservation drops to 0.
    const freed =
      limits && previous !== null
        ? { ...limits, unreservedConcurrentExecutions: limits.unreservedConcurrentExecutions + previous }
        : undefined;
    return { plan: { previous, next: 0 }, ...(freed ? { limits: freed } : {}) };
  }
  if (previous !== null) {
    return {
      skip: 'already-at-target',
      detail: `it already has reserved concurrency ${concurrencyText(previous)}, which caps it`,
    };
  }
  const peak = finding.evidence.peakConcurrentExecutions;
  if (typeof peak !== 'number' || !limits) {
    return { skip: 'no-safe-cap', detail: "the hog's peak or the account's concurrency limits are unknown" };
  }
  const provisioned = snapshot.metrics?.functions.find(
    (fn) => fn.functionName === finding.functionName,
  )?.provisionedConcurrency;
  if (provisioned === undefined) {
    return {
      skip: 'no-detail',
      detail:
        'its provisioned concurrency was not read this run, and a cap must stay above it; the next run tries again',
    };
  }
  const choice = chooseHogCap({
    peakConcurrentExecutions: peak,
    limits,
    currentReserved: previous,
    hogCap: settings.hogCap,
    provisionedConcurrency: provisioned,
  });
  if ('skip' in choice) return { skip: 'no-safe-cap', detail: choice.skip };
  return {
    plan: { previous, next: choice.cap },
    limits: { ...limits, unreservedConcurrentExecutions: choice.unreservedAfter },
  };
}
