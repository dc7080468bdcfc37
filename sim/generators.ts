/**
 * Simulated accounts to scan: quiet ones of any size, and troubled ones with chosen problems from AWS's guide
 * "Troubleshoot invocation issues in Lambda". Every value is derived from a seed, so an account is the same each
 * time it is generated; per-function traffic adds up to the region-level metrics (see account-metrics.ts).
 */
import type { FindingKind } from '../functions/scanner/model';
import {
  valueIn,
  type FunctionTraffic,
  type MinuteValue,
  type SimAccountModel,
  type SimFunction,
} from './account-model';
import { between, seededRandom } from './random';

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
  | 'pc-spillover';

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
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Metric history each account holds: a day's baseline, the window, and slack for CloudWatch's delay. */
const HISTORY_MINUTES = 26 * 60;
/** Share of a quiet account's functions invoked at all. */
const ACTIVE_SHARE = 0.1;
/** How long before `observedAt` the troubled account's problems began. */
const TROUBLE_MINUTES = 30;

const TEAMS = ['billing', 'catalog', 'checkout', 'identity', 'search', 'shipping', 'analytics', 'media'];
const ROLES = ['api', 'worker', 'consumer', 'cron', 'exporter', 'webhook', 'indexer', 'sync'];
const RUNTIMES = ['nodejs22.x', 'nodejs20.x', 'python3.13', 'python3.12', 'java21', 'provided.al2023'];

/** An account in which nothing is wrong: `functionCount` functions, a tenth of them serving steady traffic. */
export function quietAccount(functionCount: number, options: AccountOptions = {}): SimAccountModel {
  return account(functionCount, [], options);
}

/**
 * An account of `functionCount` functions (the staged ones included) with `problems` under way for the last half
 * hour, and quiet functions for the rest.
 */
export function troubledAccount(
  functionCount: number,
  problems: readonly Problem[] = ALL_PROBLEMS,
  options: AccountOptions = {},
): SimAccountModel {
  return account(functionCount, problems, options);
}

function account(
  functionCount: number,
  problems: readonly Problem[],
  options: AccountOptions,
): SimAccountModel {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'eu-west-1';
  const observedAt = options.observedAt ?? Date.parse('2030-01-15T12:00:20.000Z');
  // Large fleets run on raised quotas; the default is 1,000.
  const concurrencyLimit = 1000 * Math.max(1, Math.ceil(functionCount / 1000));
  const stage = new Stage({ accountId, region, observedAt, concurrencyLimit });
  const staged = [...new Set(problems)].flatMap((problem) => STAGING[problem](stage));
  const random = seededRandom(options.seed ?? 7);
  const quiet = Array.from({ length: Math.max(0, functionCount - staged.length) }, (_, index) =>
    quietFunction(index, random, stage),
  );
  return {
    accountId,
    region,
    observedAt,
    historyMinutes: HISTORY_MINUTES,
    concurrencyLimit,
    minimumUnreserved: 100,
    functions: [...staged, ...quiet],
  };
}

/** What staging a problem needs to know, and helpers that keep every staged function alike. */
class Stage {
  readonly troubleStart: number;

  constructor(
    readonly account: Pick<SimAccountModel, 'accountId' | 'region' | 'observedAt' | 'concurrencyLimit'>,
  ) {
    this.troubleStart = account.observedAt - TROUBLE_MINUTES * MINUTE_MS;
  }

  /** `before` until the trouble began, `during` from then on. */
  shift(before: number, during: number): MinuteValue {
    return (minute) => (minute < this.troubleStart ? before : during);
  }

  /** Epoch milliseconds `minutes` before the account is observed. */
  minutesAgo(minutes: number): number {
    return this.account.observedAt - minutes * MINUTE_MS;
  }

  vpc(subnet: string) {
    return { vpcId: 'vpc-0a1b2c3d', subnetIds: [subnet], securityGroupIds: ['sg-0123456789abcdef0'] };
  }

  fn(name: string, overrides: Partial<SimFunction> & { traffic: FunctionTraffic }): SimFunction {
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
      ...overrides,
    };
  }
}

const IDLE: FunctionTraffic = { invocations: 0, concurrency: 0 };

