/**
 * How long after a problem starts the sentinel's first alert naming it goes out, measured on a timeline
 * (sim/timeline.ts): a troubled account whose problems all begin at one whole minute, the schedule, the trigger
 * alarms with their follow-ups and the pending checks running as deployed, one shared state store.
 *
 * A problem starts at: its first throttled minute (a hog: the first minute a victim is throttled), its first
 * runaway minute (a loop: the minute its runaway traffic begins; for a loop AWS cuts, the first minute with dropped
 * invocations), its first spillover minute, or its entry into Pending (a stuck function: the state change). The
 * latency of a kind is that of its slowest staged problem. The schedule's phase against the problems' start changes
 * what a scheduled run sees, so the timeline runs once per phase in LATENCY_PHASES_SECONDS; the worst and the mean
 * over phases are reported.
 *
 * Assumptions (see sim/alarm-evaluator.ts and sim/timeline.ts for their sources): a minute's datapoints can be read
 * DEFAULT_DELIVERY_DELAY_MINUTES (2) after the minute ends; the alarms are evaluated at each whole minute; an event
 * reaches the handler INVOCATION_DELAY_MS (5 s) later.
 */
import type { FindingKind } from '../functions/scanner/model';
import type { BenchCase, CaseTiming } from './bench-cases';
import { DEFAULT_SETTINGS, type SentinelSettings } from '../functions/scanner/settings';
import type { SimAccountModel } from '../sim/account-model';
import {
  ALL_PROBLEMS,
  EXPECTED_FINDINGS,
  HOG_VICTIMS,
  quietAccount,
  troubledAccount,
  type Problem,
} from '../sim/generators';
import type { LambdaPhysics } from '../sim/lambda-physics';
import { firstAlert, runTimeline, type StateChangeAt } from '../sim/timeline';

/** Seconds after the problems' start of the first scheduled run: one timeline each, a minute apart, over the 5-minute schedule. */
export const LATENCY_PHASES_SECONDS: readonly number[] = [0, 60, 120, 180, 240];

/** The instant every problem of a latency timeline begins (a whole minute, a Tuesday at noon). */
export const TROUBLE_STARTS_AT = Date.parse('2030-01-15T12:00:00.000Z');

/** How long each timeline runs at most; it ends as soon as every measured problem was alerted. */
export const TIMELINE_MINUTES = 30;

/** The problems whose latency is measured, and the kinds they give. */
export const MEASURED_PROBLEMS: readonly Problem[] = [
  'concurrency-hog',
  'runaway-loop',
  'recursion-dropped',
  'stuck-pending-create',
  'stuck-pending-update',
  'pc-spillover',
];

/** The goals of issue 13: seconds from the start to the first alert. */
export function latencyGoals(
  settings: Pick<SentinelSettings, 'pendingMinutes'>,
): Partial<Record<FindingKind, number>> {
  return {
    'concurrency-hog': 150,
    'recursive-loop': 150,
    'stuck-pending': settings.pendingMinutes * 60 + 60,
  };
}

/** Seconds from start to first alert per kind (null: not alerted within the timeline), worst and mean over phases. */
export interface DetectionLatency {
  readonly worstSeconds: Readonly<Record<string, number | null>>;
  readonly meanSeconds: Readonly<Record<string, number | null>>;
}

/** The end of the quiet day the alarms are evaluated over: the Monday before is the day. */
export const QUIET_DAY_ENDS_AT = Date.parse('2030-01-15T00:00:00.000Z');

const MINUTE_MS = 60_000;

function firstMinute(
  from: number,
  until: number,
  happening: (minute: number) => boolean,
): number | undefined {
  for (let minute = from; minute < until; minute += MINUTE_MS) if (happening(minute)) return minute;
  return undefined;
}

/** When `problem` started in the account, from what Lambda published (physics) and the staged configuration. */
function startOf(
  problem: Problem,
  model: SimAccountModel,
  physics: LambdaPhysics,
  until: number,
): number | undefined {
  const from = TROUBLE_STARTS_AT;
  const expected = EXPECTED_FINDINGS[problem];
  switch (problem) {
    case 'concurrency-hog':
      return firstMinute(from, until, (minute) =>
        HOG_VICTIMS.some((victim) => physics.functionMinute(victim, minute).throttles > 0),
      );
    case 'runaway-loop':
      return from;
    case 'recursion-dropped':
      return firstMinute(
        from,
        until,
        (minute) => physics.functionMinute(expected.functionName, minute).recursiveInvocationsDropped > 0,
      );
    case 'pc-spillover':
      return firstMinute(
        from,
        until,
        (minute) =>
          physics.functionMinute(expected.functionName, minute).provisionedConcurrencySpilloverInvocations >
          0,
      );
    default:
      return model.functions.find((fn) => fn.name === expected.functionName)?.lastModified;
  }
}

