import { TAIL_MINUTES } from '../../functions/scanner/collect/invocation-heat';
import { MAX_FOLLOW_UPS } from '../../functions/scanner/events/alarm-follow-up';
import { DELIVERY_DELAY_MINUTES } from '../../functions/scanner/collect/metric-queries';
import { DEFAULT_SETTINGS } from '../../functions/scanner/settings';
import { EXPECTED_FINDINGS, HOG_VICTIMS, quietAccount, troubledAccount } from '../../sim/generators';
import { DEFAULT_DELIVERY_DELAY_MINUTES } from '../../sim/simulated-account';
import {
  firstAlert,
  INVOCATION_DELAY_MS,
  pendingCheckDelaySeconds,
  runTimeline,
  type TimelineResult,
  type TimelineRun,
} from '../../sim/timeline';

const MINUTE_MS = 60_000;
const STARTS_AT = Date.parse('2030-01-15T12:00:00.000Z');
const FUNCTIONS = 60;

// One timeline, shared: a small account whose hog, runaway loop and stuck function all begin at noon, the schedule's
// first run five seconds after that, and everything that starts the scanner running as deployed.
let timeline: TimelineResult;
const model = troubledAccount(FUNCTIONS, ['concurrency-hog', 'runaway-loop', 'stuck-pending-create'], {
  observedAt: STARTS_AT,
  troubleStart: 'now',
});
const hog = EXPECTED_FINDINGS['concurrency-hog'];
const loop = EXPECTED_FINDINGS['runaway-loop'];
const stuck = EXPECTED_FINDINGS['stuck-pending-create'];

beforeAll(async () => {
  timeline = await runTimeline({
    model,
    settings: DEFAULT_SETTINGS,
    from: STARTS_AT,
    until: STARTS_AT + 25 * MINUTE_MS,
    scheduleOffsetSeconds: 0,
    stateChanges: [{ functionName: stuck.functionName, at: STARTS_AT }],
    stopWhen: (published) =>
      [hog, loop, stuck].every(({ kind, functionName }) => firstAlert(published, kind, functionName)),
  });
}, 30_000);

function runThatSent(at: number): TimelineRun | undefined {
  return timeline.runs.find((run) => run.outcome === 'ran' && run.startedAt <= at && at <= run.endedAt);
}

