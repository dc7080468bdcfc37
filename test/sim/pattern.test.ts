import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaPhysics } from '../../sim/lambda-physics';
import { MetricStore } from '../../sim/metric-store';
import {
  PatternError,
  loadPattern,
  patternProblems,
  readPatternFile,
  type PatternFunction,
} from '../../sim/pattern';
import { SimulatedAccount } from '../../sim/simulated-account';
import type { ShapeTerm } from '../../sim/traffic-shape';
import { VirtualClock } from '../../sim/virtual-clock';

const CORPUS = join(__dirname, '..', 'corpus', 'patterns');
const MINUTE = 60_000;

/** A SimulatedAccount on the pattern file `name`, observed at its own time. */
function corpusAccount(name: string) {
  const model = readPatternFile(join(CORPUS, `${name}.json`));
  const account = new SimulatedAccount(model, { clock: new VirtualClock(model.observedAt) });
  const observedMinute = Math.floor(model.observedAt / MINUTE) * MINUTE;
  return { model, account, observedMinute };
}

/** Every datapoint of one series between two times, as CloudWatch returns them (minutes without data left out). */
function datapoints(
  store: MetricStore,
  metricName: string,
  dimensions: Record<string, string>,
  start: number,
  end: number,
  stat = 'Sum',
): { at: number; value: number }[] {
  const result = store.getMetricData({
    MetricDataQueries: [
      {
        Id: 'series',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/Lambda',
            MetricName: metricName,
            Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: 60,
          Stat: stat,
        },
      },
    ],
    StartTime: new Date(start),
    EndTime: new Date(end),
  }).MetricDataResults?.[0];
  return (result?.Timestamps ?? []).map((at, index) => ({
    at: new Date(at).getTime(),
    value: result?.Values?.[index] ?? 0,
  }));
}

describe('the pattern corpus', () => {
  it('loads every pattern file in test/corpus/patterns', () => {
    const files = readdirSync(CORPUS).filter((file) => file.endsWith('.json'));

    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(() => readPatternFile(join(CORPUS, file))).not.toThrow();
  });

  it('nightly-batch: the export publishes nothing outside 02:00-03:00 and something every night inside it', () => {
    const { account, observedMinute } = corpusAccount('nightly-batch');
    const eightDaysAgo = observedMinute - 8 * 24 * 60 * MINUTE;

    const points = datapoints(
      account.metrics,
      'Invocations',
      { FunctionName: 'nightly-export' },
      eightDaysAgo,
      observedMinute,
    );

    const hours = new Set(points.map((point) => new Date(point.at).getUTCHours()));
    const nights = new Set(points.map((point) => new Date(point.at).getUTCDate()));
    expect(hours).toEqual(new Set([2]));
    expect(nights.size).toBe(9);
    expect(Math.max(...points.map((point) => point.value))).toBeGreaterThan(2_000);
  }, 30_000);

  it('hog-with-600-reserved-elsewhere: pooled victims throttle only while the hog holds the pool; the reserved function never', () => {
    const { account, observedMinute } = corpusAccount('hog-with-600-reserved-elsewhere');
    const hogStart = observedMinute - 40 * MINUTE;
    const from = observedMinute - 3 * 60 * MINUTE;
    const to = observedMinute - 3 * MINUTE;

    for (const victim of ['checkout-api', 'search-indexer']) {
      const throttled = datapoints(account.metrics, 'Throttles', { FunctionName: victim }, from, to);
      expect(throttled.length).toBeGreaterThan(30);
      expect(throttled.every((point) => point.at >= hogStart)).toBe(true);
    }
    expect(datapoints(account.metrics, 'Throttles', { FunctionName: 'ledger-batch' }, from, to)).toEqual([]);
    const hogPeak = datapoints(
      account.metrics,
      'ConcurrentExecutions',
      { FunctionName: 'image-resizer' },
      from,
      to,
      'Maximum',
    );
    const peak = Math.max(...hogPeak.map((point) => point.value));
    // It holds most of the 400-slot pool, yet stays far below 80% of the account's 1,000.
    expect(peak).toBeGreaterThan(300);
    expect(peak).toBeLessThan(400);
    const unreserved = datapoints(
      account.metrics,
      'UnreservedConcurrentExecutions',
      {},
      to - 10 * MINUTE,
      to,
      'Maximum',
    );
    expect(unreserved.every((point) => point.value === 400)).toBe(true);
  }, 30_000);

  it('sqs-loop-dropped: drops start with the loop, at one in 16 rounds, and the cut loop does not grow', () => {
    const { account, observedMinute } = corpusAccount('sqs-loop-dropped');
    const loopStart = observedMinute - 25 * MINUTE;
    const own = { FunctionName: 'order-notifier' };

    const dropped = datapoints(
      account.metrics,
      'RecursiveInvocationsDropped',
      own,
      loopStart - 60 * MINUTE,
      observedMinute - 3 * MINUTE,
    );
    const invocations = datapoints(
      account.metrics,
      'Invocations',
      own,
      loopStart + MINUTE,
      observedMinute - 3 * MINUTE,
    );

    expect(dropped.length).toBeGreaterThan(20);
    expect(dropped.every((point) => point.at >= loopStart)).toBe(true);
    // 480 loop rounds a minute (± the pattern's 5% noise) cut every 16: about 30 drops a minute.
    expect(dropped.every((point) => point.value >= 27 && point.value <= 33)).toBe(true);
    const rates = invocations.map((point) => point.value);
    expect(Math.max(...rates) / Math.min(...rates)).toBeLessThan(1.2);
  }, 30_000);
});

