import {
  GetFunctionCommand,
  LambdaClient,
  ListFunctionsCommand,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
  type FunctionConfiguration,
  type GetFunctionResponse,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { RequestBudget } from '../../../../functions/scanner/aws/request-budget';
import { collectInventory, type InventoryInput } from '../../../../functions/scanner/collect/inventory';
import { DEFAULT_SETTINGS, type SentinelSettings } from '../../../../functions/scanner/settings';
import { VirtualClock } from '../../../support/virtual-clock';

// The rotation's arithmetic reads most easily on a one-hour sweep (the default is four hours).
const HOURLY_SWEEP = { ...DEFAULT_SETTINGS, sweepMinutes: 60 };

const lambdaMock = mockClient(LambdaClient);
const MINUTE = 60_000;
const LONG_AGO = '2029-06-01T09:30:00.000+0000';
const ARN_PREFIX = 'arn:aws:lambda:eu-west-1:123456789012:function:';

function configuration(functionName: string, overrides: Partial<FunctionConfiguration> = {}) {
  return {
    FunctionName: functionName,
    FunctionArn: `${ARN_PREFIX}${functionName}`,
    LastModified: LONG_AGO,
    Runtime: 'nodejs20.x',
    PackageType: 'Zip',
    ...overrides,
  } satisfies FunctionConfiguration;
}

const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => configuration(`${prefix}-${String(i).padStart(3, '0')}`));

/** Serves ListFunctions from pages chained by markers `page-2`, `page-3`, ... */
function listPages(pages: readonly (readonly FunctionConfiguration[] | Error)[]): void {
  lambdaMock.on(ListFunctionsCommand).callsFake((request: { Marker?: string }) => {
    const index = request.Marker === undefined ? 0 : Number(request.Marker.replace('page-', '')) - 1;
    const page = pages[index];
    if (page === undefined || page instanceof Error) throw page ?? new Error(`no page ${request.Marker}`);
    return { Functions: page, ...(index + 1 < pages.length ? { NextMarker: `page-${index + 2}` } : {}) };
  });
}

/** Answers GetFunction for any name as an Active function, unless `answers` says otherwise. */
function getFunctionAnswers(
  answers: Record<string, (name: string) => GetFunctionResponse | Promise<GetFunctionResponse>> = {},
): void {
  lambdaMock.on(GetFunctionCommand).callsFake((request: { FunctionName: string }) => {
    const name = request.FunctionName;
    const answer = answers[name];
    if (answer) return answer(name);
    return { Configuration: { ...configuration(name), State: 'Active' }, Tags: {} };
  });
}

const notFound = (name: string) =>
  new ResourceNotFoundException({ message: `Function not found: ${ARN_PREFIX}${name}`, $metadata: {} });
const throttled = () =>
  new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });

const requestedNames = (command: typeof GetFunctionCommand) =>
  lambdaMock.commandCalls(command).map((call) => call.args[0].input.FunctionName);

