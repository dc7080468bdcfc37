/**
 * The vocabulary that describes a function's traffic: composable, JSON-friendly shape terms, and their
 * evaluation to requests a minute at any minute. Additive terms (steady, daily, window, weekly, burst) make the
 * function's own demand; `growth` and `noise` multiply it; `runaway` and `loop` add traffic the function causes
 * itself (its loop), which Lambda's loop detection may cut; `dropped` scripts RecursiveInvocationsDropped directly.
 *
 * Times are UTC. A `TimeRef` is an ISO-8601 instant with a zone (`2030-01-15T02:00:00Z`) or an offset from the
 * account's observed time (`-40m`, `+2h`, `-3d`, `now`); clock times of day are `HH:MM`.
 */
import { hashedUnit } from './random';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** An instant: ISO-8601 with a zone, or relative to the observed time (`-40m`, `+2h`, `-3d`, `-90s`, `now`). */
export type TimeRef = string;

/** A day of the week, as the shape terms name it. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** The weekdays in JavaScript's `getUTCDay()` order (Sunday first). */
export const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Which days a daily window runs on. */
export type DaySet = 'every-day' | 'weekdays' | 'weekends' | readonly Weekday[];

/** Limits a term to an interval: from `from` (inclusive) until `until` (exclusive); either may be left open. */
export interface ActiveSpan {
  readonly from?: TimeRef;
  readonly until?: TimeRef;
}

/** The same rate all the time. */
export interface SteadyTerm extends ActiveSpan {
  readonly kind: 'steady';
  readonly perMinute: number;
}

/**
 * A smooth daily curve: `peakPerMinute` at `peakHour` (UTC, fractional hours allowed), falling along a cosine to
 * `troughFactor` × the peak twelve hours away; Saturdays and Sundays are multiplied by `weekendFactor`.
 */
export interface DailyTerm extends ActiveSpan {
  readonly kind: 'daily';
  readonly peakPerMinute: number;
  readonly peakHour: number;
  /** @default 0.2 */
  readonly troughFactor?: number;
  /** @default 1 */
  readonly weekendFactor?: number;
}

/**
 * A window every chosen day from `start` to `end` (`HH:MM`, UTC; an `end` before `start` runs past midnight) at
 * `perMinute`, ramping up over the window's first `rampMinutes` and down over its last.
 */
export interface WindowTerm extends ActiveSpan {
  readonly kind: 'window';
  readonly perMinute: number;
  readonly start: string;
  readonly end: string;
  /** @default 'every-day' */
  readonly days?: DaySet;
  /** @default 0 */
  readonly rampMinutes?: number;
}

/** A weekly job: one weekday, one window (as `window`, on that day only). */
export interface WeeklyTerm extends ActiveSpan {
  readonly kind: 'weekly';
  readonly perMinute: number;
  readonly day: Weekday;
  readonly start: string;
  readonly end: string;
  /** @default 0 */
  readonly rampMinutes?: number;
}

/** A one-off burst between two instants, ramping up and down over `rampMinutes`. */
export interface BurstTerm {
  readonly kind: 'burst';
  readonly perMinute: number;
  readonly from: TimeRef;
  readonly until: TimeRef;
  /** @default 0 */
  readonly rampMinutes?: number;
}

/** Steady growth of the function's own demand: × (1 + percentPerDay/100) per day, 1 at `reference`. */
export interface GrowthTerm {
  readonly kind: 'growth';
  readonly percentPerDay: number;
  /** @default 'now' (the observed time) */
  readonly reference?: TimeRef;
}

/**
 * A loop that feeds itself more with every round: from `from`, `startPerMinute` × `factorPerMinute` per minute,
 * at most `ceilingPerMinute`, until `until` (when someone or something broke it).
 */
export interface RunawayTerm {
  readonly kind: 'runaway';
  readonly from: TimeRef;
  readonly startPerMinute: number;
  readonly factorPerMinute: number;
  readonly ceilingPerMinute: number;
  readonly until?: TimeRef;
}

/** A loop at a constant rate (each invocation causes one more, 1:1) from `from` until `until`. */
export interface LoopTerm {
  readonly kind: 'loop';
  readonly from: TimeRef;
  readonly perMinute: number;
  readonly until?: TimeRef;
}

/**
 * Seeded multiplicative noise: every minute's demand (own and loop) × (1 + amplitude × u), u uniform in [-1, 1]
 * and drawn per minute from the seed (the function's own seed when none is given).
 */
export interface NoiseTerm {
  readonly kind: 'noise';
  readonly amplitude: number;
  readonly seed?: number;
}

/**
 * RecursiveInvocationsDropped scripted directly (a rate from `from`), for when the drops matter more than the
 * loop behind them; Lambda publishes none for a function set to `Allow`.
 */
export interface DroppedTerm {
  readonly kind: 'dropped';
  readonly perMinute: number;
  readonly from: TimeRef;
  readonly until?: TimeRef;
}

