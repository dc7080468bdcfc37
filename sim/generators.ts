/**
 * Simulated accounts to scan: quiet ones of any size, and troubled ones with chosen problems from AWS's guide
 * "Troubleshoot invocation issues in Lambda". Every value is derived from a seed, so an account is the same each
 * time it is generated. Traffic is described as demand (shape terms, see traffic-shape.ts) and everything
 * Lambda publishes is derived from it by the account's physics (lambda-physics.ts): the hog's victims throttle
 * because the hog exhausts the unreserved pool, the alias spills over because its provisioned concurrency is too
 * small, the SQS loop is cut by Lambda's loop detection and the DynamoDB-stream loop is not.
 */
import type { FindingKind } from '../functions/scanner/model';
import {
  DEFAULT_HISTORY_MINUTES,
  minimumUnreservedFor,
  type SimAccountModel,
  type SimFunction,
  type TrafficProfile,
} from './account-model';
import type { SimAccountResources, SimEventRule, SimFileSystem } from './account-resources';
import { between, seededRandom } from './random';
import { resolveTime, type TimeRef } from './traffic-shape';

/** A problem a troubled account can be given; each stages one or more functions. */
export type Problem =
  | 'stuck-pending-create'
  | 'stuck-pending-update'
  | 'failed-kms'
  | 'failed-efs'
  | 'failed-vpc'
  | 'concurrency-hog'
  | 'recursion-dropped'
  | 'runaway-loop'
  | 'pc-spillover'
  | 'pc-bypass';

/** Every problem, in the guide's order of appearance (state first, then concurrency, loops and spillover). */
export const ALL_PROBLEMS: readonly Problem[] = [
  'stuck-pending-create',
  'stuck-pending-update',
  'failed-kms',
  'failed-efs',
  'failed-vpc',
  'concurrency-hog',
  'recursion-dropped',
  'runaway-loop',
  'pc-spillover',
  'pc-bypass',
];

/** The finding each problem should produce: its kind and the function it names. */
export const EXPECTED_FINDINGS: Readonly<Record<Problem, { kind: FindingKind; functionName: string }>> = {
  'stuck-pending-create': { kind: 'stuck-pending', functionName: 'report-builder' },
  'stuck-pending-update': { kind: 'stuck-pending', functionName: 'vpc-migrator' },
  'failed-kms': { kind: 'failed-state', functionName: 'secrets-rotator' },
  'failed-efs': { kind: 'failed-state', functionName: 'media-transcoder' },
  'failed-vpc': { kind: 'failed-state', functionName: 'ledger-sync' },
  'concurrency-hog': { kind: 'concurrency-hog', functionName: 'image-resizer' },
  'recursion-dropped': { kind: 'recursive-loop', functionName: 'order-notifier' },
  'runaway-loop': { kind: 'recursive-loop', functionName: 'stream-processor' },
  'pc-spillover': { kind: 'pc-spillover', functionName: 'quote-api' },
  'pc-bypass': { kind: 'pc-health', functionName: 'orders-api' },
};

/**
 * Problems only `diagnose` finds, staged on functions of their own: the scanner does not judge permissions, so they
 * make no finding and change nothing the scanner reads.
 */
export type DiagnoseProblem = 'unpermitted-trigger';

/** Every problem only `diagnose` finds. */
export const DIAGNOSE_PROBLEMS: readonly DiagnoseProblem[] = ['unpermitted-trigger'];

/** The function each diagnose-only problem is staged on. */
export const DIAGNOSED_FUNCTIONS: Readonly<Record<DiagnoseProblem, string>> = {
  'unpermitted-trigger': 'invoice-exporter',
};

/** Functions the concurrency hog leaves without concurrency. */
export const HOG_VICTIMS: readonly string[] = ['checkout-api', 'payments-webhook', 'search-indexer'];

