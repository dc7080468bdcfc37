/**
 * Tiered collection of Lambda's CloudWatch metrics: the region level every run, a function's own series only
 * where the region level shows a signal, and Lambda settings only for the functions the metrics single out.
 *
 * Tier 0, every run: two GetMetricData calls, one for the window (five region-level series and two SEARCH
 * probes) and one for the region's invocation baseline (a call has one time range, and the ranges differ).
 * RecursiveInvocationsDropped and the ProvisionedConcurrency* metrics have no region-level series; the SEARCH
 * probes return only the per-function series CloudWatch holds: for dropped recursion none in a quiet account,
 * for spillover one per alias or version with provisioned concurrency.
 * Tier 1, only on a signal, the three drill-downs in parallel:
 * - throttles in the region → GetAccountSettings; if the region's peak could reach `hogShare` of the limit,
 *   Metrics Insights top-N by concurrency and by throttles (two calls: one Metrics Insights query a call);
 * - the region's invocation rate up by what a runaway would add → Metrics Insights top-N by invocations, then
 *   the baselines of the functions fast enough to be loops, then the recursion config of those running hot;
 * - spillover on a qualifier → its concurrency and invocations, its function's invocations by resource, and
 *   ListProvisionedConcurrencyConfigs + ListAliases for that function.
 * Every call goes through the run's CallBudget; a failed call becomes a ScanError and collection goes on with
 * what it has, and MetricCoverage says what could not be read.
 */
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  GetAccountSettingsCommand,
  GetFunctionRecursionConfigCommand,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type {
  AccountConcurrencyLimits,
  AccountMetrics,
  AliasRouting,
  CallBudget,
  DrillStatus,
  FunctionMetrics,
  FunctionSnapshot,
  DrillReason,
  MetricSeries,
  MetricWindow,
  MetricsSnapshot,
  ProvisionedConcurrencyConfig,
  ProvisionedSetup,
  QualifierMetrics,
  ScanError,
} from '../model';
import { schedulePeriodMinutes, type SentinelSettings } from '../settings';
import {
  BASELINE_PERIOD_SECONDS,
  METRICS_INSIGHTS_MAX_ANALYZED,
  WINDOW_PERIOD_SECONDS,
  batchQueries,
  metricStatQuery,
  metricWindow,
  metricsRequested,
  queryId,
  searchQuery,
  topFunctionsQuery,
  type LambdaMetric,
} from './metric-queries';
import { hasData, hasNonZero, invocationHeat, seriesPeak } from './metric-series';

/** What the collector needs: the clients, the run's budget, the settings, the time and the inventory. */
export interface CollectMetricsInput {
  readonly cloudwatch: CloudWatchClient;
  readonly lambda: LambdaClient;
  readonly budget: CallBudget;
  readonly settings: SentinelSettings;
  /** Epoch milliseconds of the run. */
  readonly now: number;
  /** The inventory: Lambda settings are read only for functions in it, and its size bounds Metrics Insights' cost. */
  readonly functions: readonly FunctionSnapshot[];
  /**
   * ISO-8601 end of the last window the spillover probe covered (saved by earlier runs), which decides whether
   * this run probes for spillover.
   * @default - none recorded: this run probes
   */
  readonly spilloverProbedThrough?: string;
}

/**
 * Minutes a run may start later than its schedule says, on top of the schedule period, before a skipped probe
 * could leave a gap: EventBridge fires a scheduled rule at some second within the minute it is due, the
 * asynchronous invocation can wait briefly in Lambda's queue, and the window is floored to the minute.
 */
export const SCHEDULE_JITTER_MARGIN_MINUTES = 2;

/**
 * Whether this run searches for spillover. The probe costs one metric per alias or version with provisioned
 * concurrency, and spillover means cold starts, not an outage, so not every run needs to look; but every minute
 * must be looked at by some probe. Earlier runs record how far their probes reached (`probedThrough`, the end of
 * the last probed window). This run may skip only if the next run's window will still start at or before that
 * point, the next run coming at most one schedule period and SCHEDULE_JITTER_MARGIN_MINUTES after this one; if
 * its window could start later, the minutes in between would never be probed, so this run probes. It also probes
 * when nothing is recorded (a first run) or the runs' spacing is unknown (a cron schedule). On the defaults
 * (15-minute lookback, 5-minute runs) that is every other run.
 */