describe('a timeline of a small troubled account', () => {
  it('alerts on the hog from the throttles alarm, about three minutes after the first throttled minute', () => {
    const firstThrottled = [...Array(10).keys()]
      .map((index) => STARTS_AT + index * MINUTE_MS)
      .find((minute) =>
        HOG_VICTIMS.some((victim) => timeline.account.physics.functionMinute(victim, minute).throttles > 0),
      );
    const alert = firstAlert(timeline.published, hog.kind, hog.functionName);

    expect(firstThrottled).toBeDefined();
    expect(alert).toBeDefined();
    expect(runThatSent(alert?.at ?? 0)).toMatchObject({
      trigger: 'alarm',
      alarm: expect.stringMatching(/throttles$/),
    });
    // The minute ends, its datapoints arrive DEFAULT_DELIVERY_DELAY_MINUTES later, the alarm sees them at the next
    // evaluation and the run starts seconds after; a scheduled run could not see that minute for another minute.
    const latency = (alert?.at ?? 0) - (firstThrottled ?? 0);
    expect(latency).toBeGreaterThanOrEqual((1 + DEFAULT_DELIVERY_DELAY_MINUTES) * MINUTE_MS);
    expect(latency).toBeLessThan(
      (1 + DEFAULT_DELIVERY_DELAY_MINUTES) * MINUTE_MS + INVOCATION_DELAY_MS + 15_000,
    );
    expect(latency).toBeLessThan((1 + DELIVERY_DELAY_MINUTES) * MINUTE_MS);
  });

  it('alerts on the runaway loop from the schedule, once three hot minutes have been delivered', () => {
    const alert = firstAlert(timeline.published, loop.kind, loop.functionName);
    const hotFloor = DEFAULT_SETTINGS.loopMinInvocationsPerMinute;
    const firstHot = [...Array(20).keys()]
      .map((index) => STARTS_AT + index * MINUTE_MS)
      .find(
        (minute) =>
          timeline.account.physics.functionMinute(loop.functionName, minute).invocations >= hotFloor,
      );

    expect(alert).toBeDefined();
    expect(firstHot).toBeDefined();
    expect(runThatSent(alert?.at ?? 0)?.trigger).toBe('schedule');
    // Never before the verdict's rules allow: TAIL_MINUTES hot minutes, read DELIVERY_DELAY_MINUTES back...
    expect(alert?.at).toBeGreaterThanOrEqual(
      (firstHot ?? 0) + (TAIL_MINUTES + DELIVERY_DELAY_MINUTES) * MINUTE_MS,
    );
    // ...and no later than one schedule period after the first run that could have seen them (and a minute of noise).
    expect(alert?.at).toBeLessThanOrEqual(
      (firstHot ?? 0) + (TAIL_MINUTES + DELIVERY_DELAY_MINUTES + 6) * MINUTE_MS,
    );
  });

  it('alerts on the stuck function from its pending check, within pendingMinutes and a minute', () => {
    const alert = firstAlert(timeline.published, stuck.kind, stuck.functionName);

    expect(runThatSent(alert?.at ?? 0)?.trigger).toBe('pending-check');
    expect((alert?.at ?? Infinity) - STARTS_AT).toBeGreaterThanOrEqual(pendingCheckDelaySeconds(6) * 1000);
    expect((alert?.at ?? Infinity) - STARTS_AT).toBeLessThanOrEqual(
      (DEFAULT_SETTINGS.pendingMinutes * 60 + 60) * 1000,
    );
  });

  it('alerts on each problem once, whichever path saw it first', () => {
    for (const { kind, functionName } of [hog, loop, stuck]) {
      const heading = new RegExp(`\\] ${kind} on ${functionName}\\b`);
      expect(timeline.published.filter((publish) => heading.test(publish.message))).toHaveLength(1);
    }
  });
});

describe('a small account whose provisioned alias starts spilling over', () => {
  it('alerts from the spillover alarm’s run, before the next scheduled run', async () => {
    const spill = EXPECTED_FINDINGS['pc-spillover'];
    const spilling = await runTimeline({
      model: troubledAccount(FUNCTIONS, ['pc-spillover'], { observedAt: STARTS_AT, troubleStart: 'now' }),
      settings: DEFAULT_SETTINGS,
      from: STARTS_AT,
      until: STARTS_AT + 15 * MINUTE_MS,
      scheduleOffsetSeconds: 0,
      stopWhen: (published) => firstAlert(published, spill.kind, spill.functionName) !== undefined,
    });
    const alert = firstAlert(spilling.published, spill.kind, spill.functionName);

    expect(alert).toBeDefined();
    const sender = spilling.runs.find(
      (run) => run.outcome === 'ran' && run.startedAt <= (alert?.at ?? 0) && (alert?.at ?? 0) <= run.endedAt,
    );
    expect(sender).toMatchObject({ trigger: 'alarm', alarm: expect.stringMatching(/spillover$/) });
    // The schedule's second run comes five minutes after the first; the alarm's run alerts before it.
    expect((alert?.at ?? Infinity) - STARTS_AT).toBeLessThan(5 * MINUTE_MS);
  }, 30_000);
});

