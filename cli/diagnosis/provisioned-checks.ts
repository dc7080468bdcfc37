/**
 * The guide's four sections about provisioned concurrency and versions: alias routing, cold starts with provisioned
 * concurrency, latency variability, and cold starts with new versions. Spillover is judged by the scanner's
 * pc-spillover detector; what only diagnose sees is added: the triggers that invoke a qualifier provisioned
 * concurrency does not serve, and the runtime and memory behind first-invocation latency. Pure.
 */
import type {
  AliasConfiguration,
  FunctionConfiguration,
  ProvisionedConcurrencyConfigListItem,
} from '@aws-sdk/client-lambda';
import type { DetectorContext } from '../../functions/scanner/detect/detector';
import { pcSpillover } from '../../functions/scanner/detect/pc-spillover';
import type { Finding } from '../../functions/scanner/model';
import { fromFinding, unknownCheck, type DiagnosisCheck, type Topic } from './diagnosis-check';
import type { FunctionWindow } from './function-reading';
import { wasRead, type Read } from './reading';

const ALIAS: Topic = { topic: 'Alias routing with provisioned concurrency', section: 'alias' };
const COLD: Topic = { topic: 'Cold starts with provisioned concurrency', section: 'coldstart' };
const LATENCY: Topic = { topic: 'Latency variability with provisioned concurrency', section: 'latency' };
const VERSIONS: Topic = { topic: 'Cold starts with new versions', section: 'newversion' };

/** A trigger of the function and the alias or version it invokes (undefined: the unqualified function). */
export interface InvokedQualifier {
  /** `EventBridge rule nightly`, `event source mapping <uuid>`, ... */
  readonly what: string;
  readonly qualifier?: string;
}

/** What the four sections read. */
export interface ProvisionedReading {
  readonly functionName: string;
  readonly configuration?: FunctionConfiguration;
  readonly context: DetectorContext;
  readonly metrics: FunctionWindow;
  readonly configs: Read<ProvisionedConcurrencyConfigListItem[]>;
  readonly aliases: Read<AliasConfiguration[]>;
  readonly triggers: readonly InvokedQualifier[];
}

/** Runtimes that compile at run time and load lazily, so a first invocation can be slower (.NET, Java). */
const JIT_RUNTIME = /^(java|dotnet)/;

const qualifierOfConfig = (config: ProvisionedConcurrencyConfigListItem) =>
  config.FunctionArn?.split(':').at(-1) ?? '';

function weightsText(alias: AliasConfiguration): string {
  const extra = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
  const shares = extra.map(([version, weight]) => `${Math.round(weight * 100)}% to version ${version}`);
  return `alias ${alias.Name} sends ${shares.join(' and ')} and the rest to version ${alias.FunctionVersion}`;
}

/** Whether provisioned concurrency serves calls to `qualifier`: it is on the qualifier or on the version an alias points to. */
function served(
  qualifier: string | undefined,
  provisioned: ReadonlySet<string>,
  aliases: readonly AliasConfiguration[],
): boolean {
  if (qualifier === undefined || qualifier === '$LATEST') return false;
  if (provisioned.has(qualifier)) return true;
  const alias = aliases.find((candidate) => candidate.Name === qualifier);
  return alias?.FunctionVersion !== undefined && provisioned.has(alias.FunctionVersion);
}

function coldStartChecks(reading: ProvisionedReading, spills: readonly Finding[]): DiagnosisCheck[] {
  const { configs } = reading;
  if (!wasRead(configs)) return [unknownCheck(COLD, configs, 'its provisioned concurrency')];
  if (configs.value.length === 0) {
    return [
      {
        ...COLD,
        status: 'ok',
        summary:
          'no provisioned concurrency (it goes on a version or alias, never $LATEST): this section does not apply',
      },
    ];
  }
  if (!reading.metrics.read && reading.metrics.failure) {
    return [unknownCheck(COLD, reading.metrics.failure, 'whether it spilled over')];
  }
  const lines: DiagnosisCheck[] = spills.map((finding) => fromFinding(COLD, finding));
  const failed = configs.value.filter((config) => config.Status === 'FAILED');
  if (failed.length > 0) {
    lines.push({
      ...COLD,
      status: 'problem',
      summary: `provisioned concurrency could not be allocated on ${failed.map(qualifierOfConfig).join(', ')}: ${failed.map((config) => config.StatusReason ?? 'no reason given').join('; ')}`,
      advice:
        'Often the account has too little unreserved concurrency for it. Fix the cause, then set the config again.',
    });
  }
  const provisioned = new Set(configs.value.map(qualifierOfConfig));
  const aliases = wasRead(reading.aliases) ? reading.aliases.value : [];
  for (const trigger of reading.triggers) {
    if (served(trigger.qualifier, provisioned, aliases)) continue;
    lines.push({
      ...COLD,
      status: 'warning',
      summary:
        `${trigger.what} invokes ${trigger.qualifier === undefined ? `${reading.functionName} unqualified` : `${reading.functionName}:${trigger.qualifier}`}, ` +
        `which provisioned concurrency (on ${[...provisioned].join(', ')}) does not serve: its invocations start cold`,
      advice: `Point the trigger at ${reading.functionName}:${[...provisioned][0] ?? ''}.`,
    });
  }
  if (lines.length > 0) return lines;
  const described = configs.value.map(
    (config) =>
      `${qualifierOfConfig(config)}: ${config.AllocatedProvisionedConcurrentExecutions ?? config.RequestedProvisionedConcurrentExecutions ?? 0} provisioned (${config.Status ?? 'status unknown'})`,
  );
  return [
    {
      ...COLD,
      status: 'ok',
      summary:
        `${described.join('; ')}; no spillover in the window` +
        (reading.triggers.length > 0 ? '; every trigger found invokes a provisioned qualifier' : ''),
    },
  ];
}

