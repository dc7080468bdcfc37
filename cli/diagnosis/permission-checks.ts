/**
 * The guide's two permission sections, judged from the function's side: "IAM: lambda:InvokeFunction not
 * authorized" (callers that use their own identity) and "Cannot invoke function with other accounts or services"
 * (the resource-based policy). Every trigger found is matched against the policy of the resource it invokes: the
 * function's, or the alias's or version's (a grant on the function does not cover a call to one of its aliases).
 * Event source mappings need no statement: Lambda polls their source with the execution role. Pure.
 */
import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import type { DiagnosisCheck, Topic } from './diagnosis-check';
import { unknownCheck } from './diagnosis-check';
import type { EventBridgeReading, RuleTarget } from './eventbridge-reading';
import type { FunctionUrlReading } from './lambda-access-reading';
import { valueOf, wasRead, type Read, type ReadFailure } from './reading';
import {
  accountOf,
  describeStatement,
  evaluate,
  isPublic,
  isUnscopedService,
  otherAccountsOf,
  parsePolicy,
  type InvokeRequest,
  type PolicyStatement,
  type Verdict,
} from './resource-policy';
import type { SubscriptionListing } from './sns-reading';

const IDENTITY: Topic = { topic: 'lambda:InvokeFunction not authorized', section: 'noauth' };
const OTHERS: Topic = { topic: 'Other accounts or services', section: 'cannotinvoke' };

/**
 * Function URLs created from this date on need `lambda:InvokeFunction` besides `lambda:InvokeFunctionUrl`. AWS's
 * page says "starting in October 2025" without a day: the first of the month is assumed.
 */
export const URL_INVOKE_FUNCTION_REQUIRED_FROM = Date.parse('2025-10-01T00:00:00Z');

/** What was read about who invokes the function. */
export interface InvokeAccessReading {
  readonly functionName: string;
  /** The function's unqualified ARN. */
  readonly functionArn: string;
  readonly accountId: string;
  /** The function's aliases, by name. */
  readonly aliases: Read<readonly string[]>;
  /** Resource-based policy documents by qualifier (`''`: the function's own); an undefined value: none. */
  readonly policies: ReadonlyMap<string, Read<string | undefined>>;
  readonly rules: EventBridgeReading;
  readonly subscriptions: Read<SubscriptionListing>;
  readonly urls: readonly FunctionUrlReading[];
  readonly mappings: Read<EventSourceMappingConfiguration[]>;
  /** What the reading's bounds left out besides rules and subscriptions, in words. */
  readonly leftOut: readonly string[];
}

/** The alias or version a Lambda ARN names; undefined for the unqualified function. */
export function qualifierOf(arn: string): string | undefined {
  return arn.split(':')[7];
}

/** The key of the policy that governs calls to `qualifier`: `$LATEST` has none of its own. */
export function policyKey(qualifier: string | undefined): string {
  return qualifier === undefined || qualifier === '$LATEST' ? '' : qualifier;
}

/** The qualifiers whose policies the judgement needs: every alias, and whatever a trigger invokes. */
export function qualifiersToRead(
  aliases: readonly string[],
  rules: EventBridgeReading,
  subscriptions: Read<SubscriptionListing>,
): string[] {
  const invoked = [
    ...rules.targets.map((target) => target.targetArn),
    ...(valueOf(subscriptions)?.subscriptions.map((subscription) => subscription.endpoint) ?? []),
  ].map((arn) => policyKey(qualifierOf(arn)));
  return [...new Set([...aliases, ...invoked])].filter((key) => key !== '').sort();
}

type PolicyRead = { readonly statements: readonly PolicyStatement[] } | { readonly unread: ReadFailure };

function statementsOf(reading: InvokeAccessReading, key: string): PolicyRead {
  const read = reading.policies.get(key);
  if (!read) {
    return {
      unread: { failed: `the policy of ${key || 'the function'} was not read`, errorName: 'NotRead' },
    };
  }
  if (!wasRead(read)) return { unread: read };
  if (read.value === undefined) return { statements: [] };
  const statements = parsePolicy(read.value);
  return statements
    ? { statements }
    : {
        unread: {
          failed: 'GetPolicy returned a document that is not a policy',
          errorName: 'MalformedPolicy',
        },
      };
}

