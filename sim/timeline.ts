/**
 * A stretch of virtual time in a simulated account with every path that can start the scanner, as deployed:
 * - the schedule (`rate(scheduleMinutes)`): a scheduled `runScan`;
 * - the trigger alarms (lib/alarm-triggers.ts), evaluated every minute by `TriggerAlarmEvaluator`: a change into
 *   ALARM becomes a "CloudWatch Alarm State Change" event, read by the scanner's own `alarmRun`, and a
 *   metric-focused run (`runAlarmScan`), which may send follow-ups to the queue;
 * - Lambda's state-change events (lib/pending-checks.ts): each waits in the delay queue for `pendingMinutes`
 *   plus DUE_MARGIN_SECONDS, then `handleQueueBatch` runs a focused check;
 * - the scanner's own messages to that queue (alarm follow-ups, re-delayed checks): each waits its DelaySeconds,
 *   then `handleQueueBatch` handles it as the handler does.
 * Every invocation takes the run lease as the handler does and shares one state store, so a finding is alerted
 * once, by whichever path sees it first. Each SNS Publish is recorded with its virtual time.
 *
 * Delays that AWS does not document and we assumed: INVOCATION_DELAY_MS from an event (alarm state change,
 * schedule, message visible in the queue) to the handler's start, covering EventBridge or the SQS poller and a cold
 * start. A run that cannot get the lease is retried as Lambda retries a failed asynchronous invocation (after one
 * minute, then two), and a pending check as SQS redelivers it (after the queue's visibility timeout).
 */
import { SQSClient, type SendMessageCommandInput } from '@aws-sdk/client-sqs';
import { RequestBudget } from '../functions/scanner/aws/request-budget';
import { alarmRun, parseFollowUp, runAlarmScan } from '../functions/scanner/events/alarm-follow-up';
import { triggerAlarmName } from '../functions/scanner/events/alarm-trigger';
import type { QueueMessage } from '../functions/scanner/events/pending-checks';
import { handleQueueBatch } from '../functions/scanner/events/queue-batch';
import { DUE_MARGIN_SECONDS, MAX_DELAY_SECONDS } from '../functions/scanner/events/state-change-event';
import type { FindingKind } from '../functions/scanner/model';
import { runScan, type ScanDependencies, type ScanTarget } from '../functions/scanner/run-scan';
import type { SentinelSettings } from '../functions/scanner/settings';
import { LEASE_WAIT_MS, LeaseUnavailableError, withLease } from '../functions/scanner/state/lease';
import { functionArn, type SimAccountModel } from './account-model';
import { TriggerAlarmEvaluator, type AlarmEvaluation, type AlarmEvaluatorOptions } from './alarm-evaluator';
import { MemoryStateStore } from './memory-state-store';
import { SimulatedAccount, type SimulationOptions } from './simulated-account';
import { simulatedTopicArn } from './simulated-scan';
import { VirtualClock } from './virtual-clock';

/** From an event (an alarm's state change, the schedule's tick, a message becoming visible) to the handler's start. */
export const INVOCATION_DELAY_MS = 5_000;

/** Lambda's retries of a failed asynchronous invocation: one minute, then two minutes later. */
export const ASYNC_RETRY_DELAYS_MS: readonly number[] = [60_000, 120_000];

/** The pending-checks queue's visibility timeout: the scanner's five minutes plus thirty seconds (lib/pending-checks.ts). */
export const CHECK_VISIBILITY_TIMEOUT_MS = 330_000;

/** How long an invocation holds the lease at most: the scanner's timeout (lib/lambda-sentinel.ts). */
const SCANNER_TIMEOUT_MS = 300_000;

const MINUTE_MS = 60_000;

/** A function that changed state (entered Pending, or began an update) at a known instant. */
export interface StateChangeAt {
  readonly functionName: string;
  /** Epoch milliseconds of the change: the event's `time`. */
  readonly at: number;
}