export function probesSpillover(
  window: Pick<MetricWindow, 'start'>,
  probedThrough: string | undefined,
  scheduleMinutes: number | undefined,
): boolean {
  const reached = probedThrough === undefined ? NaN : Date.parse(probedThrough);
  if (!Number.isFinite(reached) || scheduleMinutes === undefined) return true;
  const nextWindowStartAtLatest =
    Date.parse(window.start) + (scheduleMinutes + SCHEDULE_JITTER_MARGIN_MINUTES) * 60_000;
  return nextWindowStartAtLatest > reached;
}

/**
 * How far the spillover probe has looked once this run is done, for the run state: this run's window end when
 * its probe answered, otherwise what earlier runs recorded (a failed or skipped probe reaches no further).
 */
export function spilloverProbedThrough(
  previous: string | undefined,
  metrics: Pick<MetricsSnapshot, 'window' | 'coverage'>,
): string | undefined {
  if (!metrics.coverage.spilloverProbe) return previous;
  const earlier = previous === undefined ? NaN : Date.parse(previous);
  // A retried or overlapping run must not move the record back.
  return earlier > Date.parse(metrics.window.end) ? previous : metrics.window.end;
}

/** The metrics read, what they cost, and what went wrong along the way. */
export interface CollectedMetrics {
  readonly metrics: MetricsSnapshot;
  /** Metrics requested from CloudWatch this run, counted as CloudWatch bills them (see metric-queries.ts). */
  readonly metricsRequested: number;
  readonly errors: ScanError[];
}

/** How far each drill-down reaches: top-N sizes, and functions whose Lambda settings are read per run. */
export const DRILL_LIMITS = {
  /** Functions ranked by peak concurrency; a hog is among the first few by definition. */
  topConcurrency: 10,
  /** Throttled functions listed as victims. */
  throttledVictims: 100,
  /** Functions ranked by invocations when the region surges. */
  topInvocations: 20,
  /** Functions per kind whose Lambda settings are read (each call draws on the shared control-plane quota). */
  lambdaChecks: 10,
} as const;

/** Page limit for one GetMetricData request or one Lambda listing; our requests fit in one page. */
const MAX_PAGES = 10;

const REGION_METRICS = {
  acct_concurrent: { metricName: 'ConcurrentExecutions', dimensions: {}, stat: 'Maximum' },
  acct_claimed: { metricName: 'ClaimedAccountConcurrency', dimensions: {}, stat: 'Maximum' },
  acct_unreserved: { metricName: 'UnreservedConcurrentExecutions', dimensions: {}, stat: 'Maximum' },
  acct_throttles: { metricName: 'Throttles', dimensions: {}, stat: 'Sum' },
  acct_invocations: { metricName: 'Invocations', dimensions: {}, stat: 'Sum' },
} as const satisfies Record<string, LambdaMetric>;

const PROBE_RECURSION = searchQuery(
  'probe_recursion',
  {
    metricName: 'RecursiveInvocationsDropped',
    dimensionKeys: ['FunctionName'],
    stat: 'Sum',
    labelDimension: 'FunctionName',
  },
  WINDOW_PERIOD_SECONDS,
);

const PROBE_SPILLOVER = searchQuery(
  'probe_spillover',
  {
    metricName: 'ProvisionedConcurrencySpilloverInvocations',
    dimensionKeys: ['FunctionName', 'Resource'],
    stat: 'Sum',
    labelDimension: 'Resource',
  },
  WINDOW_PERIOD_SECONDS,
);

/** Series per query id (and per label, for SEARCH and Metrics Insights); a failed query's id is absent. */
type Answers = Map<string, Map<string, MetricSeries>>;

interface TimeRange {
  readonly start: string;
  readonly end: string;
}

/** Reads metrics and Lambda settings through the budget, recording errors and metrics requested. */
class Collector {
  readonly errors: ScanError[] = [];
  metricsRequested = 0;

  constructor(
    private readonly input: CollectMetricsInput,
    private readonly insightsAnalyzed: number,
  ) {}