/** The resource a call to `qualifier` invokes, and how it is named in text and on the command line. */
function resourceOf(reading: InvokeAccessReading, qualifier: string | undefined) {
  const key = policyKey(qualifier);
  return {
    key,
    arn: key === '' ? reading.functionArn : `${reading.functionArn}:${key}`,
    name: key === '' ? reading.functionName : `${reading.functionName}:${key}`,
    qualifierOption: key === '' ? '' : ` --qualifier ${key}`,
  };
}

/** Whether the trigger names an alias that does not exist (a version cannot be checked from the alias list). */
function missingAlias(reading: InvokeAccessReading, qualifier: string | undefined): boolean {
  const aliases = valueOf(reading.aliases);
  return (
    qualifier !== undefined &&
    qualifier !== '$LATEST' &&
    !/^\d+$/.test(qualifier) &&
    aliases !== undefined &&
    !aliases.includes(qualifier)
  );
}

/** A service's request on behalf of `sourceArn`, judged against the policy of the resource it invokes. */
function serviceVerdict(
  reading: InvokeAccessReading,
  service: string,
  sourceArn: string,
  invokedArn: string,
): { readonly verdict: Verdict } | { readonly unread: ReadFailure } {
  const resource = resourceOf(reading, qualifierOf(invokedArn));
  const policy = statementsOf(reading, resource.key);
  if ('unread' in policy) return policy;
  const sourceAccount = accountOf(sourceArn);
  const request: InvokeRequest = {
    action: 'lambda:InvokeFunction',
    resource: resource.arn,
    service,
    context: {
      'aws:sourcearn': sourceArn,
      ...(sourceAccount !== undefined ? { 'aws:sourceaccount': sourceAccount } : {}),
    },
  };
  return { verdict: evaluate(policy.statements, request).verdict };
}

function addPermission(
  reading: InvokeAccessReading,
  qualifier: string | undefined,
  statementId: string,
  service: string,
  sourceArn: string,
): string {
  const resource = resourceOf(reading, qualifier);
  return (
    `aws lambda add-permission --function-name ${reading.functionName}${resource.qualifierOption} ` +
    `--statement-id ${statementId} --action lambda:InvokeFunction --principal ${service} --source-arn ${sourceArn}`
  );
}

/** A trigger that a service fires, in the words and values its line needs. */
interface ServiceTrigger {
  /** `EventBridge rule nightly (default bus)`, `SNS topic arn:...`. */
  readonly what: string;
  readonly service: string;
  readonly sourceArn: string;
  readonly invokedArn: string;
  readonly statementId: string;
  /** Whether it fires now; false for a disabled rule. */
  readonly live: boolean;
  readonly stateNote: string;
}

