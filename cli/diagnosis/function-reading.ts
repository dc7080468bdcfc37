/**
 * What `diagnose` reads about one function: GetFunction, the account's limits, its resource policy, recursion
 * setting, provisioned configs and aliases, and its own metrics; and the DetectorContext a scan would build from
 * them, so the sentinel's detectors judge the function exactly as a scan does.
 */
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionRecursionConfigCommand,
  GetPolicyCommand,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
  type AliasConfiguration,
  type GetAccountSettingsCommandOutput,
  type GetFunctionResponse,
  type GetPolicyCommandOutput,
  type ListAliasesCommandOutput,
  type ListProvisionedConcurrencyConfigsCommandOutput,
  type ProvisionedConcurrencyConfigListItem,
} from '@aws-sdk/client-lambda';
import type { RequestBudget } from '../../functions/scanner/aws/request-budget';
import {
  HISTORY_PERIOD_SECONDS,
  WINDOW_PERIOD_SECONDS,
  metricStatQuery,
  metricWindow,
  searchQuery,
} from '../../functions/scanner/collect/metric-queries';
import { snapshotWithDetail } from '../../functions/scanner/collect/inventory';
import { seriesByLabel } from '../../functions/scanner/collect/metric-collector';
import type { DetectorContext } from '../../functions/scanner/detect/detector';
import type {
  FunctionMetrics,
  FunctionSnapshot,
  MetricSeries,
  MetricsSnapshot,
  QualifierMetrics,
} from '../../functions/scanner/model';
import type { ScanClients } from '../../functions/scanner/run-scan';
import type { SentinelSettings } from '../../functions/scanner/settings';

/** Thrown when the function to diagnose does not exist. */
export class FunctionNotFoundError extends Error {
  constructor(functionName: string, options: { cause: unknown }) {
    super(`function ${functionName} was not found`, options);
    this.name = 'FunctionNotFoundError';
  }
}

/** What a diagnosis reads through. */
export interface DiagnosisInput {
  readonly clients: Pick<ScanClients, 'lambda' | 'cloudwatch'>;
  readonly budget: RequestBudget;
  readonly settings: SentinelSettings;
  readonly region: string;
  /** Epoch milliseconds of the diagnosis. */
  readonly now: number;
}

/** A read that may fail: the value, or the error's one-line description. */
export type Read<T> = { readonly value: T } | { readonly failed: string };

