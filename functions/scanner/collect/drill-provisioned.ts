/**
 * The provisioned concurrency drill-down, for `pc-health`: only for the aliases and versions the probes single out,
 * in three short steps, each only for the functions the one before points at.
 *
 * 1. A qualifier whose provisioned concurrency served next to nothing in the window, or stopped serving in its last
 *    minutes (provisioned-usage.ts), may be idle, bypassed or broken: its function's Invocations tell which (one
 *    metric per function, one GetMetricData call).
 * 2. For a function that kept running while its provisioned concurrency did not serve, for an alias or version
 *    about to spill, and for a function with an open config finding (`rechecks`): its provisioned concurrency
 *    configs and aliases (two Lambda calls, none when the spillover drill-down read them already), and, for the
 *    first two, its Invocations by `Resource` and, for the aliases that stopped using provisioned concurrency in
 *    the window, by `ExecutedVersion` (one GetMetricData call, billed per series found).
 * 3. For a function whose traffic mostly bypasses its provisioned concurrency: the callers that can target the
 *    bare name or `$LATEST`, from ListEventSourceMappings, GetFunctionUrlConfig and GetPolicy (three Lambda calls).
 *
 * What it cannot see: the probes find only series that reported in the last two weeks, so a provisioned config
 * that never served an invocation in that time (set up but never used, or bypassed since before then) is never
 * singled out, and a config that is FAILED or stuck allocating on an alias nobody calls changes no metric at all.
 * Step 2 reads the configs of at most PROVISIONED_DRILL_LIMITS.lambdaChecks functions a run.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type {
  FunctionMetrics,
  MetricSeries,
  MetricWindow,
  ProvisionedSetup,
  QualifierMetrics,
} from '../model';
import {
  readEventSourceMappings,
  readInvokePermissions,
  readProvisionedSetup,
  readUnqualifiedFunctionUrls,
} from './lambda-settings';
import { single, withoutUndefined, type Answers, type Collector } from './metric-collector';
import { WINDOW_PERIOD_SECONDS, metricStatQuery, queryId, searchQuery } from './metric-queries';
import { hasNonZero, minuteValues } from './metric-series';
import {
  STOPPED_TAIL_MINUTES,
  bypassPossible,
  functionBypass,
  mostlyBypassing,
  nearSpill,
  provisionedNearZero,
  provisionedStopped,
  windowSum,
} from './provisioned-usage';

/** How far the provisioned concurrency drill-down reaches. */
export const PROVISIONED_DRILL_LIMITS = {
  /** Functions whose total invocations are read in step 1 (one metric each). */
  invocationReads: 50,
  /**
   * Functions whose Lambda settings are read in steps 2 and 3: at most five calls each (configs, aliases, and for a
   * bypass the mappings, the URL and the policy), all but GetPolicy on the shared control-plane bucket, so ten
   * functions cost at most 40 of its calls, about 13 seconds at the default 3 rps.
   */
  lambdaChecks: 10,
} as const;

/** What the drill-down starts from: the probed qualifiers, what the spillover drill-down read, and the window. */
export interface ProvisionedDrillInput {
  /** Every qualifier the probes found, with what the spillover drill-down added. */
  readonly qualifiers: readonly QualifierMetrics[];
  /** Configs and aliases the spillover drill-down already read: not read again. */
  readonly alreadyRead: readonly ProvisionedSetup[];
  /** Functions with an open config finding: their configs and aliases are read whatever their metrics show. */
  readonly rechecks: readonly string[];
  readonly window: MetricWindow;
  readonly inInventory: (functionName: string) => boolean;
}

/** What the drill-down read: per function, per qualifier, and the provisioned setups it read itself. */
export interface ProvisionedDrillResult {
  readonly functions: FunctionMetrics[];
  readonly qualifiers: QualifierMetrics[];
  readonly provisioned: ProvisionedSetup[];
}

/** What step 2 reads for one function, and why. */
interface Plan {
  readonly functionName: string;
  /** Lower reads first when the limit bites: open findings, then stopped or bypassed, then about to spill. */
  readonly priority: number;
  readonly byResource: boolean;
  /** Aliases whose executed versions are read. */
  readonly executedVersions: readonly string[];
}

const isAliasName = (qualifier: string) => !/^\d+$/.test(qualifier);

