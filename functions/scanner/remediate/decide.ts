/**
 * The decide phase: which findings get which remediation, under the operator's flags and the safety rails.
 * Pure: the run's findings, snapshot, settings and what earlier runs did go in; planned actions and the reason
 * every other candidate was left alone come out. Nothing here calls AWS.
 */
import { isThrottlingError } from '../aws/request-budget';
import { hasNonZero } from '../collect/metric-series';
import { SEVERITY_RANK } from '../model';
import type {
  AccountConcurrencyLimits,
  AccountSnapshot,
  Action,
  ActionKind,
  CapHoldMetrics,
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
  | 'over-limit'
  /** A calm cap is due to be lifted, but `cap-hogs` is no longer set or this is a dry run: the cap stays. */
  | 'cap-stays';

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
  /** An earlier action whose undo does by hand what the sentinel leaves undone (the cap a lift would remove). */
  readonly undoActionId?: string;
  /**
   * News of its own: the alert goes out for it even when the run has nothing else to say. Set on the first run
   * that finds a cap old enough to lift but leaves it in place, so that the operator hears of it once.
   */
  readonly announce?: boolean;
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
    'remediate' | 'dryRun' | 'maxActionsPerRun' | 'hogCap' | 'protectTag' | 'capHoldMinutes'
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
  /**
   * Actions to apply (or, in a dry run, to report), most severe first, then the lifts of calm caps; at most
   * `maxActionsPerRun` of them all.
   */
  readonly planned: readonly Action[];
  /** Every remediable finding that got no action, and every calm cap that is not lifted, and why. */
  readonly skipped: readonly SkippedRemediation[];
}

interface Remedy {
  readonly flag: RemediationFlag;
  readonly kind: ActionKind;
}

/** The finding kinds that have a remediation; the others (failed-state, pc-spillover, pc-health) are guidance only. */
const REMEDIES: Partial<Readonly<Record<FindingKind, Remedy>>> = {
  'recursive-loop': { flag: 'throttle-loops', kind: 'throttle' },
  'concurrency-hog': { flag: 'cap-hogs', kind: 'cap' },
  'stuck-pending': { flag: 'unblock-pending', kind: 'unblock' },
};

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

/** What an action changes, and its kind and reason where they differ from the remedy's and the finding's. */
type Plan = Pick<Action, 'previous' | 'next' | 'mappings'> & {
  readonly kind?: ActionKind;
  readonly reason?: string;
};

type Verdict =
  | { readonly plan: Plan; readonly limits?: AccountConcurrencyLimits }
  | { readonly skip: SkipReason; readonly detail: string };

/** A cap an earlier run applied whose function has been calm since. */
interface DueLift {
  readonly cap: ActionRecord;
  readonly hold: CapHoldMetrics;
}

// A mapping Enabled, or on its way there, polls its source and invokes the function.
const POLLING_STATES: ReadonlySet<string> = new Set(['Enabled', 'Enabling']);
// The action kinds that answer one remedy: an earlier pause of a loop's triggers counts as acting on the loop.
const REMEDY_KINDS: Partial<Readonly<Record<ActionKind, readonly ActionKind[]>>> = {
  throttle: ['throttle', 'pause-trigger'],
};
const MINUTE_MS = 60_000;

/**
 * Plans this run's remediations: the most severe findings first, each through every rail, then the lifts of calm
 * caps. Lifts count toward `maxActionsPerRun`: the limit bounds how many changes one run makes, and a lift is a
 * change (it hands a former hog its concurrency back). They come after every finding's action, so a lift never
 * takes the place of an action on a live problem; one that does not fit waits for the next run, and the cap
 * holds a little longer, which is the safe side.
 */
