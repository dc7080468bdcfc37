/**
 * The Lambda settings the metric drill-downs read for the few functions the metrics single out: account limits,
 * provisioned concurrency configurations, aliases, event source mappings, the recursion setting, the function URL
 * and the resource-based policy. Each call draws on Lambda's shared control-plane bucket (GetPolicy on its own
 * 15 rps one), so callers keep the list of functions short.
 */
import {
  GetAccountSettingsCommand,
  GetFunctionRecursionConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListProvisionedConcurrencyConfigsCommand,
} from '@aws-sdk/client-lambda';
import type {
  AccountConcurrencyLimits,
  AliasRouting,
  EventSourceMappingSummary,
  FunctionUrlSummary,
  InvokePermission,
  ProvisionedConcurrencyConfig,
  ProvisionedSetup,
} from '../model';
import { withoutUndefined, type Collector } from './metric-collector';

/** GetAccountSettings' concurrency limits; undefined when the call failed or returned none. */
export async function readAccountLimits(collector: Collector): Promise<AccountConcurrencyLimits | undefined> {
  const output = await collector.attempt('GetAccountSettings', undefined, () =>
    collector.input.lambda.send(new GetAccountSettingsCommand({})),
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

/** Every provisioned concurrency configuration of a function; undefined when the listing failed. */
export function readProvisionedConfigs(
  collector: Collector,
  functionName: string,
): Promise<ProvisionedConcurrencyConfig[] | undefined> {
  return collector.listAll(
    'ListProvisionedConcurrencyConfigs',
    functionName,
    (lambda, Marker) =>
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
          statusReason: config.StatusReason,
          lastModified: config.LastModified,
        }),
      ),
      nextMarker: page.NextMarker,
    }),
  );
}

/** Every alias of a function with its routing; undefined when the listing failed. */
export function readAliases(collector: Collector, functionName: string): Promise<AliasRouting[] | undefined> {
  return collector.listAll(
    'ListAliases',
    functionName,
    (lambda, Marker) => lambda.send(new ListAliasesCommand({ FunctionName: functionName, Marker })),
    (page) => ({
      items: (page.Aliases ?? []).map((alias): AliasRouting => ({
        name: alias.Name ?? '',
        functionVersion: alias.FunctionVersion ?? '',
        additionalVersionWeights: alias.RoutingConfig?.AdditionalVersionWeights ?? {},
      })),
      nextMarker: page.NextMarker,
    }),
  );
}

/** A function's provisioned concurrency configurations and aliases, each absent where its listing failed. */
export async function readProvisionedSetup(
  collector: Collector,
  functionName: string,
): Promise<ProvisionedSetup> {
  const [configs, aliases] = await Promise.all([
    readProvisionedConfigs(collector, functionName),
    readAliases(collector, functionName),
  ]);
  return { functionName, ...(configs ? { configs } : {}), ...(aliases ? { aliases } : {}) };
}

/**
 * The event source mappings ListEventSourceMappings returns for the function's name; undefined when the listing
 * failed. Assumption (AWS's reference is silent on it): the unqualified name may not match mappings bound to an
 * alias or version, so an empty list means "none seen", and remediation then falls back to a throttle.
 */
export function readEventSourceMappings(
  collector: Collector,
  functionName: string,
): Promise<EventSourceMappingSummary[] | undefined> {
  return collector.listAll(
    'ListEventSourceMappings',
    functionName,
    (lambda, Marker) =>
      lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName, Marker })),
    (page) => ({
      items: (page.EventSourceMappings ?? []).map((mapping) =>
        withoutUndefined<EventSourceMappingSummary>({
          uuid: mapping.UUID ?? '',
          eventSourceArn: mapping.EventSourceArn ?? '',
          state: mapping.State ?? 'unknown',
          functionArn: mapping.FunctionArn,
        }),
      ),
      nextMarker: page.NextMarker,
    }),
  );
}

/** GetFunctionRecursionConfig's `RecursiveLoop` (`Allow` or `Terminate`); undefined when the call failed. */
export async function readRecursionSetting(
  collector: Collector,
  functionName: string,
): Promise<string | undefined> {
  const config = await collector.attempt('GetFunctionRecursionConfig', functionName, () =>
    collector.input.lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: functionName })),
  );
  return config?.RecursiveLoop;
}