  /** Runs `queries` over `range`, batched as GetMetricData allows. */
  async fetch(
    queries: readonly MetricDataQuery[],
    range: TimeRange,
    periodSeconds: number,
  ): Promise<Answers> {
    const answers: Answers = new Map();
    await Promise.all(
      batchQueries(queries).map(async (batch) => {
        const results = await this.fetchBatch(batch, range);
        if (!results) return;
        this.metricsRequested += metricsRequested(batch, results, this.insightsAnalyzed);
        for (const query of batch) {
          const id = query.Id ?? '';
          const own = results.filter((result) => result.Id === id);
          const failed = own.find(
            (result) => result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError',
          );
          if (failed) {
            this.record('GetMetricData', failed.StatusCode ?? 'Error', `Query ${id}: ${messagesOf(failed)}`);
            continue;
          }
          answers.set(id, seriesByLabel(own, periodSeconds));
        }
      }),
    );
    return answers;
  }

  private async fetchBatch(
    batch: MetricDataQuery[],
    range: TimeRange,
  ): Promise<MetricDataResult[] | undefined> {
    const results: MetricDataResult[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const output = await this.attempt('GetMetricData', undefined, () =>
        this.input.cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: batch,
            StartTime: new Date(range.start),
            EndTime: new Date(range.end),
            ScanBy: 'TimestampAscending',
            ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
          }),
        ),
      );
      if (!output) return undefined;
      results.push(...(output.MetricDataResults ?? []));
      nextToken = output.NextToken;
      if (nextToken === undefined) break;
    }
    return results;
  }

  /** Sends one AWS call through the budget; a failure is recorded and answered with undefined. */
  async attempt<T>(
    operation: string,
    functionName: string | undefined,
    send: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.input.budget.call(operation, send);
    } catch (error) {
      const code = error instanceof Error ? error.name : 'Error';
      this.record(operation, code, error instanceof Error ? error.message : String(error), functionName);
      return undefined;
    }
  }

  record(source: string, code: string, message: string, functionName?: string): void {
    this.errors.push({
      phase: 'collect',
      source,
      ...(functionName !== undefined ? { functionName } : {}),
      code,
      message,
    });
  }
}

function messagesOf(result: MetricDataResult): string {
  return (result.Messages ?? [])
    .map((message) => `${message.Code ?? ''} ${message.Value ?? ''}`.trim())
    .join('; ');
}

/** GetMetricData results as one series per label (a SEARCH or Metrics Insights query returns several). */
export function seriesByLabel(
  results: readonly MetricDataResult[],
  periodSeconds: number,
): Map<string, MetricSeries> {
  const points = new Map<string, { at: string; value: number }[]>();
  for (const result of results) {
    const label = result.Label ?? '';
    const list = points.get(label) ?? [];
    (result.Timestamps ?? []).forEach((timestamp, index) => {
      const value = result.Values?.[index];
      if (value !== undefined) list.push({ at: new Date(timestamp).toISOString(), value });
    });
    points.set(label, list);
  }
  return new Map(
    [...points].map(([label, list]) => [
      label,
      { periodSeconds, points: list.sort((a, b) => a.at.localeCompare(b.at)) },
    ]),
  );
}

/** The one series of a single-metric query: empty when CloudWatch returned none, undefined when it failed. */
function single(answers: Answers, id: string, periodSeconds: number): MetricSeries | undefined {
  const byLabel = answers.get(id);
  if (!byLabel) return undefined;
  return byLabel.values().next().value ?? { periodSeconds, points: [] };
}

function splitResource(resource: string): { functionName: string; qualifier: string } | undefined {
  const colon = resource.indexOf(':');
  if (colon <= 0 || colon === resource.length - 1) return undefined;
  return { functionName: resource.slice(0, colon), qualifier: resource.slice(colon + 1) };
}

function withoutUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/** What one drill-down found: whether it ran, and the functions it read series for. */
interface DrillResult {
  readonly status: DrillStatus;
  readonly functions: readonly FunctionMetrics[];
}

/** Combines what several drill-downs read about the same function. */
function mergeFunctions(lists: readonly (readonly FunctionMetrics[])[]): FunctionMetrics[] {
  const merged = new Map<string, FunctionMetrics>();
  for (const entry of lists.flat()) {
    const earlier = merged.get(entry.functionName);
    merged.set(
      entry.functionName,
      earlier
        ? { ...earlier, ...entry, reasons: [...new Set([...earlier.reasons, ...entry.reasons])] }
        : entry,
    );
  }
  return [...merged.values()].sort((a, b) => a.functionName.localeCompare(b.functionName));
}