function serviceTriggerLines(reading: InvokeAccessReading, trigger: ServiceTrigger): DiagnosisCheck[] {
  const qualifier = qualifierOf(trigger.invokedArn);
  const resource = resourceOf(reading, qualifier);
  if (missingAlias(reading, qualifier)) {
    return [
      {
        ...OTHERS,
        status: trigger.live ? 'problem' : 'warning',
        summary: `${trigger.what}${trigger.stateNote} invokes alias ${qualifier}, which ${reading.functionName} does not have`,
        advice: `Point it at an alias that exists (or at ${reading.functionArn}), or create the alias.`,
      },
    ];
  }
  const judged = serviceVerdict(reading, trigger.service, trigger.sourceArn, trigger.invokedArn);
  if ('unread' in judged) {
    return [unknownCheck(OTHERS, judged.unread, `whether ${trigger.what} may invoke ${resource.name}`)];
  }
  if (judged.verdict === 'allowed') return [];
  if (judged.verdict === 'uncertain') {
    return [
      {
        ...OTHERS,
        status: 'warning',
        summary:
          `${trigger.what}${trigger.stateNote} invokes ${resource.name}; the statement that would let ` +
          `${trigger.service} do so has conditions this check cannot evaluate`,
        advice: `Read the policy (aws lambda get-policy --function-name ${reading.functionName}${resource.qualifierOption}) and check it allows ${trigger.sourceArn}.`,
      },
    ];
  }
  const others = otherSourcesFor(reading, resource.key, trigger.service);
  return [
    {
      ...OTHERS,
      status: trigger.live ? 'problem' : 'warning',
      summary:
        `${trigger.what}${trigger.stateNote} invokes ${resource.name}, but no statement in ` +
        `${resource.key === '' ? 'its' : `the alias's`} resource-based policy lets ${trigger.service} invoke it for ` +
        `${trigger.sourceArn}` +
        (trigger.live ? ': every invocation it attempts is refused' : ': it will be refused once enabled'),
      advice:
        `Add the permission: ${addPermission(reading, qualifier, trigger.statementId, trigger.service, trigger.sourceArn)}` +
        (resource.key === ''
          ? '.'
          : ` (a statement on ${reading.functionName} itself does not cover calls to ${resource.name}).`) +
        (others.length > 0
          ? ` The policy lets ${trigger.service} invoke it only for ${others.join(', ')}: a renamed or deleted ` +
            'source? Remove that statement if nothing uses it.'
          : ''),
    },
  ];
}

/** The sources the policy of `key` does allow `service` to invoke for (its SourceArn conditions). */
function otherSourcesFor(reading: InvokeAccessReading, key: string, service: string): string[] {
  const policy = statementsOf(reading, key);
  if ('unread' in policy) return [];
  return policy.statements
    .filter(
      (statement) =>
        statement.effect === 'Allow' &&
        statement.principal.kind === 'service' &&
        statement.principal.services.includes(service),
    )
    .flatMap((statement) => statement.conditions)
    .filter((condition) => condition.key.toLowerCase() === 'aws:sourcearn')
    .flatMap((condition) => condition.values);
}

function ruleTrigger(target: RuleTarget): ServiceTrigger {
  const state = valueOf(target.state);
  return {
    what: `EventBridge rule ${target.ruleName} (${target.eventBusName === 'default' ? 'default bus' : `bus ${target.eventBusName}`})`,
    service: 'events.amazonaws.com',
    sourceArn: target.ruleArn,
    invokedArn: target.targetArn,
    statementId: `events-${target.ruleName}`.slice(0, 100),
    live: state !== 'DISABLED',
    stateNote: state === 'DISABLED' ? ', which is disabled,' : '',
  };
}

function ruleLines(reading: InvokeAccessReading, target: RuleTarget): DiagnosisCheck[] {
  const role = target.roleArn;
  // A target with a role invokes with the role's identity policy: the IAM section names it.
  if (wasRead(role) && role.value !== undefined) return [];
  const lines = serviceTriggerLines(reading, ruleTrigger(target));
  if (wasRead(role)) return lines;
  // Without its targets, a refusal may be a role doing the invoking: say so rather than call it a problem.
  return lines.map((line) =>
    line.status === 'problem'
      ? unknownCheck(OTHERS, role, `${line.summary}, unless the rule's target invokes with a role`)
      : line,
  );
}

function subscriptionLines(
  reading: InvokeAccessReading,
  subscription: SubscriptionListing['subscriptions'][number],
): DiagnosisCheck[] {
  const topicName = subscription.topicArn.split(':').at(-1) ?? subscription.topicArn;
  return serviceTriggerLines(reading, {
    what: `SNS topic ${subscription.topicArn}`,
    service: 'sns.amazonaws.com',
    sourceArn: subscription.topicArn,
    invokedArn: subscription.endpoint,
    statementId: `sns-${topicName}`.slice(0, 100),
    live: true,
    stateNote: '',
  });
}

