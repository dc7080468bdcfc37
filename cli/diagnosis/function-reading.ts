/**
 * What `diagnose` reads about one function from Lambda and CloudWatch: GetFunction, the account's limits, its
 * resource policy, recursion setting, provisioned configs and aliases, its own metrics and the region's; and the
 * DetectorContext a scan would build from them, so the sentinel's detectors judge the function exactly as a scan
 * does.
 */
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { EFSClient } from '@aws-sdk/client-efs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { KMSClient } from '@aws-sdk/client-kms';
import {
  GetFunctionCommand,
  GetFunctionRecursionConfigCommand,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
  type GetFunctionResponse,
  type LambdaClient,
  type ProvisionedConcurrencyConfigListItem,
} from '@aws-sdk/client-lambda';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  HISTORY_PERIOD_SECONDS,
  WINDOW_PERIOD_SECONDS,
  metricStatQuery,
  metricWindow,
  searchQuery,
  type LambdaMetric,
} from '../../functions/scanner/collect/metric-queries';
import { snapshotWithDetail } from '../../functions/scanner/collect/inventory';
import { readAccountLimits } from '../../functions/scanner/collect/lambda-settings';
import { Collector, seriesByLabel } from '../../functions/scanner/collect/metric-collector';
import type { DetectorContext } from '../../functions/scanner/detect/detector';
import type {
  AccountConcurrencyLimits,
  AccountMetrics,
  CallBudget,
  Clock,
  FunctionMetrics,
  FunctionSnapshot,
  MetricSeries,
  MetricsSnapshot,
  QualifierMetrics,
} from '../../functions/scanner/model';
import type { SentinelSettings } from '../../functions/scanner/settings';
import { readPolicy } from './lambda-access-reading';
import {
  attempt,
  attemptAll,
  failureOfScanError,
  valueOf,
  wasRead,
  type Read,
  type ReadFailure,
} from './reading';

/** Thrown when the function to diagnose does not exist. */
export class FunctionNotFoundError extends Error {
  constructor(functionName: string, options: { cause: unknown }) {
    super(`function ${functionName} was not found`, options);
    this.name = 'FunctionNotFoundError';
  }
}

/** The clients a diagnosis reads through: one per service, each only for Get, List and Describe calls. */
export interface DiagnosisClients {
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
  readonly sns: SNSClient;
  readonly eventbridge: EventBridgeClient;
  readonly kms: KMSClient;
  readonly efs: EFSClient;
}

/** What a diagnosis reads through. */
export interface DiagnosisInput {
  readonly clients: DiagnosisClients;
  /** Every call goes through it: Lambda's quotas and retries of throttled calls (RequestBudget). */
  readonly budget: CallBudget;
  readonly settings: SentinelSettings;
  readonly region: string;
  /** Epoch milliseconds of the diagnosis. */
  readonly now: number;
  /**
   * Time source for stamping what GetFunction read (give the session's clock in simulations).
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** Pages of aliases and of provisioned concurrency configs read (50 a page). */
const LAMBDA_LIST_PAGES = 4;

/** Everything read about one function, and the context the detectors judge it in. */
export interface FunctionReading {
  readonly fn: FunctionSnapshot;
  /** GetFunction's configuration (memory, runtime, VPC), as Lambda returned it. */
  readonly configuration?: FunctionConfiguration;
  readonly context: DetectorContext;
  readonly metrics: FunctionWindow;
  readonly limits: Read<AccountConcurrencyLimits>;
  /** The unqualified function's resource-based policy document; undefined: it has none. */
  readonly policy: Read<string | undefined>;
  /** `RecursiveLoop`: Allow or Terminate. */
  readonly recursion: Read<string | undefined>;
  readonly configs: Read<ProvisionedConcurrencyConfigListItem[]>;
  readonly aliases: Read<AliasConfiguration[]>;
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
    readLimits(input),
    readPolicy(lambda, budget, name),
    attempt(budget, 'GetFunctionRecursionConfig', () =>
      lambda.send(new GetFunctionRecursionConfigCommand(byName)),
    ).then((read) => (wasRead(read) ? { value: read.value.RecursiveLoop } : read)),
    attemptAll(
      budget,
      'ListProvisionedConcurrencyConfigs',
      LAMBDA_LIST_PAGES,
      (Marker) => lambda.send(new ListProvisionedConcurrencyConfigsCommand({ ...byName, Marker })),
      (page) => ({ items: page.ProvisionedConcurrencyConfigs ?? [], next: page.NextMarker }),
    ),
    attemptAll(
      budget,
      'ListAliases',
      LAMBDA_LIST_PAGES,
      (Marker) => lambda.send(new ListAliasesCommand({ ...byName, Marker })),
      (page) => ({ items: page.Aliases ?? [], next: page.NextMarker }),
    ),
    readFunctionMetrics(name, input),
  ]);
  const fn = snapshotWithDetail(undefined, response, input.now) ?? {
    functionName: name,
    functionArn: '',
    lastModified: '',
  };
  const recursiveLoop = valueOf(recursion);
  const accountLimits = valueOf(limits);
  const context = detectorContext(fn, input, metrics, {
    ...(recursiveLoop !== undefined ? { recursiveLoop } : {}),
    ...(accountLimits ? { accountLimits } : {}),
    configs: valueOf(configs),
    aliases: valueOf(aliases),
  });

  return {
    fn,
    ...(response.Configuration ? { configuration: response.Configuration } : {}),
    context,
    metrics,
    limits,
    policy,
    recursion,
    configs,
    aliases,
  };
}