function aliasChecks(reading: ProvisionedReading, spills: readonly Finding[]): DiagnosisCheck[] {
  const { aliases, configs } = reading;
  if (!wasRead(aliases)) return [unknownCheck(ALIAS, aliases, 'its aliases')];
  const routed = aliases.value.filter(
    (alias) => Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length > 0,
  );
  if (routed.length === 0) {
    return [{ ...ALIAS, status: 'ok', summary: 'no alias splits its traffic between two versions' }];
  }
  if (!wasRead(configs))
    return [unknownCheck(ALIAS, configs, 'provisioned concurrency behind its routed aliases')];
  const provisioned = new Set(configs.value.map(qualifierOfConfig));
  return routed.map((alias): DiagnosisCheck => {
    const versions = [
      alias.FunctionVersion ?? '',
      ...Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}),
    ];
    const hasProvisioned =
      provisioned.has(alias.Name ?? '') || versions.some((version) => provisioned.has(version));
    const spill = spills.find((finding) => finding.qualifier === alias.Name);
    if (spill) {
      return {
        ...ALIAS,
        status: 'warning',
        summary: `${weightsText(alias)}, and spilled over its provisioned concurrency: ${spill.summary}`,
        advice:
          'Lambda picks the version of each request at random, so at low traffic the split strays far from the ' +
          'weights. Provision more while the routing lasts, then lower it once the alias points at one version.',
      };
    }
    return hasProvisioned
      ? {
          ...ALIAS,
          status: 'info',
          summary: `${weightsText(alias)}, with provisioned concurrency behind it; no spillover in the window`,
          advice: 'Keep enough provisioned concurrency on both versions while the routing lasts.',
        }
      : {
          ...ALIAS,
          status: 'ok',
          summary: `${weightsText(alias)}; it has no provisioned concurrency, so nothing can spill over`,
        };
  });
}

function latencyCheck(reading: ProvisionedReading): DiagnosisCheck {
  const { configs, configuration } = reading;
  if (!wasRead(configs)) return unknownCheck(LATENCY, configs, 'its provisioned concurrency');
  if (configs.value.length === 0) {
    return { ...LATENCY, status: 'ok', summary: 'no provisioned concurrency: this section does not apply' };
  }
  const runtime = configuration?.Runtime ?? 'an unknown runtime';
  const memory = configuration?.MemorySize;
  const jit = JIT_RUNTIME.test(runtime);
  const small = memory !== undefined && memory <= 128;
  const setup = `${runtime}${memory !== undefined ? ` with ${memory} MB` : ''}`;
  const unseen = 'first-invocation latency is not in Lambda metrics, so it cannot be measured here';
  if (jit && small) {
    return {
      ...LATENCY,
      status: 'warning',
      summary: `${setup}: a runtime that loads lazily on the smallest memory size, where the first invocation on each provisioned environment is slowest; ${unseen}`,
      advice:
        'Give the function more memory (which also gives it more CPU), or warm the code paths during init.',
    };
  }
  return {
    ...LATENCY,
    status: 'info',
    summary: `${setup}: ${jit ? 'a runtime that loads lazily (tens of milliseconds on a first invocation)' : small ? 'the smallest memory size' : 'neither a lazily-loading runtime nor the smallest memory size'}; ${unseen}`,
    ...(jit || small ? { advice: 'More memory reduces the variability.' } : {}),
  };
}

function newVersionCheck(reading: ProvisionedReading): DiagnosisCheck {
  const { configs, aliases } = reading;
  if (!wasRead(configs)) return unknownCheck(VERSIONS, configs, 'its provisioned concurrency');
  if (configs.value.length === 0) {
    return { ...VERSIONS, status: 'ok', summary: 'no provisioned concurrency to shift between versions' };
  }
  if (!wasRead(aliases)) return unknownCheck(VERSIONS, aliases, 'its aliases');
  const onAliases = aliases.value.filter((alias) =>
    configs.value.some((config) => qualifierOfConfig(config) === alias.Name),
  );
  if (onAliases.length === 0) {
    return {
      ...VERSIONS,
      status: 'info',
      summary:
        `provisioned concurrency is on version${configs.value.length === 1 ? '' : 's'} ` +
        `${configs.value.map(qualifierOfConfig).join(', ')}, not on an alias: a new version starts with none, so its ` +
        'first invocations start cold',
      advice:
        'Put provisioned concurrency on an alias, so that it moves to each new version the alias points at.',
    };
  }
  return {
    ...VERSIONS,
    status: 'info',
    summary:
      `provisioned concurrency is on alias${onAliases.length === 1 ? '' : 'es'} ${onAliases.map((alias) => alias.Name).join(', ')}: ` +
      "when the alias moves to a new version, Lambda shifts it by the alias's weights; cold starts during that " +
      'shift leave no state to read, and show only as spillover',
  };
}

/** The four sections' lines. */
export function provisionedChecks(reading: ProvisionedReading): DiagnosisCheck[] {
  const spills = pcSpillover
    .detect(reading.context)
    .filter((finding) => finding.functionName === reading.functionName);
  return [
    ...aliasChecks(reading, spills),
    ...coldStartChecks(reading, spills),
    latencyCheck(reading),
    newVersionCheck(reading),
  ];
}
