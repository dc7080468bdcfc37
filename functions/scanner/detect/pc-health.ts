/**
 * `pc-health`: provisioned concurrency that is not doing its job, before anything spills over (that is
 * pc-spillover's). What is compared with what (the thresholds are in collect/provisioned-usage.ts):
 * - bypass (warning): an alias or version whose ProvisionedConcurrencyInvocations were near zero over the window
 *   while the function ran, at least 90% of it through the bare name, `$LATEST` or qualifiers without provisioned
 *   concurrency; names the callers the account shows targeting the bare name or `$LATEST`;
 * - failed (warning), in-progress (warning, past `pendingMinutes`), under-allocated (warning): the config's status;
 * - new-version (info, warning past `pendingMinutes`): a config still allocating on an alias just moved to a new
 *   version, while the alias is being called: the guide's "cold starts with new versions";
 * - near-spill (warning): ProvisionedConcurrencyUtilization at 0.9 or more for five minutes in a row, no spillover;
 * - jit-latency (info): a .NET or Java function with provisioned concurrency at 128 MB, the guide's "latency
 *   variability".
 * Severities: none is critical, because provisioned concurrency that does not serve costs cold starts (latency),
 * never failed invocations: on-demand concurrency still runs every call.
 */
import {
  NEAR_SPILL_UTILIZATION,
  bypassPossible,
  functionBypass,
  longestUtilizationStreak,
  mostlyBypassing,
  nearSpill,
  provisionedNearZero,
  windowSum,
  type BypassReading,
} from '../collect/provisioned-usage';
import { hasNonZero, minuteValues } from '../collect/metric-series';
import type {
  AliasRouting,
  Finding,
  FunctionMetrics,
  MetricsSnapshot,
  ProvisionedConcurrencyConfig,
  ProvisionedSetup,
  QualifierMetrics,
  Severity,
} from '../model';
import { functionConsoleLink, parseLambdaTimestamp } from './checked-function';
import type { Detector, DetectorContext, StoredFindingRef } from './detector';
import {
  deliveredMetrics,
  formatCount,
  inventoried,
  isIgnored,
  windowEvidence,
  windowGraphLink,
} from './metric-context';

/** The problems pc-health tells apart; each has its own fingerprint per qualifier. */
export type PcHealthCase =
  'bypass' | 'failed' | 'in-progress' | 'new-version' | 'under-allocated' | 'near-spill' | 'jit-latency';

/** The cases read from a provisioned concurrency config: an open one keeps its function's configs re-read. */
export const CONFIG_CASES: readonly PcHealthCase[] = [
  'failed',
  'in-progress',
  'new-version',
  'under-allocated',
];

/**
 * Runtimes that compile just in time and load lazily on an environment's first invocation: every .NET identifier
 * Lambda uses starts with `dotnet` (dotnet6, dotnet8, dotnet10, dotnetcore3.1, ...) and every Java one with `java`
 * (java8.al2, java11, java17, java21, java25, ...).
 */
const JIT_RUNTIME = /^(dotnet|java)/;

/** Lambda's smallest memory size, where the guide says first-invocation latency variability shows most. */
export const SMALLEST_MEMORY_MB = 128;

/** The fingerprint of one pc-health problem of one qualifier. */
export function pcHealthFingerprint(functionName: string, qualifier: string, problem: PcHealthCase): string {
  return `pc-health:${functionName}:${qualifier}:${problem}`;
}

/** The case a pc-health fingerprint names; undefined for any other fingerprint. */
export function pcHealthCaseOf(fingerprint: string): PcHealthCase | undefined {
  if (!fingerprint.startsWith('pc-health:')) return undefined;
  const problem = fingerprint.slice(fingerprint.lastIndexOf(':') + 1);
  const cases: readonly string[] = [...CONFIG_CASES, 'bypass', 'near-spill', 'jit-latency'];
  return cases.includes(problem) ? (problem as PcHealthCase) : undefined;
}

/**
 * Functions whose open pc-health findings come from a provisioned concurrency config: the collector reads their
 * configs again in every run that probes, so such a finding resolves only on a config seen healthy.
 */
