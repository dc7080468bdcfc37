/**
 * CloudWatch's "CloudWatch Alarm State Change" events for the sentinel's trigger alarms (lib/alarm-triggers.ts), as
 * EventBridge hands them to the scanner. An alarm going into ALARM starts a metric-focused run at once, whose window
 * ends at the newest minute the alarm evaluated instead of DELIVERY_DELAY_MINUTES back: the alarm has just seen that
 * minute's data, so waiting for it would only delay the alert.
 */
import { DELIVERY_DELAY_MINUTES } from '../collect/metric-queries';
import type { FindingKind } from '../model';

/**
 * The trigger alarms by the end of their names (lib/alarm-triggers.ts names each `<prefix>-trigger-<suffix>`), with
 * the findings that answer each: throttles come from a hog draining the pool or a loop running into its own limit,
 * a surge of invocations from a loop or a hog, spillover only from spillover.
 */
export const TRIGGER_ALARMS = {
  throttles: ['concurrency-hog', 'recursive-loop'],
  'invocation-surge': ['recursive-loop', 'concurrency-hog'],
  spillover: ['pc-spillover'],
} as const satisfies Record<string, readonly FindingKind[]>;

/** The end of a trigger alarm's name. */
export type TriggerAlarm = keyof typeof TRIGGER_ALARMS;

/** A trigger alarm's name in the stack whose alarm names start with `prefix`. */
export function triggerAlarmName(prefix: string, alarm: TriggerAlarm): string {
  return `${prefix}-trigger-${alarm}`;
}

/** Every kind some trigger alarm is answered by. */
const METRIC_KINDS: readonly FindingKind[] = [...new Set(Object.values(TRIGGER_ALARMS).flat())];

/** The findings that answer the alarm named `alarmName`; for a name that is none of them, every metric kind. */
export function kindsAnswering(alarmName: string): readonly FindingKind[] {
  const alarm = (Object.keys(TRIGGER_ALARMS) as TriggerAlarm[]).find((suffix) =>
    alarmName.endsWith(`-trigger-${suffix}`),
  );
  return alarm ? TRIGGER_ALARMS[alarm] : METRIC_KINDS;
}

/** Why a metric-focused run was started, and the minute its window ends at. */
export interface AlarmTrigger {
  readonly alarmName: string;
  /** Epoch milliseconds, on a whole minute: the end of the newest minute the alarm evaluated. */
  readonly windowEnd: number;
}

const MINUTE_MS = 60_000;

interface AlarmEvent {
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly time?: unknown;
  readonly detail?: {
    readonly alarmName?: unknown;
    readonly state?: {
      readonly value?: unknown;
      readonly timestamp?: unknown;
      readonly reasonData?: unknown;
    };
  };
}

/** Whether an invocation is a CloudWatch alarm's state change (the trigger rule forwards nothing else). */
export function isAlarmStateChange(event: unknown): boolean {
  const candidate = event as AlarmEvent | null;
  return (
    candidate?.source === 'aws.cloudwatch' && candidate['detail-type'] === 'CloudWatch Alarm State Change'
  );
}

/**
 * The trigger in an alarm's state change into ALARM; undefined for any other state (the rule forwards only ALARM,
 * but a hand-made event must not start a run that nothing asked for).
 *
 * The window's end: the newest `evaluatedDatapoints` timestamp in the state's `reasonData` plus one minute (the
 * alarms have one-minute periods), where CloudWatch gives it; otherwise the minute that ended before the state
 * changed (its `timestamp`, else the event's `time`, else `now`). Either way it lies at least one minute before `now`
 * and never before where a scheduled run's window would end, so a wrong or stale timestamp cannot make the run look
 * at the future or at older data than the schedule would.
 */
export function parseAlarmTrigger(event: unknown, now: number): AlarmTrigger | undefined {
  if (!isAlarmStateChange(event)) return undefined;
  const { detail, time } = event as AlarmEvent;
  if (detail?.state?.value !== 'ALARM') return undefined;
  const alarmName = typeof detail.alarmName === 'string' ? detail.alarmName : 'unnamed alarm';
  const evaluated = newestEvaluatedMinute(detail.state.reasonData);
  const changedAt = epoch(detail.state.timestamp) ?? epoch(time) ?? now;
  const proposed = evaluated !== undefined ? evaluated + MINUTE_MS : wholeMinute(changedAt) - MINUTE_MS;
  return { alarmName, windowEnd: focusedWindowEnd(proposed, now) };
}

/** The start of the minute `epochMs` falls in. */
export function wholeMinute(epochMs: number): number {
  return Math.floor(epochMs / MINUTE_MS) * MINUTE_MS;
}

/**
 * Where a metric-focused run at `now` ends its window, given the end it proposes: on a whole minute, at least one
 * minute before `now` (that minute is not over) and never before a scheduled run's window would end
 * (DELIVERY_DELAY_MINUTES back), so a wrong or stale proposal cannot look at the future or at older data.
 */
export function focusedWindowEnd(proposed: number, now: number): number {
  const latest = wholeMinute(now) - MINUTE_MS;
  const earliest = wholeMinute(now) - DELIVERY_DELAY_MINUTES * MINUTE_MS;
  return Math.min(latest, Math.max(earliest, wholeMinute(proposed)));
}

/** The start of the newest datapoint an alarm evaluated, floored to the minute; undefined when not given. */
function newestEvaluatedMinute(reasonData: unknown): number | undefined {
  if (typeof reasonData !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(reasonData);
  } catch {
    return undefined;
  }
  const points = (parsed as { evaluatedDatapoints?: unknown } | null)?.evaluatedDatapoints;
  if (!Array.isArray(points)) return undefined;
  const times = points
    .map((point) => epoch((point as { timestamp?: unknown } | null)?.timestamp))
    .filter((at): at is number => at !== undefined);
  return times.length === 0 ? undefined : wholeMinute(Math.max(...times));
}

function epoch(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = Date.parse(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}