/** What to simulate. */
export interface TimelineOptions {
  readonly model: SimAccountModel;
  readonly settings: SentinelSettings;
  /** Epoch milliseconds the timeline starts at (whole minutes are evaluated from here). */
  readonly from: number;
  /** Epoch milliseconds it ends at. */
  readonly until: number;
  /**
   * Seconds after `from` of the first scheduled run; the next ones follow every `scheduleMinutes`.
   * @default - no scheduled runs
   */
  readonly scheduleOffsetSeconds?: number;
  /**
   * Minutes between scheduled runs (the default `schedule` is `rate(5 minutes)`).
   * @default 5
   */
  readonly scheduleMinutes?: number;
  /**
   * Whether the trigger alarms are evaluated and start runs.
   * @default true
   */
  readonly alarms?: boolean;
  /** When the alarms are evaluated within each minute. */
  readonly alarmEvaluation?: AlarmEvaluatorOptions;
  /**
   * State changes that Lambda announces on the default bus during the timeline.
   * @default none
   */
  readonly stateChanges?: readonly StateChangeAt[];
  /** How the simulated account behaves (delivery delay, latencies), besides the clock. */
  readonly simulation?: Omit<SimulationOptions, 'clock'>;
  /**
   * Ends the timeline early once it holds: checked at each minute and before each invocation.
   * @default - run to `until`
   */
  readonly stopWhen?: (published: readonly TimelinePublish[]) => boolean;
}

/** One SNS Publish of the alert topic, when it was answered. */
export interface TimelinePublish {
  readonly at: number;
  readonly subject: string;
  readonly message: string;
}

/** What started an invocation. */
export type TimelineTrigger = 'schedule' | 'alarm' | 'follow-up' | 'pending-check';

/** One invocation of the scanner. */
export interface TimelineRun {
  readonly trigger: TimelineTrigger;
  readonly startedAt: number;
  readonly endedAt: number;
  /** The alarm whose change started it (for a follow-up, the alarm whose chain it continues). */
  readonly alarm?: string;
  /** Whether it ran, or found the lease taken (and was retried). */
  readonly outcome: 'ran' | 'lease-taken';
}

/** Everything that happened. */
export interface TimelineResult {
  readonly published: readonly TimelinePublish[];
  /** Every change of a trigger alarm into ALARM. */
  readonly alarmChanges: readonly AlarmEvaluation[];
  readonly runs: readonly TimelineRun[];
  readonly account: SimulatedAccount;
}

/** The pending-checks queue's DeliveryDelay for `pendingMinutes`, in seconds (pendingCheckDelay in lib/). */
export function pendingCheckDelaySeconds(pendingMinutes: number): number {
  return Math.min(Math.ceil(pendingMinutes * 60) + DUE_MARGIN_SECONDS, MAX_DELAY_SECONDS);
}