function mergePlans(plans: readonly Plan[]): Plan[] {
  const merged = new Map<string, Plan>();
  for (const plan of plans) {
    const earlier = merged.get(plan.functionName);
    merged.set(
      plan.functionName,
      earlier
        ? {
            functionName: plan.functionName,
            priority: Math.min(earlier.priority, plan.priority),
            byResource: earlier.byResource || plan.byResource,
            executedVersions: [...new Set([...earlier.executedVersions, ...plan.executedVersions])],
          }
        : plan,
    );
  }
  return [...merged.values()].sort(
    (a, b) => a.priority - b.priority || a.functionName.localeCompare(b.functionName),
  );
}

/** Step 1: each quiet function's total invocations in the window. */
async function readTotals(
  collector: Collector,
  functionNames: readonly string[],
  window: MetricWindow,
): Promise<Answers | undefined> {
  if (functionNames.length === 0) return undefined;
  return collector.fetch(
    'provisioned-drill',
    functionNames.map((functionName, index) =>
      metricStatQuery(
        queryId('pc_fn_inv', index),
        { metricName: 'Invocations', dimensions: { FunctionName: functionName }, stat: 'Sum' },
        WINDOW_PERIOD_SECONDS,
      ),
    ),
    { start: window.start, end: window.end },
    WINDOW_PERIOD_SECONDS,
  );
}

/** Step 2's metrics: invocations by resource, and by executed version behind the aliases that stopped. */
function resourceQueries(plans: readonly Plan[]): MetricDataQuery[] {
  return plans.flatMap((plan, index) => [
    ...(plan.byResource
      ? [
          searchQuery(
            queryId('pc_res', index),
            {
              metricName: 'Invocations',
              dimensionKeys: ['FunctionName', 'Resource'],
              filters: { FunctionName: plan.functionName },
              stat: 'Sum',
              labelDimension: 'Resource',
            },
            WINDOW_PERIOD_SECONDS,
          ),
        ]
      : []),
    ...plan.executedVersions.map((alias, position) =>
      searchQuery(
        queryId(`pc_ver_${index}`, position),
        {
          metricName: 'Invocations',
          dimensionKeys: ['ExecutedVersion', 'FunctionName', 'Resource'],
          filters: { FunctionName: plan.functionName, Resource: `${plan.functionName}:${alias}` },
          stat: 'Sum',
          labelDimension: 'ExecutedVersion',
        },
        WINDOW_PERIOD_SECONDS,
      ),
    ),
  ]);
}

