/**
 * One function walked through AWS's guide "Troubleshoot invocation issues in Lambda", topic by topic: its state,
 * who may invoke it, its concurrency, loops, provisioned concurrency and aliases, and its KMS, EFS and VPC
 * settings. The sentinel's own detectors judge what they cover, so a diagnosis and a scan never disagree.
 */
import { invocationHeat } from '../../functions/scanner/collect/invocation-heat';
import { seriesPeak, seriesSum } from '../../functions/scanner/collect/metric-series';
import type { DetectorContext } from '../../functions/scanner/detect/detector';
import { failedState } from '../../functions/scanner/detect/failed-state';
import { pcSpillover } from '../../functions/scanner/detect/pc-spillover';
import { guidanceFor } from '../../functions/scanner/detect/reason-guidance';
import { recursiveLoop } from '../../functions/scanner/detect/recursive-loop';
import { stuckPending } from '../../functions/scanner/detect/stuck-pending';
import type { Finding, FunctionSnapshot } from '../../functions/scanner/model';
import type { SentinelSettings } from '../../functions/scanner/settings';
import { readFunction, type DiagnosisInput, type FunctionWindow, type Read } from './function-reading';

/** How a check came out: something wrong, something to look at, a fact worth knowing, or fine. */
export type CheckStatus = 'problem' | 'warning' | 'info' | 'ok';

/** One topic of the guide, as it stands for the function. */
export interface DiagnosisCheck {
  /** The guide's topic, e.g. `State`, `Invoke permissions`. */
  readonly topic: string;
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly summary: string;
  /** What to do, where something is to be done. */
  readonly advice?: string;
}

/** Everything `diagnose` found about one function. */
export interface Diagnosis {
  readonly functionName: string;
  readonly region: string;
  readonly checks: readonly DiagnosisCheck[];
}

function unread(topic: string, read: { readonly failed: string }): DiagnosisCheck {
  return { topic, status: 'warning', summary: `could not be read (${read.failed})` };
}

function fromFinding(topic: string, finding: Finding): DiagnosisCheck {
  const status =
    finding.severity === 'info' ? 'info' : finding.severity === 'warning' ? 'warning' : 'problem';
  return { topic, status, summary: finding.summary, advice: finding.guidance };
}

/** Reads the function and judges it against every topic of the guide. */
export async function diagnoseFunction(functionName: string, input: DiagnosisInput): Promise<Diagnosis> {
  const reading = await readFunction(functionName, input);
  const { fn, context } = reading;
  const state = stateCheck(context);
  return {
    functionName: fn.functionName,
    region: input.region,
    checks: [
      state,
      policyCheck(reading.policy),
      concurrencyCheck(fn, reading.limits, context, input.settings),
      ...loopChecks(context, reading.recursiveLoop, reading.metrics),
      ...provisionedChecks(context, reading.configs, reading.aliases),
      ...reasonChecks(fn, state.status),
    ],
  };
}