export function provisionedRechecks(
  openFindings: readonly {
    readonly kind: string;
    readonly functionName: string;
    readonly fingerprint: string;
  }[],
): string[] {
  const names = openFindings
    .filter((finding) => finding.kind === 'pc-health')
    .filter((finding) => CONFIG_CASES.includes(pcHealthCaseOf(finding.fingerprint) as PcHealthCase))
    .map((finding) => finding.functionName);
  return [...new Set(names)].sort();
}

const COLD_STARTS =
  'Provisioned concurrency keeps execution environments initialized for one alias or version; a call that does ' +
  'not reach them runs on standard concurrency and may start cold.';

/** An ARN's qualifier: undefined for the bare function ARN. */
function qualifierOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length > 7 ? parts.slice(7).join(':') : undefined;
}

/** Whether an ARN names the bare function or `$LATEST`: calls through it never use provisioned concurrency. */
function bypassesQualifiers(arn: string): boolean {
  const qualifier = qualifierOfArn(arn);
  return qualifier === undefined || qualifier === '$LATEST';
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function resourceOf(functionName: string, qualifier: string): string {
  return `${functionName}:${qualifier}`;
}

/** Epoch milliseconds a config changed; undefined when not reported or unreadable. */
function changedAt(config: ProvisionedConcurrencyConfig): number | undefined {
  return config.lastModified !== undefined ? parseLambdaTimestamp(config.lastModified) : undefined;
}

function isoOrUndefined(epoch: number | undefined): string | undefined {
  return epoch !== undefined ? new Date(epoch).toISOString() : undefined;
}

/** The callers of the bare name or `$LATEST` the account shows, in words an operator can act on. */
function bypassingCallers(fn: FunctionMetrics | undefined): { callers: string[]; read: string[] } {
  const callers: string[] = [];
  const read: string[] = [];
  if (fn?.eventSourceMappings) {
    read.push('event source mappings');
    for (const mapping of fn.eventSourceMappings) {
      if (mapping.functionArn !== undefined && bypassesQualifiers(mapping.functionArn)) {
        const target = qualifierOfArn(mapping.functionArn) === '$LATEST' ? '$LATEST' : 'the bare name';
        callers.push(
          `event source mapping ${mapping.uuid} (${mapping.state}) from ${mapping.eventSourceArn} invokes ${target}`,
        );
      }
    }
  }
  if (fn?.functionUrls) {
    read.push('the function URL');
    for (const url of fn.functionUrls) {
      if (bypassesQualifiers(url.functionArn)) {
        callers.push(
          `function URL ${url.url}${url.authType !== undefined ? ` (AuthType ${url.authType})` : ''} invokes the bare name`,
        );
      }
    }
  }
  if (fn?.invokePermissions) {
    read.push('the resource-based policy');
    for (const permission of fn.invokePermissions) {
      if (!bypassesQualifiers(permission.resource)) continue;
      const via = permission.principal.includes('apigateway.amazonaws.com')
        ? 'API Gateway'
        : permission.principal;
      callers.push(
        `${via}${permission.sourceArn !== undefined ? ` (${permission.sourceArn})` : ''} is allowed to invoke ` +
          `the bare name (policy statement ${permission.sid})`,
      );
    }
  }
  return { callers, read };
}

interface FunctionView {
  readonly context: DetectorContext;
  readonly metrics: MetricsSnapshot;
  readonly functionName: string;
  readonly qualifiers: readonly QualifierMetrics[];
  readonly fn?: FunctionMetrics;
  readonly setup?: ProvisionedSetup;
}

function configFor(view: FunctionView, qualifier: string): ProvisionedConcurrencyConfig | undefined {
  const configs = view.setup?.configs ?? [];
  const alias = view.setup?.aliases?.find((candidate) => candidate.name === qualifier);
  return (
    configs.find((config) => config.qualifier === qualifier) ??
    configs.find((config) => alias !== undefined && config.qualifier === alias.functionVersion)
  );
}

function baseFinding(
  view: FunctionView,
  qualifier: string,
  problem: PcHealthCase,
  severity: Severity,
): Pick<Finding, 'kind' | 'functionName' | 'qualifier' | 'severity' | 'fingerprint'> {
  return {
    kind: 'pc-health',
    functionName: view.functionName,
    qualifier,
    severity,
    fingerprint: pcHealthFingerprint(view.functionName, qualifier, problem),
  };
}

/** The bypass reading of a function whose provisioned concurrency served next to nothing; undefined when unread. */
function readBypass(view: FunctionView): BypassReading | undefined {
  return functionBypass(
    view.fn,
    view.qualifiers.map((qualifier) => qualifier.qualifier),
    view.setup,
    view.metrics.window,
  );
}

function bypassFinding(view: FunctionView, qualifier: QualifierMetrics, reading: BypassReading): Finding {
  const { context, metrics, functionName } = view;
  const resource = resourceOf(functionName, qualifier.qualifier);
  const served = windowSum(qualifier.provisionedInvocations, metrics.window) ?? 0;
  const config = configFor(view, qualifier.qualifier);
  const { callers, read } = bypassingCallers(view.fn);
  const share = reading.total > 0 ? reading.bypassing / reading.total : 0;
  const callerAdvice =
    callers.length > 0
      ? `Callers that target the bare name or $LATEST: ${callers.join('; ')}. Point each of them at ${resource}: ` +
        `an event source mapping takes the alias ARN as its function (UpdateEventSourceMapping), a function URL ` +
        `belongs to one qualifier (create it on ${qualifier.qualifier} and move clients to it), and an API ` +
        `Gateway integration must name ${resource} in its URI, with a permission granted on the alias (a ` +
        `permission on the bare name does not cover it).`
      : `The account shows no caller of the bare name or $LATEST in ${read.length > 0 ? read.join(', ') : 'what was read'}; ` +
        'look for code or services that invoke the function by its plain name or ARN (SDK calls, Step Functions, ' +
        `EventBridge targets, other functions) and make them name ${resource}.`;
  return {
    ...baseFinding(view, qualifier.qualifier, 'bypass', 'warning'),
    summary:
      `${resource} has provisioned concurrency but served ${formatCount(served)} of ${functionName}'s ` +
      `${formatCount(reading.total)} invocations; ${percent(share)} went around it`,
    evidence: {
      qualifier: qualifier.qualifier,
      provisionedConcurrencyInvocations: served,
      functionInvocations: reading.total,
      bypassingInvocations: reading.bypassing,
      bypassingShare: percent(share),
      ...(config
        ? {
            provisionedConcurrency: config.allocated ?? config.requested,
            provisionedStatus: config.status ?? 'unknown',
          }
        : {}),
      ...(Object.keys(reading.bypassingResources).length > 0
        ? {
            bypassingResources: Object.entries(reading.bypassingResources).map(
              ([name, count]) => `${name}: ${formatCount(count)}`,
            ),
          }
        : {}),
      callersOfBareName: callers.length > 0 ? callers : 'none found',
      callersRead: read.length > 0 ? read : 'not read',
      ...windowEvidence(metrics),
    },
    guidance:
      `${COLD_STARTS} Calls to the bare function name or to $LATEST can never use it (provisioned concurrency ` +
      `cannot be set on $LATEST), so ${resource} keeps paid-for environments idle while the traffic starts cold. ` +
      "AWS's guide says to check that every trigger invokes the alias or version that has provisioned " +
      'concurrency, API Gateway in particular, and to confirm with ProvisionedConcurrencyInvocations, which is ' +
      `above zero once the environments serve. ${callerAdvice}`,
    ...(reading.since !== undefined ? { since: reading.since } : {}),
    links: [
      functionConsoleLink(context.snapshot.region, functionName),
      windowGraphLink(context, metrics, `Provisioned and all invocations of ${functionName}`, [
        {
          metricName: 'ProvisionedConcurrencyInvocations',
          dimensions: { FunctionName: functionName, Resource: resource },
          stat: 'Sum',
        },
        { metricName: 'Invocations', dimensions: { FunctionName: functionName }, stat: 'Sum' },
      ]),
    ],
  };
}

function nearSpillFinding(view: FunctionView, qualifier: QualifierMetrics): Finding | undefined {
  const { context, metrics, functionName } = view;
  const streak = longestUtilizationStreak(qualifier.provisionedUtilization, metrics.window);
  if (!streak) return undefined;
  const resource = resourceOf(functionName, qualifier.qualifier);
  const config = configFor(view, qualifier.qualifier);
  const provisioned = config ? (config.allocated ?? config.requested) : undefined;
  return {
    ...baseFinding(view, qualifier.qualifier, 'near-spill', 'warning'),
    summary:
      `${resource} used ${percent(streak.peak)} of its provisioned concurrency` +
      (provisioned !== undefined ? ` of ${formatCount(provisioned)}` : '') +
      ` and at least ${percent(NEAR_SPILL_UTILIZATION)} for ${streak.minutes} minutes in a row: about to spill over`,
    evidence: {
      qualifier: qualifier.qualifier,
      peakUtilization: percent(streak.peak),
      minutesAtOrAbove: streak.minutes,
      utilizationThreshold: percent(NEAR_SPILL_UTILIZATION),
      streakStart: streak.start,
      streakEnd: streak.end,
      provisionedConcurrency: provisioned ?? 'not read',
      ...(config?.status !== undefined ? { provisionedStatus: config.status } : {}),
      spilloverInvocations: 0,
      ...windowEvidence(metrics),
    },
    guidance:
      `${COLD_STARTS} ${resource} has had nearly every provisioned environment busy for ${streak.minutes} minutes ` +
      'without any spillover yet: the next rise in traffic will be served by standard concurrency, cold. Raise ' +
      'its provisioned concurrency, or let Application Auto Scaling track ProvisionedConcurrencyUtilization with a ' +
      'target well below 0.9 so that it adds environments before they run out. Size for both concurrency and rate: ' +
      'each provisioned environment serves at most 10 requests a second.',
    since: streak.start,
    links: [
      functionConsoleLink(context.snapshot.region, functionName),
      windowGraphLink(context, metrics, `Provisioned concurrency utilization of ${resource}`, [
        {
          metricName: 'ProvisionedConcurrencyUtilization',
          dimensions: { FunctionName: functionName, Resource: resource },
          stat: 'Maximum',
        },
      ]),
    ],
  };
}

function configEvidence(config: ProvisionedConcurrencyConfig) {
  return {
    qualifier: config.qualifier,
    provisionedStatus: config.status ?? 'unknown',
    requestedProvisionedConcurrency: config.requested,
    allocatedProvisionedConcurrency: config.allocated ?? 'not reported',
    ...(config.available !== undefined ? { availableProvisionedConcurrency: config.available } : {}),
    ...(config.lastModified !== undefined ? { configLastModified: config.lastModified } : {}),
  };
}

/** Versions seen running behind `alias` in the window other than the one it points to now, and its calls since `from`. */
function aliasMove(
  view: FunctionView,
  alias: AliasRouting,
  from: number | undefined,
): { oldVersions: string[]; callsSinceChange: number | undefined } {
  const qualifier = view.qualifiers.find((candidate) => candidate.qualifier === alias.name);
  const executed = qualifier?.invocationsByExecutedVersion ?? {};
  const oldVersions = new Set(Object.keys(alias.additionalVersionWeights));
  for (const [version, series] of Object.entries(executed)) {
    if (version !== alias.functionVersion && hasNonZero(series)) oldVersions.add(version);
  }
  oldVersions.delete(alias.functionVersion);
  const byAlias =
    view.fn?.invocationsByResource?.[resourceOf(view.functionName, alias.name)] ??
    executed[alias.functionVersion];
  const { window } = view.metrics;
  const values = minuteValues(byAlias, window.start, window.end);
  const startMs = Date.parse(window.start);
  const callsSinceChange = values?.reduce(
    (sum, value, index) => (from === undefined || startMs + (index + 1) * 60_000 > from ? sum + value : sum),
    0,
  );
  return { oldVersions: [...oldVersions].sort(), callsSinceChange };
}

function configFindings(view: FunctionView): Finding[] {
  const { context, functionName } = view;
  const link = functionConsoleLink(context.snapshot.region, functionName);
  return (view.setup?.configs ?? []).flatMap((config): Finding[] => {
    const resource = resourceOf(functionName, config.qualifier);
    const changed = changedAt(config);
    const since = isoOrUndefined(changed);
    const minutes = changed !== undefined ? Math.max(0, (context.now - changed) / 60_000) : undefined;
    const pendingMinutes = context.settings.pendingMinutes;
    if (config.status === 'FAILED') {
      return [
        {
          ...baseFinding(view, config.qualifier, 'failed', 'warning'),
          summary:
            `Provisioned concurrency of ${resource} FAILED` +
            (config.statusReason !== undefined ? `: ${config.statusReason}` : ''),
          evidence: {
            ...configEvidence(config),
            ...(config.statusReason !== undefined ? { statusReason: config.statusReason } : {}),
          },
          guidance:
            `${COLD_STARTS} Lambda could not allocate the ${formatCount(config.requested)} environments requested ` +
            `for ${resource}, so none is prepared and every call to it runs on standard concurrency. The reason ` +
            'above says why; the usual ones are too little unreserved concurrency left in the account (provisioned ' +
            "concurrency is taken from it, and from the function's reserved concurrency when it has one) and a " +
            'version whose initialization fails (read its init errors in the logs). Fix the cause, then set the ' +
            'provisioned concurrency again; the guide asks first of all to check that it is enabled on the version ' +
            'or alias your triggers invoke.',
          ...(since !== undefined ? { since } : {}),
          links: [link],
        },
      ];
    }
    if (config.status === 'IN_PROGRESS') {
      const aliases = (view.setup?.aliases ?? []).filter(
        (alias) => alias.name === config.qualifier || alias.functionVersion === config.qualifier,
      );
      for (const alias of aliases) {
        const move = aliasMove(view, alias, changed);
        if (move.oldVersions.length === 0 || !(move.callsSinceChange ?? 0)) continue;
        const late = minutes !== undefined && minutes > pendingMinutes;
        const aliasResource = resourceOf(functionName, alias.name);
        return [
          {
            ...baseFinding(view, config.qualifier, 'new-version', late ? 'warning' : 'info'),
            summary:
              `${aliasResource} moved from version ${move.oldVersions.join(', ')} to ${alias.functionVersion} ` +
              `while its provisioned concurrency is still allocating` +
              (minutes !== undefined ? ` (${Math.floor(minutes)} minutes)` : '') +
              ': calls start cold',
            evidence: {
              ...configEvidence(config),
              alias: alias.name,
              oldVersions: move.oldVersions,
              newVersion: alias.functionVersion,
              ...(minutes !== undefined ? { minutesInProgress: Math.floor(minutes) } : {}),
              aliasInvocationsSinceChange: move.callsSinceChange ?? 0,
              ...windowEvidence(view.metrics),
            },
            guidance:
              `${COLD_STARTS} When an alias is updated, Lambda moves its provisioned concurrency to the new ` +
              'version as the alias weights say, and the new environments must initialize first: until the config ' +
              `is READY, calls to ${aliasResource} that reach version ${alias.functionVersion} start cold. To ` +
              'deploy without that: publish the version and let its provisioned concurrency become READY before ' +
              'the alias sends it traffic, or shift traffic gradually with alias routing weights and enough ' +
              'provisioned concurrency for both versions while the shift lasts.' +
              (late
                ? ` Allocation has taken longer than ${pendingMinutes} minutes: check the new version's ` +
                  'initialization (its init errors in the logs) and the unreserved concurrency left.'
                : ''),
            ...(since !== undefined ? { since } : {}),
            links: [link],
          },
        ];
      }
      if (minutes === undefined || minutes <= pendingMinutes) return [];
      return [
        {
          ...baseFinding(view, config.qualifier, 'in-progress', 'warning'),
          summary: `Provisioned concurrency of ${resource} has been allocating for ${Math.floor(minutes)} minutes`,
          evidence: { ...configEvidence(config), minutesInProgress: Math.floor(minutes) },
          guidance:
            `${COLD_STARTS} Lambda has been preparing the ${formatCount(config.requested)} environments of ` +
            `${resource} for longer than ${pendingMinutes} minutes; until they are READY its calls run on standard ` +
            'concurrency. Allocation normally takes a few minutes; longer usually means each environment is slow ' +
            "to initialize or fails to (read the version's init logs), or that the account lacks unreserved " +
            'concurrency. If it ends FAILED, its status reason says why.',
          ...(since !== undefined ? { since } : {}),
          links: [link],
        },
      ];
    }
    if (config.allocated !== undefined && config.allocated < config.requested) {
      return [
        {
          ...baseFinding(view, config.qualifier, 'under-allocated', 'warning'),
          summary:
            `${resource} has ${formatCount(config.allocated)} of the ${formatCount(config.requested)} ` +
            'provisioned environments requested',
          evidence: configEvidence(config),
          guidance:
            `${COLD_STARTS} Only ${formatCount(config.allocated)} environments of ${resource} are allocated; calls ` +
            'beyond them start cold. Lambda allocates less than requested when the account or the function lacks ' +
            'the concurrency to hold them: check the unreserved concurrency left in the account and the ' +
            "function's reserved concurrency, free some or ask AWS for a higher concurrency quota, then set the " +
            'provisioned concurrency again.',
          ...(since !== undefined ? { since } : {}),
          links: [link],
        },
      ];
    }
    return [];
  });
}

/** Whether this run shows the function has provisioned concurrency now: it served, or a config was read READY. */
function provisionedNow(view: FunctionView, qualifier: QualifierMetrics): boolean {
  return (
    hasNonZero(qualifier.provisionedInvocations) ||
    hasNonZero(qualifier.provisionedUtilization) ||
    configFor(view, qualifier.qualifier)?.status === 'READY'
  );
}

function latencyFinding(view: FunctionView, qualifier: QualifierMetrics): Finding | undefined {
  const listed = inventoried(view.context, view.functionName);
  if (!listed?.runtime || !JIT_RUNTIME.test(listed.runtime)) return undefined;
  if (listed.memorySize !== SMALLEST_MEMORY_MB || !provisionedNow(view, qualifier)) return undefined;
  const resource = resourceOf(view.functionName, qualifier.qualifier);
  return {
    ...baseFinding(view, qualifier.qualifier, 'jit-latency', 'info'),
    summary: `${resource} has provisioned concurrency on ${listed.runtime} at ${SMALLEST_MEMORY_MB} MB: expect uneven first-call latency`,
    evidence: {
      qualifier: qualifier.qualifier,
      runtime: listed.runtime,
      memorySize: listed.memorySize,
      memoryOf: '$LATEST, as ListFunctions reports it',
    },
    guidance:
      `.NET and Java compile just in time and load some of their code lazily on the first invocation of an ` +
      'initialized environment, so even with provisioned concurrency the first call to each environment can take ' +
      `tens of milliseconds longer, most visibly at ${SMALLEST_MEMORY_MB} MB. AWS's guide advises more memory ` +
      `(CPU grows with it): raise ${view.functionName}'s memory, publish a version and move ${qualifier.qualifier} ` +
      'to it.',
    links: [functionConsoleLink(view.context.snapshot.region, view.functionName)],
  };
}

function viewOf(context: DetectorContext, metrics: MetricsSnapshot, functionName: string): FunctionView {
  const fn = metrics.functions.find((candidate) => candidate.functionName === functionName);
  const setup = metrics.provisioned.find((candidate) => candidate.functionName === functionName);
  return {
    context,
    metrics,
    functionName,
    qualifiers: metrics.qualifiers.filter((qualifier) => qualifier.functionName === functionName),
    ...(fn ? { fn } : {}),
    ...(setup ? { setup } : {}),
  };
}

function functionFindings(view: FunctionView): Finding[] {
  const { window } = view.metrics;
  const findings: Finding[] = [];
  const reading = readBypass(view);
  for (const qualifier of view.qualifiers) {
    if (
      reading &&
      provisionedNearZero(qualifier.provisionedInvocations, window) === true &&
      mostlyBypassing(reading, window)
    ) {
      findings.push(bypassFinding(view, qualifier, reading));
    }
    if (nearSpill(qualifier.provisionedUtilization, window) && !hasNonZero(qualifier.spilloverInvocations)) {
      const finding = nearSpillFinding(view, qualifier);
      if (finding) findings.push(finding);
    }
    const latency = latencyFinding(view, qualifier);
    if (latency) findings.push(latency);
  }
  findings.push(...configFindings(view));
  return findings;
}

const CUT_SHORT = ['region', 'spillover-probe', 'provisioned-probe'] as const;

/** Whether this run read what a bypass finding on `qualifier` rests on. */
function bypassAssessed(view: FunctionView, qualifier: string | undefined): boolean {
  const { window, coverage } = view.metrics;
  const probed = view.qualifiers.find((candidate) => candidate.qualifier === qualifier);
  // No longer reporting provisioned metrics in two weeks: its provisioned concurrency is gone.
  if (!probed) return true;
  if (provisionedNearZero(probed.provisionedInvocations, window) !== true) return true;
  if (coverage.partial.includes('provisioned-drill')) return false;
  const total = windowSum(view.fn?.invocations, window);
  if (total === undefined) return false;
  const served = view.qualifiers.reduce(
    (sum, candidate) => sum + (windowSum(candidate.provisionedInvocations, window) ?? 0),
    0,
  );
  if (!bypassPossible(total, served, window)) return true;
  return readBypass(view) !== undefined;
}

/** Whether this run saw enough of one pc-health problem to say it cleared. */
function caseAssessed(view: FunctionView, stored: StoredFindingRef | undefined): boolean {
  const problem = stored ? pcHealthCaseOf(stored.fingerprint) : undefined;
  switch (problem) {
    case 'near-spill':
      return true;
    case 'bypass':
      return bypassAssessed(view, stored?.qualifier);
    case 'jit-latency': {
      const listed = inventoried(view.context, view.functionName);
      if (!listed?.runtime) return false;
      if (!JIT_RUNTIME.test(listed.runtime) || listed.memorySize !== SMALLEST_MEMORY_MB) return true;
      const probed = view.qualifiers.find((candidate) => candidate.qualifier === stored?.qualifier);
      return !probed || provisionedNow(view, probed) || view.setup?.configs !== undefined;
    }
    default:
      // The config cases (and a stored finding of unknown case): only a config read this run clears them.
      return (
        !view.metrics.coverage.partial.includes('provisioned-drill') &&
        view.setup?.configs !== undefined &&
        (problem !== 'new-version' || view.setup.aliases !== undefined)
      );
  }
}

/**
 * `pc-health`: provisioned concurrency bypassed, failed, stuck allocating, under-allocated, about to spill over,
 * or on a JIT runtime at 128 MB; see the file comment for what is compared with what.
 */
export const pcHealth: Detector = {
  kind: 'pc-health',
  detect(context) {
    const metrics = deliveredMetrics(context);
    if (!metrics) return [];
    const names = new Set([
      ...metrics.qualifiers.map((qualifier) => qualifier.functionName),
      ...metrics.provisioned.map((setup) => setup.functionName),
    ]);
    return [...names]
      .sort()
      .filter((functionName) => !isIgnored(context, functionName))
      .flatMap((functionName) => functionFindings(viewOf(context, metrics, functionName)));
  },
  assessed(context, functionName, stored) {
    const metrics = deliveredMetrics(context);
    const coverage = metrics?.coverage;
    if (!metrics || !coverage?.spilloverProbe || !coverage.provisionedProbe) return false;
    if (CUT_SHORT.some((part) => coverage.partial.includes(part))) return false;
    // A function a complete inventory no longer lists is gone, and its provisioned concurrency with it.
    if (!inventoried(context, functionName) && context.snapshot.inventoryComplete) return true;
    return caseAssessed(viewOf(context, metrics, functionName), stored);
  },
};
