/**
 * `recursive-loop`: AWS dropped recursive invocations of a function (its own loop detection cut a chain), or a
 * function runs far above its own past — the loops AWS does not detect. What is compared with what is in
 * collect/invocation-heat.ts; the verdicts:
 * - dropped recursion → warning, never acted on (AWS already stopped the chain; self-chaining workers trip the
 *   16-hop guard legitimately);
 * - hot now, far above the busiest five minutes of a known history, and growing → critical: the only loop
 *   verdict strong enough for the opt-in `throttle-loops`;
 * - hot and far above a known history but level (a steady 1:1 loop, or an unusual surge) → warning;
 * - hot and growing with no history to compare with (a new or renamed function) → warning;
 * - anything else, including a hot function with no history that is not growing → nothing.
 */
import { invocationHeat, type InvocationHeat } from '../collect/invocation-heat';
import { hasNonZero, seriesSum } from '../collect/metric-series';
import type { Finding, FunctionMetrics, MetricsSnapshot, Severity } from '../model';
import { functionConsoleLink } from './checked-function';
import type { Detector, DetectorContext } from './detector';
import { deliveredMetrics, formatCount, isIgnored, windowEvidence, windowGraphLink } from './metric-context';

const STOP_THE_LOOP =
  'To stop a loop by hand: if an event source mapping feeds the function (SQS, Kinesis, DynamoDB streams), ' +
  'disable the mapping, so that messages and records wait in the queue or stream instead of being lost; ' +
  "otherwise set the function's reserved concurrency to 0, which is what the console's Throttle button does " +
  '(asynchronous events that arrive meanwhile are dropped). Then find the code path that feeds the function its ' +
  'own output, typically a write to the queue, topic, bucket, table or stream it is triggered from, fix it, and ' +
  're-enable the mapping or remove the throttle.';

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
      'SQS, SNS, S3 or another Lambda function) and dropped the events past about 16 rounds, so this loop is ' +
      'already stopped; each new event that enters it starts it again. AWS also tells the account by e-mail and ' +
      'in the Health Dashboard, but that notice can take hours. If the function chains to itself on purpose (a ' +
      'worker that re-queues its own work), the drops are the events past the 16th round: set its recursive ' +
      'loop detection to Allow only if you are sure the chain ends. The sentinel never acts on a dropped loop. ' +
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

/** The heat of a function the drill-down read, judged against its own history. */
function heatOf(
  context: DetectorContext,
  metrics: MetricsSnapshot,
  fn: FunctionMetrics,
): InvocationHeat | undefined {
  return invocationHeat(fn.invocations, fn.invocationsHistory, metrics.window, context.settings);
}

const rate = (perMinute: number) => `${formatCount(perMinute)} a minute`;

function pastText(heat: InvocationHeat, historyHours: number): string {
  if (!heat.history.known) return `no invocation history to compare with in the past ${historyHours} h`;
  return (
    `${Math.round(heat.timesPeak ?? 0).toLocaleString('en-US')}x its busiest five minutes of the past ` +
    `${historyHours} h (${rate(heat.history.peakPerMinute)})`
  );
}

function growthText(heat: InvocationHeat): string {
  return heat.recentPerMinute.map((value) => formatCount(value)).join(' -> ');
}

const VERDICTS = {
  runaway: {
    severity: 'critical',
    describe: (name: string, now: string, past: string, growth: string) =>
      `${name} looks like a runaway loop: ${now}, ${past}, and still growing (${growth} in the last minutes)`,
  },
  sustained: {
    severity: 'warning',
    describe: (name: string, now: string, past: string) =>
      `${name} runs far above its own past: ${now}, ${past}; level, not growing`,
  },
  'growing-unknown': {
    severity: 'warning',
    describe: (name: string, now: string, past: string, growth: string) =>
      `${name} is at ${now} and growing (${growth}), with ${past}`,
  },
} as const satisfies Record<string, { severity: Severity; describe: (...args: string[]) => string }>;

