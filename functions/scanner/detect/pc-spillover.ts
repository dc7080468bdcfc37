import { hasNonZero, seriesPeak, seriesSum } from '../collect/metric-series';
import type {
  AliasRouting,
  Finding,
  FunctionMetrics,
  MetricsSnapshot,
  ProvisionedConcurrencyConfig,
  QualifierMetrics,
} from '../model';
import { functionConsoleLink } from './checked-function';
import type { Detector, DetectorContext } from './detector';
import { deliveredMetrics, formatCount, isIgnored, windowEvidence, windowGraphLink } from './metric-context';

/** Requests per second one provisioned execution environment serves at most (Lambda's documented rate). */
export const RPS_PER_PROVISIONED_UNIT = 10;

/** Head room the recommended provisioned level adds over the observed need. */
const HEADROOM = 1.1;

/**
 * The busiest minute's average rate per provisioned environment at or above this share of the 10 rps limit makes
 * it likely that some second of that minute went past the limit: one-minute data shows only the average.
 */
const LIKELY_SHARE_OF_LIMIT = 0.7;

/** Standard deviations of the random split that the level recommended during weighted routing covers. */
const ROUTING_DEVIATIONS = 3;

/** What a qualifier needs provisioned: its peak concurrency or its peak requests per second over 10, whichever is higher. */
function provisionedNeed(
  peakConcurrency: number | undefined,
  peakRequestsPerSecond: number | undefined,
): number | undefined {
  if (peakConcurrency === undefined && peakRequestsPerSecond === undefined) return undefined;
  return Math.max(peakConcurrency ?? 0, (peakRequestsPerSecond ?? 0) / RPS_PER_PROVISIONED_UNIT);
}

/**
 * The provisioned level a qualifier needs: its peak concurrency or its peak requests per second over 10,
 * whichever is higher, plus 10%; undefined when neither was read.
 */
export function recommendedProvisionedConcurrency(
  peakConcurrency: number | undefined,
  peakRequestsPerSecond: number | undefined,
): number | undefined {
  const need = provisionedNeed(peakConcurrency, peakRequestsPerSecond);
  return need === undefined ? undefined : Math.ceil(need * HEADROOM);
}

/** The config that serves the qualifier: on the qualifier itself, or on the version an alias points to. */
function configFor(
  qualifier: string,
  configs: readonly ProvisionedConcurrencyConfig[],
  alias: AliasRouting | undefined,
): ProvisionedConcurrencyConfig | undefined {
  return (
    configs.find((config) => config.qualifier === qualifier) ??
    configs.find((config) => alias !== undefined && config.qualifier === alias.functionVersion)
  );
}

/**
 * Invocations in the window that did not name an alias or version (unqualified, or `$LATEST`), which can never
 * use provisioned concurrency. Read from the `Resource` series of the function (`name` or `name:$LATEST`) when
 * Lambda reported them, else as the function's total minus its qualified resources; undefined when not read.
 */
export function unqualifiedInvocations(fn: FunctionMetrics | undefined): number | undefined {
  const byResource = fn?.invocationsByResource;
  if (!fn || !byResource) return undefined;
  const bypassing = new Set([fn.functionName, `${fn.functionName}:$LATEST`]);
  const entries = Object.entries(byResource);
  const sumOf = (list: typeof entries) =>
    list.reduce((total, [, series]) => total + (seriesSum(series) ?? 0), 0);
  const named = entries.filter(([resource]) => bypassing.has(resource));
  if (named.length > 0) return sumOf(named);
  const total = seriesSum(fn.invocations);
  if (total === undefined) return undefined;
  return Math.max(0, total - sumOf(entries));
}

/** The versions an alias routes to with their shares, the alias's own version first; empty without routing. */
function routingShares(alias: AliasRouting | undefined): { version: string; share: number }[] {
  const extra = Object.entries(alias?.additionalVersionWeights ?? {});
  if (!alias || extra.length === 0) return [];
  const rest = 1 - extra.reduce((total, [, weight]) => total + weight, 0);
  return [
    { version: alias.functionVersion, share: rest },
    ...extra.map(([version, share]) => ({ version, share })),
  ];
}

function routingText(shares: readonly { version: string; share: number }[]): string | undefined {
  if (shares.length === 0) return undefined;
  return shares.map(({ version, share }) => `version ${version} ${Math.round(share * 100)}%`).join(', ');
}