export function decide(input: DecideInput): Decision {
  const { settings } = input;
  const byName = new Map(input.snapshot.functions.map((fn) => [fn.functionName, fn]));
  let limits = input.snapshot.metrics?.accountLimits;
  const planned: Action[] = [];
  const skipped: SkippedRemediation[] = [];
  const overLimit = (): string | undefined =>
    planned.length >= settings.maxActionsPerRun
      ? `this run already has maxActionsPerRun (${settings.maxActionsPerRun}) actions; the next run comes back to it`
      : undefined;

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
      railsFor(finding, remedy, detail, input, planned) ?? target(finding, remedy, detail, limits, input);
    const full = overLimit();
    if ('skip' in verdict) {
      skip(verdict.skip, verdict.detail);
    } else if (full) {
      skip('over-limit', full);
    } else {
      limits = verdict.limits ?? limits;
      const { kind = remedy.kind, reason = finding.summary, ...change } = verdict.plan;
      planned.push({
        id: input.newActionId(),
        kind,
        functionName: finding.functionName,
        fingerprint: finding.fingerprint,
        findingKind: finding.kind,
        severity: finding.severity,
        reason,
        decidedAt: new Date(input.now).toISOString(),
        applied: false,
        dryRun: settings.dryRun,
        ...change,
      });
    }
  }

  for (const due of liftsDue(input)) {
    const { cap } = due;
    const held = liftRails(due, byName.get(cap.functionName)?.detail, input, planned);
    const full = overLimit();
    if (held || full) {
      skipped.push({
        kind: 'lift',
        functionName: cap.functionName,
        fingerprint: cap.fingerprint,
        findingKind: cap.findingKind,
        severity: 'info',
        ...(held ?? { reason: 'over-limit', detail: full ?? '' }),
      });
    } else {
      planned.push(liftAction(due, input));
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
  const earlier = blockingRecords(finding, remedy.kind, input.earlier, settings.dryRun);
  const [first] = earlier;
  if (first && pausesToEscalate(earlier).length === 0) {
    return { skip: 'already-acted', detail: earlierText(first) };
  }
  return undefined;
}

function notApplicableBecause(
  finding: Finding,
  remedy: Remedy,
  detail: FunctionDetail | undefined,
): string | undefined {
  // Self-chaining workers trip AWS's 16-hop guard legitimately, and once AWS cut the chain nothing runs away.
  if (remedy.kind === 'throttle' && finding.fingerprint.endsWith(':dropped')) {
    return (
      'reported, not acted on: AWS already cut the chain (RecursiveInvocationsDropped), and functions that ' +
      'legitimately chain themselves trip that guard too; dropped invocations alone are no runaway'
    );
  }
  if (remedy.kind === 'throttle' && finding.severity !== 'critical') {
    return (
      `reported, not acted on: the finding is ${finding.severity}; only a critical one (a rate far above the ` +
      "function's own week and still climbing) is acted on, not a hot function that is not growing or whose " +
      'history is unknown'
    );
  }
  // The guide's unblock cancels a stuck creation; nothing says it is safe for a restore from Inactive.
  if (remedy.kind === 'unblock' && finding.evidence.phase === 'restore') {
    return "it is restoring after going inactive, which the guide's unblock (for a stuck creation) does not cover";
  }
  // The guide's unblock is for a function Pending since creation; mid-update, the function still serves.
  if (remedy.kind === 'unblock' && detail && detail.state !== 'Pending') {
    return `it is ${detail.state ?? 'in an unknown state'} with an update in progress, which the guide's unblock does not cover`;
  }
  return undefined;
}

/**
 * The earlier actions that rule out acting again: any action on this problem decided since its episode began
 * (since it was first seen, or since the last saved run for a problem not yet saved as open, as after a failed
 * run), except dry runs when this run is real and failures Lambda throttled (those are retried next run). An
 * undone action holds back the same remedy on that function for as long as its record is kept, open episode
 * or not: an operator's undo is not overruled. A cap the sentinel lifted itself is not an undo: it holds back
 * nothing past its own episode.
 */
function blockingRecords(
  finding: Finding,
  kind: ActionKind,
  earlier: EarlierRuns,
  dryRun: boolean,
): ActionRecord[] {
  const open = earlier.openFindings.find((stored) => stored.fingerprint === finding.fingerprint);
  const episodeStart = Date.parse(open?.firstSeenAt ?? earlier.lastRunAt ?? '');
  const kinds = REMEDY_KINDS[kind] ?? [kind];
  return earlier.actions.filter((record) => {
    const sameFunctionAndKind = record.functionName === finding.functionName && kinds.includes(record.kind);
    if (!sameFunctionAndKind && record.fingerprint !== finding.fingerprint) return false;
    if (record.status === 'undone' || record.status === 'undoing') return sameFunctionAndKind;
    if (Date.parse(record.decidedAt) < episodeStart) return false;
    if (record.status === 'dry-run') return dryRun;
    return !(record.status === 'failed' && isThrottlingError({ name: record.errorCode }));
  });
}

/**
 * The pauses of a loop's triggers that an earlier run of this episode applied, when they are all it did: the loop
 * may still go on without the mappings, and then it is throttled. Anything else (a throttle, a failure, an undo)
 * holds the loop back as any earlier action does.
 */
function pausesToEscalate(earlier: readonly ActionRecord[]): readonly ActionRecord[] {
  const allApplied = earlier.every(
    (record) => record.kind === 'pause-trigger' && record.status === 'applied',
  );
  return allApplied ? earlier : [];
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
  input: DecideInput,
): Verdict {
  if (remedy.kind === 'unblock') return { plan: {} };
  if (remedy.kind === 'throttle') return loopTarget(finding, detail, limits, input);
  return hogTarget(finding, detail, limits, input);
}

/**
 * How a runaway loop is stopped: by pausing the event source mappings that feed it, so that their messages and
 * records wait in the queue or stream instead of being dropped; by reserved concurrency 0 where no mapping polls
 * for it, or where an earlier pause did not stop it (the loop then comes through something else).
 */
function loopTarget(
  finding: Finding,
  detail: FunctionDetail | undefined,
  limits: AccountConcurrencyLimits | undefined,
  input: DecideInput,
): Verdict {
  const pauses = pausesToEscalate(blockingRecords(finding, 'throttle', input.earlier, input.settings.dryRun));
  const pause = pauses.at(-1);
  if (pause) {
    const window = input.snapshot.metrics?.window;
    // Lambda stops polling within moments of the pause; only a window whose latest minute began a full minute
    // after it shows the loop going on without the mappings rather than the traffic from before the pause.
    const latestMinute = window ? Date.parse(window.end) - MINUTE_MS : Number.NaN;
    if (!(latestMinute >= Date.parse(pause.decidedAt) + MINUTE_MS)) {
      return {
        skip: 'already-acted',
        detail:
          `action ${pause.id} paused its event source mappings at ${pause.decidedAt}; the minutes this run ` +
          'read end too soon after to tell whether the loop goes on without them',
      };
    }
    return throttleTarget(
      detail,
      limits,
      `${finding.summary}; still a runaway after action ${pause.id} paused its event source mappings at ` +
        `${pause.decidedAt}, so the loop does not come through them: throttled instead`,
    );
  }
  if (detail?.reservedConcurrency === 0) return throttleTarget(detail, limits);
  const mappings = input.snapshot.metrics?.functions.find(
    (fn) => fn.functionName === finding.functionName,
  )?.eventSourceMappings;
  if (mappings === undefined) {
    return {
      skip: 'no-detail',
      detail:
        'its event source mappings were not read this run, so whether pausing them would stop it without ' +
        'dropping events is unknown; the next run tries again',
    };
  }
  const polling = mappings.filter((mapping) => POLLING_STATES.has(mapping.state));
  if (polling.length === 0) return throttleTarget(detail, limits);
  return {
    plan: {
      kind: 'pause-trigger',
      mappings: polling.map(({ uuid, eventSourceArn, state }) => ({
        uuid,
        eventSourceArn,
        stateBefore: state,
      })),
    },
  };
}

/** Reserved concurrency 0, what the console's Throttle button does. */
function throttleTarget(
  detail: FunctionDetail | undefined,
  limits: AccountConcurrencyLimits | undefined,
  reason?: string,
): Verdict {
  const previous = detail?.reservedConcurrency ?? null;
  if (previous === 0) {
    return { skip: 'already-at-target', detail: 'its reserved concurrency is already 0 (throttled)' };
  }
  // What the function reserved goes back to the pool when its reservation drops to 0.
  const freed =
    limits && previous !== null
      ? { ...limits, unreservedConcurrentExecutions: limits.unreservedConcurrentExecutions + previous }
      : undefined;
  return {
    plan: { previous, next: 0, ...(reason !== undefined ? { reason } : {}) },
    ...(freed ? { limits: freed } : {}),
  };
}

/** A cap below the hog's peak, above its provisioned concurrency and within the pool, or why there is none. */
function hogTarget(
  finding: Finding,
  detail: FunctionDetail | undefined,
  limits: AccountConcurrencyLimits | undefined,
  input: DecideInput,
): Verdict {
  const previous = detail?.reservedConcurrency ?? null;
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
  const provisioned = input.snapshot.metrics?.functions.find(
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
    hogCap: input.settings.hogCap,
    provisionedConcurrency: provisioned,
  });
  if ('skip' in choice) return { skip: 'no-safe-cap', detail: choice.skip };
  return {
    plan: { previous, next: choice.cap },
    limits: { ...limits, unreservedConcurrentExecutions: choice.unreservedAfter },
  };
}

