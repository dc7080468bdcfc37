/**
 * One function walked through AWS's guide "Troubleshoot invocation issues in Lambda", section by section: its
 * state and the Pending sections, the two permission sections, concurrency, loops, provisioned concurrency and
 * versions, the KMS key, and the four EFS sections. Reading (function-reading.ts and one reader per service) is
 * done first; every judgement is a pure function of what was read. The sentinel's own detectors judge what they
 * cover, so a diagnosis and a scan never disagree.
 */
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { concurrencyCheck } from './concurrency-check';
import type { Diagnosis, DiagnosisCheck } from './diagnosis-check';
import { efsChecks } from './efs-checks';
import { readAccessPoint } from './efs-reading';
import { readRuleTargets, type EventBridgeReading } from './eventbridge-reading';
import { readFunction, type DiagnosisInput, type FunctionReading } from './function-reading';
import { kmsCheck } from './kms-check';
import { readKey } from './kms-reading';
import {
  readEventSourceMappings,
  readFunctionUrls,
  readPolicy,
  type FunctionUrlReading,
} from './lambda-access-reading';
import { loopChecks } from './loop-check';
import {
  identityChecks,
  otherCallerChecks,
  qualifierOf,
  qualifiersToRead,
  type InvokeAccessReading,
} from './permission-checks';
import { readPool } from './pool-reading';
import { provisionedChecks, type InvokedQualifier } from './provisioned-checks';
import { valueOf, wasRead, type Read } from './reading';
import { readSubscriptions, type SubscriptionListing } from './sns-reading';
import { stateChecks } from './state-checks';

export type { CheckStatus, Diagnosis, DiagnosisCheck } from './diagnosis-check';

/**
 * Aliases whose own URL, event source mappings and policy are read (each a call on Lambda's shared control-plane
 * quota); the aliases a trigger invokes are read whatever their number.
 */
export const ALIASES_READ = 10;

/** Event sources whose loops Lambda's recursive loop detection does not see, by the service in their ARN. */
const UNDETECTED_LOOP_SOURCES = new Set(['dynamodb', 'kinesis', 'kafka', 'mq', 'rds']);

/** Every trigger found, as the alias or version it invokes. */
function invokedQualifiers(
  rules: EventBridgeReading,
  subscriptions: Read<SubscriptionListing>,
  urls: readonly FunctionUrlReading[],
  mappings: Read<EventSourceMappingConfiguration[]>,
): InvokedQualifier[] {
  const of = (what: string, arn: string): InvokedQualifier => {
    const qualifier = qualifierOf(arn);
    return qualifier === undefined ? { what } : { what, qualifier };
  };
  return [
    ...rules.targets.map((target) => of(`EventBridge rule ${target.ruleName}`, target.targetArn)),
    ...(valueOf(subscriptions)?.subscriptions.map((subscription) =>
      of(`SNS topic ${subscription.topicArn}`, subscription.endpoint),
    ) ?? []),
    ...urls.flatMap((url) =>
      valueOf(url.config)
        ? [{ what: 'its function URL', ...(url.qualifier ? { qualifier: url.qualifier } : {}) }]
        : [],
    ),
    ...(valueOf(mappings) ?? []).map((mapping) =>
      of(`event source mapping ${mapping.UUID} (${mapping.EventSourceArn})`, mapping.FunctionArn ?? ''),
    ),
  ];
}

/** The function's triggers that Lambda's loop detection does not cover. */
function undetectedLoopTriggers(
  rules: EventBridgeReading,
  mappings: Read<EventSourceMappingConfiguration[]>,
): string[] {
  return [
    ...(valueOf(mappings) ?? [])
      .filter((mapping) => UNDETECTED_LOOP_SOURCES.has(mapping.EventSourceArn?.split(':')[2] ?? ''))
      .map((mapping) => mapping.EventSourceArn ?? ''),
    ...rules.targets.map((target) => `EventBridge rule ${target.ruleName}`),
  ];
}

