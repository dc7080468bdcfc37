/**
 * A line that repeats what Lambda's own reason code says about a topic (a KMS key, an EFS mount), with the
 * scanner's advice for that code. Pure.
 */
import { guidanceFor } from '../../functions/scanner/detect/reason-guidance';
import type { FunctionSnapshot } from '../../functions/scanner/model';
import type { CheckStatus, DiagnosisCheck, Topic } from './diagnosis-check';

/** The reason code Lambda gives for the function's state, or for its last update. */
export function reasonCodeOf(fn: FunctionSnapshot): string | undefined {
  return fn.detail?.stateReasonCode ?? fn.detail?.lastUpdateStatusReasonCode;
}

/**
 * The line for `topic` when Lambda's reason code is one of `codes`, else undefined. Its status follows the State
 * line's: a failed function is a problem, a failed update (the function still runs its old configuration) a
 * warning.
 */
export function reasonLine(
  topic: Topic,
  fn: FunctionSnapshot,
  codes: readonly string[],
  stateStatus: CheckStatus,
  evidence = '',
): DiagnosisCheck | undefined {
  const code = reasonCodeOf(fn);
  if (code === undefined || !codes.includes(code)) return undefined;
  const guidance = guidanceFor(code);
  return {
    ...topic,
    status: stateStatus === 'problem' ? 'problem' : 'warning',
    summary: `Lambda reports ${code}: ${guidance.title}${evidence}`,
    advice: guidance.advice,
  };
}