/** Where and when a generated account lives. */
export interface AccountOptions {
  /**
   * Epoch milliseconds the account is observed (scanned) at; problems began half an hour before.
   * @default 2030-01-15T12:00:20Z
   */
  readonly observedAt?: number;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /**
   * Seed of every generated value.
   * @default 7
   */
  readonly seed?: number;
  /**
   * Whether a tenth of the quiet fleet's active functions serve their traffic through an alias with provisioned
   * concurrency. Off by default: a quiet account is then one DESIGN.md's quiet budget (two GetMetricData calls and at
   * most 20 metrics a run) applies to, since each provisioned alias adds the series the probes find.
   * @default false
   */
  readonly provisionedFleet?: boolean;
  /**
   * When the troubled account's problems begin, as a shape time (`-30m`, `now`, an ISO instant): the surges, loops and
   * spillover start then and, when it is given, the stuck functions enter Pending then too, so that a timeline can
   * measure from a known instant (see sim/timeline.ts).
   * @default '-30m' for the traffic; the stuck functions were changed 14 and 20 minutes before `observedAt`
   */
  readonly troubleStart?: TimeRef;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Share of a quiet account's functions invoked at all. */
const ACTIVE_SHARE = 0.1;
/** How long before `observedAt` the troubled account's problems began, as a shape time, unless told otherwise. */
const TROUBLE_START = '-30m';

const TEAMS = ['billing', 'catalog', 'checkout', 'identity', 'search', 'shipping', 'analytics', 'media'];
const ROLES = ['api', 'worker', 'consumer', 'cron', 'exporter', 'webhook', 'indexer', 'sync'];
const RUNTIMES = ['nodejs22.x', 'nodejs20.x', 'python3.13', 'python3.12', 'java21', 'provided.al2023'];

/**
 * The traffic profiles a quiet fleet shares (rates per unit of weight; a member's weight is its peak requests a
 * minute). Each has a daily and a weekly rhythm, so a region-level hour looks like the same hour a day or a week
 * earlier.
 */
export const QUIET_PROFILES: Readonly<Record<string, TrafficProfile>> = {
  'office-hours': {
    shape: [
      { kind: 'daily', peakPerMinute: 1, peakHour: 14, troughFactor: 0.1, weekendFactor: 0.35 },
      { kind: 'noise', amplitude: 0.1 },
    ],
    durationSeconds: 0.25,
    peakToAverage: 1.5,
  },
  background: {
    shape: [
      { kind: 'daily', peakPerMinute: 1, peakHour: 10, troughFactor: 0.6, weekendFactor: 0.8 },
      { kind: 'noise', amplitude: 0.2 },
    ],
    durationSeconds: 1.5,
    peakToAverage: 1.3,
  },
  nightly: {
    shape: [{ kind: 'window', perMinute: 1, start: '02:00', end: '02:45', rampMinutes: 5 }],
    durationSeconds: 20,
    peakToAverage: 1.2,
  },
  weekly: {
    shape: [{ kind: 'weekly', perMinute: 1, day: 'mon', start: '06:00', end: '07:00', rampMinutes: 10 }],
    durationSeconds: 10,
    peakToAverage: 1.2,
  },
  'provisioned-api': {
    shape: [
      { kind: 'daily', peakPerMinute: 1, peakHour: 13, troughFactor: 0.2, weekendFactor: 0.5 },
      { kind: 'noise', amplitude: 0.1 },
    ],
    durationSeconds: 0.1,
    peakToAverage: 1.5,
  },
};

/** An account in which nothing is wrong: `functionCount` functions, a tenth of them with daily and weekly traffic. */
export function quietAccount(functionCount: number, options: AccountOptions = {}): SimAccountModel {
  return account(functionCount, [], options);
}

/**
 * An account of `functionCount` functions (the staged ones included) with `problems` under way for the last half
 * hour, and quiet functions for the rest.
 */
export function troubledAccount(
  functionCount: number,
  problems: readonly (Problem | DiagnoseProblem)[] = ALL_PROBLEMS,
  options: AccountOptions = {},
): SimAccountModel {
  return account(functionCount, problems, options);
}

function account(
  functionCount: number,
  problems: readonly (Problem | DiagnoseProblem)[],
  options: AccountOptions,
): SimAccountModel {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'eu-west-1';
  const observedAt = options.observedAt ?? Date.parse('2030-01-15T12:00:20.000Z');
  // Large fleets run on raised quotas; the default is 1,000.
  const concurrencyLimit = 1000 * Math.max(1, Math.ceil(functionCount / 1000));
  const stage = new Stage({ accountId, region, observedAt, concurrencyLimit }, options.troubleStart);
  const unique = [...new Set(problems)];
  const staged = unique.flatMap((problem) => STAGING[problem](stage));
  const random = seededRandom(options.seed ?? 7);
  const quiet = Array.from({ length: Math.max(0, functionCount - staged.length) }, (_, index) =>
    quietFunction(index, random, stage, options.provisionedFleet ?? false),
  );
  const stagedResources = unique.flatMap((problem) => STAGED_RESOURCES[problem]?.(stage) ?? []);
  return {
    accountId,
    region,
    observedAt,
    historyMinutes: DEFAULT_HISTORY_MINUTES,
    concurrencyLimit,
    minimumUnreserved: minimumUnreservedFor(concurrencyLimit),
    profiles: QUIET_PROFILES,
    functions: [...staged, ...quiet],
    resources: accountResources(stage, [...staged, ...quiet], quiet, stagedResources),
  };
}

/** What staging a problem needs to know, and helpers that keep every staged function alike. */
class Stage {
  /** When the problems begin, as a shape time. */
  readonly troubleStart: TimeRef;