async function attempt<T>(
  budget: RequestBudget,
  operation: string,
  send: () => Promise<T>,
): Promise<Read<T>> {
  try {
    return { value: await budget.call(operation, send) };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    return {
      failed: `${operation} failed: ${name}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Everything read about one function, and the context the detectors judge it in. */
export interface FunctionReading {
  readonly fn: FunctionSnapshot;
  readonly context: DetectorContext;
  readonly metrics: FunctionWindow;
  readonly limits: Read<GetAccountSettingsCommandOutput>;
  readonly policy: Read<GetPolicyCommandOutput>;
  readonly recursiveLoop?: string;
  readonly configs: Read<ListProvisionedConcurrencyConfigsCommandOutput>;
  readonly aliases: Read<ListAliasesCommandOutput>;
}

/** Reads one function; throws FunctionNotFoundError if it does not exist, and records any other failed read. */
export async function readFunction(functionName: string, input: DiagnosisInput): Promise<FunctionReading> {
  const { clients, budget } = input;
  const lambda = clients.lambda;
  let response: GetFunctionResponse;
  try {
    response = await budget.call('GetFunction', () =>
      lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
    );
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') {
      throw new FunctionNotFoundError(functionName, { cause: error });
    }
    throw error;
  }
  const name = response.Configuration?.FunctionName ?? functionName;
  const byName = { FunctionName: name };
  const [limits, policy, recursion, configs, aliases, metrics] = await Promise.all([
    attempt(budget, 'GetAccountSettings', () => lambda.send(new GetAccountSettingsCommand({}))),
    attempt(budget, 'GetPolicy', () => lambda.send(new GetPolicyCommand(byName))),
    attempt(budget, 'GetFunctionRecursionConfig', () =>
      lambda.send(new GetFunctionRecursionConfigCommand(byName)),
    ),
    attempt(budget, 'ListProvisionedConcurrencyConfigs', () =>
      lambda.send(new ListProvisionedConcurrencyConfigsCommand(byName)),
    ),
    attempt(budget, 'ListAliases', () => lambda.send(new ListAliasesCommand(byName))),
    readFunctionMetrics(name, input),
  ]);
  const fn = snapshotWithDetail(undefined, response, input.now) ?? {
    functionName: name,
    functionArn: '',
    lastModified: '',
  };
  const recursiveLoopSetting = 'value' in recursion ? recursion.value.RecursiveLoop : undefined;
  const context = detectorContext(fn, input, metrics, {
    ...(recursiveLoopSetting !== undefined ? { recursiveLoop: recursiveLoopSetting } : {}),
    ...('value' in limits && limits.value.AccountLimit?.ConcurrentExecutions !== undefined
      ? {
          accountLimits: {
            concurrentExecutions: limits.value.AccountLimit.ConcurrentExecutions,
            unreservedConcurrentExecutions:
              limits.value.AccountLimit.UnreservedConcurrentExecutions ??
              limits.value.AccountLimit.ConcurrentExecutions,
          },
        }
      : {}),
    configs: 'value' in configs ? (configs.value.ProvisionedConcurrencyConfigs ?? []) : undefined,
    aliases: 'value' in aliases ? (aliases.value.Aliases ?? []) : undefined,
  });

  return {
    fn,
    context,
    metrics,
    limits,
    policy,
    ...(recursiveLoopSetting !== undefined ? { recursiveLoop: recursiveLoopSetting } : {}),
    configs,
    aliases,
  };
}

/** The function's own series over the window and its history, and the series of its aliases and versions. */
export interface FunctionWindow {
  readonly window: MetricsSnapshot['window'];
  readonly read: boolean;
  readonly failed?: string;
  readonly own: Partial<
    Record<'concurrency' | 'throttles' | 'invocations' | 'dropped' | 'history', MetricSeries>
  >;
  readonly byResource: Readonly<
    Record<'spillover' | 'invocations' | 'concurrency', ReadonlyMap<string, MetricSeries>>
  >;
}

async function readFunctionMetrics(functionName: string, input: DiagnosisInput): Promise<FunctionWindow> {
  const { settings } = input;
  const window = metricWindow(input.now, settings.lookbackMinutes, settings.loopBaselineHours);
  const own = { FunctionName: functionName };
  const perResource = (id: string, metricName: string, stat: 'Sum' | 'Maximum') =>
    searchQuery(
      id,
      {
        metricName,
        dimensionKeys: ['FunctionName', 'Resource'],
        filters: own,
        stat,
        labelDimension: 'Resource',
      },
      WINDOW_PERIOD_SECONDS,
    );
  const queries: MetricDataQuery[] = [
    metricStatQuery(
      'concurrency',
      { metricName: 'ConcurrentExecutions', dimensions: own, stat: 'Maximum' },
      60,
    ),
    metricStatQuery('throttles', { metricName: 'Throttles', dimensions: own, stat: 'Sum' }, 60),
    metricStatQuery('invocations', { metricName: 'Invocations', dimensions: own, stat: 'Sum' }, 60),
    metricStatQuery(
      'dropped',
      { metricName: 'RecursiveInvocationsDropped', dimensions: own, stat: 'Sum' },
      60,
    ),
    perResource('r_spillover', 'ProvisionedConcurrencySpilloverInvocations', 'Sum'),
    perResource('r_invocations', 'Invocations', 'Sum'),
    perResource('r_concurrency', 'ConcurrentExecutions', 'Maximum'),
  ];
  const send = (metricQueries: MetricDataQuery[], start: string, end: string) =>
    attempt(input.budget, 'GetMetricData', () =>
      input.clients.cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: metricQueries,
          StartTime: new Date(start),
          EndTime: new Date(end),
          ScanBy: 'TimestampAscending',
        }),
      ),
    );
  const [current, history] = await Promise.all([
    send(queries, window.start, window.end),
    send(
      [
        metricStatQuery(
          'history',
          { metricName: 'Invocations', dimensions: own, stat: 'Sum' },
          HISTORY_PERIOD_SECONDS,
        ),
      ],
      window.historyStart,
      window.historyEnd,
    ),
  ]);
  const empty = new Map<string, MetricSeries>();
  if (!('value' in current)) {
    return {
      window,
      read: false,
      failed: current.failed,
      own: {},
      byResource: { spillover: empty, invocations: empty, concurrency: empty },
    };
  }
  const results = current.value.MetricDataResults ?? [];
  const of = (id: string, periodSeconds = WINDOW_PERIOD_SECONDS) =>
    seriesByLabel(
      results.filter((result) => result.Id === id),
      periodSeconds,
    );
  const single = (id: string) => of(id).values().next().value;
  // No datapoint in the history is a history without invocations, not a failed read.
  const historySeries =
    'value' in history
      ? (seriesByLabel(history.value.MetricDataResults ?? [], HISTORY_PERIOD_SECONDS)
          .values()
          .next().value ?? {
          periodSeconds: HISTORY_PERIOD_SECONDS,
          points: [],
        })
      : undefined;
  return {
    window,
    read: true,
    own: {
      concurrency: single('concurrency'),
      throttles: single('throttles'),
      invocations: single('invocations'),
      dropped: single('dropped'),
      ...(historySeries ? { history: historySeries } : {}),
    },
    byResource: {
      spillover: of('r_spillover'),
      invocations: of('r_invocations'),
      concurrency: of('r_concurrency'),
    },
  };
}

interface LambdaSettingsRead {
  readonly recursiveLoop?: string;
  readonly accountLimits?: MetricsSnapshot['accountLimits'];
  readonly configs: readonly ProvisionedConcurrencyConfigListItem[] | undefined;
  readonly aliases: readonly AliasConfiguration[] | undefined;
}

/** The same DetectorContext a scan builds, for this one function: the detectors then judge it as a scan would. */
function detectorContext(
  fn: FunctionSnapshot,
  input: DiagnosisInput,
  metrics: FunctionWindow,
  lambda: LambdaSettingsRead,
): DetectorContext {
  const name = fn.functionName;
  const functionMetrics: FunctionMetrics = {
    functionName: name,
    reasons: ['top-invocations'],
    ...(metrics.own.concurrency ? { concurrentExecutions: metrics.own.concurrency } : {}),
    ...(metrics.own.throttles ? { throttles: metrics.own.throttles } : {}),
    ...(metrics.own.invocations ? { invocations: metrics.own.invocations } : {}),
    ...(metrics.own.history ? { invocationsHistory: metrics.own.history } : {}),
    ...(metrics.own.dropped ? { recursiveInvocationsDropped: metrics.own.dropped } : {}),
    invocationsByResource: Object.fromEntries(metrics.byResource.invocations),
    ...(lambda.recursiveLoop !== undefined ? { recursiveLoop: lambda.recursiveLoop } : {}),
  };
  const qualifiers: QualifierMetrics[] = [...metrics.byResource.spillover].map(
    ([resource, spilloverInvocations]) => {
      const concurrentExecutions = metrics.byResource.concurrency.get(resource);
      const invocations = metrics.byResource.invocations.get(resource);
      return {
        functionName: name,
        qualifier: resource.slice(resource.indexOf(':') + 1),
        spilloverInvocations,
        ...(concurrentExecutions ? { concurrentExecutions } : {}),
        ...(invocations ? { invocations } : {}),
      };
    },
  );
  const metricsSnapshot: MetricsSnapshot = {
    window: metrics.window,
    account: {},
    ...(lambda.accountLimits ? { accountLimits: lambda.accountLimits } : {}),
    functions: [functionMetrics],
    qualifiers,
    provisioned: [
      {
        functionName: name,
        ...(lambda.configs
          ? {
              configs: lambda.configs.map((config) => ({
                qualifier: config.FunctionArn?.split(':').at(-1) ?? '',
                requested: config.RequestedProvisionedConcurrentExecutions ?? 0,
                ...(config.AllocatedProvisionedConcurrentExecutions !== undefined
                  ? { allocated: config.AllocatedProvisionedConcurrentExecutions }
                  : {}),
                ...(config.Status !== undefined ? { status: config.Status } : {}),
              })),
            }
          : {}),
        ...(lambda.aliases
          ? {
              aliases: lambda.aliases.map((alias) => ({
                name: alias.Name ?? '',
                functionVersion: alias.FunctionVersion ?? '',
                additionalVersionWeights: alias.RoutingConfig?.AdditionalVersionWeights ?? {},
              })),
            }
          : {}),
      },
    ],
    coverage: {
      accountWindowDelivered: metrics.read,
      recursionProbe: metrics.read,
      spilloverProbe: metrics.read,
      concurrencyDrill: 'done',
      invocationDrill: metrics.read ? 'done' : 'failed',
      partial: [],
    },
  };
  return {
    snapshot: {
      accountId: fn.functionArn.split(':')[4] ?? '',
      region: input.region,
      collectedAt: new Date(input.now).toISOString(),
      functions: [fn],
      inventoryComplete: true,
      ignoredFunctions: [],
      metrics: metricsSnapshot,
    },
    settings: input.settings,
    now: input.now,
  };
}