describe('an account with the concurrency of 10,000 functions, where the alarm fires before the hog is judgeable', () => {
  // The hog of a 10,000-function account (limit 10,000) with its victims and 50 others: its burst scaling throttles it
  // minutes before the pool is drained, so the alarm's own run finds no victims. The schedule's runs (at 4 and 9
  // minutes) see the victims' minutes too late.
  const hogOnly = troubledAccount(10_000, ['concurrency-hog'], {
    observedAt: STARTS_AT,
    troubleStart: 'now',
  });
  const kept = new Set([hog.functionName, ...HOG_VICTIMS]);
  const tenThousandLike = {
    ...hogOnly,
    functions: [
      ...hogOnly.functions.filter((fn) => kept.has(fn.name)),
      ...hogOnly.functions.filter((fn) => !kept.has(fn.name)).slice(0, 50),
    ],
  };
  let followed: TimelineResult;

  beforeAll(async () => {
    followed = await runTimeline({
      model: tenThousandLike,
      settings: DEFAULT_SETTINGS,
      from: STARTS_AT,
      until: STARTS_AT + 12 * MINUTE_MS,
      scheduleOffsetSeconds: 240,
    });
  }, 30_000);

  it('alerts on the hog from a follow-up of the alarm, before the next scheduled run', () => {
    const alert = firstAlert(followed.published, hog.kind, hog.functionName);
    const sender = followed.runs.find(
      (run) => run.outcome === 'ran' && run.startedAt <= (alert?.at ?? 0) && (alert?.at ?? 0) <= run.endedAt,
    );
    const firstAlarmRun = followed.runs.find((run) => run.trigger === 'alarm');
    const scheduledAfterAlarm = followed.runs.filter(
      (run) => run.trigger === 'schedule' && run.startedAt > (firstAlarmRun?.startedAt ?? Infinity),
    );

    expect(alert).toBeDefined();
    expect(sender).toMatchObject({ trigger: 'follow-up', alarm: expect.stringMatching(/-trigger-/) });
    expect(firstAlarmRun?.startedAt).toBeLessThan(alert?.at ?? 0);
    // The schedule ran in between without the verdict, and its next run comes minutes after the alert.
    expect(scheduledAfterAlarm.map((run) => run.startedAt)).toEqual([
      STARTS_AT + 245_000,
      STARTS_AT + 545_000,
    ]);
    expect(alert?.at).toBeGreaterThan(STARTS_AT + 245_000);
    expect(alert?.at).toBeLessThan(STARTS_AT + 545_000);
    expect(
      followed.published.filter((publish) =>
        publish.message.includes(`concurrency-hog on ${hog.functionName}`),
      ),
    ).toHaveLength(1);
  });

  it('stops each chain at its hog finding or after its last follow-up', () => {
    const alert = firstAlert(followed.published, hog.kind, hog.functionName);
    const followUps = (alarm: RegExp) =>
      followed.runs.filter((run) => run.trigger === 'follow-up' && alarm.test(run.alarm ?? ''));

    // The chain that raised the hog asks for nothing more; the other, which raised nothing new, runs out.
    const raising = followUps(/throttles$/);
    expect(raising.length).toBeGreaterThan(0);
    expect(raising.every((run) => run.startedAt <= (alert?.at ?? 0))).toBe(true);
    expect(followUps(/invocation-surge$/)).toHaveLength(MAX_FOLLOW_UPS);
    expect(
      followed.runs.filter((run) => run.trigger === 'follow-up' && run.outcome === 'lease-taken'),
    ).toEqual([]);
  });
});

describe('a quiet account over a day', () => {
  it('starts no alarm-triggered run and sends no alert through its nightly batch, weekly report and peaks', async () => {
    // Monday: the weekly report runs at 06:00, the nightly batch at 02:00, the office-hours peak at 14:00.
    const endsAt = Date.parse('2030-01-15T00:00:00.000Z');
    const quiet = quietAccount(100, { observedAt: endsAt });

    const day = await runTimeline({
      model: quiet,
      settings: DEFAULT_SETTINGS,
      from: endsAt - 24 * 60 * MINUTE_MS,
      until: endsAt,
    });

    expect(day.alarmChanges).toEqual([]);
    expect(day.runs).toEqual([]);
    expect(day.published).toEqual([]);
  }, 30_000);
});