  constructor(
    readonly account: Pick<SimAccountModel, 'accountId' | 'region' | 'observedAt' | 'concurrencyLimit'>,
    private readonly chosenStart?: TimeRef,
  ) {
    this.troubleStart = chosenStart ?? TROUBLE_START;
  }

  /** Epoch milliseconds `minutes` before the account is observed. */
  minutesAgo(minutes: number): number {
    return this.account.observedAt - minutes * MINUTE_MS;
  }

  /** When a stuck function entered Pending: the chosen trouble start, else `defaultMinutesAgo` before observation. */
  pendingSince(defaultMinutesAgo: number): number {
    return this.chosenStart === undefined
      ? this.minutesAgo(defaultMinutesAgo)
      : resolveTime(this.chosenStart, this.account.observedAt);
  }

  vpc(subnet: string) {
    return { vpcId: 'vpc-0a1b2c3d', subnetIds: [subnet], securityGroupIds: ['sg-0123456789abcdef0'] };
  }

  /** An ARN in this account and region of `service` for `resource`. */
  arn(service: string, resource: string): string {
    return `arn:aws:${service}:${this.account.region}:${this.account.accountId}:${resource}`;
  }

  fn(name: string, overrides: Partial<SimFunction>): SimFunction {
    return {
      name,
      runtime: 'nodejs22.x',
      memorySize: 512,
      timeout: 30,
      lastModified: this.account.observedAt - 90 * DAY_MS,
      state: 'Active',
      lastUpdateStatus: 'Successful',
      tags: { team: 'platform' },
      recursiveLoop: 'Terminate',
      versions: [],
      aliases: [],
      provisioned: [],
      policy: [],
      eventSourceMappings: [],
      reservedChanges: [],
      ...overrides,
    };
  }
}

/** A weekday curve peaking mid-afternoon, the shape of most request-driven staged functions. */
function businessDay(peakPerMinute: number, noise = 0.05) {
  return [
    { kind: 'daily', peakPerMinute, peakHour: 13, troughFactor: 0.25, weekendFactor: 0.6 } as const,
    { kind: 'noise', amplitude: noise } as const,
  ];
}

const STAGING: Readonly<Record<Problem | DiagnoseProblem, (stage: Stage) => SimFunction[]>> = {
  'unpermitted-trigger': (stage) => {
    // A nightly export whose rule was renamed: the permission still names the old rule, so EventBridge is refused
    // and the function never runs (no traffic). Its SNS topic has a matching statement.
    const name = DIAGNOSED_FUNCTIONS['unpermitted-trigger'];
    return [
      stage.fn(name, {
        memorySize: 1024,
        timeout: 300,
        policy: [
          {
            sid: 'events-invoice-export',
            principal: { Service: 'events.amazonaws.com' },
            condition: { ArnLike: { 'AWS:SourceArn': stage.arn('events', 'rule/invoice-export') } },
          },
          {
            sid: 'sns-billing-events',
            principal: { Service: 'sns.amazonaws.com' },
            condition: { ArnLike: { 'AWS:SourceArn': stage.arn('sns', 'billing-events') } },
          },
        ],
      }),
    ];
  },
  'stuck-pending-create': (stage) => [
    stage.fn('report-builder', {
      lastModified: stage.pendingSince(14),
      state: 'Pending',
      stateReasonCode: 'Creating',
      stateReason: 'The function is being created.',
      vpc: stage.vpc('subnet-0aa11bb22cc33dd44'),
      policy: [
        {
          sid: 'reporting-account',
          principal: { AWS: 'arn:aws:iam::111122223333:root' },
        },
      ],
    }),
  ],
  'stuck-pending-update': (stage) => [
    // While an update is in progress the function keeps serving with its old configuration.
    stage.fn('vpc-migrator', {
      lastModified: stage.pendingSince(20),
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being updated.',
      vpc: stage.vpc('subnet-0bb22cc33dd44ee55'),
      traffic: { profile: { shape: businessDay(40), durationSeconds: 2 } },
    }),
  ],
  'failed-kms': (stage) => [
    stage.fn('secrets-rotator', {
      lastModified: stage.minutesAgo(25),
      state: 'Failed',
      stateReasonCode: 'KMSKeyAccessDenied',
      stateReason:
        "Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings.",
      kmsKeyArn: stage.arn('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    }),
  ],
  'failed-efs': (stage) => [
    // A failed update leaves the function Active on its previous configuration: it still runs.
    stage.fn('media-transcoder', {
      lastModified: stage.minutesAgo(35),
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReasonCode: 'EFSMountConnectivityError',
      lastUpdateStatusReason:
        "The function couldn't connect to the Amazon EFS file system with access point arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-015cxmplb72b405fd. Check your network configuration and try again.",
      vpc: stage.vpc('subnet-0cc33dd44ee55ff66'),
      fileSystems: [
        {
          arn: stage.arn('elasticfilesystem', 'access-point/fsap-015cxmplb72b405fd'),
          localMountPath: '/mnt/media',
        },
      ],
      traffic: { profile: { shape: businessDay(12, 0.2), durationSeconds: 10 } },
    }),
  ],
  'failed-vpc': (stage) => [
    stage.fn('ledger-sync', {
      lastModified: stage.minutesAgo(40),
      state: 'Failed',
      stateReasonCode: 'SubnetOutOfIPAddresses',
      stateReason: 'All subnets in the function configuration have run out of free IP addresses.',
      vpc: stage.vpc('subnet-0dd44ee55ff66aa77'),
    }),
  ],
  'concurrency-hog': (stage) => {
    // Uploads pour in: the resizer asks for a quarter more concurrency than the whole account has, takes most of
    // the unreserved pool and leaves every other pooled function throttled in proportion.
    const hogDemand = 1.25 * stage.account.concurrencyLimit;
    const durationSeconds = 3;
    return [
      stage.fn('image-resizer', {
        memorySize: 2048,
        timeout: 900,
        policy: [
          {
            sid: 's3-uploads',
            principal: { Service: 's3.amazonaws.com' },
            condition: { StringEquals: { 'AWS:SourceAccount': stage.account.accountId } },
          },
        ],
        traffic: {
          profile: {
            shape: [
              // Its everyday traffic grows with the account, as the surge does.
              ...businessDay((2_000 * stage.account.concurrencyLimit) / 1_000),
              {
                kind: 'burst',
                perMinute: (hogDemand * 60) / durationSeconds,
                from: stage.troubleStart,
                until: '+1d',
                rampMinutes: 2,
              },
            ],
            durationSeconds,
          },
          asyncShare: 1,
        },
      }),
      ...HOG_VICTIMS.map((name) =>
        stage.fn(name, { traffic: { profile: { shape: businessDay(400), durationSeconds: 0.75 } } }),
      ),
    ];
  },
  'recursion-dropped': (stage) => [
    // An SQS consumer that sends to its own queue: Lambda's loop detection cuts each chain and counts the drops.
    stage.fn('order-notifier', {
      eventSourceMappings: [
        {
          uuid: 'a1b2c3d4-0001-4000-8000-000000000001',
          eventSourceArn: stage.arn('sqs', 'order-events'),
          share: 1,
          carriesLoop: true,
          batchSize: 10,
          state: 'Enabled',
          lastModified: stage.minutesAgo(90 * 24 * 60),
          enabledChanges: [],
        },
      ],
      traffic: {
        profile: {
          shape: [...businessDay(300), { kind: 'loop', from: stage.troubleStart, perMinute: 320 }],
          durationSeconds: 0.5,
        },
        loopTransport: 'sqs',
      },
    }),
  ],
  'runaway-loop': (stage) => [
    // A DynamoDB-stream handler that writes back to its own table: Lambda's loop detection does not see it.
    stage.fn('stream-processor', {
      eventSourceMappings: [
        {
          uuid: 'a1b2c3d4-0002-4000-8000-000000000002',
          eventSourceArn: stage.arn('dynamodb', 'table/orders/stream/2029-10-01T00:00:00.000'),
          share: 1,
          carriesLoop: true,
          batchSize: 100,
          state: 'Enabled',
          lastModified: stage.minutesAgo(90 * 24 * 60),
          enabledChanges: [],
        },
      ],
      traffic: {
        profile: {
          shape: [
            { kind: 'steady', perMinute: 20 },
            { kind: 'noise', amplitude: 0.1 },
            {
              kind: 'runaway',
              from: stage.troubleStart,
              startPerMinute: 300,
              factorPerMinute: 1.15,
              ceilingPerMinute: 60_000,
            },
          ],
          durationSeconds: 0.3,
        },
        loopTransport: 'dynamodb',
      },
    }),
  ],
  'pc-spillover': (stage) => [
    // Ten provisioned units serve 6,000 requests a minute at 100 ms; the alias's traffic doubled half an hour ago.
    stage.fn('quote-api', {
      versions: ['1', '2', '3', '4', '5', '6', '7', '8'],
      aliases: [{ name: 'live', functionVersion: '7', additionalVersionWeights: { '8': 0.1 } }],
      provisioned: [{ qualifier: 'live', requested: 10, allocated: 10, status: 'READY' }],
      policy: [
        {
          sid: 'api-gateway',
          principal: { Service: 'apigateway.amazonaws.com' },
          condition: {
            ArnLike: {
              'AWS:SourceArn': stage.arn('execute-api', 'a1b2c3d4e5/*/POST/quotes'),
            },
          },
        },
      ],
      traffic: {
        profile: {
          shape: [
            { kind: 'steady', perMinute: 4_200 },
            { kind: 'burst', perMinute: 4_200, from: stage.troubleStart, until: '+1d', rampMinutes: 1 },
            { kind: 'noise', amplitude: 0.02 },
          ],
          durationSeconds: 0.1,
        },
        qualifierShares: { live: 0.85 },
      },
    }),
  ],
  'pc-bypass': (stage) => [
    // A redeploy of the API two days ago pointed its integration at the bare function name: the live alias keeps
    // twenty provisioned environments initialized and idle while every request runs on standard concurrency.
    stage.fn('orders-api', {
      runtime: 'java21',
      memorySize: 1024,
      versions: ['1', '2', '3', '4'],
      aliases: [{ name: 'live', functionVersion: '4' }],
      provisioned: [
        {
          qualifier: 'live',
          requested: 20,
          allocated: 20,
          status: 'READY',
          lastModified: stage.minutesAgo(30 * 24 * 60),
        },
      ],
      policy: [
        {
          sid: 'apigw-orders',
          principal: { Service: 'apigateway.amazonaws.com' },
          condition: { ArnLike: { 'AWS:SourceArn': stage.arn('execute-api', 'k7x2p9q4r1/*/*/orders') } },
        },
        {
          sid: 'apigw-orders-live',
          principal: { Service: 'apigateway.amazonaws.com' },
          condition: { ArnLike: { 'AWS:SourceArn': stage.arn('execute-api', 'k7x2p9q4r1/*/*/orders') } },
          qualifier: 'live',
        },
      ],
      traffic: {
        profile: { shape: businessDay(900), durationSeconds: 0.25 },
        qualifierShares: { live: 1 },
        reroutes: [{ at: stage.minutesAgo(2 * 24 * 60), qualifierShares: {} }],
      },
    }),
  ],
};

/** EventBridge rules and SNS subscriptions that staged problems need besides their functions. */
const STAGED_RESOURCES: Partial<
  Record<Problem | DiagnoseProblem, (stage: Stage) => Partial<SimAccountResources>>
> = {
  'unpermitted-trigger': (stage) => {
    const name = DIAGNOSED_FUNCTIONS['unpermitted-trigger'];
    const target = stage.arn('lambda', `function:${name}`);
    return {
      rules: [
        {
          name: 'invoice-export-nightly',
          state: 'ENABLED',
          scheduleExpression: 'cron(0 2 * * ? *)',
          targets: [{ id: 'invoice-exporter', arn: target }],
        },
      ],
      subscriptions: [
        {
          topicArn: stage.arn('sns', 'billing-events'),
          protocol: 'lambda',
          endpoint: target,
          id: '5f0c2d6e-0001-4000-8000-000000000001',
        },
      ],
    };
  },
};

/**
 * What the account holds besides its functions: the staged problems' rules and subscriptions; a scheduled rule for
 * each quiet function whose policy names one; an enabled key for each KMS key a function names; and for each EFS
 * access point a function mounts, an available file system with a mount target in each of those functions' subnets.
 */
function accountResources(
  stage: Stage,
  functions: readonly SimFunction[],
  quiet: readonly SimFunction[],
  staged: readonly Partial<SimAccountResources>[],
): SimAccountResources {
  const quietRules: SimEventRule[] = quiet.flatMap((fn) =>
    fn.policy.flatMap((statement) => {
      const source = statement.condition?.ArnLike?.['AWS:SourceArn'];
      const ruleName = source?.split(':rule/')[1];
      return statement.principal.Service === 'events.amazonaws.com' && ruleName
        ? [
            {
              name: ruleName,
              state: 'ENABLED',
              scheduleExpression: 'rate(1 hour)',
              targets: [{ id: fn.name, arn: stage.arn('lambda', `function:${fn.name}`) }],
            },
          ]
        : [];
    }),
  );
  const keyArns = [...new Set(functions.flatMap((fn) => (fn.kmsKeyArn ? [fn.kmsKeyArn] : [])))];
  const mounts = new Map<string, SimFunction[]>();
  for (const fn of functions) {
    for (const fs of fn.fileSystems ?? []) mounts.set(fs.arn, [...(mounts.get(fs.arn) ?? []), fn]);
  }
  const fileSystems: SimFileSystem[] = [...mounts].map(([accessPointArn, users], index) => {
    const subnets = [...new Set(users.flatMap((fn) => fn.vpc?.subnetIds ?? []))];
    return {
      id: `fs-0${String(index + 1).padStart(16, '0')}`,
      lifeCycleState: 'available',
      throughputMode: 'bursting',
      accessPoints: [{ id: accessPointArn.split('/').at(-1) ?? accessPointArn, lifeCycleState: 'available' }],
      mountTargets: subnets.map((subnetId, subnetIndex) => ({
        id: `fsmt-0${String(index + 1).padStart(8, '0')}${String(subnetIndex).padStart(8, '0')}`,
        subnetId,
        vpcId: users.find((fn) => fn.vpc?.subnetIds.includes(subnetId))?.vpc?.vpcId ?? '',
        availabilityZone: `${stage.account.region}${'abc'[subnetIndex % 3]}`,
        lifeCycleState: 'available',
      })),
    };
  });
  return {
    rules: [...staged.flatMap((part) => part.rules ?? []), ...quietRules],
    subscriptions: staged.flatMap((part) => part.subscriptions ?? []),
    kmsKeys: keyArns.map((arn) => ({ arn, keyState: 'Enabled' })),
    fileSystems,
  };
}

/** The quiet profiles and how often each is drawn for an active quiet function. */
const QUIET_MIX: readonly [string, number][] = [
  ['office-hours', 0.5],
  ['background', 0.25],
  ['nightly', 0.1],
  ['weekly', 0.05],
  ['provisioned-api', 0.1],
];

function drawProfile(random: () => number): string {
  let draw = random();
  for (const [name, share] of QUIET_MIX) {
    if (draw < share) return name;
    draw -= share;
  }
  return 'office-hours';
}

/** Runtimes that compile just in time, where the guide sees first-call latency vary at 128 MB. */
const JIT_RUNTIME = /^(dotnet|java)/;

/**
 * One function of a quiet fleet: most idle, a tenth with daily or weekly traffic, and (with `provisionedFleet`) a few
 * behind a provisioned alias. Nothing about it is a finding: a provisioned one on Java gets 512 MB, not 128.
 */
function quietFunction(
  index: number,
  random: () => number,
  stage: Stage,
  provisionedFleet: boolean,
): SimFunction {
  const team = TEAMS[index % TEAMS.length] ?? 'platform';
  const role = ROLES[Math.floor(index / TEAMS.length) % ROLES.length] ?? 'worker';
  const name = `${team}-${role}-${String(index).padStart(5, '0')}`;
  const active = random() < ACTIVE_SHARE;
  const profile = active ? drawProfile(random) : undefined;
  // Peak requests a minute, from a tenth to forty, most of them small.
  const weight = active ? 10 ** between(random, -1, 1.6) : 0;
  const recentlyDeployed = random() < 0.01;
  // The profile is drawn whatever the options, so that every later draw stays the same.
  const provisioned = profile === 'provisioned-api' && provisionedFleet;
  const inVpc = random() < 0.2;
  const runtime = RUNTIMES[Math.floor(random() * RUNTIMES.length)] ?? 'nodejs22.x';
  const memorySize = [128, 256, 512, 1024, 2048][Math.floor(random() * 5)] ?? 512;
  return stage.fn(name, {
    runtime,
    memorySize: provisioned && JIT_RUNTIME.test(runtime) && memorySize === 128 ? 512 : memorySize,
    lastModified: recentlyDeployed
      ? stage.minutesAgo(Math.round(between(random, 1, 50)))
      : stage.account.observedAt - Math.round(between(random, 1, 400)) * DAY_MS,
    tags: { team },
    ...(inVpc ? { vpc: stage.vpc(`subnet-0${(index % 3) + 1}f00d${team.length}`) } : {}),
    ...(random() < 0.05 ? { kmsKeyArn: stage.arn('kms', `key/${team}-env`) } : {}),
    ...(provisioned
      ? {
          versions: ['1', '2', '3'],
          aliases: [{ name: 'live', functionVersion: '3' }],
          provisioned: [{ qualifier: 'live', requested: 2, allocated: 2, status: 'READY' }],
        }
      : {}),
    policy:
      random() < 0.3
        ? [
            {
              sid: 'events',
              principal: { Service: 'events.amazonaws.com' },
              condition: { ArnLike: { 'AWS:SourceArn': stage.arn('events', `rule/${name}`) } },
            },
          ]
        : [],
    ...(profile !== undefined
      ? {
          traffic: {
            profile,
            weight,
            ...(provisioned ? { qualifierShares: { live: 0.95 } } : {}),
          },
        }
      : {}),
  });
}