/**
 * The provisioned level to keep while weighted routing lasts. Lambda splits provisioned concurrency between the
 * versions by weight, but picks the version of each request at random, so a version's share of the concurrent
 * requests strays from its weight, the more so for a small weight and little traffic. The level covers `need`
 * plus ROUTING_DEVIATIONS standard deviations of the split for the version with the smallest weight (a binomial
 * share of `need` requests), plus the usual head room; undefined without routing or a need.
 */
export function routingProvisionedConcurrency(
  need: number | undefined,
  shares: readonly { version: string; share: number }[],
): number | undefined {
  const smallest = Math.min(...shares.map(({ share }) => share));
  if (need === undefined || shares.length === 0 || !(smallest > 0 && smallest < 1)) return undefined;
  const spread = ROUTING_DEVIATIONS * Math.sqrt((need * (1 - smallest)) / smallest);
  return Math.ceil((need + spread) * HEADROOM);
}

/** How the 10 requests a second rule stands, as far as one-minute data can tell. */
type RateRule = 'exceeded' | 'likely exceeded' | 'within';

/**
 * The busiest minute's average rate per provisioned environment is a lower bound for its busiest second: above
 * the limit, the limit was certainly exceeded; close to it, likely (traffic within a minute is rarely even).
 */
function rateRule(peakMinuteRpsPerUnit: number): RateRule {
  if (peakMinuteRpsPerUnit > RPS_PER_PROVISIONED_UNIT) return 'exceeded';
  return peakMinuteRpsPerUnit >= LIKELY_SHARE_OF_LIMIT * RPS_PER_PROVISIONED_UNIT
    ? 'likely exceeded'
    : 'within';
}

