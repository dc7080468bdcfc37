import {
  alarmRun,
  FOLLOW_UP_DELAY_SECONDS,
  followUpBody,
  followUpRun,
  MAX_FOLLOW_UPS,
  parseFollowUp,
  planFollowUp,
} from '../../../../functions/scanner/events/alarm-follow-up';

const THROTTLES = 'LambdaSentinel-Sentinel-trigger-throttles';
const SURGE = 'LambdaSentinel-Sentinel-trigger-invocation-surge';
const SPILLOVER = 'LambdaSentinel-Sentinel-trigger-spillover';
const NOW = Date.parse('2030-01-15T12:04:20.000Z');
const at = (iso: string) => Date.parse(iso);

function alarmEvent(evaluated: string) {
  return {
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    time: '2030-01-15T12:04:05Z',
    detail: {
      alarmName: THROTTLES,
      state: {
        value: 'ALARM',
        reasonData: JSON.stringify({ evaluatedDatapoints: [{ timestamp: evaluated, value: 3 }] }),
      },
    },
  };
}

describe('planFollowUp', () => {
  const chain = { alarmName: THROTTLES, attempt: 0, windowLagMinutes: 2 };

  it('asks for the next run a minute later when the run raised nothing new', () => {
    const decision = planFollowUp(chain, [], true);

    expect(decision).toEqual({
      alarmName: THROTTLES,
      send: true,
      next: { alarmName: THROTTLES, attempt: 1, windowLagMinutes: 2 },
      body: JSON.stringify({ sentinelFollowUp: { alarmName: THROTTLES, attempt: 1, windowLagMinutes: 2 } }),
      delaySeconds: FOLLOW_UP_DELAY_SECONDS,
    });
    expect(FOLLOW_UP_DELAY_SECONDS).toBe(60);
  });

  it('keeps going after a new finding of a kind the alarms are not for', () => {
    expect(planFollowUp(chain, ['failed-state', 'stuck-pending'], true)).toMatchObject({ send: true });
  });

  it.each([
    [THROTTLES, 'concurrency-hog'],
    [THROTTLES, 'recursive-loop'],
    [SURGE, 'recursive-loop'],
    [SURGE, 'concurrency-hog'],
    [SPILLOVER, 'pc-spillover'],
    ['a-hand-named-alarm', 'pc-spillover'],
  ] as const)('stops the chain of %s once the run raised a new %s', (alarmName, kind) => {
    expect(planFollowUp({ ...chain, alarmName, attempt: 2 }, ['failed-state', kind], true)).toEqual({
      alarmName,
      send: false,
      reason: 'alarm-answered',
    });
  });

  it.each([
    [THROTTLES, 'pc-spillover'],
    [SURGE, 'pc-spillover'],
    [SPILLOVER, 'concurrency-hog'],
    [SPILLOVER, 'recursive-loop'],
  ] as const)('keeps the chain of %s going after a new %s, which does not answer it', (alarmName, kind) => {
    expect(planFollowUp({ ...chain, alarmName }, [kind], true)).toMatchObject({
      send: true,
      next: { alarmName, attempt: 1 },
    });
  });

  it(`stops after the last of ${MAX_FOLLOW_UPS} follow-ups`, () => {
    expect(planFollowUp({ ...chain, attempt: MAX_FOLLOW_UPS - 1 }, [], true)).toMatchObject({
      send: true,
      next: { attempt: MAX_FOLLOW_UPS },
    });
    expect(planFollowUp({ ...chain, attempt: MAX_FOLLOW_UPS }, [], true)).toEqual({
      alarmName: THROTTLES,
      send: false,
      reason: 'attempts-used-up',
    });
  });

  it('sends nothing where there is no queue to carry it', () => {
    expect(planFollowUp(chain, [], false)).toEqual({ alarmName: THROTTLES, send: false, reason: 'no-queue' });
  });
});

describe('parseFollowUp', () => {
  it('reads back the body a follow-up was sent with', () => {
    const request = { alarmName: SURGE, attempt: 3, windowLagMinutes: 1 };
    expect(parseFollowUp(followUpBody(request))).toEqual(request);
  });

  it("reads a follow-up without a window lag as a scheduled run's window", () => {
    expect(parseFollowUp(JSON.stringify({ sentinelFollowUp: { alarmName: SURGE, attempt: 1 } }))).toEqual({
      alarmName: SURGE,
      attempt: 1,
      windowLagMinutes: 3,
    });
  });

  it.each([
    ['not JSON', '{sentinelFollowUp'],
    ['a state-change event', JSON.stringify({ detail: { functionName: 'orders' } })],
    ['no alarm name', JSON.stringify({ sentinelFollowUp: { attempt: 1 } })],
    ['attempt 0 (the alarm itself)', JSON.stringify({ sentinelFollowUp: { alarmName: SURGE, attempt: 0 } })],
    [
      'an attempt past the last',
      followUpBody({ alarmName: SURGE, attempt: MAX_FOLLOW_UPS + 1, windowLagMinutes: 2 }),
    ],
    ['a fractional attempt', JSON.stringify({ sentinelFollowUp: { alarmName: SURGE, attempt: 1.5 } })],
    ['a lag of zero', followUpBody({ alarmName: SURGE, attempt: 1, windowLagMinutes: 0 })],
    ['a lag past the delivery delay', followUpBody({ alarmName: SURGE, attempt: 1, windowLagMinutes: 9 })],
    ['null', 'null'],
  ])('is not a follow-up: %s', (_, body) => {
    expect(parseFollowUp(body)).toBeUndefined();
  });
});

describe('alarmRun and followUpRun', () => {
  it("starts a chain from the alarm's event, remembering how fresh the alarm's data was", () => {
    expect(alarmRun(alarmEvent('2030-01-15T12:02:00Z'), NOW)).toEqual({
      trigger: { alarmName: THROTTLES, windowEnd: at('2030-01-15T12:03:00Z') },
      chains: [{ alarmName: THROTTLES, attempt: 0, windowLagMinutes: 1 }],
    });
    expect(alarmRun({ source: 'aws.events' }, NOW)).toBeUndefined();
  });

  it('ends a follow-up window as far behind its own minute as the alarm saw its data', () => {
    const run = followUpRun([{ alarmName: THROTTLES, attempt: 1, windowLagMinutes: 2 }], NOW + 65_000);

    expect(run?.trigger).toEqual({ alarmName: THROTTLES, windowEnd: at('2030-01-15T12:03:00Z') });
  });

  it('runs once for the chains due together, as fresh as the freshest, continuing a repeated chain once', () => {
    const run = followUpRun(
      [
        { alarmName: THROTTLES, attempt: 1, windowLagMinutes: 2 },
        { alarmName: SURGE, attempt: 2, windowLagMinutes: 1 },
        { alarmName: THROTTLES, attempt: 2, windowLagMinutes: 2 },
      ],
      NOW,
    );

    expect(run).toEqual({
      trigger: { alarmName: `${SURGE}, ${THROTTLES}`, windowEnd: at('2030-01-15T12:03:00Z') },
      chains: [
        { alarmName: SURGE, attempt: 2, windowLagMinutes: 1 },
        { alarmName: THROTTLES, attempt: 2, windowLagMinutes: 2 },
      ],
    });
    expect(followUpRun([], NOW)).toBeUndefined();
  });
});