describe('loadPattern', () => {
  const observedAt = '2030-01-15T12:00:20Z';
  const withFunctions = (functions: unknown[], account: Record<string, unknown> = {}) => ({
    account: { observedAt, ...account },
    functions,
  });

  it("fills in a function's defaults: Active, Successful, Terminate, no reservation, deployed 90 days ago", () => {
    const model = loadPattern(withFunctions([{ name: 'plain' }]));

    expect(model.functions[0]).toMatchObject({
      name: 'plain',
      state: 'Active',
      lastUpdateStatus: 'Successful',
      recursiveLoop: 'Terminate',
      runtime: 'nodejs22.x',
      lastModified: Date.parse(observedAt) - 90 * 24 * 60 * MINUTE,
    });
    expect(model.functions[0]?.reservedConcurrency).toBeUndefined();
    expect(model).toMatchObject({ concurrencyLimit: 1000, minimumUnreserved: 100, region: 'eu-west-1' });
  });

  it('keeps the whole limit unreserved on reduced-quota accounts', () => {
    expect(loadPattern(withFunctions([], { concurrencyLimit: 10 })).minimumUnreserved).toBe(10);
    expect(loadPattern(withFunctions([], { concurrencyLimit: 50 })).minimumUnreserved).toBe(50);
  });

  it('makes a fleet of functions that share a profile, summed as one class', () => {
    const model = loadPattern({
      account: { observedAt },
      profiles: { api: { shape: [{ kind: 'steady', perMinute: 1 }], durationSeconds: 0.1 } },
      fleet: [{ profile: 'api', count: 25, namePrefix: 'svc' }],
      functions: [],
    });
    const physics = new LambdaPhysics(model);

    expect(model.functions.map((fn) => fn.name)).toContain('svc-0024');
    expect(model.functions).toHaveLength(25);
    expect(physics.isIndividual('svc-0003')).toBe(false);
  });

  it.each([
    [{ name: 'f', reservedConcurency: 5 }, 'functions[0].reservedConcurency: unknown field'],
    [
      { name: 'f', traffic: { shape: [{ kind: 'stedy', perMinute: 1 }], durationSeconds: 1 } },
      'functions[0].traffic.shape[0].kind: must be one of steady, daily',
    ],
    [
      {
        name: 'f',
        traffic: { shape: [{ kind: 'burst', perMinute: 1, from: '-40', until: 'now' }], durationSeconds: 1 },
      },
      'functions[0].traffic.shape[0].from: "-40" is not a time',
    ],
    [
      {
        name: 'f',
        traffic: {
          shape: [{ kind: 'window', perMinute: 1, start: '2:00', end: '03:00' }],
          durationSeconds: 1,
        },
      },
      'functions[0].traffic.shape[0].start: "2:00" is not a clock time',
    ],
    [
      { name: 'f', traffic: { shape: [{ kind: 'loop', from: '-5m', perMinute: 10 }], durationSeconds: 1 } },
      'functions[0].traffic.loopTransport: is required with runaway or loop terms',
    ],
    [
      { name: 'f', versions: ['1'], provisioned: [{ qualifier: '$LATEST', requested: 2 }] },
      'functions[0].provisioned[0].qualifier: "$LATEST" is not an alias or version',
    ],
    [
      { name: 'f', versions: ['1'], aliases: [{ name: 'live', version: '2' }] },
      'functions[0].aliases[0].version: "2" is not in versions',
    ],
    [
      { name: 'f', versions: ['1', '2'], aliases: [{ name: 'live', version: '2', movedAt: '-5m' }] },
      'functions[0].aliases[0]: previousVersion and movedAt go together',
    ],
    [
      { name: 'f', versions: ['1'], functionUrls: [{ qualifier: '1' }] },
      'functions[0].functionUrls[0].qualifier: "1" is not an alias of the function',
    ],
    [
      { name: 'f', functionUrls: [{ authType: 'NONE' }, { authType: 'AWS_IAM' }] },
      'functions[0].functionUrls[1]: a function has at most one URL per qualifier',
    ],
    [
      { name: 'f', policy: [{ sid: 'both', service: 'apigateway.amazonaws.com', account: '111122223333' }] },
      'functions[0].policy[0]: give either service or account',
    ],
    [
      { name: 'f', eventSourceMappings: [{ source: 'sqs', share: 1, qualifier: 'live' }] },
      'functions[0].eventSourceMappings[0].qualifier: "live" is not $LATEST or an alias or version',
    ],
    [
      {
        name: 'f',
        versions: ['1'],
        traffic: { shape: [], durationSeconds: 1, reroutes: [{ at: '-1d', qualifierShares: { live: 1 } }] },
      },
      'functions[0].traffic.reroutes[0].qualifierShares.live: unknown field',
    ],
    [
      {
        name: 'f',
        versions: ['1'],
        aliases: [{ name: 'live', version: '1' }],
        traffic: { shape: [], durationSeconds: 1, qualifierShares: { live: 0.7, '1': 0.5 } },
      },
      'functions[0].traffic.qualifierShares: shares add up to 1.2',
    ],
    [{ name: 'f', traffic: { profile: 'nope' } }, 'functions[0].traffic.profile: "nope" is not in profiles'],
    [{ name: 'f', reservedConcurrency: 950 }, "leaving 50 unreserved: below the account's minimum of 100"],
  ])('names the bad field of %j', (fn, message) => {
    const problems = patternProblems(withFunctions([fn]));

    expect(problems.join('\n')).toContain(message);
    expect(() => loadPattern(withFunctions([fn]))).toThrow(PatternError);
  });

  it("lists every problem at once, and a file's path with each", () => {
    const problems = patternProblems({
      account: { observedAt: '15/01/2030' },
      functions: [{ name: 'a b', timeout: 0 }],
    });

    expect(problems).toEqual([
      'account.observedAt: must be an ISO-8601 instant with a zone, not "15/01/2030"',
      'functions[0].name: must be a Lambda function name (letters, digits, - and _), not "a b"',
      'functions[0].timeout: must be at least 1, not 0',
    ]);
  });
});

