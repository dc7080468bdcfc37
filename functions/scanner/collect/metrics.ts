/**
 * Tiered collection of Lambda's CloudWatch metrics: the region level every run, a function's own series only
 * where the region level shows a signal, and Lambda settings only for the functions the metrics single out.
 *
 * Tier 0, every run: two GetMetricData calls, one for the window (five region-level series, the SEARCH probe for
 * dropped recursion, and, in the runs that must, the SEARCH probes for provisioned concurrency: spillover,
 * provisioned invocations and utilization, see probesSpillover) and one for the region's invocation history (a
 * call has one time range, and the ranges differ).
 * RecursiveInvocationsDropped and the ProvisionedConcurrency* metrics have no region-level series; the SEARCH
 * probes return only the per-function series CloudWatch holds: for dropped recursion none in a quiet account,
 * for provisioned concurrency one per metric and alias or version that reported it in the last two weeks (three
 * metrics for an alias that has spilled over, two for one that never has, none without provisioned concurrency).
 * Tier 1, only on a signal, the drill-downs in parallel (drill-concurrency.ts, drill-invocations.ts,
 * drill-spillover.ts followed by drill-provisioned.ts, which reuses what it read); and, while the sentinel holds a
 * cap on a function, that function's throttles since the cap could be lifted (one metric each).
 * Every call goes through the run's CallBudget; a failed call becomes a ScanError and collection goes on with
 * what it has; MetricCoverage says what could not be read, and which answers CloudWatch cut short.
 */
import type {
  CapHoldMetrics,
  FunctionMetrics,
  FunctionSnapshot,
  MetricSeries,
  MetricWindow,
  MetricsSnapshot,
  QualifierMetrics,
  ScanError,
} from '../model';
import { schedulePeriodMinutes } from '../settings';
import { drillConcurrency } from './drill-concurrency';
import { drillInvocations } from './drill-invocations';
import { drillProvisioned } from './drill-provisioned';
import { drillSpillover } from './drill-spillover';
import { Collector, single, withoutUndefined, type Answers, type CollectorInput } from './metric-collector';
import {
  HISTORY_PERIOD_SECONDS,
  WINDOW_PERIOD_SECONDS,
  metricStatQuery,
  metricWindow,
  queryId,
  searchQuery,
  type LambdaMetric,
} from './metric-queries';
import { hasData, hasNonZero } from './metric-series';