const STAGING: Readonly<Record<Problem, (stage: Stage) => SimFunction[]>> = {
  'stuck-pending-create': (stage) => [
    stage.fn('report-builder', {
      lastModified: stage.minutesAgo(14),
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
      traffic: IDLE,
    }),
  ],
  'stuck-pending-update': (stage) => [
    stage.fn('vpc-migrator', {
      lastModified: stage.minutesAgo(20),
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being updated.',
      vpc: stage.vpc('subnet-0bb22cc33dd44ee55'),
      traffic: { invocations: 30, concurrency: 1 },
    }),
  ],
  'failed-kms': (stage) => [
    stage.fn('secrets-rotator', {
      lastModified: stage.minutesAgo(25),
      state: 'Failed',
      stateReasonCode: 'KMSKeyAccessDenied',
      stateReason:
        "Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings.",
      kmsKeyArn: `arn:aws:kms:${stage.account.region}:${stage.account.accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      traffic: IDLE,
    }),
  ],
  'failed-efs': (stage) => [
    stage.fn('media-transcoder', {
      lastModified: stage.minutesAgo(35),
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReasonCode: 'EFSMountConnectivityError',
      lastUpdateStatusReason:
        "The function couldn't connect to the Amazon EFS file system with access point arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-015cxmplb72b405fd. Check your network configuration and try again.",
      vpc: stage.vpc('subnet-0cc33dd44ee55ff66'),
      fileSystems: [
        {
          arn: `arn:aws:elasticfilesystem:${stage.account.region}:${stage.account.accountId}:access-point/fsap-015cxmplb72b405fd`,
          localMountPath: '/mnt/media',
        },
      ],
      traffic: { invocations: 12, concurrency: 2 },
    }),
  ],
  'failed-vpc': (stage) => [
    stage.fn('ledger-sync', {
      lastModified: stage.minutesAgo(40),
      state: 'Failed',
      stateReasonCode: 'SubnetOutOfIPAddresses',
      stateReason: 'All subnets in the function configuration have run out of free IP addresses.',
      vpc: stage.vpc('subnet-0dd44ee55ff66aa77'),
      traffic: IDLE,
    }),
  ],
  'concurrency-hog': (stage) => {
    // Enough to be a hog (hogShare 0.8 of the limit); with the fleet's tenth it leaves others too little.
    const hogPeak = Math.round(stage.account.concurrencyLimit * 0.84);
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
        traffic: { invocations: stage.shift(2_000, 8_000), concurrency: stage.shift(40, hogPeak) },
      }),
      ...HOG_VICTIMS.map((name, index) =>
        stage.fn(name, {
          traffic: { invocations: 400, concurrency: 5, throttles: stage.shift(0, 10 * (index + 1)) },
        }),
      ),
    ];
  },
  'recursion-dropped': (stage) => [
    // An SQS-triggered function that sends to its own queue: Lambda stops the loop and counts the drops.
    stage.fn('order-notifier', {
      traffic: {
        invocations: stage.shift(300, 320),
        concurrency: 4,
        recursiveInvocationsDropped: stage.shift(0, 20),
      },
    }),
  ],
  'runaway-loop': (stage) => {
    // A DynamoDB-stream handler that writes back to its own table: Lambda's loop detection does not see it.
    const climbing =
      (perMinute: number, step: number): MinuteValue =>
      (minute) =>
        minute < stage.troubleStart
          ? perMinute
          : Math.round(perMinute * 15 + step * ((minute - stage.troubleStart) / MINUTE_MS));
    return [
      stage.fn('stream-processor', {
        traffic: { invocations: climbing(20, 900), concurrency: climbing(1, 2) },
      }),
    ];
  },
  'pc-spillover': (stage) => {
    const live = stage.shift(3_000, 7_200);
    const unqualified = 1_200;
    return [
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
                'AWS:SourceArn': `arn:aws:execute-api:${stage.account.region}:${stage.account.accountId}:a1b2c3d4e5/*/POST/quotes`,
              },
            },
          },
        ],
        traffic: {
          invocations: (minute) => valueIn(live, minute) + unqualified,
          concurrency: stage.shift(9, 17),
          qualifiers: {
            live: { invocations: live, concurrency: stage.shift(6, 14), spillover: stage.shift(0, 40) },
          },
        },
      }),
    ];
  },
};

/** One function of a quiet fleet: most idle, a tenth serving steady traffic, a few behind a provisioned alias. */
function quietFunction(index: number, random: () => number, stage: Stage): SimFunction {
  const team = TEAMS[index % TEAMS.length] ?? 'platform';
  const role = ROLES[Math.floor(index / TEAMS.length) % ROLES.length] ?? 'worker';
  const name = `${team}-${role}-${String(index).padStart(5, '0')}`;
  const active = random() < ACTIVE_SHARE;
  const invocations = active ? Math.round(between(random, 1, 40)) : 0;
  const recentlyDeployed = random() < 0.01;
  const provisioned = active && random() < 0.1;
  const inVpc = random() < 0.2;
  return stage.fn(name, {
    runtime: RUNTIMES[Math.floor(random() * RUNTIMES.length)] ?? 'nodejs22.x',
    memorySize: [128, 256, 512, 1024, 2048][Math.floor(random() * 5)] ?? 512,
    lastModified: recentlyDeployed
      ? stage.minutesAgo(Math.round(between(random, 1, 50)))
      : stage.account.observedAt - Math.round(between(random, 1, 400)) * DAY_MS,
    tags: { team },
    ...(inVpc ? { vpc: stage.vpc(`subnet-0${(index % 3) + 1}f00d${team.length}`) } : {}),
    ...(random() < 0.05
      ? { kmsKeyArn: `arn:aws:kms:${stage.account.region}:${stage.account.accountId}:key/${team}-env` }
      : {}),
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
              condition: {
                ArnLike: {
                  'AWS:SourceArn': `arn:aws:events:${stage.account.region}:${stage.account.accountId}:rule/${name}`,
                },
              },
            },
          ]
        : [],
    traffic: {
      invocations,
      concurrency: invocations > 0 ? 1 : 0,
      ...(provisioned ? { qualifiers: { live: { invocations, concurrency: 1 } } } : {}),
    },
  });
}