type FunctionSeriesField =
  'concurrentExecutions' | 'throttles' | 'invocations' | 'recursiveInvocationsDropped';

/** One FunctionMetrics per function-labelled series that passes `keep`, the series stored as `field`. */
function perFunction(
  byFunction: ReadonlyMap<string, MetricSeries> | undefined,
  reason: DrillReason,
  field: FunctionSeriesField,
  keep: (series: MetricSeries) => boolean = () => true,
): FunctionMetrics[] {
  return [...(byFunction ?? [])]
    .filter(([, series]) => keep(series))
    .map(([functionName, series]) => ({ functionName, reasons: [reason], [field]: series }));
}

/** Tier 0: the region-level series, the region's invocation baseline, and the two SEARCH probes. */
async function readRegion(collector: Collector, window: MetricWindow, withSpilloverProbe: boolean) {
  const queries = Object.entries(REGION_METRICS).map(([id, metric]) =>
    metricStatQuery(id, metric, WINDOW_PERIOD_SECONDS),
  );
  const baselineQuery = metricStatQuery(
    'acct_invocations_baseline',
    REGION_METRICS.acct_invocations,
    BASELINE_PERIOD_SECONDS,
  );
  const [answers, baseline] = await Promise.all([
    collector.fetch(
      [...queries, PROBE_RECURSION, ...(withSpilloverProbe ? [PROBE_SPILLOVER] : [])],
      windowRange(window),
      WINDOW_PERIOD_SECONDS,
    ),
    collector.fetch([baselineQuery], baselineRange(window), BASELINE_PERIOD_SECONDS),
  ]);
  const series = (id: keyof typeof REGION_METRICS) => single(answers, id, WINDOW_PERIOD_SECONDS);
  const account: AccountMetrics = withoutUndefined({
    concurrentExecutions: series('acct_concurrent'),
    claimedAccountConcurrency: series('acct_claimed'),
    unreservedConcurrentExecutions: series('acct_unreserved'),
    throttles: series('acct_throttles'),
    invocations: series('acct_invocations'),
    invocationsBaseline: single(baseline, 'acct_invocations_baseline', BASELINE_PERIOD_SECONDS),
  });
  const dropped = perFunction(
    answers.get('probe_recursion'),
    'recursion-dropped',
    'recursiveInvocationsDropped',
    hasNonZero,
  );
  const qualifiers: QualifierMetrics[] = [];
  for (const [resource, spilloverInvocations] of answers.get('probe_spillover') ?? []) {
    const parts = splitResource(resource);
    if (parts) qualifiers.push({ ...parts, spilloverInvocations });
  }
  return {
    account,
    dropped,
    qualifiers,
    recursionProbe: answers.has('probe_recursion'),
    spilloverProbe: answers.has('probe_spillover'),
  };
}

function windowRange(window: MetricWindow): TimeRange {
  return { start: window.start, end: window.end };
}

function baselineRange(window: MetricWindow): TimeRange {
  return { start: window.baselineStart, end: window.start };
}

/**
 * Concurrency hogs: only when the region throttled. The account limit decides whether any function could
 * have reached `hogShare` of it; if so, Metrics Insights ranks functions by peak concurrency and by throttles.
 */
async function drillConcurrency(
  collector: Collector,
  input: CollectMetricsInput,
  account: AccountMetrics,
  window: MetricWindow,
): Promise<DrillResult & { readonly accountLimits?: AccountConcurrencyLimits }> {
  if (!account.throttles) return { status: 'failed', functions: [] };
  if (!hasNonZero(account.throttles)) return { status: 'not-needed', functions: [] };
  const accountLimits = await readAccountLimits(collector, input.lambda);
  if (!accountLimits) return { status: 'failed', functions: [] };
  const regionPeak = seriesPeak(account.concurrentExecutions);
  if (regionPeak !== undefined && regionPeak < input.settings.hogShare * accountLimits.concurrentExecutions) {
    return { status: 'not-needed', functions: [], accountLimits };
  }
  const answers = await collector.fetch(
    [
      topFunctionsQuery(
        'top_concurrency',
        { metricName: 'ConcurrentExecutions', aggregate: 'MAX', limit: DRILL_LIMITS.topConcurrency },
        WINDOW_PERIOD_SECONDS,
      ),
      topFunctionsQuery(
        'top_throttles',
        { metricName: 'Throttles', aggregate: 'SUM', limit: DRILL_LIMITS.throttledVictims },
        WINDOW_PERIOD_SECONDS,
      ),
    ],
    windowRange(window),
    WINDOW_PERIOD_SECONDS,
  );
  const top = answers.get('top_concurrency');
  const throttled = answers.get('top_throttles');
  const functions = [
    ...perFunction(top, 'top-concurrency', 'concurrentExecutions'),
    ...perFunction(throttled, 'throttled', 'throttles', hasNonZero),
  ];
  return { status: top && throttled ? 'done' : 'failed', functions, accountLimits };
}

