/**
 * Follow-up runs after a trigger alarm's run. An alarm sends an event only when its state changes: a run it starts
 * before the trouble can be judged (a hog's own burst-scaling throttles put the throttles alarm into ALARM a minute
 * or two before other functions are throttled) finds nothing, the alarm stays in ALARM, and no second event comes.
 * So a metric-focused run that raised no new metric finding asks, through the pending-checks queue, for another one
 * FOLLOW_UP_DELAY_SECONDS later, at most MAX_FOLLOW_UPS times per change into ALARM.
 *
 * The decisions (whether to follow up, the message, the next run's window) are pure functions; `runAlarmScan` is
 * the only part that talks to AWS.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DELIVERY_DELAY_MINUTES } from '../collect/metric-queries';
import type { FindingKind, ScanError, ScanReport } from '../model';
import { runScan, type ScanDependencies, type ScanTarget } from '../run-scan';
import type { SentinelSettings } from '../settings';
import {
  focusedWindowEnd,
  kindsAnswering,
  parseAlarmTrigger,
  wholeMinute,
  type AlarmTrigger,
} from './alarm-trigger';
import { isRecord, parseMessageBody } from './state-change-event';

/** How long after a run that found nothing its follow-up starts: one more minute of data has arrived by then. */
export const FOLLOW_UP_DELAY_SECONDS = 60;

/**
 * Follow-ups per change into ALARM. Four, one a minute, reach the next run of the default 5-minute schedule, which
 * judges whatever is still there; more would only repeat the schedule's work while the alarm stays in ALARM.
 */
export const MAX_FOLLOW_UPS = 4;

const MINUTE_MS = 60_000;

/** One alarm's chain of metric-focused runs: which alarm, which run of the chain, and how late its data arrives. */
export interface FollowUpRequest {
  readonly alarmName: string;
  /** 0 for the run the alarm's state change started; 1 to MAX_FOLLOW_UPS for the follow-ups. */
  readonly attempt: number;
  /**
   * Whole minutes between the start of a run's minute and its window's end, as the alarm's run found them (1 to
   * DELIVERY_DELAY_MINUTES): the alarm had data that fresh, so each follow-up reads as fresh data a minute later.
   */
  readonly windowLagMinutes: number;
}

/** A metric-focused run: its window, and the chains (one per alarm) it continues. */
export interface AlarmRun {
  readonly trigger: AlarmTrigger;
  /** Never empty. */
  readonly chains: readonly FollowUpRequest[];
}

/** Why a chain ends with this run. */
export type FollowUpStop = 'alarm-answered' | 'attempts-used-up' | 'no-queue';

/** What a chain does after one of its runs: send the next follow-up, or stop and why. */
export type FollowUpDecision =
  | {
      readonly alarmName: string;
      readonly send: true;
      /** The follow-up asked for. */
      readonly next: FollowUpRequest;
      /** The SQS message body that carries it. */
      readonly body: string;
      readonly delaySeconds: number;
    }
  | { readonly alarmName: string; readonly send: false; readonly reason: FollowUpStop };

/** The follow-up message's body: `{ "sentinelFollowUp": { alarmName, attempt, windowLagMinutes } }`. */
export function followUpBody(request: FollowUpRequest): string {
  return JSON.stringify({ sentinelFollowUp: request });
}

/**
 * The follow-up a pending-checks message asks for; undefined for any other body, and for a follow-up that is
 * malformed or beyond MAX_FOLLOW_UPS (it can never run, so it is dropped like any unreadable message). A missing
 * `windowLagMinutes` reads as DELIVERY_DELAY_MINUTES, a scheduled run's window.
 */
export function parseFollowUp(body: string): FollowUpRequest | undefined {
  const parsed = parseMessageBody(body);
  const request = isRecord(parsed) ? parsed.sentinelFollowUp : undefined;
  if (!isRecord(request)) return undefined;
  const { alarmName, attempt } = request;
  const windowLagMinutes = request.windowLagMinutes ?? DELIVERY_DELAY_MINUTES;
  const within = (value: unknown, low: number, high: number): value is number =>
    Number.isInteger(value) && (value as number) >= low && (value as number) <= high;
  if (typeof alarmName !== 'string' || alarmName === '') return undefined;
  if (!within(attempt, 1, MAX_FOLLOW_UPS) || !within(windowLagMinutes, 1, DELIVERY_DELAY_MINUTES))
    return undefined;
  return { alarmName, attempt, windowLagMinutes };
}

/** The run an alarm's change into ALARM asks for (attempt 0 of its chain); undefined for any other event. */
export function alarmRun(event: unknown, now: number): AlarmRun | undefined {
  const trigger = parseAlarmTrigger(event, now);
  if (!trigger) return undefined;
  const windowLagMinutes = Math.round((wholeMinute(now) - trigger.windowEnd) / MINUTE_MS);
  return { trigger, chains: [{ alarmName: trigger.alarmName, attempt: 0, windowLagMinutes }] };
}

