import { TriggerAlarmEvaluator, EVALUATION_RANGE_MINUTES } from '../../sim/alarm-evaluator';
import { quietAccount, troubledAccount } from '../../sim/generators';
import { SimulatedAccount } from '../../sim/simulated-account';
import { VirtualClock } from '../../sim/virtual-clock';

const MINUTE_MS = 60_000;
const STARTS_AT = Date.parse('2030-01-15T12:00:00.000Z');

/** Evaluates the alarms at each whole minute from `from` for `minutes`, answering the changes into ALARM. */
async function changesOver(account: SimulatedAccount, clock: VirtualClock, minutes: number) {
  const evaluator = new TriggerAlarmEvaluator(account.metrics);
  const changes: { alarm: string; at: number; datapointAt?: number }[] = [];
  await clock.run(async () => {
    for (let index = 0; index < minutes; index += 1) {
      await clock.sleep(evaluator.evaluationTime(clock.now() + (index === 0 ? 0 : MINUTE_MS)) - clock.now());
      for (const change of evaluator.changesIntoAlarm(clock.now())) {
        changes.push({
          alarm: change.alarm,
          at: clock.now(),
          ...(change.datapointAt ? { datapointAt: change.datapointAt } : {}),
        });
      }
    }
  });
  return changes;
}

function hogAccount(deliveryDelayMinutes: number) {
  const model = troubledAccount(40, ['concurrency-hog'], { observedAt: STARTS_AT, troubleStart: 'now' });
  const clock = new VirtualClock(STARTS_AT);
  return { clock, account: new SimulatedAccount(model, { clock, deliveryDelayMinutes }) };
}

describe('TriggerAlarmEvaluator', () => {
  it('goes into ALARM on throttles only once their minute has been delivered', async () => {
    const late = hogAccount(2);
    const sooner = hogAccount(1);

    const throttles = (changes: Awaited<ReturnType<typeof changesOver>>) =>
      changes.find((change) => change.alarm === 'throttles');
    const [lateChange, soonerChange] = [
      throttles(await changesOver(late.account, late.clock, 8)),
      throttles(await changesOver(sooner.account, sooner.clock, 8)),
    ];

    const firstThrottled = lateChange?.datapointAt ?? 0;
    expect(late.account.physics.regionMinute('Throttles', firstThrottled)).toBeGreaterThan(0);
    expect(late.account.physics.regionMinute('Throttles', firstThrottled - MINUTE_MS)).toBe(0);
    // The minute ends, then two (or one) minutes of delivery.
    expect(lateChange?.at).toBe(firstThrottled + 3 * MINUTE_MS);
    expect(soonerChange?.at).toBe(firstThrottled + 2 * MINUTE_MS);
  }, 20_000);

  it('changes state once per episode: a throttling that goes on starts one run, not one a minute', async () => {
    const { clock, account } = hogAccount(2);

    const changes = await changesOver(account, clock, EVALUATION_RANGE_MINUTES + 10);

    expect(changes.filter((change) => change.alarm === 'throttles')).toHaveLength(1);
  }, 20_000);

  it('keeps a quiet account inside the invocation band through its nightly batch', async () => {
    const endsAt = Date.parse('2030-01-15T03:00:00.000Z');
    const clock = new VirtualClock(endsAt - 2 * 60 * MINUTE_MS);
    const account = new SimulatedAccount(quietAccount(1000, { observedAt: endsAt }), { clock });
    const batch = Date.parse('2030-01-15T02:20:00.000Z');
    // The batch lifts the region's invocations by a quarter over the quiet hour before it.
    expect(account.physics.regionMinute('Invocations', batch)).toBeGreaterThan(
      1.25 * account.physics.regionMinute('Invocations', batch - 50 * MINUTE_MS),
    );

    expect(await changesOver(account, clock, 120)).toEqual([]);
  }, 20_000);
});