/**
 * Provisioned concurrency spillover: for the qualifiers that spilled, their peak concurrency and invocations;
 * for their functions, invocations in total and by resource (to see calls that bypass the alias), and the
 * provisioned concurrency configs and aliases. Capped at DRILL_LIMITS.lambdaChecks functions.
 */
async function drillSpillover(
  collector: Collector,
  input: CollectMetricsInput,
  qualifiers: readonly QualifierMetrics[],
  window: MetricWindow,
  inInventory: (functionName: string) => boolean,
): Promise<{
  readonly functions: FunctionMetrics[];
  readonly qualifiers: QualifierMetrics[];
  readonly provisioned: ProvisionedSetup[];
}> {
  const functionNames = [
    ...new Set(
      qualifiers
        .filter((qualifier) => hasNonZero(qualifier.spilloverInvocations))
        .map((qualifier) => qualifier.functionName),
    ),
  ]
    .filter(inInventory)
    .slice(0, DRILL_LIMITS.lambdaChecks);
  if (functionNames.length === 0) {
    return { functions: [], qualifiers: [...qualifiers], provisioned: [] };
  }
  const drilled = qualifiers.filter(
    (qualifier) =>
      functionNames.includes(qualifier.functionName) && hasNonZero(qualifier.spilloverInvocations),
  );
  const queries: MetricDataQuery[] = drilled.flatMap((qualifier, index) => {
    const dimensions = {
      FunctionName: qualifier.functionName,
      Resource: `${qualifier.functionName}:${qualifier.qualifier}`,
    };
    return [
      metricStatQuery(
        queryId('pc_conc', index),
        { metricName: 'ConcurrentExecutions', dimensions, stat: 'Maximum' },
        WINDOW_PERIOD_SECONDS,
      ),
      metricStatQuery(
        queryId('pc_inv', index),
        { metricName: 'Invocations', dimensions, stat: 'Sum' },
        WINDOW_PERIOD_SECONDS,
      ),
    ];
  });
  functionNames.forEach((functionName, index) => {
    queries.push(
      metricStatQuery(
        queryId('fn_inv', index),
        { metricName: 'Invocations', dimensions: { FunctionName: functionName }, stat: 'Sum' },
        WINDOW_PERIOD_SECONDS,
      ),
      searchQuery(
        queryId('fn_res', index),
        {
          metricName: 'Invocations',
          dimensionKeys: ['FunctionName', 'Resource'],
          filters: { FunctionName: functionName },
          stat: 'Sum',
          labelDimension: 'Resource',
        },
        WINDOW_PERIOD_SECONDS,
      ),
    );
  });
  const [answers, provisioned] = await Promise.all([
    collector.fetch(queries, windowRange(window), WINDOW_PERIOD_SECONDS),
    Promise.all(
      functionNames.map((functionName) => readProvisionedSetup(collector, input.lambda, functionName)),
    ),
  ]);
  const withDetail = qualifiers.map((qualifier) => {
    const index = drilled.indexOf(qualifier);
    if (index < 0) return qualifier;
    return withoutUndefined({
      ...qualifier,
      concurrentExecutions: single(answers, queryId('pc_conc', index), WINDOW_PERIOD_SECONDS),
      invocations: single(answers, queryId('pc_inv', index), WINDOW_PERIOD_SECONDS),
    });
  });
  const functions = functionNames.map((functionName, index): FunctionMetrics => {
    const byResource = answers.get(queryId('fn_res', index));
    return withoutUndefined({
      functionName,
      reasons: ['provisioned-spillover'],
      invocations: single(answers, queryId('fn_inv', index), WINDOW_PERIOD_SECONDS),
      invocationsByResource: byResource ? Object.fromEntries(byResource) : undefined,
    });
  });
  return { functions, qualifiers: withDetail, provisioned };
}