/** Reads who invokes the function: triggers of every kind, then the policies of the qualifiers they invoke. */
async function readInvokeAccess(
  reading: FunctionReading,
  input: DiagnosisInput,
): Promise<InvokeAccessReading> {
  const { clients, budget, region } = input;
  const { fn } = reading;
  const name = fn.functionName;
  const accountId = fn.functionArn.split(':')[4] ?? '';
  const aliases = (valueOf(reading.aliases) ?? [])
    .map((alias) => alias.Name ?? '')
    .filter((alias) => alias !== '');
  const readAliases = aliases.slice(0, ALIASES_READ);
  const provisionedVersions = (valueOf(reading.configs) ?? [])
    .map((config) => qualifierOf(config.FunctionArn ?? ''))
    .filter((qualifier): qualifier is string => qualifier !== undefined && /^\d+$/.test(qualifier));
  const targetArns = [
    ...new Set([
      fn.functionArn,
      ...[...readAliases, ...provisionedVersions].map((q) => `${fn.functionArn}:${q}`),
    ]),
  ];
  const [rules, subscriptions, urls, mappings] = await Promise.all([
    readRuleTargets(clients.eventbridge, budget, { region, accountId }, targetArns),
    readSubscriptions(clients.sns, budget, fn.functionArn),
    readFunctionUrls(clients.lambda, budget, name, readAliases),
    readEventSourceMappings(clients.lambda, budget, name, readAliases),
  ]);
  const policies = new Map<string, Read<string | undefined>>([['', reading.policy]]);
  const qualifiers = qualifiersToRead(readAliases, rules, subscriptions);
  const policyReads = await Promise.all(
    qualifiers.map(
      async (qualifier) => [qualifier, await readPolicy(clients.lambda, budget, name, qualifier)] as const,
    ),
  );
  for (const [qualifier, policy] of policyReads) policies.set(qualifier, policy);
  const unreadAliases = aliases.length - readAliases.length;
  return {
    functionName: name,
    functionArn: fn.functionArn,
    accountId,
    aliases: wasRead(reading.aliases) ? { value: aliases } : reading.aliases,
    policies,
    rules,
    subscriptions,
    urls,
    mappings,
    leftOut:
      unreadAliases > 0
        ? [
            `the rules, URLs, event source mappings and policies of ${unreadAliases} aliases past the first ` +
              `${ALIASES_READ}`,
          ]
        : [],
  };
}

/** Reads the function and judges it against every section of the guide. */
export async function diagnoseFunction(functionName: string, input: DiagnosisInput): Promise<Diagnosis> {
  const reading = await readFunction(functionName, input);
  const { fn, context } = reading;
  const accountId = fn.functionArn.split(':')[4] ?? '';
  const [access, pool, key, accessPoints] = await Promise.all([
    readInvokeAccess(reading, input),
    readPool(reading, input),
    fn.kmsKeyArn !== undefined ? readKey(input.clients.kms, input.budget, fn.kmsKeyArn) : undefined,
    Promise.all(
      (fn.fileSystemArns ?? []).map((arn) =>
        readAccessPoint(input.clients.efs, input.budget, arn, accountId),
      ),
    ),
  ]);

  const state = stateChecks(fn, context);
  const stateStatus = state[0]?.status ?? 'ok';
  const checks: DiagnosisCheck[] = [
    ...state,
    ...identityChecks(access),
    ...otherCallerChecks(access),
    concurrencyCheck(fn, reading.metrics, reading.limits, pool, input.settings),
    ...loopChecks(
      fn.functionName,
      context,
      reading.recursion,
      reading.metrics,
      undetectedLoopTriggers(access.rules, access.mappings),
    ),
    ...provisionedChecks({
      functionName: fn.functionName,
      ...(reading.configuration ? { configuration: reading.configuration } : {}),
      context,
      metrics: reading.metrics,
      configs: reading.configs,
      aliases: reading.aliases,
      triggers: invokedQualifiers(access.rules, access.subscriptions, access.urls, access.mappings),
    }),
    kmsCheck(fn, key, stateStatus),
    ...efsChecks({
      fn,
      ...(reading.configuration?.VpcConfig?.VpcId ? { vpcId: reading.configuration.VpcConfig.VpcId } : {}),
      accessPoints,
      stateStatus,
    }),
  ];
  return { functionName: fn.functionName, region: input.region, checks };
}