/** An event as EventBridge delivers it: the envelope every AWS event shares around its `detail`. */
function eventBridgeEvent(
  model: Pick<SimAccountModel, 'accountId' | 'region'>,
  event: { id: string; detailType: string; source: string; at: number; resources: string[]; detail: unknown },
): Record<string, unknown> {
  return {
    version: '0',
    id: event.id,
    'detail-type': event.detailType,
    source: event.source,
    account: model.accountId,
    time: new Date(event.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: model.region,
    resources: event.resources,
    detail: event.detail,
  };
}

/** The "CloudWatch Alarm State Change" event EventBridge hands the scanner for an alarm's change into ALARM. */
export function alarmStateChangeEvent(
  model: Pick<SimAccountModel, 'accountId' | 'region'>,
  alarmName: string,
  change: AlarmEvaluation,
): Record<string, unknown> {
  const timestamp = new Date(change.evaluatedAt).toISOString().replace('Z', '+0000');
  const datapoints =
    change.datapointAt === undefined
      ? []
      : [{ timestamp: new Date(change.datapointAt).toISOString(), sampleCount: 1, value: change.value ?? 0 }];
  return eventBridgeEvent(model, {
    id: `alarm-${change.alarm}-${change.evaluatedAt}`,
    detailType: 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    at: change.evaluatedAt,
    resources: [`arn:aws:cloudwatch:${model.region}:${model.accountId}:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: {
        value: 'ALARM',
        reason: 'Threshold Crossed: 1 datapoint was breaching the threshold.',
        reasonData: JSON.stringify({
          version: '1.0',
          queryDate: timestamp,
          period: 60,
          recentDatapoints: datapoints.map((point) => point.value),
          ...(change.threshold !== undefined ? { threshold: change.threshold } : {}),
          evaluatedDatapoints: datapoints,
        }),
        timestamp,
      },
      previousState: { value: 'OK' },
    },
  });
}

/** Lambda's "Lambda Function State Change" event for a function that entered Pending. */
export function stateChangeEvent(model: SimAccountModel, change: StateChangeAt): Record<string, unknown> {
  const arn = functionArn(model, change.functionName);
  return eventBridgeEvent(model, {
    id: `state-${change.functionName}-${change.at}`,
    detailType: 'Lambda Function State Change',
    source: 'aws.lambda',
    at: change.at,
    resources: [arn],
    detail: { functionName: change.functionName, functionArn: arn, state: 'Pending' },
  });
}

/** Runs the timeline (see the file comment) and answers what was published, when, and by which invocations. */
export async function runTimeline(options: TimelineOptions): Promise<TimelineResult> {
  const { model, settings, from, until } = options;
  const clock = new VirtualClock(from);
  const account = new SimulatedAccount(model, { ...options.simulation, clock });
  const clients = account.clients();
  const published: TimelinePublish[] = [];
  clients.sns.middlewareStack.add(
    (next, context) => async (args) => {
      const output = await next(args);
      if (context.commandName === 'PublishCommand') {
        const input = args.input as { Subject?: string; Message?: string };
        published.push({ at: clock.now(), subject: input.Subject ?? '', message: input.Message ?? '' });
      }
      return output;
    },
    { step: 'initialize', name: 'timelinePublishes', priority: 'high' },
  );
  const store = new MemoryStateStore();
  const target: ScanTarget = {
    accountId: model.accountId,
    region: model.region,
    topicArn: simulatedTopicArn(model),
  };
  const runs: TimelineRun[] = [];
  const alarmChanges: AlarmEvaluation[] = [];
  let invocations = 0;
  let stopped = false;
  const shouldStop = () => (stopped ||= options.stopWhen?.(published) ?? false);

  const dependencies = (): ScanDependencies => {
    invocations += 1;
    const id = invocations;
    let alerts = 0;
    let actions = 0;
    return {
      clients,
      stateStore: store,
      actionLog: store,
      budget: new RequestBudget({
        getFunctionRps: settings.getFunctionRps,
        controlPlaneRps: settings.controlPlaneRps,
        clock,
      }),
      clock,
      log: () => undefined,
      newAlertId: () => `timeline-${id}-alert-${(alerts += 1)}`,
      newActionId: () => `timeline-${id}-action-${(actions += 1)}`,
    };
  };
  // As index.ts asks for it: the schedule's runs wait LEASE_WAIT_MS.scheduled, every other run is focused.
  const leaseRequest = (trigger: TimelineTrigger) => ({
    holder: `invocation-${invocations}`,
    holdMs: SCANNER_TIMEOUT_MS,
    waitMs: trigger === 'schedule' ? LEASE_WAIT_MS.scheduled : LEASE_WAIT_MS.focused,
  });

  const tasks: Promise<void>[] = [];
  const at = (time: number, work: () => Promise<void>) => {
    tasks.push(
      (async () => {
        await clock.sleep(time - clock.now());
        if (!shouldStop()) await work();
      })(),
    );
  };

  /** One asynchronous invocation under the lease, retried as Lambda retries it when the lease stays taken. */
  const invoke = (
    trigger: TimelineTrigger,
    work: (deps: ScanDependencies) => Promise<unknown>,
    alarm?: string,
    attempt = 0,
  ): Promise<void> => {
    const startedAt = clock.now();
    const deps = dependencies();
    return withLease(store, { ...leaseRequest(trigger), clock }, () => work(deps)).then(
      () => {
        runs.push({ trigger, startedAt, endedAt: clock.now(), outcome: 'ran', ...(alarm ? { alarm } : {}) });
      },
      (error: unknown) => {
        if (!(error instanceof LeaseUnavailableError)) throw error;
        runs.push({
          trigger,
          startedAt,
          endedAt: clock.now(),
          outcome: 'lease-taken',
          ...(alarm ? { alarm } : {}),
        });
        const retryIn = ASYNC_RETRY_DELAYS_MS[attempt];
        if (retryIn !== undefined) at(clock.now() + retryIn, () => invoke(trigger, work, alarm, attempt + 1));
      },
    );
  };

  // The pending-checks queue: what the scanner sends it comes back, one message a batch, after its DelaySeconds.
  const queue = new SQSClient({ region: model.region });
  const queueUrl = `https://sqs.${model.region}.amazonaws.com/${model.accountId}/LambdaSentinel-PendingChecks`;
  let sent = 0;
  queue.middlewareStack.add(
    () => async (args) => {
      const input = args.input as SendMessageCommandInput;
      sent += 1;
      const message = { messageId: `sent-${sent}`, body: input.MessageBody ?? '' };
      at(clock.now() + (input.DelaySeconds ?? 0) * 1000 + INVOCATION_DELAY_MS, () => delivered(message));
      return { output: { $metadata: {}, MessageId: message.messageId } as never, response: {} };
    },
    { step: 'initialize', name: 'timelineQueue', priority: 'high' },
  );

  const scheduled = () => invoke('schedule', (deps) => runScan(settings, target, deps));

  const alarmStarted = (alarmName: string, event: Record<string, unknown>) =>
    invoke(
      'alarm',
      async (deps) => {
        // Read at the handler's start, as index.ts does, from the event CloudWatch sent.
        const run = alarmRun(event, clock.now());
        return run ? runAlarmScan(run, settings, target, { ...deps, sqs: queue, queueUrl }) : undefined;
      },
      alarmName,
    );

  /** One message handed to the scanner as a batch, and handed again after the visibility timeout if it failed. */
  const delivered = (message: QueueMessage): Promise<void> => {
    const startedAt = clock.now();
    const deps = dependencies();
    const followUp = parseFollowUp(message.body);
    return handleQueueBatch([message], settings, target, {
      ...deps,
      sqs: queue,
      queueUrl,
      lease: store,
      leaseRequest: leaseRequest(followUp ? 'follow-up' : 'pending-check'),
    }).then((outcome) => {
      const taken = outcome.batchItemFailures.length > 0;
      runs.push({
        trigger: followUp ? 'follow-up' : 'pending-check',
        startedAt,
        endedAt: clock.now(),
        outcome: taken ? 'lease-taken' : 'ran',
        ...(followUp ? { alarm: followUp.alarmName } : {}),
      });
      if (taken) at(clock.now() + CHECK_VISIBILITY_TIMEOUT_MS, () => delivered(message));
    });
  };

  const pendingCheck = (change: StateChangeAt): Promise<void> =>
    delivered({
      messageId: `message-${change.functionName}-${change.at}`,
      body: JSON.stringify(stateChangeEvent(model, change)),
    });

  const drive = async () => {
    if (options.scheduleOffsetSeconds !== undefined) {
      const every = (options.scheduleMinutes ?? 5) * MINUTE_MS;
      for (let tick = from + options.scheduleOffsetSeconds * 1000; tick < until; tick += every) {
        at(tick + INVOCATION_DELAY_MS, scheduled);
      }
    }
    const delayMs = pendingCheckDelaySeconds(settings.pendingMinutes) * 1000;
    for (const change of options.stateChanges ?? []) {
      at(change.at + delayMs + INVOCATION_DELAY_MS, () => pendingCheck(change));
    }
    if (options.alarms ?? true) {
      const evaluator = new TriggerAlarmEvaluator(account.metrics, options.alarmEvaluation);
      // The alarms' names in the stack `cdk deploy` creates.
      const prefix = 'LambdaSentinel-Sentinel';
      for (let minute = Math.ceil(from / MINUTE_MS) * MINUTE_MS; minute < until; minute += MINUTE_MS) {
        await clock.sleep(evaluator.evaluationTime(minute) - clock.now());
        if (shouldStop()) break;
        for (const change of evaluator.changesIntoAlarm(clock.now())) {
          alarmChanges.push(change);
          const alarmName = triggerAlarmName(prefix, change.alarm);
          const event = alarmStateChangeEvent(model, alarmName, change);
          at(clock.now() + INVOCATION_DELAY_MS, () => alarmStarted(alarmName, event));
        }
      }
    }
    // Tasks add tasks (retries): wait until none is left.
    for (let done = 0; done < tasks.length; done += 1) await tasks[done];
  };

  await clock.run(drive);
  return { published, alarmChanges, runs, account };
}

/**
 * The first publish that alerts on `kind` for `functionName`, as the alert's heading for a new finding writes it
 * (`[CRITICAL] concurrency-hog on image-resizer`); undefined when none did.
 */
export function firstAlert(
  published: readonly TimelinePublish[],
  kind: FindingKind,
  functionName: string,
): TimelinePublish | undefined {
  const escaped = functionName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const heading = new RegExp(`\\[(?:CRITICAL|WARNING|INFO)\\] ${kind} on ${escaped}(?![\\w-])`);
  return published.find((publish) => heading.test(publish.message));
}
