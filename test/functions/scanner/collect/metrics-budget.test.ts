import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  GetAccountSettingsCommand,
  GetFunctionRecursionConfigCommand,
  ListEventSourceMappingsCommand,
  LambdaClient,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { collectMetrics } from '../../../../functions/scanner/collect/metrics';
import { concurrencyHog } from '../../../../functions/scanner/detect/concurrency-hog';
import { pcSpillover } from '../../../../functions/scanner/detect/pc-spillover';
import { recursiveLoop } from '../../../../functions/scanner/detect/recursive-loop';
import type { FunctionSnapshot } from '../../../../functions/scanner/model';
import { DEFAULT_SETTINGS } from '../../../../functions/scanner/settings';
import { CountingBudget, FakeCloudWatch, type FakeSeries } from '../../../support/fake-cloudwatch';
import { SCAN_AT, regionSeries, windowSeries, type RegionShape } from '../../../support/metric-scenarios';
import { checkedFunction, detectorContext, listedFunction } from '../../../support/snapshot-builders';

const FLEET_SIZE = 10_000;
const PROVISIONED_ALIASES = 8;
const RUNS_PER_MONTH = (30 * 24 * 60) / 5;
const DOLLARS_PER_METRIC = 0.01 / 1000;

/** What the naive design reads per run: one GetMetricStatistics per function per metric the detectors need. */
const NAIVE_PER_FUNCTION = [
  'ConcurrentExecutions',
  'Throttles',
  'Invocations',
  'RecursiveInvocationsDropped',
];
const NAIVE_PER_PROVISIONED_QUALIFIER = ['ProvisionedConcurrencySpilloverInvocations'];

const names = Array.from({ length: FLEET_SIZE }, (_, index) => `fn-${String(index).padStart(5, '0')}`);

/** Every function of the fleet reporting like AWS: modest concurrency, steady invocations, no throttles. */
function fleetSeries(): FakeSeries[] {
  return names.flatMap((functionName, index) => [
    windowSeries('ConcurrentExecutions', { FunctionName: functionName }, 1 + (index % 5)),
    windowSeries('Invocations', { FunctionName: functionName }, 2 + (index % 7), 2 + (index % 7)),
    windowSeries('Throttles', { FunctionName: functionName }, 0),
  ]);
}

/**
 * Aliases with provisioned concurrency that serve their function's traffic, as AWS reports them: provisioned
 * invocations and utilization every minute, and a spillover series only for the one that spills (a series that
 * never had a datapoint does not exist).
 */
function provisionedAliases(spilling: string | undefined): FakeSeries[] {
  return names.slice(0, PROVISIONED_ALIASES).flatMap((functionName, index) => {
    const live = { FunctionName: functionName, Resource: `${functionName}:live` };
    return [
      windowSeries('ProvisionedConcurrencyInvocations', live, 2 + (index % 7)),
      windowSeries('ProvisionedConcurrencyUtilization', live, functionName === spilling ? 1 : 0.5),
      ...(functionName === spilling
        ? [windowSeries('ProvisionedConcurrencySpilloverInvocations', live, 25)]
        : []),
    ];
  });
}

const cloudwatchMock = mockClient(CloudWatchClient);
const lambdaMock = mockClient(LambdaClient);

async function scan(series: readonly FakeSeries[], inventory: readonly FunctionSnapshot[]) {
  const fake = new FakeCloudWatch(series);
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => fake.answer(input));
  const budget = new CountingBudget();
  const collected = await collectMetrics({
    cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    budget,
    settings: DEFAULT_SETTINGS,
    now: SCAN_AT,
    functions: inventory,
  });
  return { fake, budget, ...collected };
}

const inventory = names.map((name) => listedFunction(name));

beforeEach(() => {
  cloudwatchMock.reset();
  lambdaMock.reset();
  lambdaMock.on(GetAccountSettingsCommand).resolves({
    AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 },
  });
  lambdaMock.on(ListProvisionedConcurrencyConfigsCommand).resolves({
    ProvisionedConcurrencyConfigs: [
      {
        FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn-00003:live',
        RequestedProvisionedConcurrentExecutions: 10,
        AllocatedProvisionedConcurrentExecutions: 10,
        Status: 'READY',
      },
    ],
  });
  lambdaMock.on(ListAliasesCommand).resolves({ Aliases: [{ Name: 'live', FunctionVersion: '3' }] });
  lambdaMock.on(GetFunctionRecursionConfigCommand).resolves({ RecursiveLoop: 'Terminate' });
  lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
});