/** GetAccountSettings' concurrency limits, read as the scanner reads them; a reply without them is a failed read. */
async function readLimits(input: DiagnosisInput): Promise<Read<AccountConcurrencyLimits>> {
  const { clients, budget, settings, now } = input;
  const collector = new Collector(
    { cloudwatch: clients.cloudwatch, lambda: clients.lambda, budget, settings, now },
    0,
  );
  const limits = await readAccountLimits(collector);
  if (limits) return { value: limits };
  const [error] = collector.errors;
  return error ? failureOfScanError(error) : { failed: 'GetAccountSettings failed', errorName: 'Error' };
}

/**
 * The function's own series over the window and its history, the series of its aliases and versions, and the
 * region's concurrency and throttles (what the concurrency-hog detector weighs a function against).
 */
export interface FunctionWindow {
  readonly window: MetricsSnapshot['window'];
  readonly read: boolean;
  /** Why the window could not be read. */
  readonly failure?: ReadFailure;
  readonly account: AccountMetrics;
  readonly own: Partial<
    Record<'concurrency' | 'throttles' | 'invocations' | 'dropped' | 'history', MetricSeries>
  >;
  readonly byResource: Readonly<
    Record<'spillover' | 'invocations' | 'concurrency', ReadonlyMap<string, MetricSeries>>
  >;
}

/** The region-level series read with the function's own, by query id. */
const REGION_SERIES = {
  acct_throttles: { metricName: 'Throttles', dimensions: {}, stat: 'Sum' },
  acct_concurrent: { metricName: 'ConcurrentExecutions', dimensions: {}, stat: 'Maximum' },
  acct_unreserved: { metricName: 'UnreservedConcurrentExecutions', dimensions: {}, stat: 'Maximum' },
} as const satisfies Record<string, LambdaMetric>;

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
    ...Object.entries(REGION_SERIES).map(([id, metric]) =>
      metricStatQuery(id, metric, WINDOW_PERIOD_SECONDS),
    ),
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
  if (!wasRead(current)) {
    return {
      window,
      read: false,
      failure: current,
      account: {},
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
  const historySeries = wasRead(history)
    ? (seriesByLabel(history.value.MetricDataResults ?? [], HISTORY_PERIOD_SECONDS)
        .values()
        .next().value ?? {
        periodSeconds: HISTORY_PERIOD_SECONDS,
        points: [],
      })
    : undefined;
  const region = (id: keyof typeof REGION_SERIES) =>
    single(id) ?? { periodSeconds: WINDOW_PERIOD_SECONDS, points: [] };
  return {
    window,
    read: true,
    // A count metric with no datapoint counted nothing: the region had no throttles.
    account: {
      throttles: region('acct_throttles'),
      concurrentExecutions: region('acct_concurrent'),
      unreservedConcurrentExecutions: region('acct_unreserved'),
    },
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
    account: metrics.account,
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
