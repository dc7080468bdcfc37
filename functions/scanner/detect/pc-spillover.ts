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
 * The provisioned level a qualifier needs: its peak concurrency or its peak requests per second over 10,
 * whichever is higher, plus 10%; undefined when neither was read.
 */
export function recommendedProvisionedConcurrency(
  peakConcurrency: number | undefined,
  peakRequestsPerSecond: number | undefined,
): number | undefined {
  if (peakConcurrency === undefined && peakRequestsPerSecond === undefined) return undefined;
  const need = Math.max(peakConcurrency ?? 0, (peakRequestsPerSecond ?? 0) / RPS_PER_PROVISIONED_UNIT);
  return Math.ceil(need * HEADROOM);
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

function routingText(alias: AliasRouting | undefined): string | undefined {
  const weights = Object.entries(alias?.additionalVersionWeights ?? {});
  if (!alias || weights.length === 0) return undefined;
  const extra = weights.map(([version, weight]) => `version ${version} ${Math.round(weight * 100)}%`);
  return `version ${alias.functionVersion} and ${extra.join(', ')}`;
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
  const routing = routingText(alias);
  const bypassing = unqualifiedInvocations(metrics.functions.find((fn) => fn.functionName === name));
  const since = qualifier.spilloverInvocations.points.find((point) => point.value > 0)?.at;

  const advice = [
    `When every provisioned execution environment of ${resource} is busy, Lambda serves the extra requests ` +
      'with standard concurrency, and those start cold. ' +
      (recommended !== undefined
        ? `Raise provisioned concurrency to at least ${formatCount(recommended)} (observed need plus 10%), or ` +
          'let Application Auto Scaling adjust it.'
        : 'Raise provisioned concurrency above the peak concurrency, or let Application Auto Scaling adjust it.'),
  ];
  if (routing !== undefined) {
    advice.push(
      `The alias splits traffic between ${routing}. Lambda picks the version per request at random, so at low ` +
        'traffic the split can stray far from the weights; provision more while the routing lasts.',
    );
  }
  if (rpsPerUnit !== undefined && rpsPerUnit > RPS_PER_PROVISIONED_UNIT) {
    advice.push(
      `Each provisioned environment serves at most ${RPS_PER_PROVISIONED_UNIT} requests a second; the peak was ` +
        `${rpsPerUnit.toFixed(1)} per environment, so size for the request rate divided by ${RPS_PER_PROVISIONED_UNIT}.`,
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
        ? { requestsPerSecondPerProvisionedUnit: Math.round(rpsPerUnit * 10) / 10 }
        : {}),
      ...(routing !== undefined ? { aliasRouting: routing } : {}),
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