/**
 * One run for the follow-ups due in a batch (several alarms' chains can come due together): its window ends as
 * late as the freshest chain allows, under the alarm trigger's rules (focusedWindowEnd). A chain that appears twice
 * (SQS delivers at least once) is continued once, from its later attempt.
 */
export function followUpRun(requests: readonly FollowUpRequest[], now: number): AlarmRun | undefined {
  const byAlarm = new Map<string, FollowUpRequest>();
  for (const request of requests) {
    const seen = byAlarm.get(request.alarmName);
    if (!seen || request.attempt > seen.attempt) byAlarm.set(request.alarmName, request);
  }
  const chains = [...byAlarm.values()].sort((a, b) => a.alarmName.localeCompare(b.alarmName));
  if (chains.length === 0) return undefined;
  const lag = Math.min(...chains.map((chain) => chain.windowLagMinutes));
  return {
    trigger: {
      alarmName: chains.map((chain) => chain.alarmName).join(', '),
      windowEnd: focusedWindowEnd(wholeMinute(now) - lag * MINUTE_MS, now),
    },
    chains,
  };
}

/**
 * Whether a chain asks for another run after one that raised `newFindingKinds`: not once a new finding answers its
 * alarm (kindsAnswering: new spillover does not answer the throttles alarm), nor after the last attempt, nor where
 * there is no queue to carry the message.
 */
export function planFollowUp(
  chain: FollowUpRequest,
  newFindingKinds: readonly FindingKind[],
  queueConfigured: boolean,
): FollowUpDecision {
  const { alarmName } = chain;
  if (newFindingKinds.some((kind) => kindsAnswering(alarmName).includes(kind)))
    return { alarmName, send: false, reason: 'alarm-answered' };
  if (chain.attempt >= MAX_FOLLOW_UPS) return { alarmName, send: false, reason: 'attempts-used-up' };
  if (!queueConfigured) return { alarmName, send: false, reason: 'no-queue' };
  const next: FollowUpRequest = { ...chain, attempt: chain.attempt + 1 };
  return { alarmName, send: true, next, body: followUpBody(next), delaySeconds: FOLLOW_UP_DELAY_SECONDS };
}

/** What a metric-focused run needs beyond a scan: the queue its follow-ups go to. */
export interface AlarmScanDependencies extends ScanDependencies {
  readonly sqs?: SQSClient;
  /**
   * The pending-checks queue, which carries the follow-ups.
   * @default - none: no follow-up is sent (the schedule judges what the alarm's run could not)
   */
  readonly queueUrl?: string;
}

/** A metric-focused run's report and what each of its chains did next. */
export interface AlarmScanOutcome {
  readonly report: ScanReport;
  readonly followUps: readonly FollowUpDecision[];
}

/**
 * Runs one metric-focused scan (the caller holds the lease), then sends each chain's follow-up where it asks for
 * one. A follow-up that SQS refuses is recorded in the report's errors: the run itself stands, and the schedule
 * judges what it could not.
 */
export async function runAlarmScan(
  run: AlarmRun,
  settings: SentinelSettings,
  target: ScanTarget,
  deps: AlarmScanDependencies,
): Promise<AlarmScanOutcome> {
  const report = await runScan(settings, target, deps, { alarm: run.trigger });
  const { sqs, queueUrl } = deps;
  const queue = sqs !== undefined && queueUrl !== undefined ? { sqs, queueUrl } : undefined;
  const followUps = run.chains.map((chain) =>
    planFollowUp(chain, report.newFindingKinds ?? [], queue !== undefined),
  );
  const errors: ScanError[] = [];
  for (const decision of followUps) {
    deps.log({
      phase: 'follow-up',
      alarm: decision.alarmName,
      ...(decision.send
        ? { next: decision.next.attempt, delaySeconds: decision.delaySeconds }
        : { stopped: decision.reason }),
    });
    if (!decision.send || !queue) continue;
    try {
      await deps.budget.call('SendMessage', () =>
        queue.sqs.send(
          new SendMessageCommand({
            QueueUrl: queue.queueUrl,
            MessageBody: decision.body,
            DelaySeconds: decision.delaySeconds,
          }),
        ),
      );
    } catch (error) {
      errors.push({
        phase: 'notify',
        source: 'SendMessage',
        code: error instanceof Error ? error.name : 'Error',
        message: `follow-up of ${decision.alarmName} not sent: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  if (!followUps.some((decision) => decision.send)) return { report, followUps };
  return {
    report: {
      ...report,
      errors: [...report.errors, ...errors],
      stats: { ...report.stats, apiCalls: deps.budget.apiCalls, throttledCalls: deps.budget.throttledCalls },
    },
    followUps,
  };
}
