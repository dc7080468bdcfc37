import { TooManyRequestsException } from '@aws-sdk/client-lambda';
import {
  LAMBDA_QUOTA_BUCKETS,
  RequestBudget,
  isThrottlingError,
  type RequestBudgetOptions,
} from '../../../../functions/scanner/aws/request-budget';
import { VirtualClock } from '../../../support/virtual-clock';

function throttle(retryAfterSeconds?: string): TooManyRequestsException {
  return new TooManyRequestsException({
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 429 },
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

/** Most calls in any one-second window [t, t + 1000) among the given start times. */
function busiestSecond(starts: readonly number[]): number {
  return Math.max(0, ...starts.map((t) => starts.filter((s) => s >= t && s < t + 1000).length));
}

describe('RequestBudget', () => {
  let clock: VirtualClock;
  const budgetWith = (options: Partial<RequestBudgetOptions> = {}) =>
    new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock, jitter: () => 0, ...options });

  /** Sends `count` calls of `operation` from `parallel` concurrent callers; returns when each one started. */
  async function sendMany(budget: RequestBudget, operation: string, count: number, parallel = 10) {
    const starts: number[] = [];
    let next = 0;
    const caller = async () => {
      while (next < count) {
        next++;
        await budget.call(operation, async () => starts.push(clock.now()));
      }
    };
    await clock.run(() => Promise.all(Array.from({ length: parallel }, caller)));
    return starts;
  }

  beforeEach(() => {
    clock = new VirtualClock();
  });

  describe('operation to quota bucket', () => {
    it.each([
      ['GetFunction', 'getFunction'],
      ['GetPolicy', 'getPolicy'],
      ['ListFunctions', 'controlPlane'],
      ['GetAccountSettings', 'controlPlane'],
      ['PutFunctionConcurrency', 'controlPlane'],
      ['DeleteFunctionConcurrency', 'controlPlane'],
      ['UpdateFunctionConfiguration', 'controlPlane'],
      ['PublishVersion', 'controlPlane'],
      ['ListProvisionedConcurrencyConfigs', 'controlPlane'],
      ['GetFunctionRecursionConfig', 'controlPlane'],
    ])('%s draws from the %s bucket', (operation, bucket) => {
      expect(LAMBDA_QUOTA_BUCKETS[operation]).toBe(bucket);
    });

    it.each(['GetMetricData', 'Publish', 'PutItem', 'Invoke'])('%s is not rate-limited', (operation) => {
      expect(LAMBDA_QUOTA_BUCKETS[operation]).toBeUndefined();
    });
  });

  describe('rate', () => {
    it('spreads 100 GetFunction calls at 20 rps over about five seconds, never 21 in one second', async () => {
      const starts = await sendMany(budgetWith(), 'GetFunction', 100);
      expect(starts).toHaveLength(100);
      expect(busiestSecond(starts)).toBe(20);
      // One second's worth goes at once; the other 80 need four more seconds.
      expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(4000);
    });

    it('holds the shared control-plane bucket to 3 rps, so 30 calls span at least 9 seconds', async () => {
      const starts = await sendMany(budgetWith(), 'ListFunctions', 30);
      expect(busiestSecond(starts)).toBeLessThanOrEqual(3);
      expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThanOrEqual(9000);
    });

    it('spaces calls 1/rate seconds apart below one request per second', async () => {
      const starts = await sendMany(budgetWith({ controlPlaneRps: 0.5 }), 'GetAccountSettings', 3);
      expect(starts.map((t) => t - starts[0]!)).toEqual([0, 2000, 4000]);
    });

    it('keeps the buckets apart: control-plane calls do not slow GetFunction down', async () => {
      const budget = budgetWith();
      const [listStarts, getStarts] = await Promise.all([
        sendMany(budget, 'ListFunctions', 6),
        sendMany(budget, 'GetFunction', 20),
      ]);
      expect(new Set(getStarts).size).toBe(1);
      expect(Math.max(...listStarts) - Math.min(...listStarts)).toBe(1000);
    });

    it('lets calls outside the Lambda quotas through at once and still counts them', async () => {
      const budget = budgetWith();
      const starts = await sendMany(budget, 'GetMetricData', 50);
      expect(new Set(starts).size).toBe(1);
      expect(budget.apiCalls).toEqual({ GetMetricData: 50 });
    });
  });

  describe('throttling', () => {
    it('retries a throttled call with growing backoff and counts every attempt', async () => {
      const budget = budgetWith();
      const send = jest
        .fn<Promise<string>, []>()
        .mockRejectedValueOnce(throttle())
        .mockRejectedValueOnce(throttle())
        .mockResolvedValue('configuration');
      const startedAt = clock.now();

      await expect(clock.run(() => budget.call('GetFunction', send))).resolves.toBe('configuration');

      expect(send).toHaveBeenCalledTimes(3);
      expect(budget.apiCalls).toEqual({ GetFunction: 3 });
      expect(budget.throttledCalls).toBe(2);
      // With no jitter: half of 500 ms, then half of 1 s.
      expect(clock.now() - startedAt).toBe(250 + 500);
    });

    it('waits as long as the service asks in retryAfterSeconds', async () => {
      const budget = budgetWith();
      const send = jest
        .fn<Promise<string>, []>()
        .mockRejectedValueOnce(throttle('3'))
        .mockResolvedValue('ok');
      const startedAt = clock.now();

      await clock.run(() => budget.call('ListFunctions', send));

      expect(clock.now() - startedAt).toBe(3000);
    });

    it('waits no longer than 20 seconds however long retryAfterSeconds asks for', async () => {
      const budget = budgetWith();
      const send = jest
        .fn<Promise<string>, []>()
        .mockRejectedValueOnce(throttle('600'))
        .mockResolvedValue('ok');
      const startedAt = clock.now();

      await clock.run(() => budget.call('ListFunctions', send));

      expect(clock.now() - startedAt).toBe(20_000);
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('spreads retries with jitter', async () => {
      const budget = budgetWith({ jitter: () => 0.5 });
      const send = jest.fn<Promise<string>, []>().mockRejectedValueOnce(throttle()).mockResolvedValue('ok');
      const startedAt = clock.now();

      await clock.run(() => budget.call('GetFunction', send));

      expect(clock.now() - startedAt).toBe(500 * 0.75);
    });

    it('rethrows the throttling error after maxAttempts and sends no more', async () => {
      const budget = budgetWith({ maxAttempts: 3 });
      const error = throttle();
      const send = jest.fn<Promise<string>, []>().mockRejectedValue(error);

      await expect(clock.run(() => budget.call('GetFunction', send))).rejects.toBe(error);

      expect(send).toHaveBeenCalledTimes(3);
      expect(budget.apiCalls).toEqual({ GetFunction: 3 });
      expect(budget.throttledCalls).toBe(3);
    });

    it('gives up after five attempts by default', async () => {
      const budget = budgetWith();
      const send = jest.fn<Promise<string>, []>().mockRejectedValue(throttle());

      await expect(clock.run(() => budget.call('GetFunction', send))).rejects.toThrow('Rate exceeded');

      expect(send).toHaveBeenCalledTimes(5);
    });

    it('does not retry other errors', async () => {
      const budget = budgetWith();
      const error = Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' });
      const send = jest.fn<Promise<string>, []>().mockRejectedValue(error);

      await expect(clock.run(() => budget.call('GetFunction', send))).rejects.toBe(error);

      expect(send).toHaveBeenCalledTimes(1);
      expect(budget.throttledCalls).toBe(0);
    });

    it('halves the bucket after a throttle, then wins the rate back call by call', async () => {
      const budget = budgetWith({ controlPlaneRps: 4 });
      let throttledOnce = false;
      const starts: number[] = [];
      const send = async () => {
        if (!throttledOnce) {
          throttledOnce = true;
          throw throttle('1');
        }
        starts.push(clock.now());
      };

      await clock.run(async () => {
        for (let i = 0; i < 20; i++) await budget.call('PutFunctionConcurrency', send);
      });

      const callsInSecond = (second: number) =>
        starts.filter((t) => Math.floor((t - starts[0]!) / 1000) === second).length;
      expect([0, 1, 2, 3].map(callsInSecond)).toEqual([2, 2, 3, 4]);
      expect(busiestSecond(starts)).toBe(4);
    });
  });

  describe('isThrottlingError', () => {
    it.each([
      ['TooManyRequestsException', 400],
      ['ThrottlingException', 400],
      ['Throttling', 400],
      ['SlowDown', 429],
    ])('%s with HTTP %i is throttling', (name, httpStatusCode) => {
      expect(
        isThrottlingError(Object.assign(new Error('slow down'), { name, $metadata: { httpStatusCode } })),
      ).toBe(true);
    });

    it.each([
      ['ResourceNotFoundException', 404],
      ['ServiceException', 500],
    ])('%s with HTTP %i is not', (name, httpStatusCode) => {
      expect(isThrottlingError(Object.assign(new Error('no'), { name, $metadata: { httpStatusCode } }))).toBe(
        false,
      );
    });

    it('is false for things that are not errors', () => {
      expect(isThrottlingError('TooManyRequestsException')).toBe(false);
      expect(isThrottlingError(undefined)).toBe(false);
    });
  });
});
