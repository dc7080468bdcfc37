import {
  CloudWatchClient,
  CloudWatchServiceException,
  type GetMetricDataCommandInput,
  type GetMetricStatisticsCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { EFSClient } from '@aws-sdk/client-efs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { InvalidParameterException, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { Clock } from '../functions/scanner/model';
import type { ScanClients } from '../functions/scanner/run-scan';
import { accountSeries } from './account-metrics';
import type { SimAccountModel } from './account-model';
import { EfsApi } from './efs-api';
import { SimulatedEventBus } from './event-bus';
import { EventBridgeApi } from './eventbridge-api';
import { KmsApi } from './kms-api';
import { LambdaApi } from './lambda-api';
import { LambdaPhysics } from './lambda-physics';
import { AWS_CLOUDWATCH_LIMITS, MetricStore, type CloudWatchLimits } from './metric-store';
import { between, seededRandom } from './random';
import { SnsSubscriptionsApi } from './sns-subscriptions-api';
import { PeakRate, TokenBucket } from './token-bucket';

/** Lambda's request quotas per account and region (not raisable), in requests per second. */
export const LAMBDA_QUOTAS = {
  getFunction: 100,
  getPolicy: 15,
  /** ONE bucket for every other control-plane operation, shared with every deploy tool in the account. */
  controlPlane: 15,
} as const;

/** CloudWatch's request quotas per account and region, in requests per second. */
export const CLOUDWATCH_QUOTAS = { getMetricData: 500, getMetricStatistics: 400 } as const;

/** Round-trip time of one request, in milliseconds: [min, max), drawn per request. */
export type LatencyRange = readonly [number, number];

/** Simulated round-trip times, by service or operation. */
export const DEFAULT_LATENCY_MS = {
  lambda: [20, 80],
  getMetricData: [90, 130],
  getMetricStatistics: [30, 60],
  sns: [30, 50],
  eventbridge: [20, 50],
  kms: [10, 30],
  efs: [30, 60],
} as const satisfies Record<string, LatencyRange>;

/** How the simulated account behaves besides its contents. */
export interface SimulationOptions {
  /** The clock every request waits on (a VirtualClock runs a whole scan in no real time). */
  readonly clock: Clock;
  /**
   * Seed of the latency draws, so that runs repeat.
   * @default 1
   */
  readonly seed?: number;
  /**
   * Round-trip times.
   * @default DEFAULT_LATENCY_MS
   */
  readonly latencyMs?: Partial<Record<keyof typeof DEFAULT_LATENCY_MS, LatencyRange>>;
  /**
   * Requests per second that other tools (deploy pipelines, consoles) take from the shared control-plane bucket.
   * @default 0
   */
  readonly otherControlPlaneRps?: number;
  /**
   * Minutes after a minute ends before its datapoints can be read (Lambda's reach CloudWatch 1-3 minutes late).
   * @default 2
   */
  readonly deliveryDelayMinutes?: number;
  /**
   * Partial CloudWatch answers: 'aws' for CloudWatch's own limits (100,800 datapoints a call, 500 series a
   * SEARCH, 10,000 metrics a Metrics Insights query), or chosen limits to provoke them in a small account.
   * @default none: every answer complete, on one page
   */
  readonly cloudWatchLimits?: 'aws' | CloudWatchLimits;
  /**
   * Buses of other accounts the account's PutEvents can reach by ARN (an organization's central bus).
   * @default none: only the account's own default bus
   */
  readonly otherEventBuses?: readonly SimulatedEventBus[];
}

/** Datapoints of a minute can be read this many minutes after it ends, unless a simulation says otherwise. */
export const DEFAULT_DELIVERY_DELAY_MINUTES = 2;

/** What the account saw of its callers: the bookkeeping behind the benchmark's figures. */
export interface SimulationUsage {
  /** Requests received by operation name, throttled ones included. */
  readonly apiCalls: Readonly<Record<string, number>>;
  /** Requests answered with a throttling error, by operation name. */
  readonly throttled: Readonly<Record<string, number>>;
  /** CloudWatch metrics requested, counted as CloudWatch bills them (see MetricStore). */
  readonly metricsRequested: number;
  /** Requests on Lambda's shared control-plane bucket in the busiest second (sliding window). */
  readonly peakControlPlaneRps: number;
  /** Every SNS Publish request received. */
  readonly published: readonly PublishCommandInput[];
}

type Service = 'lambda' | 'cloudwatch' | 'sns' | 'eventbridge' | 'kms' | 'efs';

/** The scanner's clients and those of the other services `diagnose` reads, all talking to one simulated account. */
export interface SimulatedClients extends ScanClients {
  readonly eventbridge: EventBridgeClient;
  readonly kms: KMSClient;
  readonly efs: EFSClient;
}

const STEP = { step: 'initialize', name: 'simulatedAccount', priority: 'low' } as const;
const SNS_MESSAGE_LIMIT_BYTES = 262_144;

/**
 * An AWS account in memory that real SDK clients talk to: a middleware answers each command from the account's
 * state before anything is serialized or sent, with AWS's response shapes and exception classes, its request
 * quotas (token buckets on the clock) and per-request latency (sleeps on the clock). The scanner's own code runs
 * against it unchanged.
 */
export class SimulatedAccount {
  /** The account's CloudWatch metrics, derived from its functions' traffic and settings as they are read. */
  readonly metrics: MetricStore;
  /** The account's default EventBridge bus, with every event put on it. */
  readonly defaultBus: SimulatedEventBus;
  /** What Lambda would publish minute by minute, derived from demand and configuration. */
  readonly physics: LambdaPhysics;
  private readonly lambda: LambdaApi;
  private readonly others: {
    readonly eventbridge: EventBridgeApi;
    readonly sns: SnsSubscriptionsApi;
    readonly kms: KmsApi;
    readonly efs: EfsApi;
  };
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly latency: Record<keyof typeof DEFAULT_LATENCY_MS, LatencyRange>;
  private readonly buckets: Record<string, TokenBucket>;
  private readonly controlPlaneRate: PeakRate;
  private readonly calls = new Map<string, number>();
  private readonly throttles = new Map<string, number>();
  private readonly publishes: PublishCommandInput[] = [];

  constructor(
    readonly model: SimAccountModel,
    options: SimulationOptions,
  ) {
    this.clock = options.clock;
    this.random = seededRandom(options.seed ?? 1);
    this.latency = { ...DEFAULT_LATENCY_MS, ...options.latencyMs };
    this.physics = new LambdaPhysics(model);
    const delayMs = (options.deliveryDelayMinutes ?? DEFAULT_DELIVERY_DELAY_MINUTES) * 60_000;
    const clock = this.clock;
    this.metrics = new MetricStore(accountSeries(model, this.physics), {
      // A minute's datapoints are readable once the minute is over and the delivery delay has passed.
      publishedUntil: () => Math.floor((clock.now() - delayMs) / 60_000) * 60_000,
      ...(options.cloudWatchLimits
        ? {
            limits: options.cloudWatchLimits === 'aws' ? AWS_CLOUDWATCH_LIMITS : options.cloudWatchLimits,
          }
        : {}),
    });
    const physics = this.physics;
    this.lambda = new LambdaApi(model, {
      settingChanged: (fn, at) => physics.settingChanged(fn, at),
      allocatedAt: (fn, config, at) => physics.allocatedAt(fn, config, at),
    });
    this.defaultBus = new SimulatedEventBus(
      `arn:aws:events:${model.region}:${model.accountId}:event-bus/default`,
    );
    this.others = {
      eventbridge: new EventBridgeApi(model, this.defaultBus, options.otherEventBuses ?? []),
      sns: new SnsSubscriptionsApi(model),
      kms: new KmsApi(model),
      efs: new EfsApi(model),
    };
    const shared = LAMBDA_QUOTAS.controlPlane - (options.otherControlPlaneRps ?? 0);
    this.buckets = {
      GetFunction: new TokenBucket(LAMBDA_QUOTAS.getFunction, this.clock),
      GetPolicy: new TokenBucket(LAMBDA_QUOTAS.getPolicy, this.clock),
      controlPlane: new TokenBucket(Math.max(0.1, shared), this.clock),
      GetMetricData: new TokenBucket(CLOUDWATCH_QUOTAS.getMetricData, this.clock),
      GetMetricStatistics: new TokenBucket(CLOUDWATCH_QUOTAS.getMetricStatistics, this.clock),
    };
    this.controlPlaneRate = new PeakRate(this.clock);
  }

  /** New Lambda, CloudWatch, SNS, EventBridge, KMS and EFS clients that talk to this account. */
  clients(): SimulatedClients {
    const region = this.model.region;
    return {
      lambda: this.serveLambda(new LambdaClient({ region, maxAttempts: 1 })),
      cloudwatch: this.serveCloudWatch(new CloudWatchClient({ region })),
      sns: this.serveSns(new SNSClient({ region })),
      eventbridge: this.serve('eventbridge', new EventBridgeClient({ region })),
      kms: this.serve('kms', new KMSClient({ region })),
      efs: this.serve('efs', new EFSClient({ region })),
    };
  }

  /** Makes `client` (of EventBridge, KMS or EFS) talk to this account instead of AWS. */
  serve<T extends EventBridgeClient | KMSClient | EFSClient>(
    service: 'eventbridge' | 'kms' | 'efs',
    client: T,
  ): T {
    // The clients' stacks differ only in their command types; the middleware answers any of them.
    (client.middlewareStack as EFSClient['middlewareStack']).add(
      (_next, context) => (args) => this.respond(service, context, args.input),
      STEP,
    );
    return client;
  }

  /** Makes `client` talk to this account instead of AWS. */
  serveLambda(client: LambdaClient): LambdaClient {
    client.middlewareStack.add(
      (_next, context) => (args) => this.respond('lambda', context, args.input),
      STEP,
    );
    return client;
  }

  /** Makes `client` talk to this account instead of AWS. */
  serveCloudWatch(client: CloudWatchClient): CloudWatchClient {
    client.middlewareStack.add(
      (_next, context) => (args) => this.respond('cloudwatch', context, args.input),
      STEP,
    );
    return client;
  }

  /** Makes `client` talk to this account instead of AWS. */
  serveSns(client: SNSClient): SNSClient {
    client.middlewareStack.add((_next, context) => (args) => this.respond('sns', context, args.input), STEP);
    return client;
  }

  /** Requests, throttles, metrics billed and peak shared-bucket rate so far. */
  get usage(): SimulationUsage {
    return {
      apiCalls: Object.fromEntries(this.calls),
      throttled: Object.fromEntries(this.throttles),
      metricsRequested: this.metrics.billedMetrics,
      peakControlPlaneRps: this.controlPlaneRate.peak,
      published: [...this.publishes],
    };
  }

  private async respond<Output>(
    service: Service,
    context: { readonly commandName?: string },
    input: object,
  ): Promise<{ output: Output; response: unknown }> {
    const operation = (context.commandName ?? '').replace(/Command$/, '');
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    let answer: () => object;
    try {
      this.admit(service, operation);
      const output = this.answer(service, operation, input);
      answer = () => output;
    } catch (error) {
      answer = () => {
        throw error;
      };
    }
    await this.clock.sleep(this.roundTrip(service, operation));
    return { output: answer() as Output, response: undefined };
  }

  /** Takes a token from the operation's quota bucket, or throws the service's throttling error. */
  private admit(service: Service, operation: string): void {
    let bucket: TokenBucket | undefined;
    if (service === 'lambda' && !operation.startsWith('Invoke')) {
      bucket = this.buckets[operation] ?? this.buckets.controlPlane;
      if (bucket === this.buckets.controlPlane) this.controlPlaneRate.record();
    } else if (service === 'cloudwatch') {
      bucket = this.buckets[operation];
    }
    const waitSeconds = bucket?.take() ?? 0;
    if (waitSeconds === 0) return;
    this.throttles.set(operation, (this.throttles.get(operation) ?? 0) + 1);
    if (service === 'lambda') {
      throw new TooManyRequestsException({
        message: 'Rate exceeded',
        Type: 'User',
        Reason: 'CallerRateLimitExceeded',
        retryAfterSeconds: String(Math.ceil(waitSeconds)),
        $metadata: { httpStatusCode: 429 },
      });
    }
    throw new CloudWatchServiceException({
      name: 'Throttling',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Rate exceeded',
    });
  }

  private answer(service: Service, operation: string, input: object): object {
    const now = this.clock.now();
    if (service === 'lambda')
      return this.lambda.answer(operation, input as Readonly<Record<string, unknown>>, now);
    if (service === 'cloudwatch') {
      if (operation === 'GetMetricData')
        return this.metrics.getMetricData(input as GetMetricDataCommandInput);
      if (operation === 'GetMetricStatistics') {
        return this.metrics.getMetricStatistics(input as GetMetricStatisticsCommandInput);
      }
      throw new Error(`The simulated CloudWatch does not answer ${operation}`);
    }
    if (service === 'eventbridge' || service === 'kms' || service === 'efs') {
      return this.others[service].answer(operation, input as Readonly<Record<string, unknown>>);
    }
    if (this.others.sns.handles(operation)) {
      return this.others.sns.answer(operation, input as Readonly<Record<string, unknown>>);
    }
    if (operation !== 'Publish') throw new Error(`The simulated SNS does not answer ${operation}`);
    return this.publish(input as PublishCommandInput);
  }

  private publish(input: PublishCommandInput): object {
    const refuse = (message: string) =>
      new InvalidParameterException({
        message: `Invalid parameter: ${message}`,
        $metadata: { httpStatusCode: 400 },
      });
    const subject = input.Subject;
    if (subject !== undefined && (subject.length >= 100 || /\p{Cc}/u.test(subject))) throw refuse('Subject');
    const message = input.Message ?? '';
    const size = Buffer.byteLength(message, 'utf8') + Buffer.byteLength(subject ?? '', 'utf8');
    if (size > SNS_MESSAGE_LIMIT_BYTES) throw refuse('Message too long');
    if (input.MessageStructure === 'json') {
      let body: unknown;
      try {
        body = JSON.parse(message);
      } catch {
        throw refuse('Message Structure - JSON message body failed to parse');
      }
      if (typeof (body as { default?: unknown }).default !== 'string') {
        throw refuse('Message Structure - No default entry in JSON message body');
      }
    }
    this.publishes.push(input);
    return {
      MessageId: `00000000-0000-4000-8000-${String(this.publishes.length).padStart(12, '0')}`,
      $metadata: { httpStatusCode: 200 },
    };
  }

  private roundTrip(service: Service, operation: string): number {
    const range =
      service === 'lambda'
        ? this.latency.lambda
        : service !== 'cloudwatch'
          ? this.latency[service]
          : operation === 'GetMetricStatistics'
            ? this.latency.getMetricStatistics
            : this.latency.getMetricData;
    return Math.round(between(this.random, range[0], range[1]));
  }
}