/** Runs the provisioned concurrency drill-down; see the file comment. */
export async function drillProvisioned(
  collector: Collector,
  input: ProvisionedDrillInput,
): Promise<ProvisionedDrillResult> {
  const { window } = input;
  const watched = input.qualifiers.filter((qualifier) => input.inInventory(qualifier.functionName));
  const qualifiersOf = (functionName: string) =>
    watched.filter((qualifier) => qualifier.functionName === functionName);
  const quiet = watched.filter(
    (qualifier) =>
      provisionedNearZero(qualifier.provisionedInvocations, window) === true ||
      provisionedStopped(qualifier.provisionedInvocations, window),
  );
  const quietFunctions = [...new Set(quiet.map((qualifier) => qualifier.functionName))]
    .sort()
    .slice(0, PROVISIONED_DRILL_LIMITS.invocationReads);

  // Step 1.
  const totals = await readTotals(collector, quietFunctions, window);
  const totalOf = new Map(
    quietFunctions.flatMap((functionName, index) => {
      const series = totals ? single(totals, queryId('pc_fn_inv', index), WINDOW_PERIOD_SECONDS) : undefined;
      return series ? [[functionName, series] as const] : [];
    }),
  );

  const plans: Plan[] = [];
  for (const functionName of input.rechecks.filter(input.inInventory)) {
    plans.push({ functionName, priority: 0, byResource: false, executedVersions: [] });
  }
  for (const [functionName, series] of totalOf) {
    const own = qualifiersOf(functionName);
    const total = windowSum(series, window) ?? 0;
    const served = own.reduce(
      (sum, qualifier) => sum + (windowSum(qualifier.provisionedInvocations, window) ?? 0),
      0,
    );
    const tail = (minuteValues(series, window.start, window.end) ?? []).slice(-STOPPED_TAIL_MINUTES);
    const stillRunning = tail.some((value) => value > 0);
    const stopped = own.filter((qualifier) => provisionedStopped(qualifier.provisionedInvocations, window));
    const nearZero = own.filter(
      (qualifier) => provisionedNearZero(qualifier.provisionedInvocations, window) === true,
    );
    const bypassed = nearZero.length > 0 && bypassPossible(total, served, window);
    if ((stopped.length > 0 && stillRunning) || bypassed) {
      plans.push({
        functionName,
        priority: 1,
        byResource: true,
        // Only an alias that stopped serving minutes ago can still show the version it ran before.
        executedVersions: stopped.map((qualifier) => qualifier.qualifier).filter(isAliasName),
      });
    }
  }
  for (const qualifier of watched) {
    if (nearSpill(qualifier.provisionedUtilization, window) && !hasNonZero(qualifier.spilloverInvocations)) {
      plans.push({
        functionName: qualifier.functionName,
        priority: 2,
        byResource: false,
        executedVersions: [],
      });
    }
  }
  const chosen = mergePlans(plans).slice(0, PROVISIONED_DRILL_LIMITS.lambdaChecks);

  // Step 2.
  const known = new Map(input.alreadyRead.map((setup) => [setup.functionName, setup]));
  const queries = resourceQueries(chosen);
  const [resources, setups] = await Promise.all([
    queries.length > 0
      ? collector.fetch(
          'provisioned-drill',
          queries,
          { start: window.start, end: window.end },
          WINDOW_PERIOD_SECONDS,
        )
      : Promise.resolve(undefined),
    Promise.all(
      chosen
        .filter((plan) => !known.has(plan.functionName))
        .map((plan) => readProvisionedSetup(collector, plan.functionName)),
    ),
  ]);
  for (const setup of setups) known.set(setup.functionName, setup);

  const functions = new Map<string, FunctionMetrics>(
    [...totalOf].map(([functionName, invocations]) => [
      functionName,
      { functionName, reasons: ['provisioned-health'], invocations },
    ]),
  );
  const executed = new Map<string, Record<string, MetricSeries>>();
  chosen.forEach((plan, index) => {
    const byResource = resources?.series.get(queryId('pc_res', index));
    const earlier = functions.get(plan.functionName) ?? {
      functionName: plan.functionName,
      reasons: ['provisioned-health'],
    };
    functions.set(
      plan.functionName,
      withoutUndefined<FunctionMetrics>({
        ...earlier,
        invocationsByResource:
          plan.byResource && byResource ? Object.fromEntries(byResource) : earlier.invocationsByResource,
      }),
    );
    plan.executedVersions.forEach((alias, position) => {
      const versions = resources?.series.get(queryId(`pc_ver_${index}`, position));
      if (versions) executed.set(`${plan.functionName}:${alias}`, Object.fromEntries(versions));
    });
  });

  // Step 3: only where the verdict is a bypass, the callers that can cause it.
  const bypassing = chosen.filter((plan) => {
    const own = qualifiersOf(plan.functionName);
    if (!own.some((q) => provisionedNearZero(q.provisionedInvocations, window) === true)) return false;
    const reading = functionBypass(
      functions.get(plan.functionName),
      own.map((qualifier) => qualifier.qualifier),
      known.get(plan.functionName),
      window,
    );
    return reading !== undefined && mostlyBypassing(reading, window);
  });
  await Promise.all(
    bypassing.map(async (plan) => {
      const [eventSourceMappings, functionUrls, invokePermissions] = await Promise.all([
        readEventSourceMappings(collector, plan.functionName),
        readUnqualifiedFunctionUrls(collector, plan.functionName),
        readInvokePermissions(collector, plan.functionName),
      ]);
      const fn = functions.get(plan.functionName);
      if (!fn) return;
      functions.set(
        plan.functionName,
        withoutUndefined<FunctionMetrics>({ ...fn, eventSourceMappings, functionUrls, invokePermissions }),
      );
    }),
  );

  return {
    functions: [...functions.values()].sort((a, b) => a.functionName.localeCompare(b.functionName)),
    qualifiers: input.qualifiers.map((qualifier) => {
      const versions = executed.get(`${qualifier.functionName}:${qualifier.qualifier}`);
      return versions ? { ...qualifier, invocationsByExecutedVersion: versions } : qualifier;
    }),
    provisioned: setups,
  };
}