/**
 * Runaway loops: only when the region's invocation rate rose by at least what one runaway function would add.
 * Metrics Insights ranks functions by invocations; those fast enough to be loops get their own baseline, and
 * those running hot get their recursion config read.
 */
async function drillInvocations(
  collector: Collector,
  input: CollectMetricsInput,
  account: AccountMetrics,
  window: MetricWindow,
  inInventory: (functionName: string) => boolean,
): Promise<DrillResult> {
  const { settings } = input;
  if (!account.invocations || !account.invocationsBaseline) return { status: 'failed', functions: [] };
  const regionHeat = invocationHeat(
    account.invocations,
    account.invocationsBaseline,
    settings.loopBaselineHours,
    settings,
  );
  // A function at `loopFactor` times its baseline and `loopMinInvocationsPerMinute` adds at least this much
  // to the region's rate, unless others slowed down by as much in the same minutes.
  const surgeFloor = settings.loopMinInvocationsPerMinute * (1 - 1 / settings.loopFactor);
  if (!regionHeat || regionHeat.latestPerMinute - regionHeat.baselinePerMinute < surgeFloor) {
    return { status: 'not-needed', functions: [] };
  }
  const top = (
    await collector.fetch(
      [
        topFunctionsQuery(
          'top_invocations',
          { metricName: 'Invocations', aggregate: 'SUM', limit: DRILL_LIMITS.topInvocations },
          WINDOW_PERIOD_SECONDS,
        ),
      ],
      windowRange(window),
      WINDOW_PERIOD_SECONDS,
    )
  ).get('top_invocations');
  if (!top) return { status: 'failed', functions: [] };
  const fastEnough = [...top].filter(([, series]) => {
    const latest = series.points.at(-1)?.value ?? 0;
    return (latest * 60) / series.periodSeconds >= settings.loopMinInvocationsPerMinute;
  });
  if (fastEnough.length === 0) return { status: 'done', functions: [] };
  const baselines = await collector.fetch(
    fastEnough.map(([functionName], index) =>
      metricStatQuery(
        queryId('base', index),
        { metricName: 'Invocations', dimensions: { FunctionName: functionName }, stat: 'Sum' },
        BASELINE_PERIOD_SECONDS,
      ),
    ),
    baselineRange(window),
    BASELINE_PERIOD_SECONDS,
  );
  const functions = fastEnough.map(([functionName, invocations], index) =>
    withoutUndefined<FunctionMetrics>({
      functionName,
      reasons: ['top-invocations'],
      invocations,
      invocationsBaseline: single(baselines, queryId('base', index), BASELINE_PERIOD_SECONDS),
    }),
  );
  const hot = functions
    .filter((entry) => inInventory(entry.functionName))
    .filter(
      (entry) =>
        invocationHeat(entry.invocations, entry.invocationsBaseline, settings.loopBaselineHours, settings)
          ?.hot,
    )
    .slice(0, DRILL_LIMITS.lambdaChecks);
  const recursion = new Map<string, string>();
  await Promise.all(
    hot.map(async ({ functionName }) => {
      const config = await collector.attempt('GetFunctionRecursionConfig', functionName, () =>
        input.lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: functionName })),
      );
      if (config?.RecursiveLoop) recursion.set(functionName, config.RecursiveLoop);
    }),
  );
  return {
    status: baselines.size === fastEnough.length ? 'done' : 'failed',
    functions: functions.map((entry) => {
      const recursiveLoop = recursion.get(entry.functionName);
      return recursiveLoop ? { ...entry, recursiveLoop } : entry;
    }),
  };
}

