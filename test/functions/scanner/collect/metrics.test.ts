import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  GetAccountSettingsCommand,
  GetFunctionRecursionConfigCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListProvisionedConcurrencyConfigsCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  collectMetrics,
  probesSpillover,
  spilloverProbedThrough,
  type CollectMetricsInput,
} from '../../../../functions/scanner/collect/metrics';
import { seriesPeak, seriesSum } from '../../../../functions/scanner/collect/metric-series';
import { DEFAULT_SETTINGS } from '../../../../functions/scanner/settings';
import { CountingBudget, FakeCloudWatch, type FakeSeries } from '../../../support/fake-cloudwatch';
import { SCAN_AT, WINDOW, regionSeries, staleSeries, windowSeries } from '../../../support/metric-scenarios';
import { listedFunction } from '../../../support/snapshot-builders';

const cloudwatchMock = mockClient(CloudWatchClient);
const lambdaMock = mockClient(LambdaClient);

beforeEach(() => {
  cloudwatchMock.reset();
  lambdaMock.reset();
  lambdaMock.on(GetAccountSettingsCommand).resolves({
    AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 900 },
  });
});

function givenAccount(series: readonly FakeSeries[]): FakeCloudWatch {
  const fake = new FakeCloudWatch(series);
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => fake.answer(input));
  return fake;
}

const INVENTORY = ['orders-api', 'batch-import', 'reports', 'checkout', 'order-events', 'ddb-writer'].map(
  (name) => listedFunction(name),
);

function run(overrides: Partial<CollectMetricsInput> = {}) {
  const budget = new CountingBudget();
  const input: CollectMetricsInput = {
    cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    budget,
    settings: DEFAULT_SETTINGS,
    now: SCAN_AT,
    functions: INVENTORY,
    ...overrides,
  };
  return { budget, result: collectMetrics(input) };
}

const expressions = (fake: FakeCloudWatch) =>
  fake.requests.flatMap((request) =>
    (request.MetricDataQueries ?? []).map((query) => query.Expression ?? ''),
  );

