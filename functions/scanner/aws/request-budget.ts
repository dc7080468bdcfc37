import type { CallBudget, Clock } from '../model';

/** Which of Lambda's per-account request quotas an operation draws from. */
export type QuotaBucket = 'getFunction' | 'getPolicy' | 'controlPlane';

/**
 * Lambda control-plane operations that share ONE 15 rps quota per account and region with every deploy
 * tool in the account. Invoke is data plane and not listed; GetFunction and GetPolicy have quotas of their own.
 */
export const CONTROL_PLANE_OPERATIONS: readonly string[] = [
  'ListFunctions',
  'GetAccountSettings',
  'GetFunctionConfiguration',
  'GetFunctionConcurrency',
  'PutFunctionConcurrency',
  'DeleteFunctionConcurrency',
  'UpdateFunctionConfiguration',
  'PublishVersion',
  'ListVersionsByFunction',
  'ListAliases',
  'GetAlias',
  'ListProvisionedConcurrencyConfigs',
  'GetProvisionedConcurrencyConfig',
  'GetFunctionRecursionConfig',
  'PutFunctionRecursionConfig',
  'ListEventSourceMappings',
  'GetEventSourceMapping',
  'UpdateEventSourceMapping',
  'ListFunctionEventInvokeConfigs',
  'GetFunctionEventInvokeConfig',
  'ListFunctionUrlConfigs',
  'GetFunctionUrlConfig',
  'ListTags',
];

/**
 * Operation name → the Lambda quota it draws from. Operations not listed here (CloudWatch GetMetricData,
 * SNS Publish, DynamoDB item calls) have generous quotas of their own: they are counted, not rate-limited.
 */
export const LAMBDA_QUOTA_BUCKETS: Readonly<Record<string, QuotaBucket>> = {
  GetFunction: 'getFunction',
  GetPolicy: 'getPolicy',
  ...Object.fromEntries(CONTROL_PLANE_OPERATIONS.map((operation) => [operation, 'controlPlane' as const])),
};

/** Error names AWS services use for "slow down"; HTTP 429 counts too, whatever the name. */
const THROTTLING_ERROR_NAMES = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);

/** Whether an SDK error says the caller was throttled (by its name or an HTTP 429 status). */
export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return (typeof name === 'string' && THROTTLING_ERROR_NAMES.has(name)) || $metadata?.httpStatusCode === 429;
}

/** How RequestBudget is configured; the rates come validated from the operator's settings. */
export interface RequestBudgetOptions {
  /** GetFunction requests per second the scanner allows itself (Lambda's quota: 100). */
  readonly getFunctionRps: number;
  /** Requests per second on the shared control-plane bucket (Lambda's quota: 15, shared with deploy tools). */
  readonly controlPlaneRps: number;
  /**
   * GetPolicy requests per second (Lambda's quota: 15, its own bucket).
   * @default controlPlaneRps - the same share of a 15 rps quota
   */
  readonly getPolicyRps?: number;
  /** Time source for waiting between calls and before retries. */
  readonly clock: Clock;
  /**
   * Attempts per call, the first included, before a throttling error is rethrown.
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * Source of randomness in [0, 1) that spreads retries apart.
   * @default Math.random
   */
  readonly jitter?: () => number;
}

const DEFAULT_MAX_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 20_000;
// A throttle halves the rate, down to this share of the configured rate; each success wins back a step.
const SLOWEST_SHARE = 1 / 8;
const RECOVERY_STEP_SHARE = 1 / 20;

/**
 * The run's one gate to AWS: every call waits for its Lambda quota bucket, throttling is retried with
 * backoff, and each attempt is counted. The scanner builds its Lambda client with `maxAttempts: 1`, so
 * this class is the only retry layer for Lambda and a throttled call is never retried twice over.
 */
export class RequestBudget implements CallBudget {
  private readonly limiters: Readonly<Record<QuotaBucket, RateLimiter>>;
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  private readonly jitter: () => number;
  private readonly attempts = new Map<string, number>();
  private throttled = 0;