/**
 * Sends a read whose ResourceNotFoundException means "the function has none" (no URL, no policy): null then; the
 * answer otherwise; undefined when the call failed for another reason (recorded). A function deleted mid-scan
 * also answers ResourceNotFoundException and so reads as having none, which is harmless for evidence.
 */
async function readUnlessNone<T>(
  collector: Collector,
  operation: string,
  functionName: string,
  send: () => Promise<T>,
): Promise<T | null | undefined> {
  try {
    return await collector.input.budget.call(operation, send);
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return null;
    const code = error instanceof Error ? error.name : 'Error';
    collector.record(operation, code, error instanceof Error ? error.message : String(error), functionName);
    return undefined;
  }
}

/**
 * The function URL of the unqualified function (GetFunctionUrlConfig without a qualifier, so a URL on an alias is
 * not asked for): one entry, or none when the function has no such URL; undefined when the call failed.
 */
export async function readUnqualifiedFunctionUrls(
  collector: Collector,
  functionName: string,
): Promise<FunctionUrlSummary[] | undefined> {
  const config = await readUnlessNone(collector, 'GetFunctionUrlConfig', functionName, () =>
    collector.input.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: functionName })),
  );
  if (config === undefined) return undefined;
  if (config === null || !config.FunctionUrl) return [];
  return [
    withoutUndefined<FunctionUrlSummary>({
      url: config.FunctionUrl,
      functionArn: config.FunctionArn ?? '',
      authType: config.AuthType,
    }),
  ];
}

type PolicyStatement = {
  readonly Sid?: unknown;
  readonly Effect?: unknown;
  readonly Principal?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: unknown;
};

function principalOf(principal: unknown): string {
  if (typeof principal === 'string') return principal;
  if (typeof principal !== 'object' || principal === null) return 'unknown';
  const values = Object.values(principal as Record<string, unknown>).flat();
  return values.filter((value): value is string => typeof value === 'string').join(', ') || 'unknown';
}

function sourceArnOf(condition: unknown): string | undefined {
  if (typeof condition !== 'object' || condition === null) return undefined;
  for (const operands of Object.values(condition as Record<string, unknown>)) {
    if (typeof operands !== 'object' || operands === null) continue;
    for (const [key, value] of Object.entries(operands as Record<string, unknown>)) {
      // Condition keys are case-insensitive: AWS:SourceArn and aws:SourceArn are the same key.
      if (key.toLowerCase() !== 'aws:sourcearn') continue;
      const first = Array.isArray(value) ? (value as unknown[])[0] : value;
      if (typeof first === 'string') return first;
    }
  }
  return undefined;
}

/**
 * The Allow statements of the unqualified function's resource-based policy (GetPolicy without a qualifier: the
 * permissions granted on the function itself, not on an alias or version); empty when it has no policy, undefined
 * when the call failed or the policy could not be read.
 */
export async function readInvokePermissions(
  collector: Collector,
  functionName: string,
): Promise<InvokePermission[] | undefined> {
  const answer = await readUnlessNone(collector, 'GetPolicy', functionName, () =>
    collector.input.lambda.send(new GetPolicyCommand({ FunctionName: functionName })),
  );
  if (answer === undefined) return undefined;
  if (answer === null || !answer.Policy) return [];
  let statements: PolicyStatement[];
  try {
    const policy = JSON.parse(answer.Policy) as { Statement?: PolicyStatement | PolicyStatement[] };
    statements = Array.isArray(policy.Statement)
      ? policy.Statement
      : policy.Statement
        ? [policy.Statement]
        : [];
  } catch (error) {
    collector.record(
      'GetPolicy',
      'UnreadablePolicy',
      `the policy is not JSON: ${error instanceof Error ? error.message : String(error)}`,
      functionName,
    );
    return undefined;
  }
  return statements
    .filter((statement) => statement.Effect === undefined || statement.Effect === 'Allow')
    .flatMap((statement, index) => {
      const resources = (
        Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]
      ).filter((resource): resource is string => typeof resource === 'string');
      return resources.map((resource) =>
        withoutUndefined<InvokePermission>({
          sid: typeof statement.Sid === 'string' ? statement.Sid : `statement ${index + 1}`,
          principal: principalOf(statement.Principal),
          resource,
          sourceArn: sourceArnOf(statement.Condition),
        }),
      );
    });
}
