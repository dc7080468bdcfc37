/**
 * The design the sentinel replaces, implemented honestly so the benchmark compares like with like: what a general
 * policy engine does with Lambda. It lists every function, reads each one with GetFunction for its state, and asks
 * CloudWatch for every metric the detectors need, per function, one GetMetricStatistics request each; where a
 * function spilled over, or used provisioned concurrency in the last two weeks (one more request per function: its
 * ProvisionedConcurrencyInvocations by day), it reads its provisioned configs, aliases and per-alias metrics, and
 * where one runs hot its recursion setting. It keeps to the same request budget (rates and backoff) as the sentinel
 * and hands what it read to the sentinel's own detectors, so any difference in what is found comes from what was
 * read. It does not read the callers of a bypassed alias (mappings, URL, policy): they are evidence, not findings.
 */
import {
  GetMetricStatisticsCommand,
  type Datapoint,
  type GetMetricStatisticsCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import {
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionRecursionConfigCommand,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  type FunctionConfiguration,
  type GetFunctionResponse,
} from '@aws-sdk/client-lambda';
import { RequestBudget } from '../functions/scanner/aws/request-budget';
import {
  CHECK_CONCURRENCY,
  LIST_PAGE_SIZE,
  listedSnapshot,
  mapWithConcurrency,
  snapshotWithDetail,
} from '../functions/scanner/collect/inventory';
import { invocationHeat } from '../functions/scanner/collect/invocation-heat';
import {
  HISTORY_PERIOD_SECONDS,
  LAMBDA_NAMESPACE,
  WINDOW_PERIOD_SECONDS,
  metricWindow,
  type LambdaStatistic,
} from '../functions/scanner/collect/metric-queries';
import { hasNonZero } from '../functions/scanner/collect/metric-series';
import { DETECTORS, runDetectors } from '../functions/scanner/detect/registry';
import type {
  AccountConcurrencyLimits,
  Finding,
  FunctionMetrics,
  FunctionSnapshot,
  MetricSeries,
  MetricsSnapshot,
  ProvisionedSetup,
  QualifierMetrics,
  ScanError,
} from '../functions/scanner/model';
import type { ScanClients } from '../functions/scanner/run-scan';
import type { SentinelSettings } from '../functions/scanner/settings';

/** GetMetricStatistics requests the naive design keeps in flight (its quota is 400 a second). */
export const NAIVE_METRIC_CONCURRENCY = 20;

/** What the naive design found, and what it could not read. */
export interface NaiveScanResult {
  readonly findings: readonly Finding[];
  readonly errors: readonly ScanError[];
}

/** What the naive design needs: clients, a request budget (the sentinel's rates), settings and the time. */
export interface NaiveScanInput {
  readonly clients: Pick<ScanClients, 'lambda' | 'cloudwatch'>;
  readonly budget: RequestBudget;
  readonly settings: SentinelSettings;
  readonly accountId: string;
  readonly region: string;
  /** Epoch milliseconds of the run. */
  readonly now: number;
}

interface Range {
  readonly start: string;
  readonly end: string;
  readonly periodSeconds: number;
}

/** Reads everything the naive way, then runs the sentinel's detectors over it. */
export async function runNaiveScan(input: NaiveScanInput): Promise<NaiveScanResult> {
  const reader = new NaiveReader(input);
  const window = metricWindow(input.now, input.settings.lookbackMinutes, input.settings.loopBaselineHours);
  const inWindow: Range = { start: window.start, end: window.end, periodSeconds: WINDOW_PERIOD_SECONDS };
  // GetMetricStatistics answers at most 1,440 datapoints a request: eight days of five-minute sums take two.
  const historyMiddle = new Date(
    (Date.parse(window.historyStart) + Date.parse(window.historyEnd)) / 2,
  ).toISOString();
  const inHistory: readonly Range[] = [
    { start: window.historyStart, end: historyMiddle, periodSeconds: HISTORY_PERIOD_SECONDS },
    { start: historyMiddle, end: window.historyEnd, periodSeconds: HISTORY_PERIOD_SECONDS },
  ];
  // Whether a function used provisioned concurrency at all: the two weeks a SEARCH would look back, by day.
  const provisionedLookback: Range = {
    start: new Date(Date.parse(window.end) - 14 * 86_400_000).toISOString(),
    end: window.end,
    periodSeconds: 86_400,
  };

  const listed = await reader.listFunctions();
  const checked = await mapWithConcurrency(listed, CHECK_CONCURRENCY, (configuration) =>
    reader.getFunction(configuration.FunctionName ?? ''),
  );
  const ignoreTag = input.settings.ignoreTag;
  const functions: FunctionSnapshot[] = [];
  const ignoredFunctions: string[] = [];
  listed.forEach((configuration, index) => {
    const response = checked[index];
    const snapshot = response
      ? snapshotWithDetail(listedSnapshot(configuration), response, input.now)
      : listedSnapshot(configuration);
    if (!snapshot) return;
    if (snapshot.detail && Object.hasOwn(snapshot.detail.tags, ignoreTag))
      ignoredFunctions.push(snapshot.functionName);
    else functions.push(snapshot);
  });

  const accountLimits = await reader.accountLimits();
  const region = await Promise.all(
    (
      [
        ['ConcurrentExecutions', 'Maximum', inWindow],
        ['ClaimedAccountConcurrency', 'Maximum', inWindow],
        ['UnreservedConcurrentExecutions', 'Maximum', inWindow],
        ['Throttles', 'Sum', inWindow],
        ['Invocations', 'Sum', inWindow],
      ] as const
    ).map(([metricName, stat, range]) => reader.statistics(metricName, {}, stat, range)),
  );
  const [concurrentExecutions, claimed, unreserved, throttles, invocations] = region;
  const invocationsHistory = await reader.history('Invocations', {}, inHistory);

  const perFunction = await mapWithConcurrency(functions, NAIVE_METRIC_CONCURRENCY, async (fn) => {
    const own = { FunctionName: fn.functionName };
    return {
      functionName: fn.functionName,
      concurrentExecutions: await reader.statistics('ConcurrentExecutions', own, 'Maximum', inWindow),
      throttles: await reader.statistics('Throttles', own, 'Sum', inWindow),
      invocations: await reader.statistics('Invocations', own, 'Sum', inWindow),
      invocationsHistory: await reader.history('Invocations', own, inHistory),
      recursiveInvocationsDropped: await reader.statistics(
        'RecursiveInvocationsDropped',
        own,
        'Sum',
        inWindow,
      ),
      spillover: await reader.statistics('ProvisionedConcurrencySpilloverInvocations', own, 'Sum', inWindow),
      provisionedLately: await reader.statistics(
        'ProvisionedConcurrencyInvocations',
        own,
        'Sum',
        provisionedLookback,
      ),
    };
  });

  const provisionedFunctions = perFunction
    .filter((entry) => hasNonZero(entry.spillover) || hasNonZero(entry.provisionedLately))
    .map((entry) => entry.functionName);
  const provisioned = await Promise.all(provisionedFunctions.map((name) => reader.provisionedSetup(name)));
  const qualifierReads = await Promise.all(
    provisioned.map((setup) => reader.qualifierMetrics(setup, inWindow)),
  );
  const qualifiers = qualifierReads.flat();
  const hot = perFunction.filter(
    (entry) =>
      invocationHeat(entry.invocations, entry.invocationsHistory, window, input.settings)?.evidence !==
      'none',
  );
  const recursion = new Map(
    await Promise.all(
      hot.map(async (entry) => [entry.functionName, await reader.recursiveLoop(entry.functionName)] as const),
    ),
  );

  const functionMetrics: FunctionMetrics[] = perFunction.map(
    ({ spillover: _spillover, provisionedLately: _provisionedLately, ...entry }) => {
      const byResource = qualifiers.filter((qualifier) => qualifier.functionName === entry.functionName);
      const recursiveLoop = recursion.get(entry.functionName);
      return withoutUndefined({
        ...entry,
        reasons: [],
        ...(byResource.length > 0
          ? {
              invocationsByResource: Object.fromEntries(
                byResource.flatMap((qualifier) =>
                  qualifier.invocations
                    ? [[`${qualifier.functionName}:${qualifier.qualifier}`, qualifier.invocations]]
                    : [],
                ),
              ),
            }
          : {}),
        ...(recursiveLoop !== undefined ? { recursiveLoop } : {}),
      });
    },
  );
  const metrics: MetricsSnapshot = {
    window,
    account: withoutUndefined({
      concurrentExecutions,
      claimedAccountConcurrency: claimed,
      unreservedConcurrentExecutions: unreserved,
      throttles,
      invocations,
      invocationsHistory,
    }),
    ...(accountLimits ? { accountLimits } : {}),
    functions: functionMetrics,
    qualifiers,
    provisioned,
    coverage: {
      accountWindowDelivered:
        (concurrentExecutions?.points.length ?? 0) > 0 || (invocations?.points.length ?? 0) > 0,
      recursionProbe: true,
      spilloverProbe: true,
      provisionedProbe: true,
      concurrencyDrill: 'done',
      invocationDrill: 'done',
      partial: [],
    },
  };
  const detected = runDetectors(
    {
      snapshot: {
        accountId: input.accountId,
        region: input.region,
        collectedAt: new Date(input.now).toISOString(),
        functions,
        inventoryComplete: reader.listingComplete,
        ignoredFunctions,
        metrics,
      },
      settings: input.settings,
      now: input.now,
    },
    DETECTORS,
  );
  const ignored = new Set(ignoredFunctions);
  return {
    findings: detected.findings.filter((finding) => !ignored.has(finding.functionName)),
    errors: [...reader.errors, ...detected.errors],
  };
}

function withoutUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

function seriesOf(
  output: GetMetricStatisticsCommandOutput,
  stat: LambdaStatistic,
  periodSeconds: number,
): MetricSeries {
  const points = (output.Datapoints ?? [])
    .map((point: Datapoint) => ({
      at: (point.Timestamp ?? new Date(0)).toISOString(),
      value: point[stat] ?? 0,
    }))
    .sort((a, b) => a.at.localeCompare(b.at));
  return { periodSeconds, points };
}

/** Sends the naive design's requests through the budget, recording failures and carrying on without them. */
class NaiveReader {
  readonly errors: ScanError[] = [];
  listingComplete = true;

  constructor(private readonly input: NaiveScanInput) {}

  private async send<T>(
    operation: string,
    send: () => Promise<T>,
    functionName?: string,
  ): Promise<T | undefined> {
    try {
      return await this.input.budget.call(operation, send);
    } catch (error) {
      this.errors.push({
        phase: 'collect',
        source: operation,
        ...(functionName !== undefined ? { functionName } : {}),
        code: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }

  async listFunctions(): Promise<FunctionConfiguration[]> {
    const functions: FunctionConfiguration[] = [];
    let marker: string | undefined;
    do {
      const page = await this.send('ListFunctions', () =>
        this.input.clients.lambda.send(
          new ListFunctionsCommand({ Marker: marker, MaxItems: LIST_PAGE_SIZE }),
        ),
      );
      if (!page) {
        this.listingComplete = false;
        break;
      }
      functions.push(...(page.Functions ?? []));
      marker = page.NextMarker;
    } while (marker);
    return functions;
  }

  getFunction(functionName: string): Promise<GetFunctionResponse | undefined> {
    return this.send(
      'GetFunction',
      () => this.input.clients.lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
      functionName,
    );
  }

  async accountLimits(): Promise<AccountConcurrencyLimits | undefined> {
    const output = await this.send('GetAccountSettings', () =>
      this.input.clients.lambda.send(new GetAccountSettingsCommand({})),
    );
    const limit = output?.AccountLimit;
    if (limit?.ConcurrentExecutions === undefined) return undefined;
    return {
      concurrentExecutions: limit.ConcurrentExecutions,
      unreservedConcurrentExecutions: limit.UnreservedConcurrentExecutions ?? limit.ConcurrentExecutions,
    };
  }

  /** One metric, one statistic, one GetMetricStatistics request. */
  async statistics(
    metricName: string,
    dimensions: Readonly<Record<string, string>>,
    stat: LambdaStatistic,
    range: Range,
  ): Promise<MetricSeries | undefined> {
    const output = await this.send(
      'GetMetricStatistics',
      () =>
        this.input.clients.cloudwatch.send(
          new GetMetricStatisticsCommand({
            Namespace: LAMBDA_NAMESPACE,
            MetricName: metricName,
            Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
            StartTime: new Date(range.start),
            EndTime: new Date(range.end),
            Period: range.periodSeconds,
            Statistics: [stat],
          }),
        ),
      dimensions.FunctionName,
    );
    return output ? seriesOf(output, stat, range.periodSeconds) : undefined;
  }

  /** One Sum series over several consecutive ranges, one request each; undefined when any request failed. */
  async history(
    metricName: string,
    dimensions: Readonly<Record<string, string>>,
    ranges: readonly Range[],
  ): Promise<MetricSeries | undefined> {
    const parts = await Promise.all(
      ranges.map((range) => this.statistics(metricName, dimensions, 'Sum', range)),
    );
    if (parts.some((part) => part === undefined)) return undefined;
    return { periodSeconds: HISTORY_PERIOD_SECONDS, points: parts.flatMap((part) => part?.points ?? []) };
  }

  async provisionedSetup(functionName: string): Promise<ProvisionedSetup> {
    const byName = { FunctionName: functionName };
    const [configs, aliases] = await Promise.all([
      this.send('ListProvisionedConcurrencyConfigs', () =>
        this.input.clients.lambda.send(new ListProvisionedConcurrencyConfigsCommand(byName)),
      ),
      this.send('ListAliases', () => this.input.clients.lambda.send(new ListAliasesCommand(byName))),
    ]);
    return {
      functionName,
      ...(configs
        ? {
            configs: (configs.ProvisionedConcurrencyConfigs ?? []).map((config) =>
              withoutUndefined({
                qualifier: config.FunctionArn?.split(':').at(-1) ?? '',
                requested: config.RequestedProvisionedConcurrentExecutions ?? 0,
                allocated: config.AllocatedProvisionedConcurrentExecutions,
                available: config.AvailableProvisionedConcurrentExecutions,
                status: config.Status,
                statusReason: config.StatusReason,
                lastModified: config.LastModified,
              }),
            ),
          }
        : {}),
      ...(aliases
        ? {
            aliases: (aliases.Aliases ?? []).map((alias) => ({
              name: alias.Name ?? '',
              functionVersion: alias.FunctionVersion ?? '',
              additionalVersionWeights: alias.RoutingConfig?.AdditionalVersionWeights ?? {},
            })),
          }
        : {}),
    };
  }

  /** Spillover, provisioned use, concurrency and invocations of every provisioned alias or version of a function. */
  async qualifierMetrics(setup: ProvisionedSetup, range: Range): Promise<QualifierMetrics[]> {
    const read = await Promise.all(
      (setup.configs ?? []).map(async ({ qualifier }) => {
        const resource = { FunctionName: setup.functionName, Resource: `${setup.functionName}:${qualifier}` };
        const spilloverInvocations = await this.statistics(
          'ProvisionedConcurrencySpilloverInvocations',
          resource,
          'Sum',
          range,
        );
        if (!spilloverInvocations) return undefined;
        return withoutUndefined<QualifierMetrics>({
          functionName: setup.functionName,
          qualifier,
          spilloverInvocations,
          provisionedInvocations: await this.statistics(
            'ProvisionedConcurrencyInvocations',
            resource,
            'Sum',
            range,
          ),
          provisionedUtilization: await this.statistics(
            'ProvisionedConcurrencyUtilization',
            resource,
            'Maximum',
            range,
          ),
          concurrentExecutions: await this.statistics('ConcurrentExecutions', resource, 'Maximum', range),
          invocations: await this.statistics('Invocations', resource, 'Sum', range),
        });
      }),
    );
    return read.filter((entry): entry is QualifierMetrics => entry !== undefined);
  }

  async recursiveLoop(functionName: string): Promise<string | undefined> {
    const output = await this.send(
      'GetFunctionRecursionConfig',
      () =>
        this.input.clients.lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: functionName })),
      functionName,
    );
    return output?.RecursiveLoop;
  }
}