describe('collectInventory', () => {
  let clock: VirtualClock;
  let budget: RequestBudget;
  let settings: SentinelSettings;

  beforeEach(() => {
    lambdaMock.reset();
    clock = new VirtualClock();
    settings = HOURLY_SWEEP;
    budget = new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock, jitter: () => 0 });
  });

  /** Runs the inventory on the virtual clock; by default the previous run was long enough ago to check all. */
  function collect(overrides: Partial<InventoryInput> = {}) {
    return clock.run(() =>
      collectInventory({
        lambda: new LambdaClient({ region: 'eu-west-1' }),
        budget,
        settings,
        now: clock.now(),
        previous: { lastRunAt: new Date(clock.now() - 2 * 60 * MINUTE).toISOString(), watchedFunctions: [] },
        clock,
        ...overrides,
      }),
    );
  }

  describe('listing', () => {
    it('follows ListFunctions markers across 3 pages and lists every function once', async () => {
      listPages([numbered('orders', 50), numbered('billing', 50), numbered('search', 20)]);
      getFunctionAnswers();

      const inventory = await collect({
        previous: { lastRunAt: new Date(clock.now()).toISOString(), watchedFunctions: [] },
      });

      const names = inventory.functions.map((fn) => fn.functionName);
      expect(names).toHaveLength(120);
      expect(new Set(names).size).toBe(120);
      expect(names).toEqual(expect.arrayContaining(['orders-000', 'billing-049', 'search-019']));
      const requests = lambdaMock.commandCalls(ListFunctionsCommand).map((call) => call.args[0].input);
      expect(requests).toEqual([
        { Marker: undefined, MaxItems: 50 },
        { Marker: 'page-2', MaxItems: 50 },
        { Marker: 'page-3', MaxItems: 50 },
      ]);
      expect(inventory.inventoryComplete).toBe(true);
      expect(inventory.errors).toEqual([]);
    });

    it('asks for $LATEST only, never every published version', async () => {
      listPages([numbered('orders', 3)]);
      getFunctionAnswers();

      await collect();

      const [request] = lambdaMock.commandCalls(ListFunctionsCommand);
      expect(request?.args[0].input.FunctionVersion).toBeUndefined();
    });

    it('keeps what was listed when ListFunctions fails on page 2, and says the inventory is incomplete', async () => {
      listPages([
        numbered('orders', 50),
        new ServiceException({ message: 'Lambda service error', $metadata: { httpStatusCode: 500 } }),
      ]);
      getFunctionAnswers();

      const inventory = await collect();

      expect(inventory.inventoryComplete).toBe(false);
      expect(inventory.functions).toHaveLength(50);
      expect(inventory.errors).toEqual([
        {
          phase: 'collect',
          source: 'ListFunctions',
          code: 'ServiceException',
          message: 'Lambda service error',
        },
      ]);
    });

    it('still checks a watched function the failed listing never reached, by name', async () => {
      listPages([[configuration('api-gateway-authorizer')], throttled()]);
      getFunctionAnswers({
        'payments-webhook': (name) => ({
          Configuration: {
            ...configuration(name, { Runtime: 'python3.12' }),
            State: 'Pending',
            StateReasonCode: 'Creating',
          },
          Tags: { team: 'payments' },
        }),
      });
      budget = new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock, maxAttempts: 1 });

      const inventory = await collect({
        previous: { lastRunAt: new Date(clock.now()).toISOString(), watchedFunctions: ['payments-webhook'] },
      });

      expect(inventory.inventoryComplete).toBe(false);
      expect(inventory.checked).toEqual([{ functionName: 'payments-webhook', reason: 'watched' }]);
      expect(inventory.functions.find((fn) => fn.functionName === 'payments-webhook')).toMatchObject({
        functionArn: `${ARN_PREFIX}payments-webhook`,
        runtime: 'python3.12',
        detail: { state: 'Pending', stateReasonCode: 'Creating', tags: { team: 'payments' } },
      });
    });
  });

  describe('checks', () => {
    it('reads GetFunction only for candidates and records why each was chosen', async () => {
      const justDeployed = configuration('checkout-api', {
        LastModified: new Date(clock.now() - MINUTE).toISOString().replace('Z', '+0000'),
      });
      listPages([[justDeployed, configuration('stuck-update'), configuration('quiet-cron')]]);
      getFunctionAnswers();

      const inventory = await collect({
        previous: { lastRunAt: new Date(clock.now()).toISOString(), watchedFunctions: ['stuck-update'] },
      });

      expect(requestedNames(GetFunctionCommand).sort()).toEqual(['checkout-api', 'stuck-update']);
      expect(inventory.checked).toEqual([
        { functionName: 'stuck-update', reason: 'watched' },
        { functionName: 'checkout-api', reason: 'recently-modified' },
      ]);
      expect(inventory.functions.find((fn) => fn.functionName === 'quiet-cron')?.detail).toBeUndefined();
    });

    it('fills in state, reserved concurrency and tags from GetFunction', async () => {
      listPages([[configuration('image-resizer')]]);
      getFunctionAnswers({
        'image-resizer': (name) => ({
          Configuration: {
            ...configuration(name),
            State: 'Active',
            LastUpdateStatus: 'Failed',
            LastUpdateStatusReason: 'The KMS key is disabled',
            LastUpdateStatusReasonCode: 'DisabledKMSKey',
          },
          Concurrency: { ReservedConcurrentExecutions: 25 },
          Tags: { owner: 'media' },
        }),
      });

      const inventory = await collect();

      expect(inventory.functions).toEqual([
        expect.objectContaining({
          functionName: 'image-resizer',
          detail: expect.objectContaining({
            state: 'Active',
            lastUpdateStatus: 'Failed',
            lastUpdateStatusReasonCode: 'DisabledKMSKey',
            reservedConcurrency: 25,
            tags: { owner: 'media' },
            checkedAt: new Date(clock.now()).toISOString(),
          }),
        }),
      ]);
    });

    it('leaves out functions carrying the ignore tag, and names them', async () => {
      listPages([[configuration('legacy-batch'), configuration('orders-api')]]);
      getFunctionAnswers({
        'legacy-batch': (name) => ({
          Configuration: { ...configuration(name), State: 'Failed' },
          Tags: { 'lambda-sentinel:ignore': '' },
        }),
      });

      const inventory = await collect();

      expect(inventory.ignoredFunctions).toEqual(['legacy-batch']);
      expect(inventory.functions.map((fn) => fn.functionName)).toEqual(['orders-api']);
    });

    it('honours a custom ignore tag key', async () => {
      settings = { ...HOURLY_SWEEP, ignoreTag: 'ops/skip-scan' };
      listPages([[configuration('legacy-batch')]]);
      getFunctionAnswers({
        'legacy-batch': (name) => ({ Configuration: configuration(name), Tags: { 'ops/skip-scan': 'true' } }),
      });

      const inventory = await collect();

      expect(inventory.ignoredFunctions).toEqual(['legacy-batch']);
    });

    it('reports once when GetFunction could not read tags, so the ignore tag cannot be honoured', async () => {
      listPages([numbered('orders', 3)]);
      lambdaMock.on(GetFunctionCommand).callsFake((request: { FunctionName: string }) => ({
        Configuration: { ...configuration(request.FunctionName), State: 'Active' },
        TagsError: {
          ErrorCode: 'AccessDeniedException',
          Message: 'not authorized to perform: lambda:ListTags',
        },
      }));

      const inventory = await collect();

      expect(inventory.functions).toHaveLength(3);
      expect(inventory.errors).toHaveLength(1);
      expect(inventory.errors[0]).toMatchObject({ source: 'GetFunction', code: 'AccessDeniedException' });
      expect(inventory.errors[0]?.message).toContain('3 functions (orders-000, orders-001, orders-002)');
      expect(inventory.errors[0]?.message).toContain('lambda-sentinel:ignore');
    });

    it('drops a function deleted between list and check, records it, and checks the rest', async () => {
      listPages([[configuration('temp-migration'), configuration('orders-api')]]);
      getFunctionAnswers({
        'temp-migration': (name) => {
          throw notFound(name);
        },
      });

      const inventory = await collect();

      expect(inventory.functions.map((fn) => fn.functionName)).toEqual(['orders-api']);
      expect(inventory.functions[0]?.detail?.state).toBe('Active');
      expect(inventory.errors).toEqual([
        {
          phase: 'collect',
          source: 'GetFunction',
          functionName: 'temp-migration',
          code: 'ResourceNotFoundException',
          message: `Function not found: ${ARN_PREFIX}temp-migration`,
        },
      ]);
    });

    it('retries a throttled GetFunction and counts the retry', async () => {
      listPages([[configuration('hot-path'), configuration('orders-api')]]);
      let throttledOnce = false;
      getFunctionAnswers({
        'hot-path': (name) => {
          if (!throttledOnce) {
            throttledOnce = true;
            throw throttled();
          }
          return { Configuration: { ...configuration(name), State: 'Active' }, Tags: {} };
        },
      });

      const inventory = await collect();

      expect(inventory.errors).toEqual([]);
      expect(inventory.functions.find((fn) => fn.functionName === 'hot-path')?.detail?.state).toBe('Active');
      expect(budget.apiCalls).toEqual({ ListFunctions: 1, GetFunction: 3 });
      expect(budget.throttledCalls).toBe(1);
    });

    it('records a GetFunction still throttled after every retry, keeps the function unchecked, checks the rest', async () => {
      listPages([[configuration('hot-path'), configuration('orders-api'), configuration('billing-api')]]);
      getFunctionAnswers({
        'hot-path': () => {
          throw throttled();
        },
      });

      const inventory = await collect();

      expect(requestedNames(GetFunctionCommand).filter((name) => name === 'hot-path')).toHaveLength(5);
      expect(inventory.functions.find((fn) => fn.functionName === 'hot-path')?.detail).toBeUndefined();
      expect(inventory.checked.map((c) => c.functionName).sort()).toEqual(['billing-api', 'orders-api']);
      expect(inventory.errors).toEqual([
        expect.objectContaining({
          source: 'GetFunction',
          functionName: 'hot-path',
          code: 'TooManyRequestsException',
        }),
      ]);
    });

    it('records any other GetFunction failure and keeps the function without detail', async () => {
      listPages([[configuration('orders-api')]]);
      getFunctionAnswers({
        'orders-api': () => {
          throw Object.assign(new Error('User is not authorized to perform: lambda:GetFunction'), {
            name: 'AccessDeniedException',
          });
        },
      });

      const inventory = await collect();

      expect(inventory.functions).toEqual([expect.objectContaining({ functionName: 'orders-api' })]);
      expect(inventory.functions[0]?.detail).toBeUndefined();
      expect(inventory.errors[0]).toMatchObject({
        functionName: 'orders-api',
        code: 'AccessDeniedException',
      });
    });
  });

  describe('how long a function has been unsettled', () => {
    it('carries the first sighting over while State and reason stay the same, and restarts it when they change', async () => {
      const now = clock.now();
      const twentyMinutesAgo = new Date(now - 20 * MINUTE).toISOString();
      const restoring = { State: 'Pending', StateReasonCode: 'Restoring' } as const;
      listPages([
        ['nightly-report', 'vpc-ingest', 'orders-api', 'billing'].map((name) => configuration(name)),
      ]);
      getFunctionAnswers({
        'nightly-report': (name) => ({ Configuration: { ...configuration(name), ...restoring } }),
        'vpc-ingest': (name) => ({
          Configuration: { ...configuration(name), State: 'Pending', StateReasonCode: 'Creating' },
        }),
        billing: (name) => ({ Configuration: { ...configuration(name), ...restoring } }),
      });
      const seenRestoring = (functionName: string) => ({
        functionName,
        state: 'Pending',
        stateReasonCode: 'Restoring',
        since: twentyMinutesAgo,
      });

      const inventory = await collect({
        previous: {
          lastRunAt: new Date(now - 2 * 60 * MINUTE).toISOString(),
          watchedFunctions: ['nightly-report', 'vpc-ingest', 'orders-api'],
          unsettledFunctions: ['nightly-report', 'vpc-ingest', 'orders-api'].map(seenRestoring),
        },
      });

      const unsettledSince = Object.fromEntries(
        inventory.functions.map((fn) => [fn.functionName, fn.unsettledSince]),
      );
      expect(unsettledSince).toEqual({
        'nightly-report': twentyMinutesAgo, // still restoring: the earlier sighting stands
        'vpc-ingest': new Date(now).toISOString(), // now creating: a new state, first seen this run
        'orders-api': undefined, // Active: settled
        billing: new Date(now).toISOString(), // restoring, never seen before
      });
    });
  });

  describe('time', () => {
    it('starts no GetFunction after the deadline and reports what it left unchecked', async () => {
      settings = { ...HOURLY_SWEEP, getFunctionRps: 2 };
      budget = new RequestBudget({ getFunctionRps: 2, controlPlaneRps: 3, clock });
      listPages([numbered('orders', 20)]);
      const startedAt: number[] = [];
      lambdaMock.on(GetFunctionCommand).callsFake((request: { FunctionName: string }) => {
        startedAt.push(clock.now());
        return { Configuration: configuration(request.FunctionName), Tags: {} };
      });
      const deadline = clock.now() + 2500;

      const inventory = await collect({ deadline });

      // Two a second: 0 s, 1 s, 2 s, and the pair already queued for 3 s when the deadline passed.
      expect(inventory.checked).toHaveLength(8);
      expect(inventory.unchecked).toHaveLength(12);
      expect(Math.max(...startedAt)).toBeLessThanOrEqual(deadline + 1000);
      const checkedNames = inventory.checked.map((c) => c.functionName);
      expect(inventory.unchecked.some((c) => checkedNames.includes(c.functionName))).toBe(false);
      expect(inventory.errors).toEqual([
        expect.objectContaining({
          code: 'DeadlineReached',
          message: expect.stringContaining('12 functions'),
        }),
      ]);
    });

    it('keeps GetFunction within its rate: never more than 20 in any second, 100 calls over 4 seconds or more', async () => {
      listPages([numbered('orders', 50), numbered('billing', 50)]);
      const startedAt: number[] = [];
      lambdaMock.on(GetFunctionCommand).callsFake((request: { FunctionName: string }) => {
        startedAt.push(clock.now());
        return { Configuration: configuration(request.FunctionName), Tags: {} };
      });

      await collect();

      expect(startedAt).toHaveLength(100);
      const busiest = Math.max(
        ...startedAt.map((t) => startedAt.filter((s) => s >= t && s < t + 1000).length),
      );
      expect(busiest).toBeLessThanOrEqual(20);
      // The first second's burst goes at once; the other 80 calls need 80 / 20 = 4 more seconds.
      expect(Math.max(...startedAt) - Math.min(...startedAt)).toBeGreaterThanOrEqual(4000);
    });

    it('keeps at most 10 GetFunction calls in flight', async () => {
      listPages([numbered('orders', 40)]);
      let inFlight = 0;
      let mostInFlight = 0;
      lambdaMock.on(GetFunctionCommand).callsFake(async (request: { FunctionName: string }) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await clock.sleep(3000);
        inFlight--;
        return { Configuration: configuration(request.FunctionName), Tags: {} };
      });

      const inventory = await collect();

      expect(inventory.checked).toHaveLength(40);
      expect(mostInFlight).toBe(10);
    });
  });
});