/** Caps an earlier run applied that are still in place: neither lifted nor undone. */
export function appliedCaps(actions: readonly ActionRecord[]): ActionRecord[] {
  return actions.filter((record) => record.kind === 'cap' && record.status === 'applied' && !record.dryRun);
}

/**
 * Caps an earlier run applied whose functions have been calm: the cap is at least `capHoldMinutes` old and the
 * function had no throttles in any minute of the hold (a missing minute had none). A function whose throttles
 * were not read this run keeps its cap until a run reads them. A cap already lifted or undone is left alone, and
 * so is one a lift was already tried on (it found the reservation changed, or Lambda refused), except after a
 * throttled try, which is tried again.
 */
function liftsDue(input: DecideInput): DueLift[] {
  const holds = input.snapshot.metrics?.capHolds ?? [];
  const holdMs = input.settings.capHoldMinutes * MINUTE_MS;
  const triedBefore = (cap: ActionRecord) =>
    input.earlier.actions.some(
      (record) =>
        record.kind === 'lift' &&
        record.lifts === cap.id &&
        !(record.status === 'failed' && isThrottlingError({ name: record.errorCode })),
    );
  return appliedCaps(input.earlier.actions)
    .filter((cap) => input.now - Date.parse(cap.decidedAt) >= holdMs && !triedBefore(cap))
    .flatMap((cap) => {
      const hold = holds.find((candidate) => candidate.functionName === cap.functionName);
      return hold && !hasNonZero(hold.throttles) ? [{ cap, hold }] : [];
    });
}