function spilloverFinding(
  context: DetectorContext,
  metrics: MetricsSnapshot,
  qualifier: QualifierMetrics,
): Finding {
  const name = qualifier.functionName;
  const resource = `${name}:${qualifier.qualifier}`;
  const setup = metrics.provisioned.find((entry) => entry.functionName === name);
  const alias = setup?.aliases?.find((candidate) => candidate.name === qualifier.qualifier);
  const config = setup?.configs ? configFor(qualifier.qualifier, setup.configs, alias) : undefined;
  const provisioned = config ? (config.allocated ?? config.requested) : undefined;
  const spillover = seriesSum(qualifier.spilloverInvocations) ?? 0;
  const peakConcurrency = seriesPeak(qualifier.concurrentExecutions);
  const peakPerPeriod = seriesPeak(qualifier.invocations);
  const peakRps =
    peakPerPeriod !== undefined && qualifier.invocations
      ? peakPerPeriod / qualifier.invocations.periodSeconds
      : undefined;
  const rpsPerUnit = peakRps !== undefined && provisioned ? peakRps / provisioned : undefined;
  const recommended = recommendedProvisionedConcurrency(peakConcurrency, peakRps);
  const shares = routingShares(alias);
  const routing = routingText(shares);
  const duringRouting = routingProvisionedConcurrency(provisionedNeed(peakConcurrency, peakRps), shares);
  const rule = rpsPerUnit === undefined ? undefined : rateRule(rpsPerUnit);
  const bypassing = unqualifiedInvocations(metrics.functions.find((fn) => fn.functionName === name));
  const since = qualifier.spilloverInvocations.points.find((point) => point.value > 0)?.at;

  // A configuration that is not READY serves nothing: its level is not the problem, and pc-health says what is.
  const notReady = config?.status !== undefined && config.status !== 'READY' ? config.status : undefined;
  const advice = [
    `When every provisioned execution environment of ${resource} is busy, Lambda serves the extra requests ` +
      'with standard concurrency, and those start cold. ' +
      (notReady !== undefined
        ? `Its provisioned concurrency configuration is ${notReady}, so it serves no request yet; the pc-health ` +
          'finding on it says why. Raising the level does not help until the configuration is READY.'
        : recommended !== undefined
          ? `Raise provisioned concurrency to at least ${formatCount(recommended)} (observed need plus 10%), or ` +
            'let Application Auto Scaling adjust it.'
          : 'Raise provisioned concurrency above the peak concurrency, or let Application Auto Scaling adjust it.'),
  ];
  if (routing !== undefined) {
    advice.push(
      `Weighted routing is active on this alias: ${routing}. Lambda divides the provisioned environments by ` +
        'weight but picks the version of each request at random, so at low traffic a version often gets more ' +
        'requests than its share of the environments' +
        (duringRouting !== undefined
          ? `; while the routing lasts, keep at least ${formatCount(duringRouting)} provisioned, enough for the ` +
            'version with the smallest weight as well, and lower it again once the alias points at one version.'
          : '; provision more while the routing lasts.'),
    );
  }
  if (rule !== undefined && rule !== 'within' && rpsPerUnit !== undefined) {
    const observed =
      `In the busiest minute each provisioned environment averaged ${rpsPerUnit.toFixed(1)} requests a second; ` +
      'one-minute data shows only that average, so the busiest second was at least as high.';
    advice.push(
      `Each provisioned environment serves at most ${RPS_PER_PROVISIONED_UNIT} requests a second. ${observed} ` +
        (rule === 'exceeded'
          ? 'The limit was exceeded'
          : `That is close enough to the limit that it was likely exceeded in the busiest seconds`) +
        `; size for the peak request rate divided by ${RPS_PER_PROVISIONED_UNIT} as well as for the peak concurrency.`,
    );
  }
  if (bypassing !== undefined && bypassing > 0) {
    advice.push(
      `${formatCount(bypassing)} invocations called ${name} without an alias or version, or as $LATEST, where ` +
        'provisioned concurrency cannot apply. Point the triggers (API Gateway integrations, event source ' +
        `mappings, callers) at ${resource}.`,
    );
  }

  return {
    kind: 'pc-spillover',
    functionName: name,
    qualifier: qualifier.qualifier,
    severity: 'warning',
    summary:
      `${resource} spilled ${formatCount(spillover)} invocations past its provisioned concurrency` +
      (provisioned !== undefined ? ` of ${formatCount(provisioned)}` : '') +
      (peakConcurrency !== undefined ? ` (peak ${formatCount(peakConcurrency)} concurrent)` : ''),
    evidence: {
      spilloverInvocations: spillover,
      provisionedConcurrency: provisioned ?? 'not read',
      ...(config?.status !== undefined ? { provisionedStatus: config.status } : {}),
      peakConcurrentExecutions: peakConcurrency ?? 'no data',
      recommendedProvisionedConcurrency: recommended ?? 'unknown',
      ...(peakRps !== undefined ? { peakRequestsPerSecond: Math.round(peakRps * 10) / 10 } : {}),
      ...(rpsPerUnit !== undefined
        ? {
            peakMinuteRequestsPerSecondPerUnit: Math.round(rpsPerUnit * 10) / 10,
            tenRequestsPerSecondRule: rule ?? 'within',
          }
        : {}),
      ...(routing !== undefined ? { aliasRouting: routing } : {}),
      ...(duringRouting !== undefined ? { recommendedWhileRouting: duringRouting } : {}),
      ...(bypassing !== undefined ? { unqualifiedOrLatestInvocations: bypassing } : {}),
      ...windowEvidence(metrics),
    },
    guidance: advice.join(' '),
    fingerprint: `pc-spillover:${resource}`,
    ...(since !== undefined ? { since } : {}),
    links: [
      functionConsoleLink(context.snapshot.region, name),
      windowGraphLink(context, metrics, `Spillover and concurrency of ${resource}`, [
        {
          metricName: 'ProvisionedConcurrencySpilloverInvocations',
          dimensions: { FunctionName: name, Resource: resource },
          stat: 'Sum',
        },
        {
          metricName: 'ConcurrentExecutions',
          dimensions: { FunctionName: name, Resource: resource },
          stat: 'Maximum',
        },
      ]),
    ],
  };
}

/**
 * `pc-spillover`: an alias or version with provisioned concurrency served invocations on standard concurrency
 * (cold starts), with the causes the troubleshooting guide names: too low a level, weighted alias routing,
 * more than 10 requests a second per provisioned unit, and triggers that bypass the alias.
 */
export const pcSpillover: Detector = {
  kind: 'pc-spillover',
  detect(context) {
    const metrics = deliveredMetrics(context);
    if (!metrics) return [];
    return metrics.qualifiers
      .filter((qualifier) => hasNonZero(qualifier.spilloverInvocations))
      .filter((qualifier) => !isIgnored(context, qualifier.functionName))
      .map((qualifier) => spilloverFinding(context, metrics, qualifier));
  },
  assessed(context) {
    const coverage = deliveredMetrics(context)?.coverage;
    return (
      coverage !== undefined &&
      coverage.spilloverProbe &&
      !coverage.partial.includes('region') &&
      !coverage.partial.includes('spillover-probe')
    );
  },
};
