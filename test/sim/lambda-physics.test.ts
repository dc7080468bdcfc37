import type { SimAccountModel } from '../../sim/account-model';
import { LambdaPhysics } from '../../sim/lambda-physics';
import { loadPattern, type PatternFunction } from '../../sim/pattern';

const OBSERVED_AT = '2030-01-15T12:00:20Z';
const MINUTE = 60_000;
/** The minute starting `minutes` before the observed minute. */
const ago = (minutes: number) => Math.floor(Date.parse(OBSERVED_AT) / MINUTE) * MINUTE - minutes * MINUTE;

function account(
  functions: PatternFunction[],
  extra: { concurrencyLimit?: number; profiles?: Record<string, unknown>; fleet?: unknown[] } = {},
): { model: SimAccountModel; physics: LambdaPhysics } {
  const model = loadPattern({
    account: { observedAt: OBSERVED_AT, concurrencyLimit: extra.concurrencyLimit ?? 1000 },
    ...(extra.profiles ? { profiles: extra.profiles } : {}),
    ...(extra.fleet ? { fleet: extra.fleet } : {}),
    functions,
  });
  return { model, physics: new LambdaPhysics(model) };
}

/** A function asking for `concurrency` steady executions of one second each (60 requests a minute each). */
function steady(name: string, concurrency: number, more: Partial<PatternFunction> = {}): PatternFunction {
  return {
    name,
    traffic: { shape: [{ kind: 'steady', perMinute: concurrency * 60 }], durationSeconds: 1 },
    ...more,
  };
}

describe('LambdaPhysics: reserved concurrency', () => {
  it('serves a function up to its own reserved concurrency and throttles the rest, leaving the pool alone', () => {
    const { physics } = account([steady('capped', 30, { reservedConcurrency: 10 }), steady('neighbour', 5)]);

    const capped = physics.functionMinute('capped', ago(5));
    const neighbour = physics.functionMinute('neighbour', ago(5));

    expect(capped.concurrentExecutions).toBe(10);
    expect(capped.invocations).toBeGreaterThanOrEqual(599);
    expect(capped.invocations).toBeLessThanOrEqual(601);
    expect(capped.throttles + capped.invocations).toBeGreaterThanOrEqual(1_799);
    expect(neighbour.throttles).toBe(0);
    expect(physics.regionMinute('Throttles', ago(5))).toBe(capped.throttles);
  });

  it('throttles everything at reserved concurrency 0 and drops the asynchronous events', () => {
    const { physics } = account([
      {
        ...steady('throttled', 2, { reservedConcurrency: 0 }),
        traffic: { shape: [{ kind: 'steady', perMinute: 120 }], durationSeconds: 1, asyncShare: 0.5 },
      },
    ]);

    const minute = physics.functionMinute('throttled', ago(5));

    expect(minute).toMatchObject({ invocations: 0, concurrentExecutions: 0, throttles: 120 });
    expect(minute.asyncEventsDropped).toBeGreaterThan(40);
    expect(minute.asyncEventsDropped).toBeLessThan(80);
  });
});

describe('LambdaPhysics: the unreserved pool', () => {
  const hogAccount = () =>
    account([
      steady('reserved-elsewhere', 50, { reservedConcurrency: 600 }),
      {
        name: 'hog',
        traffic: {
          shape: [
            { kind: 'steady', perMinute: 60 * 20 },
            { kind: 'burst', perMinute: 60 * 580, from: '-40m', until: '-20m' },
          ],
          durationSeconds: 1,
        },
      },
      steady('victim-a', 20),
      steady('victim-b', 10),
    ]);

  it('shares an exhausted pool in proportion to demand: every pooled function throttles while the hog holds it', () => {
    const { physics } = hogAccount();
    const during = ago(30);

    const hog = physics.functionMinute('hog', during);
    const victimA = physics.functionMinute('victim-a', during);
    const victimB = physics.functionMinute('victim-b', during);

    // The pool is 1,000 - 600 = 400 for 600 + 20 + 10 asked: each pooled function gets 400/630 of its demand.
    expect(hog.concurrentExecutions).toBe(Math.round((600 * 400) / 630));
    expect(victimA.throttles).toBeGreaterThan(400);
    expect(victimB.throttles).toBeGreaterThan(200);
    expect(victimA.throttles / (victimA.throttles + victimA.invocations)).toBeCloseTo(230 / 630, 1);
    expect(physics.functionMinute('reserved-elsewhere', during).throttles).toBe(0);
    expect(physics.regionMinute('UnreservedConcurrentExecutions', during)).toBe(400);
  });

  it('throttles no one before the hog starts or after it stops', () => {
    const { physics } = hogAccount();

    for (const minute of [ago(45), ago(15)]) {
      expect(physics.functionMinute('victim-a', minute).throttles).toBe(0);
      expect(physics.functionMinute('hog', minute).throttles).toBe(0);
      expect(physics.regionMinute('Throttles', minute)).toBe(0);
    }
  });

  it('claims reserved concurrency whether used or not, plus the pooled functions in use, at most the limit', () => {
    const { physics } = hogAccount();

    expect(physics.regionMinute('ClaimedAccountConcurrency', ago(45))).toBe(600 + 20 + 20 + 10);
    expect(physics.regionMinute('ClaimedAccountConcurrency', ago(30))).toBe(1000);
    expect(physics.regionMinute('ConcurrentExecutions', ago(45))).toBe(50 + 20 + 20 + 10);
  });

  it('takes provisioned concurrency of pooled functions out of the pool, used or not', () => {
    const { physics } = account([
      {
        name: 'holder',
        versions: ['1'],
        aliases: [{ name: 'live', version: '1' }],
        provisioned: [{ qualifier: 'live', requested: 850 }],
        traffic: {
          shape: [{ kind: 'steady', perMinute: 60 }],
          durationSeconds: 1,
          qualifierShares: { live: 1 },
        },
      },
      steady('starved', 200),
    ]);

    const starved = physics.functionMinute('starved', ago(5));

    // 1,000 - 850 provisioned leaves 150 on-demand slots for 200 asked.
    expect(starved.concurrentExecutions).toBe(150);
    expect(starved.throttles).toBeGreaterThan(0);
    expect(physics.functionMinute('holder', ago(5)).throttles).toBe(0);
  });
});