/** Collects the run's metrics; see the file comment for what is read when. */
export async function collectMetrics(input: CollectMetricsInput): Promise<CollectedMetrics> {
  const { settings, functions } = input;
  const collector = new Collector(
    input,
    functions.length > 0 ? functions.length : METRICS_INSIGHTS_MAX_ANALYZED,
  );
  const window = metricWindow(input.now, settings.lookbackMinutes, settings.loopBaselineHours);
  const known = new Set(functions.map((fn) => fn.functionName));
  const inInventory = (functionName: string) => known.size === 0 || known.has(functionName);

  const region = await readRegion(
    collector,
    window,
    probesSpillover(window, input.spilloverProbedThrough, schedulePeriodMinutes(settings.schedule)),
  );
  const [hogs, spillover, runaways] = await Promise.all([
    drillConcurrency(collector, input, region.account, window),
    drillSpillover(collector, input, region.qualifiers, window, inInventory),
    drillInvocations(collector, input, region.account, window, inInventory),
  ]);

  const metrics: MetricsSnapshot = {
    window,
    account: region.account,
    ...(hogs.accountLimits ? { accountLimits: hogs.accountLimits } : {}),
    functions: mergeFunctions([region.dropped, hogs.functions, spillover.functions, runaways.functions]),
    qualifiers: spillover.qualifiers,
    provisioned: spillover.provisioned,
    coverage: {
      accountWindowDelivered:
        hasData(region.account.concurrentExecutions) || hasData(region.account.invocations),
      recursionProbe: region.recursionProbe,
      spilloverProbe: region.spilloverProbe,
      concurrencyDrill: hogs.status,
      invocationDrill: runaways.status,
    },
  };
  return { metrics, metricsRequested: collector.metricsRequested, errors: collector.errors };
}

async function readAccountLimits(
  collector: Collector,
  lambda: LambdaClient,
): Promise<AccountConcurrencyLimits | undefined> {
  const output = await collector.attempt('GetAccountSettings', undefined, () =>
    lambda.send(new GetAccountSettingsCommand({})),
  );
  if (!output) return undefined;
  const limit = output.AccountLimit;
  if (limit?.ConcurrentExecutions === undefined) {
    collector.record(
      'GetAccountSettings',
      'MissingAccountLimit',
      'GetAccountSettings returned no concurrency limit',
    );
    return undefined;
  }
  return {
    concurrentExecutions: limit.ConcurrentExecutions,
    unreservedConcurrentExecutions: limit.UnreservedConcurrentExecutions ?? limit.ConcurrentExecutions,
  };
}

/** Reads every page of a Lambda listing; undefined when a page fails (the error is recorded). */
async function listAll<Page, Item>(
  collector: Collector,
  operation: string,
  functionName: string,
  send: (marker: string | undefined) => Promise<Page>,
  read: (page: Page) => { items: readonly Item[]; nextMarker?: string | undefined },
): Promise<Item[] | undefined> {
  const items: Item[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const output = await collector.attempt(operation, functionName, () => send(marker));
    if (output === undefined) return undefined;
    const { items: pageItems, nextMarker } = read(output);
    items.push(...pageItems);
    marker = nextMarker;
    if (marker === undefined) break;
  }
  return items;
}

async function readProvisionedSetup(
  collector: Collector,
  lambda: LambdaClient,
  functionName: string,
): Promise<ProvisionedSetup> {
  const [configs, aliases] = await Promise.all([
    listAll(
      collector,
      'ListProvisionedConcurrencyConfigs',
      functionName,
      (Marker) =>
        lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: functionName, Marker })),
      (page) => ({
        items: (page.ProvisionedConcurrencyConfigs ?? []).map((config) =>
          withoutUndefined<ProvisionedConcurrencyConfig>({
            // The ARN ends with the alias or version the config is on.
            qualifier: config.FunctionArn?.split(':').at(-1) ?? '',
            requested: config.RequestedProvisionedConcurrentExecutions ?? 0,
            allocated: config.AllocatedProvisionedConcurrentExecutions,
            available: config.AvailableProvisionedConcurrentExecutions,
            status: config.Status,
          }),
        ),
        nextMarker: page.NextMarker,
      }),
    ),
    listAll(
      collector,
      'ListAliases',
      functionName,
      (Marker) => lambda.send(new ListAliasesCommand({ FunctionName: functionName, Marker })),
      (page) => ({
        items: (page.Aliases ?? []).map((alias): AliasRouting => ({
          name: alias.Name ?? '',
          functionVersion: alias.FunctionVersion ?? '',
          additionalVersionWeights: alias.RoutingConfig?.AdditionalVersionWeights ?? {},
        })),
        nextMarker: page.NextMarker,
      }),
    ),
  ]);
  return { functionName, ...(configs ? { configs } : {}), ...(aliases ? { aliases } : {}) };
}