/** The rails a lift passes; undefined when all pass. */
function liftRails(
  { cap }: DueLift,
  detail: FunctionDetail | undefined,
  input: DecideInput,
  planned: readonly Action[],
): Pick<SkippedRemediation, 'reason' | 'detail' | 'undoActionId' | 'announce'> | undefined {
  const { settings } = input;
  const calm =
    `${cap.functionName} has gone ${settings.capHoldMinutes} minutes without a throttle under the cap of ` +
    `${concurrencyText(cap.next)} that action ${cap.id} set`;
  const byHand = 'it stays until it is undone by hand';
  // The last saved run came before the cap was old enough to lift: this run is the first to keep it.
  const firstToKeep = !(
    Date.parse(input.earlier.lastRunAt ?? '') >=
    Date.parse(cap.decidedAt) + settings.capHoldMinutes * MINUTE_MS
  );
  const stays = (why: string) => ({
    reason: 'cap-stays' as const,
    detail: `${calm}, but ${why}: ${byHand}`,
    undoActionId: cap.id,
    ...(firstToKeep ? { announce: true } : {}),
  });
  if (!settings.remediate.includes('cap-hogs')) return stays('cap-hogs is no longer in remediate');
  if (settings.dryRun) return stays('this is a dry run');
  if (cap.functionName === input.selfFunctionName) {
    return { reason: 'self', detail: 'this is the sentinel itself, which never remediates itself' };
  }
  if (detail && Object.hasOwn(detail.tags, settings.protectTag)) {
    return {
      reason: 'protected',
      detail: `${calm}, but it now carries the tag ${settings.protectTag}: ${byHand}`,
      undoActionId: cap.id,
    };
  }
  const sameFunction = planned.find((action) => action.functionName === cap.functionName);
  if (sameFunction) {
    return { reason: 'same-function', detail: `action ${sameFunction.id} of this run already changes it` };
  }
  return undefined;
}

/** Restores what the function had before the cap: its earlier reservation, or none. */
function liftAction({ cap, hold }: DueLift, input: DecideInput): Action {
  return {
    id: input.newActionId(),
    kind: 'lift',
    functionName: cap.functionName,
    fingerprint: cap.fingerprint,
    findingKind: cap.findingKind,
    severity: 'info',
    reason:
      `no throttles since ${hold.since}: calm for ${input.settings.capHoldMinutes} minutes under the cap of ` +
      `${concurrencyText(cap.next)} that action ${cap.id} set at ${cap.decidedAt}`,
    decidedAt: new Date(input.now).toISOString(),
    applied: false,
    dryRun: false,
    previous: cap.next ?? null,
    next: cap.previous ?? null,
    lifts: cap.id,
  };
}