describe('metrics collection budget', () => {
  it('a quiet account of 10,000 functions without provisioned concurrency costs 2 GetMetricData calls and at most 20 metrics a run', async () => {
    const { fake, budget, metricsRequested, errors } = await scan(
      [...regionSeries(), ...fleetSeries()],
      inventory,
    );

    expect(errors).toEqual([]);
    expect(budget.calls).toEqual({ GetMetricData: 2 });
    expect(fake.requests).toHaveLength(2);
    expect(lambdaMock.calls()).toHaveLength(0);
    // Six region-level series; the SEARCH probes found nothing, and a SEARCH is billed for what it finds.
    expect(metricsRequested).toBe(6);
    expect(metricsRequested).toBeLessThanOrEqual(20);
    // The fake bills the way CloudWatch does; our count must never be below it.
    expect(fake.billedMetrics).toBeLessThanOrEqual(metricsRequested);
  });

  it('eight aliases with provisioned concurrency that serve their traffic add two metrics each to a probing run and nothing else', async () => {
    const { fake, budget, metricsRequested, errors } = await scan(
      [...regionSeries(), ...fleetSeries(), ...provisionedAliases(undefined)],
      inventory,
    );

    expect(errors).toEqual([]);
    expect(budget.calls).toEqual({ GetMetricData: 2 });
    expect(lambdaMock.calls()).toHaveLength(0);
    // Six region-level series, and each alias's provisioned invocations and utilization.
    expect(metricsRequested).toBe(6 + 2 * PROVISIONED_ALIASES);
    expect(fake.billedMetrics).toBeLessThanOrEqual(metricsRequested);

    const naive =
      FLEET_SIZE * NAIVE_PER_FUNCTION.length + PROVISIONED_ALIASES * NAIVE_PER_PROVISIONED_QUALIFIER.length;
    expect(naive).toBe(40_008);
    expect(naive / metricsRequested).toBeGreaterThan(1_500);
    // Per month on the default 5-minute schedule, probing every other run: about $3,457 for the naive design against
    // about $1.21 here: $0.52 for the six region series every run, and about $0.09 per alias for its two probed
    // series in half the runs.
    const probingRuns = RUNS_PER_MONTH / 2;
    const monthly = (6 * RUNS_PER_MONTH + (metricsRequested - 6) * probingRuns) * DOLLARS_PER_METRIC;
    expect(naive * RUNS_PER_MONTH * DOLLARS_PER_METRIC).toBeGreaterThan(3_400);
    expect(monthly).toBeLessThan(1.25);
  });

  it('an account in trouble (a hog with 20 victims, loops, a spillover) costs at most 10 calls and is fully diagnosed', async () => {
    const hog = 'fn-00042';
    const victims = names.slice(100, 120);
    const trouble: RegionShape = {
      concurrency: 1000,
      throttlesPerMinute: 400,
      invocationsPerMinute: (minute) => 60_000 + minute * 500,
      baselineInvocationsPerMinute: 60_000,
    };
    const series = [
      ...regionSeries(trouble),
      windowSeries('ConcurrentExecutions', { FunctionName: hog }, 960),
      ...victims.map((name, index) => windowSeries('Throttles', { FunctionName: name }, index + 1)),
      windowSeries('RecursiveInvocationsDropped', { FunctionName: 'fn-00007' }, (minute) =>
        minute > 11 ? 16 : 0,
      ),
      windowSeries(
        'Invocations',
        { FunctionName: 'fn-00009' },
        (minute) => Math.round(200 * 1.3 ** minute),
        15,
      ),
      ...provisionedAliases('fn-00003'),
      ...fleetSeries().filter((entry) => {
        const name = entry.dimensions.FunctionName ?? '';
        const replaced =
          (name === hog && entry.metricName === 'ConcurrentExecutions') ||
          (victims.includes(name) && entry.metricName === 'Throttles') ||
          (name === 'fn-00009' && entry.metricName === 'Invocations');
        return !replaced;
      }),
    ];
    // The hog and its victims as GetFunction read them (the run reads them before judging a hog).
    const checked = inventory.map((fn) =>
      fn.functionName === hog || victims.includes(fn.functionName) ? checkedFunction(fn.functionName) : fn,
    );
    const { fake, budget, metrics, errors } = await scan(series, checked);

    expect(errors).toEqual([]);
    expect(budget.calls.GetMetricData).toBeLessThanOrEqual(10);
    // Every call went through the budget, and no request broke GetMetricData's rules (the fake rejects those).
    expect(fake.requests).toHaveLength(budget.calls.GetMetricData ?? 0);
    expect(lambdaMock.calls()).toHaveLength(6);
    expect(budget.calls).toEqual({
      GetMetricData: 8,
      GetAccountSettings: 1,
      // The spilling function's configs, and the hog's (a cap may not go at or below them).
      ListProvisionedConcurrencyConfigs: 2,
      ListAliases: 1,
      GetFunctionRecursionConfig: 1,
      ListEventSourceMappings: 1,
    });

    const context = detectorContext(checked, { snapshot: { metrics } });
    const [hogFinding] = concurrencyHog.detect(context);
    expect(hogFinding?.functionName).toBe(hog);
    expect(hogFinding?.evidence.throttledFunctions).toBe(20);
    expect(
      recursiveLoop
        .detect(context)
        .map((finding) => finding.fingerprint)
        .sort(),
    ).toEqual(['recursive-loop:fn-00007:dropped', 'recursive-loop:fn-00009:runaway']);
    expect(pcSpillover.detect(context).map((finding) => finding.fingerprint)).toEqual([
      'pc-spillover:fn-00003:live',
    ]);
  });
});
