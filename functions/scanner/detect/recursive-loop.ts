import { hasNonZero, invocationHeat, seriesSum, type InvocationHeat } from '../collect/metric-series';
import type { Finding, FunctionMetrics, MetricsSnapshot } from '../model';
import { functionConsoleLink } from './checked-function';
import type { Detector, DetectorContext } from './detector';
import { deliveredMetrics, formatCount, isIgnored, windowEvidence, windowGraphLink } from './metric-context';

const STOP_THE_LOOP =
  "To stop it now, throttle the function: set its reserved concurrency to 0, which is what the console's " +
  'Throttle button does (the opt-in throttle-loops remediation does the same; asynchronous events that arrive ' +
  'meanwhile are dropped). Then find the code path or trigger configuration that makes the function invoke ' +
  'itself again, typically by writing to the queue, topic, bucket, table or stream it is triggered from. Once ' +
  'fixed, remove the throttle (delete the reserved concurrency or restore the previous value).';

function heatOf(context: DetectorContext, fn: FunctionMetrics): InvocationHeat | undefined {
  return invocationHeat(
    fn.invocations,
    fn.invocationsBaseline,
    context.settings.loopBaselineHours,
    context.settings,
  );
}

function timesBaselineText(heat: InvocationHeat): string {
  return Number.isFinite(heat.timesBaseline)
    ? `${Math.round(heat.timesBaseline)}x`
    : 'no invocations in the baseline';
}

function droppedFinding(context: DetectorContext, metrics: MetricsSnapshot, fn: FunctionMetrics): Finding {
  const name = fn.functionName;
  const dropped = seriesSum(fn.recursiveInvocationsDropped) ?? 0;
  const since = fn.recursiveInvocationsDropped?.points.find((point) => point.value > 0)?.at;
  return {
    kind: 'recursive-loop',
    functionName: name,
    severity: 'warning',
    summary: `AWS stopped a recursive loop in ${name}: ${formatCount(dropped)} invocations dropped`,
    evidence: { recursiveInvocationsDropped: dropped, ...windowEvidence(metrics) },
    guidance:
      "Lambda's recursive loop detection saw this function invoked again and again by its own events (through " +
      'SQS, SNS, S3 or another Lambda function) and dropped the events past about 16 rounds. AWS also tells the ' +
      'account by e-mail and in the Health Dashboard, but that notice can take hours. The loop starts again ' +
      'with every new event that enters it. ' +
      STOP_THE_LOOP,
    fingerprint: `recursive-loop:${name}:dropped`,
    ...(since !== undefined ? { since } : {}),
    links: [
      functionConsoleLink(context.snapshot.region, name),
      windowGraphLink(context, metrics, `Recursive invocations dropped for ${name}`, [
        { metricName: 'RecursiveInvocationsDropped', dimensions: { FunctionName: name }, stat: 'Sum' },
      ]),
    ],
  };
}

function heatEvidence(context: DetectorContext, fn: FunctionMetrics, heat: InvocationHeat) {
  return {
    latestInvocationsPerMinute: Math.round(heat.latestPerMinute),
    baselineInvocationsPerMinute: Math.round(heat.baselinePerMinute * 10) / 10,
    timesBaseline: Number.isFinite(heat.timesBaseline)
      ? Math.round(heat.timesBaseline)
      : timesBaselineText(heat),
    baselineHours: context.settings.loopBaselineHours,
    loopFactor: context.settings.loopFactor,
    loopMinInvocationsPerMinute: context.settings.loopMinInvocationsPerMinute,
    climbing: heat.climbing,
    ...(fn.recursiveLoop !== undefined ? { recursiveLoop: fn.recursiveLoop } : {}),
  };
}

function heatFinding(
  context: DetectorContext,
  metrics: MetricsSnapshot,
  fn: FunctionMetrics,
  heat: InvocationHeat,
): Finding {
  const name = fn.functionName;
  const rate = `${formatCount(heat.latestPerMinute)} invocations a minute`;
  const versus = `${formatCount(heat.baselinePerMinute)} a minute over the previous ${context.settings.loopBaselineHours} h (${timesBaselineText(heat)})`;
  const links = [
    functionConsoleLink(context.snapshot.region, name),
    windowGraphLink(context, metrics, `Invocations of ${name}`, [
      { metricName: 'Invocations', dimensions: { FunctionName: name }, stat: 'Sum' },
    ]),
  ];
  if (heat.climbing) {
    return {
      kind: 'recursive-loop',
      functionName: name,
      severity: 'critical',
      summary: `${name} looks like a runaway loop: ${rate} against ${versus}, and still climbing`,
      evidence: { ...heatEvidence(context, fn, heat), ...windowEvidence(metrics) },
      guidance:
        "Lambda's own loop detection covers only SQS, SNS, S3 and Lambda-to-Lambda calls; loops through " +
        'DynamoDB streams, Kinesis, EventBridge or direct API calls run until someone stops them, and every ' +
        'round is billed. If this traffic is not expected, treat it as a loop. ' +
        STOP_THE_LOOP,
      fingerprint: `recursive-loop:${name}:runaway`,
      links,
    };
  }
  return {
    kind: 'recursive-loop',
    functionName: name,
    severity: 'info',
    summary: `${name} runs hot with recursive loop detection set to Allow: ${rate} against ${versus}`,
    evidence: { ...heatEvidence(context, fn, heat), ...windowEvidence(metrics) },
    guidance:
      'This function is set to let recursive invocations through SQS, SNS, S3 and Lambda run on, so Lambda ' +
      'will not stop a loop in it. If the recursion is not intended, set its recursive loop detection back to ' +
      'Terminate (PutFunctionRecursionConfig, or the console\'s "Recursive loop detection" setting). If this ' +
      'traffic is in fact a loop: ' +
      STOP_THE_LOOP,
    fingerprint: `recursive-loop:${name}:allow-hot`,
    links,
  };
}

/**
 * `recursive-loop`: AWS dropped recursive invocations of a function (it cut a loop), or a function runs far
 * above its own baseline and is still climbing (a loop AWS does not detect). A function set to `Allow` that
 * runs hot without climbing is reported as information.
 */
export const recursiveLoop: Detector = {
  kind: 'recursive-loop',
  detect(context) {
    const metrics = deliveredMetrics(context);
    if (!metrics) return [];
    return metrics.functions
      .filter((fn) => !isIgnored(context, fn.functionName))
      .flatMap((fn) => {
        const findings: Finding[] = [];
        if (hasNonZero(fn.recursiveInvocationsDropped)) findings.push(droppedFinding(context, metrics, fn));
        const heat = heatOf(context, fn);
        if (heat?.hot && (heat.climbing || fn.recursiveLoop === 'Allow')) {
          findings.push(heatFinding(context, metrics, fn, heat));
        }
        return findings;
      });
  },
  assessed(context, functionName) {
    const metrics = deliveredMetrics(context);
    if (!metrics?.coverage.recursionProbe || metrics.coverage.invocationDrill === 'failed') return false;
    // A loop that stopped climbing (e.g. it hit a concurrency limit) may still be running: while the function
    // stays hot, an earlier finding stays open.
    const fn = metrics.functions.find((candidate) => candidate.functionName === functionName);
    return !(fn && heatOf(context, fn)?.hot);
  },
};