  constructor(options: RequestBudgetOptions) {
    this.clock = options.clock;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.jitter = options.jitter ?? Math.random;
    this.limiters = {
      getFunction: new RateLimiter(options.getFunctionRps, options.clock),
      getPolicy: new RateLimiter(options.getPolicyRps ?? options.controlPlaneRps, options.clock),
      controlPlane: new RateLimiter(options.controlPlaneRps, options.clock),
    };
  }

  /** Requests sent so far by operation name, retries included. */
  get apiCalls(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.attempts);
  }

  /** Responses so far that were throttling errors. */
  get throttledCalls(): number {
    return this.throttled;
  }

  /** Sends one request within its bucket's rate, retrying throttling; other errors are thrown at once. */
  async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    const bucket = LAMBDA_QUOTA_BUCKETS[operation];
    const limiter = bucket === undefined ? undefined : this.limiters[bucket];
    for (let attempt = 1; ; attempt++) {
      await limiter?.acquire();
      this.attempts.set(operation, (this.attempts.get(operation) ?? 0) + 1);
      try {
        const result = await send();
        limiter?.recover();
        return result;
      } catch (error) {
        if (!isThrottlingError(error)) throw error;
        this.throttled++;
        limiter?.slowDown();
        if (attempt >= this.maxAttempts) throw error;
        await this.clock.sleep(this.retryDelayMs(error, attempt));
      }
    }
  }

  private retryDelayMs(error: unknown, attempt: number): number {
    const retryAfterSeconds = Number((error as { retryAfterSeconds?: unknown }).retryAfterSeconds);
    // The service's hint is honoured up to the backoff cap: no retry may sleep a run into its Lambda timeout.
    if (Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) {
      return Math.min(BACKOFF_CAP_MS, retryAfterSeconds * 1000);
    }
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
    // Half fixed, half random: throttled callers spread out but none retries at once.
    return ceiling * (0.5 + 0.5 * this.jitter());
  }
}

/**
 * One quota bucket: lets at most ⌊rate⌋ calls start in any one-second window (a burst of one second's
 * worth, then the rate), or one call every 1/rate seconds below 1 rps. A classic token bucket with that
 * burst would let twice the rate through in the second after a burst; this never exceeds it.
 */
class RateLimiter {
  private rate: number;
  /** Start times granted, oldest first; as many as the configured rate lets into one window. */
  private readonly starts: number[] = [];

  constructor(
    private readonly configuredRate: number,
    private readonly clock: Clock,
  ) {
    this.rate = configuredRate;
  }

  /** Waits until one more call may start without breaking the rate. */
  async acquire(): Promise<void> {
    const now = this.clock.now();
    const callsPerWindow = Math.max(1, Math.floor(this.rate));
    const windowMs = this.rate >= 1 ? 1000 : 1000 / this.rate;
    const oldestInWindow = this.starts[this.starts.length - callsPerWindow];
    const latest = this.starts[this.starts.length - 1];
    const start = Math.max(
      now,
      latest ?? now,
      oldestInWindow === undefined ? now : oldestInWindow + windowMs,
    );
    // Reserve before sleeping, so callers waiting at the same time get successive slots.
    this.starts.push(start);
    if (this.starts.length > Math.max(1, Math.floor(this.configuredRate))) this.starts.shift();
    if (start > now) await this.clock.sleep(start - now);
  }

  /** Halves the rate after a throttle: the shared quota is everyone's, so yielding matters more than speed. */
  slowDown(): void {
    this.rate = Math.max(this.configuredRate * SLOWEST_SHARE, this.rate / 2);
  }

  /** Wins back part of the configured rate after a call that was not throttled. */
  recover(): void {
    this.rate = Math.min(this.configuredRate, this.rate + this.configuredRate * RECOVERY_STEP_SHARE);
  }
}
