/**
 * The guide's "Function invocation is looping", judged by the scanner's recursive-loop detector (dropped recursive
 * invocations, or a runaway against the function's own week), with what the function's settings and triggers add:
 * whether Lambda's own loop detection is on, and which of its triggers that detection does not cover. Pure.
 */
import { invocationHeat } from '../../functions/scanner/collect/invocation-heat';
import type { DetectorContext } from '../../functions/scanner/detect/detector';
import { recursiveLoop } from '../../functions/scanner/detect/recursive-loop';
import { fromFinding, unknownCheck, type DiagnosisCheck, type Topic } from './diagnosis-check';
import type { FunctionWindow } from './function-reading';
import { wasRead, type Read } from './reading';

const TOPIC: Topic = { topic: 'Invocation looping', section: 'loop' };

/** The line (or lines, one per finding) for the function `functionName`. */
export function loopChecks(
  functionName: string,
  context: DetectorContext,
  recursion: Read<string | undefined>,
  metrics: FunctionWindow,
  /** Triggers whose loops Lambda's detection does not see (DynamoDB streams, Kinesis, EventBridge, ...). */
  undetectedTriggers: readonly string[],
): DiagnosisCheck[] {
  if (!metrics.read && metrics.failure) return [unknownCheck(TOPIC, metrics.failure, 'its invocations')];
  const findings = recursiveLoop.detect(context).filter((finding) => finding.functionName === functionName);
  if (findings.length > 0) return findings.map((finding) => fromFinding(TOPIC, finding));
  const fnMetrics = context.snapshot.metrics?.functions.find((entry) => entry.functionName === functionName);
  const window = context.snapshot.metrics?.window;
  const heat = window
    ? invocationHeat(fnMetrics?.invocations, fnMetrics?.invocationsHistory, window, context.settings)
    : undefined;
  const rate = !heat
    ? ''
    : heat.history.known
      ? `; ${Math.round(heat.tailPerMinute)} invocations a minute now against at most ${Math.round(heat.history.peakPerMinute)} in its history`
      : `; ${Math.round(heat.tailPerMinute)} invocations a minute now, with no history to compare with`;
  const outside =
    undetectedTriggers.length > 0
      ? `. Lambda's loop detection does not cover ${undetectedTriggers.length === 1 ? 'its trigger' : 'its triggers'} ` +
        `${undetectedTriggers.join(', ')}: a loop through ${undetectedTriggers.length === 1 ? 'it' : 'them'} shows only as a runaway`
      : '';
  if (!wasRead(recursion)) {
    return [
      unknownCheck(
        TOPIC,
        recursion,
        `no dropped recursive invocations and no runaway${rate}, but whether Lambda's loop detection is on`,
      ),
    ];
  }
  if (recursion.value === 'Allow') {
    return [
      {
        ...TOPIC,
        status: 'info',
        summary:
          'recursive loop detection is set to Allow: Lambda will not stop a loop through SQS, SNS, S3 or Lambda' +
          `${rate}${outside}`,
        advice:
          'Allow suits a function that chains itself on purpose; otherwise set it back to Terminate ' +
          '(aws lambda put-function-recursion-config --recursive-loop Terminate).',
      },
    ];
  }
  return [
    { ...TOPIC, status: 'ok', summary: `no dropped recursive invocations and no runaway${rate}${outside}` },
  ];
}