describe('LambdaPhysics: provisioned concurrency', () => {
  const aliasFunction = (status: 'READY' | 'IN_PROGRESS', allocated?: number): PatternFunction => ({
    name: 'quotes',
    versions: ['1', '2'],
    aliases: [{ name: 'live', version: '2' }],
    provisioned: [
      { qualifier: 'live', requested: 5, status, ...(allocated !== undefined ? { allocated } : {}) },
    ],
    traffic: {
      shape: [{ kind: 'steady', perMinute: 5_000 }],
      durationSeconds: 0.02,
      qualifierShares: { live: 0.8 },
    },
  });

  it('serves an alias up to 10 requests a second per unit and spills the rest; unqualified calls never use it', () => {
    const { physics } = account([aliasFunction('READY')]);

    const live = physics.qualifierMinute('quotes', 'live', ago(5));
    const whole = physics.functionMinute('quotes', ago(5));

    // 5 units × 10 rps = 3,000 a minute of the alias's 4,000.
    expect(live.provisionedConcurrencyInvocations).toBe(3_000);
    expect(live.provisionedConcurrencySpilloverInvocations).toBe(1_000);
    expect(live.invocations).toBe(4_000);
    expect(whole.invocations).toBe(5_000);
    expect(whole.provisionedConcurrencyInvocations).toBe(3_000);
    expect(live.provisionedConcurrencyUtilization).toBeGreaterThan(0);
  });

  it('serves nothing from a config still IN_PROGRESS: the alias spills everything', () => {
    const { physics } = account([aliasFunction('IN_PROGRESS', 2)]);

    const live = physics.qualifierMinute('quotes', 'live', ago(5));

    expect(live.provisionedConcurrencyInvocations).toBe(0);
    expect(live.provisionedConcurrencySpilloverInvocations).toBe(4_000);
  });

  it('lets auto scaling catch up a few minutes late, spilling until it has', () => {
    const { physics } = account([
      {
        name: 'catalog',
        versions: ['1'],
        aliases: [{ name: 'live', version: '1' }],
        provisioned: [
          {
            qualifier: 'live',
            requested: 10,
            autoScaling: { targetUtilization: 0.7, minimum: 10, maximum: 200, lagMinutes: 3 },
          },
        ],
        traffic: {
          shape: [
            { kind: 'steady', perMinute: 300 },
            { kind: 'burst', perMinute: 3_000, from: '-20m', until: '+1h' },
          ],
          durationSeconds: 1,
          qualifierShares: { live: 1 },
        },
      },
    ]);
    const spill = (minutes: number) =>
      physics.qualifierMinute('catalog', 'live', ago(minutes)).provisionedConcurrencySpilloverInvocations;

    expect(spill(25)).toBe(0);
    expect(spill(19)).toBeGreaterThan(2_000);
    expect(spill(10)).toBe(0);
  });
});

describe('LambdaPhysics: burst scaling', () => {
  it('throttles a jump beyond 1,000 more every 10 seconds, then serves it once scaled', () => {
    const { physics } = account(
      [
        {
          name: 'flash-sale',
          traffic: {
            shape: [{ kind: 'burst', perMinute: 60 * 5_000, from: '-20m', until: '+1h' }],
            durationSeconds: 1,
          },
        },
      ],
      { concurrencyLimit: 20_000 },
    );

    const first = physics.functionMinute('flash-sale', ago(19));
    const later = physics.functionMinute('flash-sale', ago(10));

    expect(first.throttles).toBeGreaterThan(60 * 5_000 * 0.2);
    expect(first.concurrentExecutions).toBeLessThan(5_000);
    expect(later.throttles).toBe(0);
    expect(later.concurrentExecutions).toBe(5_000);
  });
});