/** One term of a traffic shape. */
export type ShapeTerm =
  | SteadyTerm
  | DailyTerm
  | WindowTerm
  | WeeklyTerm
  | BurstTerm
  | GrowthTerm
  | RunawayTerm
  | LoopTerm
  | NoiseTerm
  | DroppedTerm;

/** Every kind of shape term. */
export const SHAPE_KINDS: readonly ShapeTerm['kind'][] = [
  'steady',
  'daily',
  'window',
  'weekly',
  'burst',
  'growth',
  'runaway',
  'loop',
  'noise',
  'dropped',
];

/** What a shape asks for in one minute, in requests (or drops) a minute. */
export interface ShapeRates {
  /** The function's own demand (callers, triggers), growth and noise applied. */
  base: number;
  /** Invocations the function's own loop would cause if nothing cut it. */
  loop: number;
  /** What the loop would run at were Lambda's loop detection cutting every chain (its entry rate). */
  loopIfCut: number;
  /** RecursiveInvocationsDropped scripted with `dropped` terms. */
  dropped: number;
}

/** Thrown for a time, clock time or day that cannot be read; the message names what was wrong. */
export class ShapeTimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShapeTimeError';
  }
}

const RELATIVE = /^([+-])(\d+(?:\.\d+)?)(s|m|h|d)$/;
const ABSOLUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };

/** Epoch milliseconds of `ref`, resolved against the observed time; throws ShapeTimeError when unreadable. */
export function resolveTime(ref: TimeRef, observedAt: number): number {
  if (ref === 'now') return observedAt;
  const relative = RELATIVE.exec(ref);
  if (relative) {
    const [, sign, amount = '0', unit = 'm'] = relative;
    const offset = Number(amount) * (UNIT_MS[unit] ?? MINUTE_MS);
    return observedAt + (sign === '-' ? -offset : offset);
  }
  if (ABSOLUTE.test(ref)) {
    const epoch = Date.parse(ref);
    if (Number.isFinite(epoch)) return epoch;
  }
  throw new ShapeTimeError(
    `${JSON.stringify(ref)} is not a time: use ISO-8601 with a zone (2030-01-15T02:00:00Z) or an offset from the observed time (-40m, +2h, -3d, now)`,
  );
}