function urlLines(reading: InvokeAccessReading, url: FunctionUrlReading): DiagnosisCheck[] {
  const resource = resourceOf(reading, url.qualifier);
  if (!wasRead(url.config)) {
    return [unknownCheck(OTHERS, url.config, `the function URL of ${resource.name}`)];
  }
  const config = url.config.value;
  if (config === undefined || config.AuthType !== 'NONE') return [];
  const policy = statementsOf(reading, resource.key);
  if ('unread' in policy) {
    return [
      unknownCheck(OTHERS, policy.unread, `whether anyone may call the public URL ${config.FunctionUrl}`),
    ];
  }
  const anonymous = (action: InvokeRequest['action']) =>
    evaluate(policy.statements, {
      action,
      resource: resource.arn,
      context: { 'lambda:functionurlauthtype': 'NONE', 'lambda:invokedviafunctionurl': 'true' },
    }).verdict;
  const lines: DiagnosisCheck[] = [];
  const command = `aws lambda add-permission --function-name ${reading.functionName}${resource.qualifierOption}`;
  if (anonymous('lambda:InvokeFunctionUrl') !== 'allowed') {
    lines.push({
      ...OTHERS,
      status: 'problem',
      summary:
        `the function URL ${config.FunctionUrl} has AuthType NONE, but no statement lets anyone (*) call ` +
        'lambda:InvokeFunctionUrl: every request is refused with 403 Forbidden',
      advice: `${command} --statement-id public-url --action lambda:InvokeFunctionUrl --principal '*' --function-url-auth-type NONE`,
    });
  }
  const created = Date.parse(config.CreationTime ?? '');
  if (!(created < URL_INVOKE_FUNCTION_REQUIRED_FROM) && anonymous('lambda:InvokeFunction') !== 'allowed') {
    lines.push({
      ...OTHERS,
      status: 'problem',
      summary:
        `the function URL ${config.FunctionUrl} has AuthType NONE and was created ${Number.isNaN(created) ? 'at an unknown time' : `on ${config.CreationTime?.slice(0, 10)}`}, ` +
        'but no statement lets anyone (*) call lambda:InvokeFunction through it, which URLs created from October 2025 also need',
      advice: `${command} --statement-id public-url-invoke --action lambda:InvokeFunction --principal '*' --invoked-via-function-url`,
    });
  }
  return lines;
}

/** The execution-role permissions Lambda needs to poll each kind of source, by the service in its ARN. */
const POLLING_PERMISSIONS: Readonly<Record<string, string>> = {
  sqs: 'sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes (AWSLambdaSQSQueueExecutionRole)',
  kinesis:
    'kinesis:GetRecords, GetShardIterator, DescribeStream, DescribeStreamSummary, ListShards and ListStreams, and ' +
    'SubscribeToShard for an enhanced fan-out consumer (AWSLambdaKinesisExecutionRole)',
  dynamodb:
    'dynamodb:GetRecords, GetShardIterator, DescribeStream and ListStreams on the stream (AWSLambdaDynamoDBExecutionRole)',
  kafka:
    'kafka:DescribeClusterV2 and GetBootstrapBrokers, and the ec2 network-interface actions (AWSLambdaMSKExecutionRole)',
  mq: 'mq:DescribeBroker, secretsmanager:GetSecretValue for its credentials, and the ec2 network-interface actions',
  rds: 'rds:DescribeDBClusters, DescribeDBClusterParameters and DescribeDBSubnetGroups, secretsmanager:GetSecretValue and the ec2 network-interface actions',
};

function mappingLine(mapping: EventSourceMappingConfiguration): DiagnosisCheck {
  const source = mapping.EventSourceArn ?? 'a self-managed source';
  const service = mapping.EventSourceArn?.split(':')[2] ?? '';
  const invokes = qualifierOf(mapping.FunctionArn ?? '');
  const needs = POLLING_PERMISSIONS[service] ?? 'the read permissions its source type needs';
  const result = mapping.LastProcessingResult ?? '';
  const what =
    `event source mapping ${mapping.UUID} polls ${source}${invokes ? ` for alias or version ${invokes}` : ''} ` +
    `(${mapping.State ?? 'state unknown'})`;
  if (/^PROBLEM/i.test(result)) {
    return {
      ...OTHERS,
      status: 'warning',
      summary: `${what}; Lambda reports "${result}"`,
      advice:
        `Lambda polls with the function's execution role, not the resource-based policy: the role needs ${needs}. ` +
        'If the role has them, the result points at the function itself (its errors, its timeout) or the source.',
    };
  }
  return {
    ...OTHERS,
    status: 'info',
    summary:
      `${what}: Lambda polls it with the function's execution role, so no resource-based statement is needed; ` +
      `the role needs ${needs} (not checked here)`,
  };
}