function stateCheck(context: DetectorContext): DiagnosisCheck {
  const topic = 'State';
  const [finding] = [...stuckPending.detect(context), ...failedState.detect(context)];
  if (finding) return fromFinding(topic, finding);
  const detail = context.snapshot.functions[0]?.detail;
  const state = `${detail?.state ?? 'unknown'}, last update ${detail?.lastUpdateStatus ?? 'unknown'}`;
  if (detail?.state === 'Pending' || detail?.lastUpdateStatus === 'InProgress') {
    return {
      topic,
      status: 'info',
      summary: `${state}: not yet past ${context.settings.pendingMinutes} minutes, when the guide calls it stuck`,
    };
  }
  if (detail?.state === 'Inactive') {
    return { topic, status: 'info', summary: `${state}: idle; Lambda restores it on the next invocation` };
  }
  return { topic, status: 'ok', summary: `${state}: it can be invoked and changed` };
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Principal?: string | Record<string, string | string[]>;
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

function policyStatements(policy: string | undefined): PolicyStatement[] | undefined {
  try {
    return (JSON.parse(policy ?? '{}') as { Statement?: PolicyStatement[] }).Statement ?? [];
  } catch {
    return undefined;
  }
}

function policyCheck(policy: Read<{ Policy?: string }>): DiagnosisCheck {
  const topic = 'Invoke permissions';
  const noPolicy: DiagnosisCheck = {
    topic,
    status: 'info',
    summary:
      'no resource-based policy: only IAM identities of this account whose own policies allow ' +
      'lambda:InvokeFunction can invoke it; no AWS service and no other account can',
    advice:
      'If S3, SNS, EventBridge, API Gateway or another account should invoke it, add a statement that allows ' +
      'them (aws lambda add-permission), scoped with a source ARN or account. A caller in another account also ' +
      'needs lambda:InvokeFunction in its own IAM policy (the action is not named Invoke).',
  };
  if ('failed' in policy)
    return policy.failed.includes('ResourceNotFoundException') ? noPolicy : unread(topic, policy);
  const statements = policyStatements(policy.value.Policy);
  if (!statements)
    return { topic, status: 'warning', summary: 'the resource-based policy could not be parsed' };
  const allowed = statements.filter((statement) => statement.Effect === 'Allow');
  if (allowed.length === 0) return noPolicy;
  const unscoped: string[] = [];
  const who = allowed.map((statement) => {
    const principal =
      typeof statement.Principal === 'string'
        ? statement.Principal
        : Object.entries(statement.Principal ?? {})
            .map(([kind, value]) => `${kind} ${[value].flat().join(', ')}`)
            .join('; ');
    const conditions = Object.values(statement.Condition ?? {}).flatMap((test) =>
      Object.entries(test).map(([key, value]) => `${key.replace(/^AWS:/i, '')} ${[value].flat().join(', ')}`),
    );
    const isService = typeof statement.Principal === 'object' && 'Service' in statement.Principal;
    if (isService && conditions.length === 0) unscoped.push(principal);
    return conditions.length > 0 ? `${principal} (only ${conditions.join('; ')})` : principal;
  });
  if (unscoped.length > 0) {
    return {
      topic,
      status: 'warning',
      summary: `may be invoked by ${who.join('; ')}`,
      advice:
        `The statement for ${unscoped.join(', ')} names no source ARN or account, so that service can invoke the ` +
        `function on behalf of any account's resources. Add a SourceArn or SourceAccount condition.`,
    };
  }
  return {
    topic,
    status: 'ok',
    summary: `may be invoked by ${who.join('; ')}, and by IAM identities of this account allowed lambda:InvokeFunction`,
    advice:
      'Any other service or account needs a statement of its own; a caller in another account also needs ' +
      'lambda:InvokeFunction in its own IAM policy.',
  };
}

function concurrencyCheck(
  fn: FunctionSnapshot,
  limits: Read<unknown>,
  context: DetectorContext,
  settings: SentinelSettings,
): DiagnosisCheck {
  const topic = 'Concurrency';
  const reserved = fn.detail?.reservedConcurrency;
  if (reserved === 0) {
    return {
      topic,
      status: 'problem',
      summary:
        "reserved concurrency is 0: every invocation is throttled (what the console's Throttle button sets)",
      advice:
        'If the function was throttled to stop a loop, fix the loop first. Then delete the reserved concurrency ' +
        '(or set the value it had) so it can run again.',
    };
  }
  const metrics = context.snapshot.metrics;
  const throttles = seriesSum(metrics?.functions[0]?.throttles) ?? 0;
  const peak = seriesPeak(metrics?.functions[0]?.concurrentExecutions);
  const limit = metrics?.accountLimits;
  const pool =
    reserved !== undefined
      ? `reserved concurrency ${reserved} (guaranteed, and the most it can use)`
      : limit
        ? `no reserved concurrency: it shares the unreserved pool of ${limit.unreservedConcurrentExecutions} (account limit ${limit.concurrentExecutions})`
        : "no reserved concurrency: it shares the account's unreserved pool";
  const used =
    peak !== undefined ? `; peak ${peak} concurrent in the last ${settings.lookbackMinutes} minutes` : '';
  if (throttles > 0) {
    return {
      topic,
      status: 'warning',
      summary: `${throttles} throttled requests in the last ${settings.lookbackMinutes} minutes; ${pool}${used}`,
      advice:
        reserved !== undefined
          ? 'It reached its own reserved concurrency: raise the reservation if the load is legitimate.'
          : "Another function may be taking the account's concurrency (run `lambda-sentinel scan` to find a hog); " +
            'reserved concurrency on this function keeps a share for it, or ask AWS for a higher limit.',
    };
  }
  if (
    limit &&
    peak !== undefined &&
    reserved === undefined &&
    peak >= settings.hogShare * limit.unreservedConcurrentExecutions
  ) {
    return {
      topic,
      status: 'warning',
      summary: `it used ${Math.round((peak / limit.unreservedConcurrentExecutions) * 100)}% of the unreserved pool; ${pool}`,
      advice: 'Cap it with reserved concurrency so that other functions are not throttled when it spikes.',
    };
  }
  return { topic, status: 'failed' in limits ? 'warning' : 'ok', summary: `${pool}${used}` };
}

function loopChecks(
  context: DetectorContext,
  recursiveLoopSetting: string | undefined,
  metrics: FunctionWindow,
): DiagnosisCheck[] {
  const topic = 'Recursive loops';
  if (!metrics.read) return [unread(topic, { failed: metrics.failed ?? 'GetMetricData failed' })];
  const findings = recursiveLoop.detect(context);
  if (findings.length > 0) return findings.map((finding) => fromFinding(topic, finding));
  const fnMetrics = context.snapshot.metrics?.functions[0];
  const window = context.snapshot.metrics?.window;
  const heat = window
    ? invocationHeat(fnMetrics?.invocations, fnMetrics?.invocationsHistory, window, context.settings)
    : undefined;
  const rate = !heat
    ? ''
    : heat.history.known
      ? `; ${Math.round(heat.tailPerMinute)} invocations a minute now against at most ${Math.round(heat.history.peakPerMinute)} in its history`
      : `; ${Math.round(heat.tailPerMinute)} invocations a minute now, with no history to compare with`;
  return [
    {
      topic,
      status: recursiveLoopSetting === 'Allow' ? 'info' : 'ok',
      summary:
        recursiveLoopSetting === 'Allow'
          ? `recursive loop detection is set to Allow: Lambda will not stop a loop through SQS, SNS, S3 or Lambda${rate}`
          : `no dropped recursive invocations and no runaway${rate}`,
    },
  ];
}

function provisionedChecks(
  context: DetectorContext,
  configs: Read<unknown>,
  aliases: Read<unknown>,
): DiagnosisCheck[] {
  const topic = 'Provisioned concurrency and aliases';
  if ('failed' in configs) return [unread(topic, configs)];
  const findings = pcSpillover.detect(context);
  if (findings.length > 0) return findings.map((finding) => fromFinding(topic, finding));
  const setup = context.snapshot.metrics?.provisioned[0];
  const failed = setup?.configs?.filter((config) => config.status === 'FAILED') ?? [];
  if (failed.length > 0) {
    return [
      {
        topic,
        status: 'problem',
        summary: `provisioned concurrency could not be allocated on ${failed.map((config) => config.qualifier).join(', ')}`,
        advice:
          "Check the config's status reason (ListProvisionedConcurrencyConfigs); often the account has too little unreserved concurrency.",
      },
    ];
  }
  const described = (setup?.configs ?? []).map(
    (config) =>
      `${config.qualifier}: ${config.allocated ?? config.requested} provisioned (${config.status ?? 'unknown'})`,
  );
  const routed = (setup?.aliases ?? [])
    .filter((alias) => Object.keys(alias.additionalVersionWeights).length > 0)
    .map(
      (alias) =>
        `alias ${alias.name} splits traffic between version ${alias.functionVersion} and ${Object.keys(alias.additionalVersionWeights).join(', ')}`,
    );
  return [
    {
      topic,
      status: 'failed' in aliases ? 'warning' : 'ok',
      summary:
        described.length === 0
          ? 'no provisioned concurrency (none can be set on $LATEST; it goes on a version or alias)'
          : `${[...described, ...routed].join('; ')}; no spillover in the window`,
    },
  ];
}

/**
 * KMS, EFS and VPC: each names the setting, and where Lambda's reason code blames it, says so with the guide's
 * advice and the state check's severity (a failed update is a warning: the function still runs).
 */
function reasonChecks(fn: FunctionSnapshot, stateStatus: CheckStatus): DiagnosisCheck[] {
  const code = fn.detail?.stateReasonCode ?? fn.detail?.lastUpdateStatusReasonCode;
  const guidance = guidanceFor(code);
  const blamed = (topic: string, causeClass: string): DiagnosisCheck | undefined =>
    guidance.causeClass === causeClass
      ? {
          topic,
          status: stateStatus === 'ok' || stateStatus === 'info' ? 'warning' : stateStatus,
          summary: `Lambda reports ${code}: ${guidance.title}`,
          advice: guidance.advice,
        }
      : undefined;
  const kms: DiagnosisCheck =
    blamed('KMS key', 'kms-key') ??
    (fn.kmsKeyArn
      ? {
          topic: 'KMS key',
          status: 'info',
          summary: `environment variables are encrypted with ${fn.kmsKeyArn}`,
          advice:
            'If the key is disabled or deleted, or the grant that lets Lambda use it is revoked, invocations fail ' +
            '(KMSDisabledException and similar). Enable the key, or point the function at another key and then ' +
            'back, which creates a new grant.',
        }
      : { topic: 'KMS key', status: 'ok', summary: 'environment variables use the AWS managed key' });
  const fileSystems = fn.fileSystemArns ?? [];
  const subnets = fn.vpcSubnetIds ?? [];
  const efs: DiagnosisCheck =
    blamed('EFS file system', 'efs') ??
    (fileSystems.length === 0
      ? { topic: 'EFS file system', status: 'ok', summary: 'no file system mounted' }
      : subnets.length === 0
        ? {
            topic: 'EFS file system',
            status: 'problem',
            summary: `mounts ${fileSystems.join(', ')} but is not connected to a VPC`,
            advice:
              'A function reaches EFS through mount targets in a VPC: connect it to subnets that have one.',
          }
        : {
            topic: 'EFS file system',
            status: 'info',
            summary: `mounts ${fileSystems.join(', ')}`,
            advice:
              'Mount errors mean the access point or file system is missing or the role may not mount it; ' +
              'connectivity errors mean security groups or routes block NFS (TCP 2049); timeouts and IO errors ' +
              "mean too much load: limit the function's concurrency or give the file system more throughput.",
          });
  const vpc: DiagnosisCheck =
    blamed('VPC', 'vpc-network') ??
    (subnets.length === 0
      ? { topic: 'VPC', status: 'ok', summary: 'not connected to a VPC' }
      : {
          topic: 'VPC',
          status: 'info',
          summary: `connected to subnets ${subnets.join(', ')}`,
          advice:
            'Creating or re-connecting it takes minutes while Lambda sets up network interfaces; meanwhile a new ' +
            'function is Pending (no invoke, no change) and an updated one keeps serving its old configuration.',
        });
  return [kms, efs, vpc];
}