/** Minutes after midnight of an `HH:MM` clock time; throws ShapeTimeError when unreadable. */
export function clockMinutes(clock: string): number {
  const match = CLOCK.exec(clock);
  if (!match) throw new ShapeTimeError(`${JSON.stringify(clock)} is not a clock time HH:MM (00:00-23:59)`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function daysOf(days: DaySet | undefined): ReadonlySet<number> {
  if (days === undefined || days === 'every-day') return new Set([0, 1, 2, 3, 4, 5, 6]);
  if (days === 'weekdays') return new Set([1, 2, 3, 4, 5]);
  if (days === 'weekends') return new Set([0, 6]);
  return new Set(days.map((day) => WEEKDAYS.indexOf(day)));
}

type MinuteRate = (minute: number) => number;

/** `rate` inside [from, until) and 0 outside. */
function within(span: ActiveSpan, observedAt: number, rate: MinuteRate): MinuteRate {
  const from = span.from === undefined ? -Infinity : resolveTime(span.from, observedAt);
  const until = span.until === undefined ? Infinity : resolveTime(span.until, observedAt);
  if (from === -Infinity && until === Infinity) return rate;
  return (minute) => (minute >= from && minute < until ? rate(minute) : 0);
}

/** The ramp factor (0-1) `elapsed` minutes into and `remaining` minutes before the end of an interval. */
function ramp(elapsedMinutes: number, remainingMinutes: number, rampMinutes: number): number {
  if (rampMinutes <= 0) return 1;
  // The minute's middle decides, so a one-minute ramp gives half the rate in the first and last minutes.
  return Math.min(1, (elapsedMinutes + 0.5) / rampMinutes, (remainingMinutes - 0.5) / rampMinutes);
}

function dailyWindow(
  perMinute: number,
  start: string,
  end: string,
  days: ReadonlySet<number>,
  rampMinutes: number,
): MinuteRate {
  const startMinute = clockMinutes(start);
  let length = clockMinutes(end) - startMinute;
  if (length <= 0) length += 24 * 60;
  return (minute) => {
    // The window that may cover this minute started today or (past midnight) yesterday.
    const dayStart = Math.floor(minute / DAY_MS) * DAY_MS;
    for (const windowDay of [dayStart, dayStart - DAY_MS]) {
      const opens = windowDay + startMinute * MINUTE_MS;
      const elapsed = (minute - opens) / MINUTE_MS;
      if (elapsed >= 0 && elapsed < length && days.has(new Date(windowDay).getUTCDay())) {
        return perMinute * ramp(elapsed, length - elapsed, rampMinutes);
      }
    }
    return 0;
  };
}

function dailyCurve(term: DailyTerm): MinuteRate {
  const trough = term.troughFactor ?? 0.2;
  const weekend = term.weekendFactor ?? 1;
  return (minute) => {
    const hour = (minute % DAY_MS) / HOUR_MS + 0.5 / 60;
    const closeness = (1 + Math.cos((2 * Math.PI * (hour - term.peakHour)) / 24)) / 2;
    const day = new Date(minute).getUTCDay();
    const weekday = day === 0 || day === 6 ? weekend : 1;
    return term.peakPerMinute * (trough + (1 - trough) * closeness) * weekday;
  };
}

function additive(term: ShapeTerm, observedAt: number): MinuteRate | undefined {
  switch (term.kind) {
    case 'steady':
      return within(term, observedAt, () => term.perMinute);
    case 'daily':
      return within(term, observedAt, dailyCurve(term));
    case 'window':
      return within(
        term,
        observedAt,
        dailyWindow(term.perMinute, term.start, term.end, daysOf(term.days), term.rampMinutes ?? 0),
      );
    case 'weekly':
      return within(
        term,
        observedAt,
        dailyWindow(term.perMinute, term.start, term.end, daysOf([term.day]), term.rampMinutes ?? 0),
      );
    case 'burst': {
      const from = resolveTime(term.from, observedAt);
      const until = resolveTime(term.until, observedAt);
      const rampMinutes = term.rampMinutes ?? 0;
      return (minute) =>
        minute >= from && minute < until
          ? term.perMinute * ramp((minute - from) / MINUTE_MS, (until - minute) / MINUTE_MS, rampMinutes)
          : 0;
    }
    default:
      return undefined;
  }
}

interface LoopRates {
  readonly rate: MinuteRate;
  readonly ifCut: MinuteRate;
}

function loopOf(term: ShapeTerm, observedAt: number): LoopRates | undefined {
  if (term.kind !== 'runaway' && term.kind !== 'loop') return undefined;
  const from = resolveTime(term.from, observedAt);
  const until = term.until === undefined ? Infinity : resolveTime(term.until, observedAt);
  const active = (minute: number) => minute >= from && minute < until;
  if (term.kind === 'loop') {
    const rate: MinuteRate = (minute) => (active(minute) ? term.perMinute : 0);
    return { rate, ifCut: rate };
  }
  return {
    rate: (minute) =>
      active(minute)
        ? Math.min(
            term.ceilingPerMinute,
            term.startPerMinute * term.factorPerMinute ** Math.floor((minute - from) / MINUTE_MS),
          )
        : 0,
    // A cut loop cannot feed itself: every chain stops after a few rounds, so it runs at its entry rate.
    ifCut: (minute) => (active(minute) ? Math.min(term.ceilingPerMinute, term.startPerMinute) : 0),
  };
}

/** Shape terms ready to evaluate: `at(minute, into)` fills `into` with the rates of the minute starting then. */
export interface CompiledShape {
  /** Whether the shape can ever ask for anything (an empty shape means a function nobody calls). */
  readonly silent: boolean;
  /** Whether it contains a loop (runaway or loop terms). */
  readonly loops: boolean;
  at(minute: number, into: ShapeRates): ShapeRates;
}

/** Compiles `terms` against the observed time; `seed` drives `noise` terms that carry none of their own. */
export function compileShape(terms: readonly ShapeTerm[], observedAt: number, seed: number): CompiledShape {
  const base = terms.flatMap((term) => additive(term, observedAt) ?? []);
  const loops = terms.flatMap((term) => loopOf(term, observedAt) ?? []);
  const growth = terms.flatMap((term) =>
    term.kind === 'growth'
      ? [
          {
            perDay: Math.log(1 + term.percentPerDay / 100),
            reference: resolveTime(term.reference ?? 'now', observedAt),
          },
        ]
      : [],
  );
  const noise = terms.flatMap((term, index) =>
    term.kind === 'noise' ? [{ amplitude: term.amplitude, seed: term.seed ?? seed, stream: index }] : [],
  );
  const dropped = terms.flatMap((term) =>
    term.kind === 'dropped' ? [within(term, observedAt, () => term.perMinute)] : [],
  );
  const silent = base.length === 0 && loops.length === 0 && dropped.length === 0;
  return {
    silent,
    loops: loops.length > 0,
    at(minute, into) {
      let own = 0;
      for (const rate of base) own += rate(minute);
      for (const { perDay, reference } of growth) own *= Math.exp((perDay * (minute - reference)) / DAY_MS);
      let loop = 0;
      let loopIfCut = 0;
      for (const { rate, ifCut } of loops) {
        loop += rate(minute);
        loopIfCut += ifCut(minute);
      }
      let factor = 1;
      const minuteIndex = Math.floor(minute / MINUTE_MS);
      for (const { amplitude, seed: noiseSeed, stream } of noise) {
        factor *= Math.max(0, 1 + amplitude * (2 * hashedUnit(noiseSeed, stream, minuteIndex) - 1));
      }
      let drops = 0;
      for (const rate of dropped) drops += rate(minute);
      into.base = own * factor;
      into.loop = loop * factor;
      into.loopIfCut = loopIfCut * factor;
      into.dropped = drops;
      return into;
    },
  };
}

/** A fresh ShapeRates to evaluate into. */
export function emptyRates(): ShapeRates {
  return { base: 0, loop: 0, loopIfCut: 0, dropped: 0 };
}