/** Lines about the statements themselves: service grants with no source, other accounts, anyone. */
function statementLines(
  reading: InvokeAccessReading,
  statements: readonly PolicyStatement[],
): DiagnosisCheck[] {
  return statements.flatMap((statement): DiagnosisCheck[] => {
    const described = describeStatement(statement);
    if (isPublic(statement)) {
      return [
        {
          ...OTHERS,
          status: 'warning',
          summary: `a statement lets anyone (*) invoke it, with no condition (${statement.sid ?? 'no Sid'})`,
          advice:
            'Remove it (aws lambda remove-permission) unless the function is meant to be public; for a public ' +
            'URL, limit the statement to lambda:InvokeFunctionUrl with FunctionUrlAuthType NONE.',
        },
      ];
    }
    if (isUnscopedService(statement)) {
      return [
        {
          ...OTHERS,
          status: 'warning',
          summary: `the statement for ${described} names no source ARN or account`,
          advice:
            `So ${described} can invoke the function on behalf of any account's resources (the confused deputy ` +
            'problem). Add a SourceArn or SourceAccount condition (aws lambda add-permission --source-arn or ' +
            '--source-account, after removing the statement).',
        },
      ];
    }
    const { identities, sources } = otherAccountsOf(statement, reading.accountId);
    return [
      ...identities.map((identity): DiagnosisCheck => ({
        ...OTHERS,
        status: 'info',
        summary: `${identity} (account ${accountOf(identity)}) may invoke it: ${described}`,
        advice:
          `A caller in another account also needs lambda:InvokeFunction on ${reading.functionArn} in its own ` +
          'IAM policy, in its own account; this statement alone is not enough.',
      })),
      ...sources.map((source): DiagnosisCheck => ({
        ...OTHERS,
        status: 'info',
        summary: `resources of account ${accountOf(source)} may invoke it: ${described}`,
      })),
    ];
  });
}

/** The guide's "IAM: lambda:InvokeFunction not authorized": what the function's side shows of identity callers. */
export function identityChecks(reading: InvokeAccessReading): DiagnosisCheck[] {
  const lines: DiagnosisCheck[] = [
    {
      ...IDENTITY,
      status: 'info',
      summary:
        'who invokes it with their own IAM identity (users, roles, other functions, Step Functions) cannot be seen ' +
        `from the function: each needs lambda:InvokeFunction on ${reading.functionArn} in its identity policy`,
      advice:
        `Give a caller a policy that allows lambda:InvokeFunction on ${reading.functionArn} and, to call an alias ` +
        `or version, on ${reading.functionArn}:* (or the managed AWSLambdaRole). The action is named ` +
        'lambda:InvokeFunction although the API operation is Invoke.',
    },
  ];
  for (const target of reading.rules.targets) {
    if (!wasRead(target.roleArn) || target.roleArn.value === undefined) continue;
    lines.push({
      ...IDENTITY,
      status: 'info',
      summary:
        `${ruleTrigger(target).what} invokes ${qualifierOf(target.targetArn) ? target.targetArn : 'it'} with the role ` +
        `${target.roleArn.value}, which needs lambda:InvokeFunction on ${target.targetArn} in its own policy (not checked here)`,
    });
  }
  for (const url of reading.urls) {
    const config = valueOf(url.config);
    if (config?.AuthType !== 'AWS_IAM') continue;
    lines.push({
      ...IDENTITY,
      status: 'info',
      summary:
        `the function URL ${config.FunctionUrl} uses AuthType AWS_IAM: its callers sign their requests and need ` +
        'lambda:InvokeFunctionUrl (and lambda:InvokeFunction) in their identity policy; callers in other accounts ' +
        'also need a statement in the resource-based policy',
    });
  }
  return lines;
}