describe('collectMetrics', () => {
  it('reads a quiet account with one call for the window and one for the history, and no Lambda call', async () => {
    const live = { FunctionName: 'checkout', Resource: 'checkout:live' };
    const fake = givenAccount([
      ...regionSeries(),
      windowSeries('ProvisionedConcurrencySpilloverInvocations', live, 0),
      // A provisioned alias that serves its traffic, well within its environments: nothing to drill into.
      windowSeries('ProvisionedConcurrencyInvocations', live, 600),
      windowSeries('ProvisionedConcurrencyUtilization', live, 0.4),
    ]);
    const { budget, result } = run();
    const { metrics, metricsRequested, errors } = await result;

    expect(budget.calls).toEqual({ GetMetricData: 2 });
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(errors).toEqual([]);
    const [windowCall, historyCall] = [...fake.requests]
      .sort((a, b) => (a.MetricDataQueries?.length ?? 0) - (b.MetricDataQueries?.length ?? 0))
      .reverse();
    expect(windowCall?.StartTime).toEqual(new Date(WINDOW.start));
    expect(windowCall?.EndTime).toEqual(new Date(WINDOW.end));
    expect(
      windowCall?.MetricDataQueries?.map((query) => query.MetricStat?.Metric?.MetricName ?? query.Expression),
    ).toEqual([
      'ConcurrentExecutions',
      'ClaimedAccountConcurrency',
      'UnreservedConcurrentExecutions',
      'Throttles',
      'Invocations',
      `SEARCH('{AWS/Lambda,FunctionName} MetricName="RecursiveInvocationsDropped"', 'Sum', 60)`,
      `SEARCH('{AWS/Lambda,FunctionName,Resource} MetricName="ProvisionedConcurrencySpilloverInvocations"', 'Sum', 60)`,
      `SEARCH('{AWS/Lambda,FunctionName,Resource} MetricName="ProvisionedConcurrencyInvocations"', 'Sum', 60)`,
      `SEARCH('{AWS/Lambda,FunctionName,Resource} MetricName="ProvisionedConcurrencyUtilization"', 'Maximum', 60)`,
    ]);
    expect(historyCall?.StartTime).toEqual(new Date(WINDOW.historyStart));
    expect(historyCall?.EndTime).toEqual(new Date(WINDOW.historyEnd));
    expect(historyCall?.MetricDataQueries?.[0]?.MetricStat?.Period).toBe(300);
    // Five region series in the window, one history, and the alias's three series the SEARCH probes found.
    expect(metricsRequested).toBe(9);
    expect(metrics.coverage).toEqual({
      accountWindowDelivered: true,
      recursionProbe: true,
      spilloverProbe: true,
      provisionedProbe: true,
      concurrencyDrill: 'not-needed',
      invocationDrill: 'not-needed',
      partial: [],
    });
    expect(metrics.functions).toEqual([]);
    expect(metrics.qualifiers.map((q) => `${q.functionName}:${q.qualifier}`)).toEqual(['checkout:live']);
    expect(seriesPeak(metrics.account.concurrentExecutions)).toBe(200);
    expect(metrics.account.concurrentExecutions?.points).toHaveLength(15);
  });

  it('when the pool is nearly used up and the region throttles, reads the limit, ranks functions and reads the hog’s provisioned concurrency', async () => {
    lambdaMock.on(ListProvisionedConcurrencyConfigsCommand).resolves({
      ProvisionedConcurrencyConfigs: [
        {
          FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:batch-import:live',
          RequestedProvisionedConcurrentExecutions: 100,
        },
        {
          FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:batch-import:7',
          RequestedProvisionedConcurrentExecutions: 20,
        },
      ],
    });
    const fake = givenAccount([
      ...regionSeries({ concurrency: 990, throttlesPerMinute: 40 }),
      windowSeries('ConcurrentExecutions', { FunctionName: 'batch-import' }, 950),
      windowSeries('ConcurrentExecutions', { FunctionName: 'orders-api' }, 40),
      windowSeries('Throttles', { FunctionName: 'orders-api' }, 30),
      windowSeries('Throttles', { FunctionName: 'reports' }, 10),
      windowSeries('Throttles', { FunctionName: 'batch-import' }, 0),
    ]);
    const { budget, result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([]);
    expect(budget.calls).toEqual({
      GetMetricData: 4,
      GetAccountSettings: 1,
      ListProvisionedConcurrencyConfigs: 1,
    });
    expect(metrics.accountLimits).toEqual({
      concurrentExecutions: 1000,
      unreservedConcurrentExecutions: 900,
    });
    expect(expressions(fake)).toEqual(
      expect.arrayContaining([
        'SELECT MAX(ConcurrentExecutions) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY MAX() DESC LIMIT 10',
        'SELECT SUM(Throttles) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY SUM() DESC LIMIT 100',
      ]),
    );
    const byName = new Map(metrics.functions.map((fn) => [fn.functionName, fn]));
    expect(seriesPeak(byName.get('batch-import')?.concurrentExecutions)).toBe(950);
    expect(byName.get('batch-import')?.throttles).toBeUndefined();
    expect(seriesSum(byName.get('orders-api')?.throttles)).toBe(450);
    expect(seriesSum(byName.get('reports')?.throttles)).toBe(150);
    expect(byName.get('orders-api')?.reasons).toEqual(['top-concurrency', 'throttled']);
    // Only a function above hogShare of the pool (720 of 900) gets its provisioned concurrency read.
    expect(byName.get('batch-import')?.provisionedConcurrency).toBe(120);
    expect(byName.get('orders-api')?.provisionedConcurrency).toBeUndefined();
    expect(metrics.coverage.concurrencyDrill).toBe('done');
  });

  it('when the pooled functions stay far below hogShare of the unreserved pool, reads the limit but no per-function series', async () => {
    // 700 used in the region, but only 650 of it by pooled functions, against a hog threshold of 720.
    const fake = givenAccount([...regionSeries({ concurrency: 700, throttlesPerMinute: 5 })]);
    const { budget, result } = run();
    const { metrics } = await result;

    expect(budget.calls).toEqual({ GetMetricData: 2, GetAccountSettings: 1 });
    expect(expressions(fake).filter((expression) => expression.startsWith('SELECT'))).toEqual([]);
    expect(metrics.coverage.concurrencyDrill).toBe('not-needed');
    expect(metrics.accountLimits?.concurrentExecutions).toBe(1000);
  });

  it('keeps functions whose recursion was dropped in the window, not those with only old drops', async () => {
    givenAccount([
      ...regionSeries(),
      windowSeries('RecursiveInvocationsDropped', { FunctionName: 'order-events' }, (minute) =>
        minute >= 12 ? 16 : 0,
      ),
      staleSeries('RecursiveInvocationsDropped', { FunctionName: 'old-loop' }),
    ]);
    const { result } = run();
    const { metrics, metricsRequested } = await result;

    expect(metrics.functions.map((fn) => [fn.functionName, fn.reasons])).toEqual([
      ['order-events', ['recursion-dropped']],
    ]);
    expect(seriesSum(metrics.functions[0]?.recursiveInvocationsDropped)).toBe(48);
    // The SEARCH found two series, and both are billed.
    expect(metricsRequested).toBe(6 + 2);
  });

  /** The `checkout:live` alias spilling 20 invocations every minute of the window. */
  const checkoutSpilling = () =>
    windowSeries(
      'ProvisionedConcurrencySpilloverInvocations',
      { FunctionName: 'checkout', Resource: 'checkout:live' },
      20,
    );

  it('skips the spillover probe while earlier probes reach past where the next window starts, and says it did not look', async () => {
    const fake = givenAccount([...regionSeries(), checkoutSpilling()]);
    // SCAN_AT is 14:30:20 (window from 14:12); the run at 14:25:20 probed through 14:22, and the next run's window
    // starts by 14:19 even if it comes up to two minutes late.
    const { result } = run({ spilloverProbedThrough: '2026-11-26T14:22:00.000Z' });
    const { metrics } = await result;

    expect(expressions(fake).some((expression) => expression.includes('Spillover'))).toBe(false);
    expect(metrics.coverage.spilloverProbe).toBe(false);
    expect(metrics.qualifiers).toEqual([]);
    expect(spilloverProbedThrough('2026-11-26T14:22:00.000Z', metrics)).toBe('2026-11-26T14:22:00.000Z');
  });

  it('probes for spillover in a run a trigger alarm started, even where a scheduled run would skip it', async () => {
    const fake = givenAccount([...regionSeries(), checkoutSpilling()]);
    // The same record as above, which lets a scheduled run at 14:30:20 skip; the spillover alarm saw 14:28.
    const { result } = run({
      spilloverProbedThrough: '2026-11-26T14:22:00.000Z',
      windowEnd: Date.parse('2026-11-26T14:29:00.000Z'),
    });
    const { metrics } = await result;

    expect(expressions(fake).some((expression) => expression.includes('Spillover'))).toBe(true);
    expect(metrics.coverage.spilloverProbe).toBe(true);
    expect(metrics.qualifiers.map(({ functionName, qualifier }) => `${functionName}:${qualifier}`)).toEqual([
      'checkout:live',
    ]);
  });

  it.each([
    ['nothing recorded (a first run)', '14:02', undefined, 5, true],
    ['probes that reach past the next window’s latest start', '14:02', '14:12', 5, false],
    ['the next window’s latest start exactly where the probes end', '14:05', '14:12', 5, false],
    ['a next window that could start a minute after the probes end', '14:06', '14:12', 5, true],
    ['minutes already unprobed (missed runs)', '14:30', '14:12', 5, true],
    ['a 10-minute schedule, the last probe one run ago', '14:02', '14:07', 10, true],
    ['a cron schedule, whose spacing is unknown', '14:02', '14:12', undefined, true],
    ['an unreadable record', '14:02', 'yesterday', 5, true],
  ])('probesSpillover with %s', (_case, windowStart, probedThrough, scheduleMinutes, expected) => {
    const at = (time: string) => (time.includes(':') ? `2026-11-26T${time}:00.000Z` : time);
    const reached = probedThrough === undefined ? undefined : at(probedThrough);
    expect(probesSpillover({ start: at(windowStart) }, reached, scheduleMinutes)).toBe(expected);
  });

  it('on a schedule that does not divide the lookback, probes when the next window would start past the probes', async () => {
    const fake = givenAccount([...regionSeries()]);
    // The 14:30:20 run probed through 14:27; the 14:40:20 run's successor, ten minutes on, would start at 14:32.
    const { result } = run({
      settings: { ...DEFAULT_SETTINGS, schedule: 'rate(10 minutes)' },
      now: SCAN_AT + 10 * 60_000,
      spilloverProbedThrough: WINDOW.end,
    });
    const { metrics } = await result;

    expect(expressions(fake).some((expression) => expression.includes('Spillover'))).toBe(true);
    expect(metrics.coverage.spilloverProbe).toBe(true);
    expect(spilloverProbedThrough(WINDOW.end, metrics)).toBe(metrics.window.end);
    // A record already further on (a retried run) is not moved back.
    expect(spilloverProbedThrough('2026-11-26T15:00:00.000Z', metrics)).toBe('2026-11-26T15:00:00.000Z');
  });

  it('for an alias that spilled over, reads its concurrency and invocations, and the function’s configs and aliases', async () => {
    const live = { FunctionName: 'checkout', Resource: 'checkout:live' };
    const fake = givenAccount([
      ...regionSeries(),
      windowSeries('ProvisionedConcurrencySpilloverInvocations', live, (minute) => (minute >= 10 ? 20 : 0)),
      windowSeries('ProvisionedConcurrencyInvocations', live, (minute) => (minute >= 10 ? 1180 : 1200)),
      windowSeries('ProvisionedConcurrencyUtilization', live, 1),
      windowSeries(
        'ProvisionedConcurrencySpilloverInvocations',
        { FunctionName: 'reports', Resource: 'reports:prod' },
        0,
      ),
      windowSeries(
        'ProvisionedConcurrencyInvocations',
        { FunctionName: 'reports', Resource: 'reports:prod' },
        40,
      ),
      windowSeries('ConcurrentExecutions', live, 58),
      windowSeries('Invocations', live, 1200),
      windowSeries('Invocations', { FunctionName: 'checkout' }, 1500),
      windowSeries('Invocations', { FunctionName: 'checkout', Resource: 'checkout:$LATEST' }, 300),
    ]);
    lambdaMock.on(ListProvisionedConcurrencyConfigsCommand).resolves({
      ProvisionedConcurrencyConfigs: [
        {
          FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout:live',
          RequestedProvisionedConcurrentExecutions: 50,
          AllocatedProvisionedConcurrentExecutions: 50,
          AvailableProvisionedConcurrentExecutions: 50,
          Status: 'READY',
        },
      ],
    });
    lambdaMock.on(ListAliasesCommand).resolves({
      Aliases: [
        { Name: 'live', FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } } },
      ],
    });
    const { budget, result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([]);
    expect(budget.calls).toEqual({ GetMetricData: 3, ListProvisionedConcurrencyConfigs: 1, ListAliases: 1 });
    expect(
      lambdaMock.commandCalls(ListAliasesCommand).map((call) => call.args[0].input.FunctionName),
    ).toEqual(['checkout']);
    expect(expressions(fake)).toContain(
      `SEARCH('{AWS/Lambda,FunctionName,Resource} MetricName="Invocations" FunctionName="checkout"', 'Sum', 60)`,
    );
    const live7 = metrics.qualifiers.find((q) => q.qualifier === 'live');
    expect(seriesSum(live7?.spilloverInvocations)).toBe(100);
    expect(seriesPeak(live7?.concurrentExecutions)).toBe(58);
    expect(seriesPeak(live7?.invocations)).toBe(1200);
    // The alias that did not spill keeps only its spillover series.
    expect(metrics.qualifiers.find((q) => q.qualifier === 'prod')?.concurrentExecutions).toBeUndefined();
    expect(metrics.provisioned).toEqual([
      {
        functionName: 'checkout',
        configs: [{ qualifier: 'live', requested: 50, allocated: 50, available: 50, status: 'READY' }],
        aliases: [{ name: 'live', functionVersion: '7', additionalVersionWeights: { '8': 0.1 } }],
      },
    ]);
    const checkout = metrics.functions.find((fn) => fn.functionName === 'checkout');
    expect(Object.keys(checkout?.invocationsByResource ?? {}).sort()).toEqual([
      'checkout:$LATEST',
      'checkout:live',
    ]);
  });

  it('when the region surges past its same hour, ranks functions by their last minutes and reads the hot ones’ history, recursion setting and mappings', async () => {
    // A loop that started nine minutes before the window's end, growing by a third a minute.
    const loop = (minute: number) => (minute < 6 ? 20 : Math.round(700 * 1.33 ** (minute - 6)));
    const fake = givenAccount([
      ...regionSeries({ invocationsPerMinute: (minute) => 30_000 + loop(minute) }),
      windowSeries('Invocations', { FunctionName: 'ddb-writer' }, loop, 20),
      windowSeries('Invocations', { FunctionName: 'orders-api' }, 20_000, 20_000),
      windowSeries('Invocations', { FunctionName: 'reports' }, 30, 30),
    ]);
    lambdaMock.on(GetFunctionRecursionConfigCommand).resolves({ RecursiveLoop: 'Terminate' });
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [
        {
          UUID: 'm-1',
          EventSourceArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/1',
          State: 'Enabled',
        },
      ],
    });
    const { budget, result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([]);
    const ranking = fake.requests.find((request) =>
      request.MetricDataQueries?.some((query) => query.Expression?.startsWith('SELECT SUM(Invocations)')),
    );
    expect(ranking?.MetricDataQueries?.[0]?.Expression).toBe(
      'SELECT SUM(Invocations) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName ORDER BY SUM() DESC LIMIT 20',
    );
    // Ranked by the window's last three minutes, not its sum (issue 9, item 4).
    expect(ranking?.StartTime).toEqual(new Date(Date.parse(WINDOW.end) - 3 * 60_000));
    expect(budget.calls).toEqual({
      GetMetricData: 5,
      GetFunctionRecursionConfig: 1,
      ListEventSourceMappings: 1,
    });
    expect(lambdaMock.commandCalls(GetFunctionRecursionConfigCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'ddb-writer',
    });
    const writer = metrics.functions.find((fn) => fn.functionName === 'ddb-writer');
    expect(writer?.recursiveLoop).toBe('Terminate');
    expect(writer?.eventSourceMappings).toEqual([
      {
        uuid: 'm-1',
        eventSourceArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/1',
        state: 'Enabled',
      },
    ]);
    expect(writer?.invocationsHistory?.periodSeconds).toBe(300);
    expect(seriesSum(writer?.invocationsHistory)).toBe(20 * 60 * (192 - 22));
    // Fast but at its usual rate: history read, no Lambda settings. Too slow to be a loop: not drilled into.
    expect(
      metrics.functions.find((fn) => fn.functionName === 'orders-api')?.invocationsHistory,
    ).toBeDefined();
    expect(metrics.functions.map((fn) => fn.functionName)).not.toContain('reports');
    expect(metrics.coverage.invocationDrill).toBe('done');
  });

  it('a region at its usual rate for this hour opens no drill-down, however far above its daily mean', async () => {
    const fake = givenAccount([
      ...regionSeries({ invocationsPerMinute: 30_400, baselineInvocationsPerMinute: 30_000 }),
    ]);
    const { budget, result } = run();
    const { metrics } = await result;

    expect(budget.calls).toEqual({ GetMetricData: 2 });
    expect(expressions(fake).filter((expression) => expression.startsWith('SELECT'))).toEqual([]);
    expect(metrics.coverage.invocationDrill).toBe('not-needed');
  });

  it('reads the throttles of functions under a cap over the last capHoldMinutes', async () => {
    const fake = givenAccount([
      ...regionSeries(),
      windowSeries('Throttles', { FunctionName: 'batch-import' }, (minute) => (minute === 3 ? 7 : 0)),
    ]);
    const { result } = run({ cappedFunctions: ['batch-import'] });
    const { metrics } = await result;

    const holdCall = fake.requests.find((request) => request.MetricDataQueries?.[0]?.Id === 'hold_0');
    expect(holdCall?.StartTime).toEqual(new Date(Date.parse(WINDOW.end) - 60 * 60_000));
    expect(holdCall?.EndTime).toEqual(new Date(WINDOW.end));
    expect(metrics.capHolds).toEqual([
      expect.objectContaining({
        functionName: 'batch-import',
        since: new Date(Date.parse(WINDOW.end) - 3_600_000).toISOString(),
      }),
    ]);
    expect(seriesSum(metrics.capHolds?.[0]?.throttles)).toBe(7);
  });

  it('treats a window without datapoints as unknown: empty series, not zeros, and nothing assessed', async () => {
    givenAccount([]);
    const { budget, result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([]);
    expect(budget.calls).toEqual({ GetMetricData: 2 });
    expect(metrics.account.throttles).toEqual({ periodSeconds: 60, points: [] });
    expect(metrics.account.invocationsHistory).toEqual({ periodSeconds: 300, points: [] });
    expect(metrics.coverage.accountWindowDelivered).toBe(false);
  });

  it('follows NextToken and joins the pages of a series', async () => {
    const fake = new FakeCloudWatch(regionSeries());
    cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const output = fake.answer(input);
      const results = output.MetricDataResults ?? [];
      const half = (result: (typeof results)[number], first: boolean) => ({
        ...result,
        Timestamps: (result.Timestamps ?? []).filter((_, index) => index < 8 === first),
        Values: (result.Values ?? []).filter((_, index) => index < 8 === first),
      });
      if (input.NextToken === 'page-2')
        return { ...output, MetricDataResults: results.map((r) => half(r, false)) };
      return { ...output, MetricDataResults: results.map((r) => half(r, true)), NextToken: 'page-2' };
    });
    const { budget, result } = run();
    const { metrics } = await result;

    expect(budget.calls).toEqual({ GetMetricData: 4 });
    expect(metrics.account.concurrentExecutions?.points).toHaveLength(15);
    expect(metrics.account.concurrentExecutions?.points.map((point) => point.at)).toEqual(
      [...(metrics.account.concurrentExecutions?.points ?? [])].map((point) => point.at).sort(),
    );
  });

  it('records a failing GetMetricData call as a collect error and returns what it has', async () => {
    cloudwatchMock.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('User is not authorized to perform cloudwatch:GetMetricData'), {
        name: 'AccessDeniedException',
      }),
    );
    const { result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([
      expect.objectContaining({ phase: 'collect', source: 'GetMetricData', code: 'AccessDeniedException' }),
      expect.objectContaining({ phase: 'collect', source: 'GetMetricData', code: 'AccessDeniedException' }),
    ]);
    expect(metrics.account).toEqual({});
    expect(metrics.coverage).toEqual({
      accountWindowDelivered: false,
      recursionProbe: false,
      spilloverProbe: false,
      provisionedProbe: false,
      concurrencyDrill: 'failed',
      invocationDrill: 'failed',
      partial: [],
    });
  });

  describe('partial answers are recorded, never read as "no trouble" (issue 9, item 6)', () => {
    it('a result with StatusCode PartialData', async () => {
      const fake = new FakeCloudWatch([
        ...regionSeries({ concurrency: 990, throttlesPerMinute: 40 }),
        windowSeries('Throttles', { FunctionName: 'orders-api' }, 30),
      ]);
      cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
        const output = fake.answer(input);
        return {
          ...output,
          MetricDataResults: (output.MetricDataResults ?? []).map((result) =>
            result.Id === 'top_throttles' ? { ...result, StatusCode: 'PartialData' } : result,
          ),
        };
      });
      lambdaMock.on(ListProvisionedConcurrencyConfigsCommand).resolves({ ProvisionedConcurrencyConfigs: [] });
      const { metrics, errors } = await run().result;

      expect(errors).toEqual([
        expect.objectContaining({
          source: 'GetMetricData',
          code: 'PartialData',
          message: 'Incomplete answer for concurrency-drill: top_throttles returned PartialData',
        }),
      ]);
      expect(metrics.coverage.partial).toEqual(['concurrency-drill']);
    });

    it('a NextToken still left after ten pages', async () => {
      const fake = new FakeCloudWatch(regionSeries());
      cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
        ...fake.answer(input),
        NextToken: 'more',
      }));
      const { metrics, errors } = await run().result;

      expect(errors.map((error) => error.message)).toContain(
        'Incomplete answer for region: a NextToken was still left after 10 pages',
      );
      expect(metrics.coverage.partial).toEqual(
        expect.arrayContaining(['recursion-probe', 'region', 'spillover-probe']),
      );
    });

    it('a SEARCH that found 500 series, its limit', async () => {
      const many = Array.from({ length: 500 }, (_, index) =>
        windowSeries('RecursiveInvocationsDropped', { FunctionName: `worker-${index}` }, 1),
      );
      givenAccount([...regionSeries(), ...many]);
      const { metrics, errors } = await run().result;

      expect(errors.map((error) => error.message)).toContain(
        "Incomplete answer for region: probe_recursion matched SEARCH's limit of 500 series; more may exist",
      );
      expect(metrics.coverage.partial).toContain('recursion-probe');
    });

    it('a Metrics Insights ranking over more than 10,000 functions', async () => {
      givenAccount([
        ...regionSeries({ concurrency: 990, throttlesPerMinute: 40 }),
        windowSeries('Throttles', { FunctionName: 'orders-api' }, 30),
      ]);
      const inventory = Array.from({ length: 10_001 }, (_, index) => listedFunction(`fn-${index}`));
      const { metrics, errors } = await run({ functions: inventory }).result;

      // One Metrics Insights query a call: two calls, two records.
      expect(errors.map((error) => error.message)).toEqual(
        ['top_concurrency', 'top_throttles'].map(
          (id) =>
            `Incomplete answer for concurrency-drill: ${id} is a Metrics Insights query, which analyzes at most ` +
            '10,000 of the 10,001 functions',
        ),
      );
      expect(metrics.coverage.partial).toEqual(['concurrency-drill']);
    });
  });

  it('records a query CloudWatch answered Forbidden and leaves it unread', async () => {
    const fake = new FakeCloudWatch(regionSeries());
    cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const output = fake.answer(input);
      return {
        ...output,
        MetricDataResults: (output.MetricDataResults ?? []).map((result) =>
          result.Id === 'acct_throttles'
            ? { ...result, StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'denied' }] }
            : result,
        ),
      };
    });
    const { result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([
      expect.objectContaining({
        source: 'GetMetricData',
        code: 'Forbidden',
        message: 'Query acct_throttles: Forbidden denied',
      }),
    ]);
    expect(metrics.account.throttles).toBeUndefined();
    expect(metrics.coverage.concurrencyDrill).toBe('failed');
  });

  it('records a failing Lambda call with the function it was for and keeps the rest of the setup', async () => {
    givenAccount([
      ...regionSeries(),
      windowSeries(
        'ProvisionedConcurrencySpilloverInvocations',
        { FunctionName: 'checkout', Resource: 'checkout:live' },
        5,
      ),
    ]);
    lambdaMock.on(ListProvisionedConcurrencyConfigsCommand).resolves({ ProvisionedConcurrencyConfigs: [] });
    lambdaMock
      .on(ListAliasesCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    const { result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([
      {
        phase: 'collect',
        source: 'ListAliases',
        functionName: 'checkout',
        code: 'TooManyRequestsException',
        message: 'Rate exceeded',
      },
    ]);
    expect(metrics.provisioned).toEqual([{ functionName: 'checkout', configs: [] }]);
  });

  it('reads no Lambda settings for a function missing from the inventory (ignored or deleted)', async () => {
    givenAccount([
      ...regionSeries(),
      windowSeries(
        'ProvisionedConcurrencySpilloverInvocations',
        { FunctionName: 'secret', Resource: 'secret:live' },
        5,
      ),
    ]);
    const { result } = run();
    const { metrics } = await result;

    expect(lambdaMock.calls()).toHaveLength(0);
    expect(seriesSum(metrics.qualifiers[0]?.spilloverInvocations)).toBe(75);
  });
});