describe('LambdaPhysics: recursive loops', () => {
  const looping = (transport: 'sqs' | 'dynamodb', recursiveLoop: 'Allow' | 'Terminate'): PatternFunction => ({
    name: 'looper',
    recursiveLoop,
    traffic: {
      shape: [
        { kind: 'steady', perMinute: 100 },
        {
          kind: 'runaway',
          from: '-30m',
          startPerMinute: 160,
          factorPerMinute: 1.2,
          ceilingPerMinute: 100_000,
        },
      ],
      durationSeconds: 0.1,
      loopTransport: transport,
    },
  });

  it('cuts an SQS loop in a function set to Terminate and counts one drop every 16 rounds', () => {
    const { physics } = account([looping('sqs', 'Terminate')]);

    const minute = physics.functionMinute('looper', ago(5));

    expect(minute.invocations).toBe(260);
    expect(minute.recursiveInvocationsDropped).toBe(10);
  });

  it('lets the same loop run on, geometrically, with no drops when the function is set to Allow', () => {
    const { physics } = account([looping('sqs', 'Allow')]);

    const early = physics.functionMinute('looper', ago(25)).invocations;
    const late = physics.functionMinute('looper', ago(5)).invocations;

    expect(late).toBeGreaterThan(early * 20);
    expect(physics.functionMinute('looper', ago(5)).recursiveInvocationsDropped).toBe(0);
  });

  it('does not see a loop through a DynamoDB stream, even set to Terminate', () => {
    const { physics } = account([looping('dynamodb', 'Terminate')]);

    expect(physics.functionMinute('looper', ago(5)).invocations).toBeGreaterThan(10_000);
    expect(physics.functionMinute('looper', ago(5)).recursiveInvocationsDropped).toBe(0);
  });
});

describe('LambdaPhysics: counts and sums', () => {
  it('publishes nothing for a minute without invocations: a rate of 0.2 a minute fills about one minute in five', () => {
    const { physics } = account([
      { name: 'rare', traffic: { shape: [{ kind: 'steady', perMinute: 0.2 }], durationSeconds: 1 } },
    ]);

    const minutes = Array.from({ length: 1_000 }, (_, index) =>
      physics.functionMinute('rare', ago(index + 1)),
    );
    const active = minutes.filter((minute) => minute.invocations > 0).length;

    expect(active).toBeGreaterThan(150);
    expect(active).toBeLessThan(250);
    expect(minutes.every((minute) => minute.invocations > 0 === minute.concurrentExecutions > 0)).toBe(true);
  });

  it('publishes region-level concurrency in every minute something ran, however briefly, and in no other', () => {
    const { physics } = account([
      { name: 'blink', traffic: { shape: [{ kind: 'steady', perMinute: 0.5 }], durationSeconds: 0.01 } },
    ]);

    for (let minutesAgo = 1; minutesAgo <= 200; minutesAgo += 1) {
      const ran = physics.regionMinute('Invocations', ago(minutesAgo)) > 0;
      expect(physics.regionMinute('ConcurrentExecutions', ago(minutesAgo)) > 0).toBe(ran);
      expect(physics.regionMinute('UnreservedConcurrentExecutions', ago(minutesAgo)) > 0).toBe(ran);
    }
  });

  it('keeps every region-level count the exact sum of its functions, members of a shared profile included', () => {
    const { model, physics } = account([steady('hog', 990), steady('solo', 3)], {
      profiles: {
        office: {
          shape: [
            { kind: 'daily', peakPerMinute: 1, peakHour: 14 },
            { kind: 'noise', amplitude: 0.3 },
          ],
          durationSeconds: 2,
        },
      },
      fleet: [{ profile: 'office', count: 300, weights: [0.05, 40] }],
    });

    for (const minute of [ago(3), ago(200), ago(2_000)]) {
      for (const [metric, field] of [
        ['Invocations', 'invocations'],
        ['Throttles', 'throttles'],
      ] as const) {
        const sum = model.functions.reduce(
          (total, fn) => total + physics.functionMinute(fn.name, minute)[field],
          0,
        );
        expect(physics.regionMinute(metric, minute)).toBe(sum);
      }
    }
    // The hog's 990 and the fleet exceed the pool: the fleet's members throttle too.
    expect(physics.regionMinute('Throttles', ago(3))).toBeGreaterThan(
      physics.functionMinute('hog', ago(3)).throttles,
    );
  });
});