/**
 * One small pattern for each situation the verdict corpus covers, and the physical signature that makes it that
 * situation: proof that the format can express them all.
 */
describe('every situation of the verdict corpus can be expressed', () => {
  const observedAt = '2030-01-15T12:00:20Z';
  const observedMinute = Math.floor(Date.parse(observedAt) / MINUTE) * MINUTE;
  const ago = (minutes: number) => observedMinute - minutes * MINUTE;
  type Check = (physics: LambdaPhysics) => void;
  const steady = (perMinute: number): ShapeTerm[] => [{ kind: 'steady', perMinute }];
  const situation = (
    functions: PatternFunction[],
    check: Check,
    account: Record<string, unknown> = {},
  ): [PatternFunction[], Check, Record<string, unknown>] => [functions, check, account];
  const inv = (physics: LambdaPhysics, name: string, minutesAgo: number) =>
    physics.functionMinute(name, ago(minutesAgo)).invocations;

  const situations: Record<string, [PatternFunction[], Check, Record<string, unknown>]> = {
    'nightly batch': situation(
      [
        {
          name: 'batch',
          traffic: {
            shape: [{ kind: 'window', perMinute: 500, start: '11:00', end: '12:30' }],
            durationSeconds: 1,
          },
        },
      ],
      (physics) => {
        expect(inv(physics, 'batch', 5)).toBe(500);
        expect(inv(physics, 'batch', 90)).toBe(0);
        expect(physics.functionMinute('batch', ago(24 * 60 + 5)).invocations).toBe(500);
      },
    ),
    'weekly report': situation(
      [
        {
          name: 'report',
          traffic: {
            shape: [{ kind: 'weekly', perMinute: 50, day: 'tue', start: '11:30', end: '12:30' }],
            durationSeconds: 1,
          },
        },
      ],
      (physics) => {
        expect(inv(physics, 'report', 5)).toBe(50);
        expect(inv(physics, 'report', 24 * 60 + 5)).toBe(0);
        expect(inv(physics, 'report', 7 * 24 * 60 + 5)).toBe(50);
      },
    ),
    'first run of a new function': situation(
      [
        {
          name: 'fresh',
          lastModified: '-20m',
          traffic: { shape: [{ kind: 'steady', perMinute: 900, from: '-15m' }], durationSeconds: 0.2 },
        },
      ],
      (physics) => {
        expect(inv(physics, 'fresh', 5)).toBe(900);
        expect(inv(physics, 'fresh', 30)).toBe(0);
      },
    ),
    'traffic moved from an old function to a new one': situation(
      [
        {
          name: 'old',
          traffic: { shape: [{ kind: 'steady', perMinute: 700, until: '-2h' }], durationSeconds: 0.2 },
        },
        {
          name: 'new',
          traffic: { shape: [{ kind: 'steady', perMinute: 700, from: '-2h' }], durationSeconds: 0.2 },
        },
      ],
      (physics) => {
        expect([inv(physics, 'old', 5), inv(physics, 'new', 5)]).toEqual([0, 700]);
        expect([inv(physics, 'old', 180), inv(physics, 'new', 180)]).toEqual([700, 0]);
      },
    ),
    'marketing spike': situation(
      [
        {
          name: 'landing',
          traffic: {
            shape: [
              ...steady(100),
              { kind: 'burst', perMinute: 5_000, from: '-30m', until: '+1h', rampMinutes: 10 },
            ],
            durationSeconds: 0.1,
          },
        },
      ],
      (physics) => expect(inv(physics, 'landing', 5)).toBe(5_100),
    ),
    'steady growth': situation(
      [
        {
          name: 'growing',
          traffic: { shape: [...steady(1_000), { kind: 'growth', percentPerDay: 5 }], durationSeconds: 0.1 },
        },
      ],
      (physics) =>
        expect(inv(physics, 'growing', 7 * 24 * 60)).toBeLessThan(inv(physics, 'growing', 5) * 0.75),
    ),
    'lunchtime peak': situation(
      [
        {
          name: 'canteen',
          traffic: {
            shape: [
              { kind: 'daily', peakPerMinute: 100, peakHour: 13 },
              {
                kind: 'window',
                perMinute: 800,
                start: '11:30',
                end: '13:30',
                days: 'weekdays',
                rampMinutes: 20,
              },
            ],
            durationSeconds: 0.2,
          },
        },
      ],
      (physics) =>
        expect(inv(physics, 'canteen', 5)).toBeGreaterThan(inv(physics, 'canteen', 3 * 24 * 60 + 5) * 3),
    ),
    'a function throttled at its own reserved concurrency': situation(
      [{ name: 'capped', reservedConcurrency: 5, traffic: { shape: steady(600), durationSeconds: 1 } }],
      (physics) =>
        expect(physics.functionMinute('capped', ago(5))).toMatchObject({
          concurrentExecutions: 5,
          throttles: 300,
        }),
    ),
    'SQS loop (dropped)': situation(
      [
        {
          name: 'sqs-loop',
          eventSourceMappings: [{ source: 'sqs', share: 1, carriesLoop: true }],
          traffic: {
            shape: [{ kind: 'loop', from: '-20m', perMinute: 160 }],
            durationSeconds: 0.1,
            loopTransport: 'sqs',
          },
        },
      ],
      (physics) => expect(physics.functionMinute('sqs-loop', ago(5)).recursiveInvocationsDropped).toBe(10),
    ),
    'DynamoDB-stream loop growing geometrically': situation(
      [
        {
          name: 'ddb-loop',
          traffic: {
            shape: [
              {
                kind: 'runaway',
                from: '-20m',
                startPerMinute: 100,
                factorPerMinute: 1.2,
                ceilingPerMinute: 1e6,
              },
            ],
            durationSeconds: 0.05,
            loopTransport: 'dynamodb',
          },
        },
      ],
      (physics) => expect(inv(physics, 'ddb-loop', 5)).toBeGreaterThan(inv(physics, 'ddb-loop', 15) * 5),
    ),
    'EventBridge loop at a steady 1:1 rate': situation(
      [
        {
          name: 'eb-loop',
          traffic: {
            shape: [{ kind: 'loop', from: '-1h', perMinute: 400 }],
            durationSeconds: 0.1,
            loopTransport: 'eventbridge',
          },
        },
      ],
      (physics) => {
        expect(inv(physics, 'eb-loop', 5)).toBe(400);
        expect(physics.functionMinute('eb-loop', ago(5)).recursiveInvocationsDropped).toBe(0);
      },
    ),
    'a loop that ended ten minutes ago': situation(
      [
        {
          name: 'ended',
          traffic: {
            shape: [
              {
                kind: 'runaway',
                from: '-40m',
                startPerMinute: 100,
                factorPerMinute: 1.1,
                ceilingPerMinute: 1e5,
                until: '-10m',
              },
            ],
            durationSeconds: 0.05,
            loopTransport: 'kinesis',
          },
        },
      ],
      (physics) => {
        expect(inv(physics, 'ended', 11)).toBeGreaterThan(1_000);
        expect(inv(physics, 'ended', 5)).toBe(0);
      },
    ),
    'a loop at 3 a.m. in a busy account': situation(
      [
        {
          name: 'busy',
          traffic: {
            shape: [{ kind: 'daily', peakPerMinute: 50_000, peakHour: 3, troughFactor: 0.5 }],
            durationSeconds: 0.05,
          },
        },
        {
          name: 'night-loop',
          traffic: {
            shape: [{ kind: 'loop', from: '-15m', perMinute: 2_000 }],
            durationSeconds: 0.1,
            loopTransport: 'api',
          },
        },
      ],
      (physics) => expect(inv(physics, 'night-loop', 5)).toBe(2_000),
      { observedAt: '2030-01-15T03:00:20Z' },
    ),
    'a hog holding provisioned concurrency': situation(
      [
        {
          name: 'holder',
          versions: ['1'],
          aliases: [{ name: 'live', version: '1' }],
          provisioned: [{ qualifier: 'live', requested: 880 }],
          traffic: { shape: steady(60 * 870), durationSeconds: 1, qualifierShares: { live: 1 } },
        },
        { name: 'starved', traffic: { shape: steady(60 * 200), durationSeconds: 1 } },
      ],
      (physics) => {
        expect(physics.functionMinute('holder', ago(5)).concurrentExecutions).toBe(870);
        expect(physics.functionMinute('starved', ago(5)).throttles).toBeGreaterThan(0);
      },
    ),
    'a hog in a pool with 600 reserved elsewhere': situation(
      [
        { name: 'reserver', reservedConcurrency: 600, traffic: { shape: steady(60), durationSeconds: 1 } },
        { name: 'hog', traffic: { shape: steady(60 * 380), durationSeconds: 1 } },
        { name: 'victim', traffic: { shape: steady(60 * 40), durationSeconds: 1 } },
      ],
      (physics) => {
        expect(physics.functionMinute('victim', ago(5)).throttles).toBeGreaterThan(0);
        expect(physics.regionMinute('UnreservedConcurrentExecutions', ago(5))).toBe(400);
      },
    ),
    'reduced-quota account (limit 10)': situation(
      [{ name: 'small', traffic: { shape: steady(60 * 15), durationSeconds: 1 } }],
      (physics) =>
        expect(physics.functionMinute('small', ago(5))).toMatchObject({
          concurrentExecutions: 10,
          throttles: 300,
        }),
      { concurrencyLimit: 10 },
    ),
    'reduced-quota account (limit 50)': situation(
      [{ name: 'small', traffic: { shape: steady(60 * 40), durationSeconds: 1 } }],
      (physics) => expect(physics.functionMinute('small', ago(5)).throttles).toBe(0),
      { concurrencyLimit: 50 },
    ),
    'burst-scaling throttles': situation(
      [
        {
          name: 'flash',
          traffic: {
            shape: [{ kind: 'burst', perMinute: 60 * 4_000, from: '-10m', until: '+1h' }],
            durationSeconds: 1,
          },
        },
      ],
      (physics) => {
        expect(physics.functionMinute('flash', ago(9)).throttles).toBeGreaterThan(0);
        expect(physics.functionMinute('flash', ago(5)).throttles).toBe(0);
      },
      { concurrencyLimit: 10_000 },
    ),
    'spillover during weighted alias routing': situation(
      [
        {
          name: 'canary',
          versions: ['7', '8'],
          aliases: [{ name: 'live', version: '7', weights: { '8': 0.2 } }],
          provisioned: [{ qualifier: 'live', requested: 10 }],
          traffic: { shape: steady(7_000), durationSeconds: 0.05, qualifierShares: { live: 1 } },
        },
      ],
      (physics) =>
        expect(
          physics.qualifierMinute('canary', 'live', ago(5)).provisionedConcurrencySpilloverInvocations,
        ).toBe(1_000),
    ),
    'spillover while auto scaling catches up': situation(
      [
        {
          name: 'scaled',
          versions: ['1'],
          aliases: [{ name: 'live', version: '1' }],
          provisioned: [
            {
              qualifier: 'live',
              requested: 5,
              autoScaling: { targetUtilization: 0.7, minimum: 5, maximum: 100, lagMinutes: 4 },
            },
          ],
          traffic: {
            shape: [...steady(120), { kind: 'burst', perMinute: 2_400, from: '-10m', until: '+1h' }],
            durationSeconds: 1,
            qualifierShares: { live: 1 },
          },
        },
      ],
      (physics) => {
        expect(
          physics.qualifierMinute('scaled', 'live', ago(9)).provisionedConcurrencySpilloverInvocations,
        ).toBeGreaterThan(0);
        expect(
          physics.qualifierMinute('scaled', 'live', ago(3)).provisionedConcurrencySpilloverInvocations,
        ).toBe(0);
      },
    ),
    'traffic that moved from the alias to the bare name two days ago': situation(
      [
        {
          name: 'api',
          versions: ['4'],
          aliases: [{ name: 'live', version: '4' }],
          provisioned: [{ qualifier: 'live', requested: 20 }],
          traffic: {
            shape: steady(600),
            durationSeconds: 0.2,
            qualifierShares: { live: 1 },
            reroutes: [{ at: '-2d', qualifierShares: {} }],
          },
        },
      ],
      (physics) => {
        const live = (minutesAgo: number) => physics.qualifierMinute('api', 'live', ago(minutesAgo));
        expect(live(3 * 24 * 60).provisionedConcurrencyInvocations).toBe(600);
        expect(live(10)).toMatchObject({ invocations: 0, provisionedConcurrencyInvocations: 0 });
        expect(inv(physics, 'api', 10)).toBe(600);
      },
    ),
    'an alias moved to a version whose provisioned concurrency is still allocating': situation(
      [
        {
          name: 'api',
          versions: ['7', '8'],
          aliases: [{ name: 'live', version: '8', previousVersion: '7', movedAt: '-5m' }],
          provisioned: [{ qualifier: 'live', requested: 20, status: 'IN_PROGRESS', lastModified: '-5m' }],
          traffic: { shape: steady(600), durationSeconds: 0.2, qualifierShares: { live: 1 } },
        },
      ],
      (physics) => {
        const before = physics.qualifierMinute('api', 'live', ago(10));
        const after = physics.qualifierMinute('api', 'live', ago(3));
        expect(before).toMatchObject({
          provisionedConcurrencyInvocations: 600,
          executedVersions: { '7': 600 },
        });
        expect(after).toMatchObject({
          provisionedConcurrencyInvocations: 0,
          provisionedConcurrencySpilloverInvocations: 600,
          executedVersions: { '8': 600 },
        });
      },
    ),
    'utilization held near its limit without spilling over': situation(
      [
        {
          name: 'api',
          versions: ['1'],
          aliases: [{ name: 'live', version: '1' }],
          provisioned: [{ qualifier: 'live', requested: 20 }],
          traffic: { shape: steady(1_140), durationSeconds: 1, qualifierShares: { live: 1 } },
        },
      ],
      (physics) => {
        expect(physics.qualifierMinute('api', 'live', ago(5))).toMatchObject({
          provisionedConcurrencyUtilization: 0.95,
          provisionedConcurrencySpilloverInvocations: 0,
        });
      },
    ),
  };

  it.each(Object.entries(situations))('%s', (_, [functions, check, account]) => {
    const model = loadPattern({ account: { observedAt, ...account }, functions });

    check(new LambdaPhysics(model));
  });
});
