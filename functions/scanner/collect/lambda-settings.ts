/**
 * The Lambda settings the metric drill-downs read for the few functions the metrics single out: account limits,
 * provisioned concurrency configurations, aliases, event source mappings and the recursion setting. Each call
 * draws on Lambda's shared control-plane bucket, so callers keep the list of functions short.
 */
import {
  GetAccountSettingsCommand,
  GetFunctionRecursionConfigCommand,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListProvisionedConcurrencyConfigsCommand,
} from '@aws-sdk/client-lambda';
import type {
  AccountConcurrencyLimits,
  AliasRouting,
  EventSourceMappingSummary,
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
        }),
      ),
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
    collector.listAll(
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
    ),
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