/** What the collector needs: the clients, the run's budget, the settings, the time and the inventory. */
export interface CollectMetricsInput extends CollectorInput {
  /** The inventory: Lambda settings are read only for functions in it, and its size bounds Metrics Insights' cost. */
  readonly functions: readonly FunctionSnapshot[];
  /**
   * ISO-8601 end of the last window the spillover probe covered (saved by earlier runs), which decides whether
   * this run probes for spillover.
   * @default - none recorded: this run probes
   */
  readonly spilloverProbedThrough?: string;
  /**
   * Functions under a cap the sentinel applied and has not lifted: their throttles over the last `capHoldMinutes`
   * are read, so that decide can lift the cap once they are calm.
   * @default - none
   */
  readonly cappedFunctions?: readonly string[];
  /**
   * Functions with an open `pc-health` finding about a provisioned concurrency config (failed, stuck allocating,
   * under-allocated, a new version): their configs are read again in the runs that probe, whatever their metrics
   * show, so that the finding resolves only on a config seen healthy.
   * @default - none
   */
  readonly provisionedRechecks?: readonly string[];
  /**
   * Epoch milliseconds (a whole minute) the window ends at, for a run one of the trigger alarms started; such a run
   * always probes for spillover.
   * @default - DELIVERY_DELAY_MINUTES before `now`
   */
  readonly windowEnd?: number;
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
  // A probe cut short did not see every minute of its window.
  if (!metrics.coverage.spilloverProbe || metrics.coverage.partial.includes('spillover-probe'))
    return previous;
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

const PROBE_PROVISIONED_INVOCATIONS = searchQuery(
  'probe_pc_invocations',
  {
    metricName: 'ProvisionedConcurrencyInvocations',
    dimensionKeys: ['FunctionName', 'Resource'],
    stat: 'Sum',
    labelDimension: 'Resource',
  },
  WINDOW_PERIOD_SECONDS,
);

const PROBE_PROVISIONED_UTILIZATION = searchQuery(
  'probe_pc_utilization',
  {
    metricName: 'ProvisionedConcurrencyUtilization',
    dimensionKeys: ['FunctionName', 'Resource'],
    stat: 'Maximum',
    labelDimension: 'Resource',
  },
  WINDOW_PERIOD_SECONDS,
);

function splitResource(resource: string): { functionName: string; qualifier: string } | undefined {
  const colon = resource.indexOf(':');
  if (colon <= 0 || colon === resource.length - 1) return undefined;
  return { functionName: resource.slice(0, colon), qualifier: resource.slice(colon + 1) };
}

/**
 * The aliases and versions the provisioned concurrency probes found, each with what every probe returned for it:
 * a qualifier found by one probe and not another never reported that metric in two weeks (for spillover: never
 * spilled), which reads as an empty series when that probe answered.
 */
function probedQualifiers(answers: Answers, withProbes: boolean): QualifierMetrics[] {
  if (!withProbes) return [];
  const spillover = answers.series.get('probe_spillover');
  const invocations = answers.series.get('probe_pc_invocations');
  const utilization = answers.series.get('probe_pc_utilization');
  const resources = new Set([
    ...(spillover?.keys() ?? []),
    ...(invocations?.keys() ?? []),
    ...(utilization?.keys() ?? []),
  ]);
  const empty: MetricSeries = { periodSeconds: WINDOW_PERIOD_SECONDS, points: [] };
  return [...resources].sort().flatMap((resource) => {
    const parts = splitResource(resource);
    if (!parts) return [];
    const read = (found: ReadonlyMap<string, MetricSeries> | undefined) =>
      found ? (found.get(resource) ?? empty) : undefined;
    return [
      withoutUndefined<QualifierMetrics>({
        ...parts,
        spilloverInvocations: read(spillover) ?? empty,
        provisionedInvocations: read(invocations),
        provisionedUtilization: read(utilization),
      }),
    ];
  });
}

/** Tier 0: the region-level series, the region's invocation history, and the SEARCH probes. */
async function readRegion(collector: Collector, window: MetricWindow, withSpilloverProbe: boolean) {
  const queries = Object.entries(REGION_METRICS).map(([id, metric]) =>
    metricStatQuery(id, metric, WINDOW_PERIOD_SECONDS),
  );
  const provisionedProbes = withSpilloverProbe
    ? [PROBE_SPILLOVER, PROBE_PROVISIONED_INVOCATIONS, PROBE_PROVISIONED_UTILIZATION]
    : [];
  const [answers, history] = await Promise.all([
    collector.fetch(
      'region',
      [...queries, PROBE_RECURSION, ...provisionedProbes],
      { start: window.start, end: window.end },
      WINDOW_PERIOD_SECONDS,
    ),
    collector.fetch(
      'region',
      [metricStatQuery('acct_history', REGION_METRICS.acct_invocations, HISTORY_PERIOD_SECONDS)],
      { start: window.historyStart, end: window.historyEnd },
      HISTORY_PERIOD_SECONDS,
    ),
  ]);
  const series = (id: keyof typeof REGION_METRICS) => single(answers, id, WINDOW_PERIOD_SECONDS);
  const account = Object.fromEntries(
    Object.entries({
      concurrentExecutions: series('acct_concurrent'),
      claimedAccountConcurrency: series('acct_claimed'),
      unreservedConcurrentExecutions: series('acct_unreserved'),
      throttles: series('acct_throttles'),
      invocations: series('acct_invocations'),
      invocationsHistory: single(history, 'acct_history', HISTORY_PERIOD_SECONDS),
    }).filter(([, value]) => value !== undefined),
  );
  const dropped: FunctionMetrics[] = [...(answers.series.get('probe_recursion') ?? [])]
    .filter(([, drops]) => hasNonZero(drops))
    .map(([functionName, recursiveInvocationsDropped]) => ({
      functionName,
      reasons: ['recursion-dropped'],
      recursiveInvocationsDropped,
    }));
  const qualifiers = probedQualifiers(answers, withSpilloverProbe);
  // A partial window answer may have cut a probe short: its findings must not resolve on it.
  if (answers.partial) collector.partial.add('recursion-probe');
  if (answers.partial && withSpilloverProbe) {
    collector.partial.add('spillover-probe');
    collector.partial.add('provisioned-probe');
  }
  return {
    account,
    dropped,
    qualifiers,
    recursionProbe: answers.series.has('probe_recursion'),
    spilloverProbe: answers.series.has('probe_spillover'),
    provisionedProbe:
      answers.series.has('probe_pc_invocations') && answers.series.has('probe_pc_utilization'),
  };
}

/**
 * Throttles per minute of every function the sentinel holds a cap on, over the last `capHoldMinutes` up to the
 * window's end; absent when there are none, and a function whose query failed is left out (its cap stays).
 */
async function readCapHolds(
  collector: Collector,
  cappedFunctions: readonly string[],
  window: MetricWindow,
): Promise<CapHoldMetrics[] | undefined> {
  if (cappedFunctions.length === 0) return undefined;
  const since = new Date(
    Date.parse(window.end) - collector.input.settings.capHoldMinutes * 60_000,
  ).toISOString();
  const answers = await collector.fetch(
    'cap-holds',
    cappedFunctions.map((functionName, index) =>
      metricStatQuery(
        queryId('hold', index),
        { metricName: 'Throttles', dimensions: { FunctionName: functionName }, stat: 'Sum' },
        WINDOW_PERIOD_SECONDS,
      ),
    ),
    { start: since, end: window.end },
    WINDOW_PERIOD_SECONDS,
  );
  return cappedFunctions.flatMap((functionName, index) => {
    const throttles = single(answers, queryId('hold', index), WINDOW_PERIOD_SECONDS);
    return throttles && !answers.partial ? [{ functionName, since, throttles }] : [];
  });
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

/** Collects the run's metrics; see the file comment for what is read when. */
export async function collectMetrics(input: CollectMetricsInput): Promise<CollectedMetrics> {
  const { settings, functions } = input;
  const collector = new Collector(input, functions.length);
  const window = metricWindow(
    input.now,
    settings.lookbackMinutes,
    settings.loopBaselineHours,
    input.windowEnd,
  );
  const known = new Set(functions.map((fn) => fn.functionName));
  const inInventory = (functionName: string) => known.size === 0 || known.has(functionName);

  // A trigger alarm's run always probes: the spillover alarm may be why it runs, and the skipping rule is about the
  // schedule's runs, which this one is not.
  const probe =
    input.windowEnd !== undefined ||
    probesSpillover(window, input.spilloverProbedThrough, schedulePeriodMinutes(settings.schedule));
  const region = await readRegion(collector, window, probe);
  const [hogs, provisioned, runaways, capHolds] = await Promise.all([
    drillConcurrency(collector, region.account, window, inInventory),
    // The provisioned concurrency drill-down reuses the configs and aliases the spillover one read.
    drillSpillover(collector, region.qualifiers, window, inInventory).then(async (spillover) => ({
      spillover,
      health: region.provisionedProbe
        ? await drillProvisioned(collector, {
            qualifiers: spillover.qualifiers,
            alreadyRead: spillover.provisioned,
            rechecks: input.provisionedRechecks ?? [],
            window,
            inInventory,
          })
        : { functions: [], qualifiers: spillover.qualifiers, provisioned: [] },
    })),
    drillInvocations(collector, region.account, window, inInventory),
    readCapHolds(collector, input.cappedFunctions ?? [], window),
  ]);
  const { spillover, health } = provisioned;

  const metrics: MetricsSnapshot = {
    window,
    account: region.account,
    ...(hogs.accountLimits ? { accountLimits: hogs.accountLimits } : {}),
    functions: mergeFunctions([
      region.dropped,
      hogs.functions,
      spillover.functions,
      health.functions,
      runaways.functions,
    ]),
    qualifiers: health.qualifiers,
    provisioned: [...spillover.provisioned, ...health.provisioned],
    ...(capHolds ? { capHolds } : {}),
    coverage: {
      accountWindowDelivered:
        hasData(region.account.concurrentExecutions) || hasData(region.account.invocations),
      recursionProbe: region.recursionProbe,
      spilloverProbe: region.spilloverProbe,
      provisionedProbe: region.provisionedProbe,
      concurrencyDrill: hogs.status,
      invocationDrill: runaways.status,
      partial: [...collector.partial].sort(),
    },
  };
  return { metrics, metricsRequested: collector.metricsRequested, errors: collector.errors };
}