/** The guide's "Cannot invoke function with other accounts or services": triggers against the policies. */
export function otherCallerChecks(reading: InvokeAccessReading): DiagnosisCheck[] {
  const lines: DiagnosisCheck[] = [];
  const keys = [...reading.policies.keys()].sort();
  const statements: PolicyStatement[] = [];
  for (const key of keys) {
    const policy = statementsOf(reading, key);
    if ('unread' in policy) {
      lines.push(unknownCheck(OTHERS, policy.unread, `who may invoke ${resourceOf(reading, key).name}`));
    } else {
      statements.push(...policy.statements);
      lines.push(...statementLines(reading, policy.statements));
    }
  }
  if (!wasRead(reading.aliases)) {
    lines.push(unknownCheck(OTHERS, reading.aliases, 'the policies of its aliases'));
  }

  for (const { what, failure } of reading.rules.unread) lines.push(unknownCheck(OTHERS, failure, what));
  for (const target of reading.rules.targets) lines.push(...ruleLines(reading, target));
  if (!wasRead(reading.subscriptions)) {
    lines.push(unknownCheck(OTHERS, reading.subscriptions, 'SNS subscriptions that deliver to it'));
  } else {
    for (const subscription of reading.subscriptions.value.subscriptions) {
      lines.push(...subscriptionLines(reading, subscription));
    }
  }
  for (const url of reading.urls) lines.push(...urlLines(reading, url));
  if (!wasRead(reading.mappings)) {
    lines.push(unknownCheck(OTHERS, reading.mappings, 'event source mappings'));
  } else {
    lines.push(...reading.mappings.value.map(mappingLine));
  }
  const leftOut = [
    ...reading.rules.leftOut,
    ...reading.leftOut,
    ...(wasRead(reading.subscriptions) && !reading.subscriptions.value.complete
      ? [
          `SNS subscriptions past the first ${reading.subscriptions.value.read.toLocaleString('en-US')} of the region`,
        ]
      : []),
  ];
  if (leftOut.length > 0) {
    lines.push({
      ...OTHERS,
      status: 'unknown',
      summary: `not every trigger could be looked at: ${leftOut.join('; ')}`,
      advice:
        'Check those in the console, or with aws events list-rule-names-by-target and aws sns ' +
        'list-subscriptions-by-topic.',
    });
  }

  if (
    lines.some((line) => line.status === 'problem' || line.status === 'warning' || line.status === 'unknown')
  ) {
    return lines;
  }
  return [summaryLine(reading, statements), ...lines];
}

function summaryLine(reading: InvokeAccessReading, statements: readonly PolicyStatement[]): DiagnosisCheck {
  const triggers = [
    ...reading.rules.targets
      .filter((target) => valueOf(target.roleArn) === undefined)
      .map((target) => `EventBridge rule ${target.ruleName}`),
    ...(valueOf(reading.subscriptions)?.subscriptions.map(
      (subscription) => `SNS topic ${subscription.topicArn}`,
    ) ?? []),
    ...reading.urls.flatMap((url) =>
      valueOf(url.config)?.AuthType === 'NONE'
        ? [`the public function URL ${valueOf(url.config)?.FunctionUrl}`]
        : [],
    ),
  ];
  const found =
    triggers.length === 0
      ? 'no EventBridge rule, SNS subscription or public function URL invokes it'
      : `${triggers.join(', ')} ${triggers.length === 1 ? 'has' : 'each have'} a matching statement`;
  const allowed = statements.filter((statement) => statement.effect === 'Allow').map(describeStatement);
  return {
    ...OTHERS,
    status: 'ok',
    summary:
      (allowed.length === 0
        ? `no resource-based policy: no AWS service and no other account can invoke it; ${found}`
        : `may be invoked by ${allowed.join('; ')}; ${found}`) +
      '. S3 notifications, API Gateway and other push sources cannot be listed from the function: a missing ' +
      'statement for one of them shows in that service (S3 refuses to save the notification, API Gateway answers 500)',
  };
}