function heatFinding(
  context: DetectorContext,
  metrics: MetricsSnapshot,
  fn: FunctionMetrics,
  heat: InvocationHeat,
  verdict: keyof typeof VERDICTS,
): Finding {
  const name = fn.functionName;
  const historyHours = context.settings.loopBaselineHours;
  const { severity, describe } = VERDICTS[verdict];
  const advice = [
    verdict === 'runaway'
      ? 'Its rate is far above anything in its history and climbs minute after minute, the way a loop through a ' +
        "DynamoDB stream, Kinesis, EventBridge or direct calls grows (Lambda's own loop detection covers only SQS, " +
        'SNS, S3 and Lambda-to-Lambda chains). Every round is billed.'
      : verdict === 'sustained'
        ? 'Its rate is far above anything in its history but level, which is how a one-to-one loop (each ' +
          'invocation causing exactly one more, e.g. through EventBridge) runs, and also how an unusual but ' +
          'legitimate surge looks. The sentinel reports it and does not act on it. If the traffic is not expected, ' +
          'treat it as a loop.'
        : 'It has no history to judge against (a new function, or one that took over traffic from another), so ' +
          'the sentinel reports it and does not act on it. If the traffic is not expected, treat it as a loop.',
    ...(fn.recursiveLoop === 'Allow'
      ? [
          'Its recursive loop detection is set to Allow, so Lambda will not stop a loop through SQS, SNS, S3 or ' +
            'Lambda either; set it back to Terminate unless the recursion is intended.',
        ]
      : []),
    STOP_THE_LOOP,
  ];
  const mappings = (fn.eventSourceMappings ?? []).filter((mapping) => mapping.state !== 'Disabled');
  return {
    kind: 'recursive-loop',
    functionName: name,
    severity,
    summary: describe(name, rate(heat.tailPerMinute), pastText(heat, historyHours), growthText(heat)),
    evidence: {
      invocationsPerMinuteNow: Math.round(heat.tailPerMinute),
      lastMinutes: heat.recentPerMinute.map((value) => Math.round(value)).join(', '),
      growing: heat.growing,
      history: heat.history.known ? 'known' : 'unknown',
      ...(heat.history.known
        ? {
            historyPeakPerMinute: Math.round(heat.history.peakPerMinute * 10) / 10,
            ...(heat.history.peakAt !== undefined ? { historyPeakAt: heat.history.peakAt } : {}),
            sameHourOnEarlierDaysPerMinute: Math.round(heat.history.sameHourPerMinute * 10) / 10,
            timesHistoryPeak: Math.round(heat.timesPeak ?? 0),
          }
        : {}),
      historyHours,
      loopFactor: context.settings.loopFactor,
      loopMinInvocationsPerMinute: context.settings.loopMinInvocationsPerMinute,
      ...(fn.recursiveLoop !== undefined ? { recursiveLoop: fn.recursiveLoop } : {}),
      ...(fn.eventSourceMappings !== undefined
        ? { eventSourceMappings: mappings.map((mapping) => `${mapping.eventSourceArn} (${mapping.state})`) }
        : {}),
      ...windowEvidence(metrics),
    },
    guidance: advice.join(' '),
    fingerprint: `recursive-loop:${name}:runaway`,
    ...(heat.hotSince !== undefined ? { since: heat.hotSince } : {}),
    links: [
      functionConsoleLink(context.snapshot.region, name),
      windowGraphLink(context, metrics, `Invocations of ${name}`, [
        { metricName: 'Invocations', dimensions: { FunctionName: name }, stat: 'Sum' },
      ]),
    ],
  };
}

/** `recursive-loop`: see the file comment for each verdict. */
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
        const heat = heatOf(context, metrics, fn);
        if (heat && heat.evidence !== 'none')
          findings.push(heatFinding(context, metrics, fn, heat, heat.evidence));
        return findings;
      });
  },
  assessed(context, functionName) {
    const metrics = deliveredMetrics(context);
    if (!metrics?.coverage.recursionProbe || metrics.coverage.invocationDrill === 'failed') return false;
    const cutShort = ['region', 'recursion-probe', 'invocation-drill'] as const;
    if (cutShort.some((part) => metrics.coverage.partial.includes(part))) return false;
    // A loop that stopped growing (it hit a concurrency limit, say) may still be running: while the function
    // stays hot, an earlier finding stays open.
    const fn = metrics.functions.find((candidate) => candidate.functionName === functionName);
    return !(fn && heatOf(context, metrics, fn)?.hot);
  },
};