/** Functions that entered Pending or began an update: Lambda announces each on the default bus. */
export function stateChangesOf(model: SimAccountModel): StateChangeAt[] {
  return model.functions
    .filter((fn) => fn.state === 'Pending' || fn.lastUpdateStatus === 'InProgress')
    .map((fn) => ({ functionName: fn.name, at: fn.lastModified }));
}

/** One timeline on a fresh troubled account: seconds from each measured problem's start to its first alert. */
export async function latencyAtPhase(
  functions: number,
  phaseSeconds: number,
  settings: SentinelSettings = DEFAULT_SETTINGS,
): Promise<Map<Problem, number | undefined>> {
  const model = troubledAccount(functions, ALL_PROBLEMS, {
    observedAt: TROUBLE_STARTS_AT,
    troubleStart: 'now',
  });
  const until = TROUBLE_STARTS_AT + TIMELINE_MINUTES * MINUTE_MS;
  const alerted = (published: Parameters<typeof firstAlert>[0]) =>
    MEASURED_PROBLEMS.every((problem) => {
      const { kind, functionName } = EXPECTED_FINDINGS[problem];
      return firstAlert(published, kind, functionName) !== undefined;
    });
  const timeline = await runTimeline({
    model,
    settings,
    from: TROUBLE_STARTS_AT,
    until,
    scheduleOffsetSeconds: phaseSeconds,
    stateChanges: stateChangesOf(model),
    stopWhen: alerted,
  });
  return new Map(
    MEASURED_PROBLEMS.map((problem) => {
      const { kind, functionName } = EXPECTED_FINDINGS[problem];
      const alert = firstAlert(timeline.published, kind, functionName);
      const start = startOf(problem, model, timeline.account.physics, until);
      return [problem, alert && start !== undefined ? (alert.at - start) / 1000 : undefined];
    }),
  );
}

const round = (seconds: number) => Math.round(seconds);

/** The detection latency of each measured kind on a troubled account of `functions` functions (see the file comment). */
export async function measureDetectionLatency(
  functions: number,
  settings: SentinelSettings = DEFAULT_SETTINGS,
): Promise<DetectionLatency> {
  const perKind = new Map<string, (number | undefined)[]>();
  for (const phase of LATENCY_PHASES_SECONDS) {
    const byProblem = await latencyAtPhase(functions, phase, settings);
    const kinds = new Map<string, number | undefined>();
    for (const [problem, seconds] of byProblem) {
      const kind = EXPECTED_FINDINGS[problem].kind;
      const slowest = kinds.has(kind) ? kinds.get(kind) : 0;
      kinds.set(
        kind,
        slowest === undefined || seconds === undefined ? undefined : Math.max(slowest, seconds),
      );
    }
    for (const [kind, seconds] of kinds) perKind.set(kind, [...(perKind.get(kind) ?? []), seconds]);
  }
  const worst: Record<string, number | null> = {};
  const mean: Record<string, number | null> = {};
  for (const [kind, phases] of perKind) {
    const measured = phases.filter((seconds): seconds is number => seconds !== undefined);
    const complete = measured.length === phases.length;
    worst[kind] = complete ? round(Math.max(...measured)) : null;
    mean[kind] = complete
      ? round(measured.reduce((total, seconds) => total + seconds, 0) / measured.length)
      : null;
  }
  return { worstSeconds: worst, meanSeconds: mean };
}

/**
 * The trigger alarms over a quiet account's day (the 24 hours before it is observed, a nightly batch, a weekly
 * report and the daily peaks in it): how many times one went into ALARM, each a metric-focused run, and how many
 * alerts those runs sent.
 */
export async function quietDayAlarms(
  functions: number,
  settings: SentinelSettings = DEFAULT_SETTINGS,
): Promise<{ readonly alarmChanges: number; readonly alerts: number }> {
  // A Monday: the weekly report runs at 06:00, the nightly batch at 02:00, the peaks in the afternoon.
  const model = quietAccount(functions, { observedAt: QUIET_DAY_ENDS_AT });
  const timeline = await runTimeline({
    model,
    settings,
    from: model.observedAt - 24 * 60 * MINUTE_MS,
    until: model.observedAt,
  });
  return { alarmChanges: timeline.alarmChanges.length, alerts: timeline.published.length };
}

/** What the timelines measure of one bench case: detection latency in trouble, spurious alarm runs when quiet. */
export async function caseTiming(benchCase: BenchCase): Promise<CaseTiming> {
  if (!benchCase.trouble)
    return { quietDayAlarmRuns: (await quietDayAlarms(benchCase.functions)).alarmChanges };
  const latency = await measureDetectionLatency(benchCase.functions);
  return { detectionLatencySeconds: latency.worstSeconds, detectionLatencyMeanSeconds: latency.meanSeconds };
}
