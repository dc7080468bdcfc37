import { parseLambdaTimestamp } from '../detect/checked-function';
import type { CheckReason } from '../model';
import { schedulePeriodMinutes, type SentinelSettings } from '../settings';

/** A function chosen for a GetFunction check this run, and why. */
export interface Candidate {
  readonly functionName: string;
  readonly reason: CheckReason;
}

/** What candidate selection looks at: the listing, what the previous run left, and the time. */
export interface CandidateInput {
  /** Functions ListFunctions returned this run, with their LastModified as Lambda wrote it. */
  readonly listed: readonly { readonly functionName: string; readonly lastModified: string }[];
  /** Whether ListFunctions finished: only then does absence from `listed` mean a function is gone. */
  readonly inventoryComplete: boolean;
  /** Functions the previous run saw in a state that had not settled. */
  readonly watchedFunctions: readonly string[];
  /** ISO-8601 time of the previous run; undefined on the first run. */
  readonly lastRunAt?: string;
  /** Epoch milliseconds of this run. */
  readonly now: number;
  readonly settings: Pick<SentinelSettings, 'sweepMinutes' | 'schedule'>;
}

/** Modifications this close before the previous run are looked at again, for clock skew and listing lag. */
export const RECENT_SAFETY_MARGIN_MS = 2 * 60_000;

const MINUTE_MS = 60_000;
const CRON_PERIOD_MINUTES = 5;

/**
 * The functions to read with GetFunction this run, each once, most urgent first (a deadline cuts the
 * tail): `watched` (last seen unsettled), then `recently-modified`, then this run's `rotation` slice.
 *
 * The rotation re-reads every function at least once per `sweepMinutes` without remembering anything:
 * each run checks the share of the names that matches the share of the sweep elapsed since the last run.
 * With the defaults, 10,000 functions on a 5-minute schedule cost about 209 GetFunction calls a run
 * (10,000 × 5 / 240), about 10 seconds at 20 rps.
 */
export function selectCandidates(input: CandidateInput): Candidate[] {
  const { listed, now, settings } = input;
  const sweepMs = settings.sweepMinutes * MINUTE_MS;
  const previousRun = input.lastRunAt === undefined ? undefined : parseLambdaTimestamp(input.lastRunAt);
  const firstRunPeriodMs = (schedulePeriodMinutes(settings.schedule) ?? CRON_PERIOD_MINUTES) * MINUTE_MS;
  const modifiedSince = previousRun === undefined ? now - sweepMs : previousRun - RECENT_SAFETY_MARGIN_MS;
  const rotationFrom = previousRun ?? now - firstRunPeriodMs;

  const chosen = new Map<string, CheckReason>();
  const choose = (functionName: string, reason: CheckReason) => {
    if (!chosen.has(functionName)) chosen.set(functionName, reason);
  };

  const listedNames = new Set(listed.map((fn) => fn.functionName));
  for (const name of input.watchedFunctions) {
    // A complete listing without it means it was deleted: GetFunction could only answer "not found".
    if (listedNames.has(name) || !input.inventoryComplete) choose(name, 'watched');
  }
  for (const fn of listed) {
    const modifiedAt = parseLambdaTimestamp(fn.lastModified);
    if (modifiedAt !== undefined && modifiedAt >= modifiedSince) choose(fn.functionName, 'recently-modified');
  }
  for (const fn of listed) {
    if (inRotation(fn.functionName, rotationFrom, now, sweepMs)) choose(fn.functionName, 'rotation');
  }
  return [...chosen].map(([functionName, reason]) => ({ functionName, reason }));
}

/**
 * Whether the sweep cycle passed `functionName`'s position between `from` and `to` (epoch ms); consecutive
 * runs cover consecutive arcs, so in one sweep every name is passed exactly once.
 */
export function inRotation(functionName: string, from: number, to: number, sweepMs: number): boolean {
  if (to - from >= sweepMs) return true;
  if (to <= from) return false;
  const position = rotationPosition(functionName);
  const start = cyclePhase(from, sweepMs);
  const end = cyclePhase(to, sweepMs);
  return start <= end ? position >= start && position < end : position >= start || position < end;
}

/** A function's fixed place in the sweep cycle, in [0, 1): a hash of its name (32-bit FNV-1a). */
export function rotationPosition(functionName: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < functionName.length; i++) {
    hash ^= functionName.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

function cyclePhase(time: number, sweepMs: number): number {
  return (((time % sweepMs) + sweepMs) % sweepMs) / sweepMs;
}
