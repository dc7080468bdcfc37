/**
 * The function's state, and the guide's two sections about Pending: "Operation cannot be performed
 * ResourceConflictException" (what is refused while a function is created or updated) and "Function is stuck in
 * Pending". The scanner's failed-state and stuck-pending detectors judge what they cover. Pure.
 */
import type { DetectorContext } from '../../functions/scanner/detect/detector';
import { failedState } from '../../functions/scanner/detect/failed-state';
import { stuckPending } from '../../functions/scanner/detect/stuck-pending';
import type { Finding, FunctionSnapshot } from '../../functions/scanner/model';
import { fromFinding, type DiagnosisCheck, type Topic } from './diagnosis-check';

const STATE: Topic = { topic: 'State' };
const CONFLICT: Topic = { topic: 'ResourceConflictException', section: 'ResourceConflictException' };
const STUCK: Topic = { topic: 'Stuck in Pending', section: 'pending' };

const ownFinding = (fn: FunctionSnapshot, findings: readonly Finding[]) =>
  findings.find((finding) => finding.functionName === fn.functionName);

/** The State line: failed (with the reason's advice), idle, creating, or fine. */
function stateCheck(fn: FunctionSnapshot, context: DetectorContext): DiagnosisCheck {
  const failed = ownFinding(fn, failedState.detect(context));
  if (failed) return fromFinding(STATE, failed);
  const detail = fn.detail;
  const state = `${detail?.state ?? 'unknown'}, last update ${detail?.lastUpdateStatus ?? 'unknown'}`;
  if (detail?.state === 'Pending') {
    return { ...STATE, status: 'info', summary: `${state}: Lambda is still creating it` };
  }
  if (detail?.lastUpdateStatus === 'InProgress') {
    return { ...STATE, status: 'info', summary: `${state}: an update is being applied` };
  }
  if (detail?.state === 'Inactive') {
    return { ...STATE, status: 'info', summary: `${state}: idle; Lambda restores it on the next invocation` };
  }
  if (detail?.state !== 'Active') return { ...STATE, status: 'warning', summary: state };
  return { ...STATE, status: 'ok', summary: `${state}: it can be invoked and changed` };
}

/** What Lambda refuses with ResourceConflictException in the function's present state. */
function conflictCheck(fn: FunctionSnapshot): DiagnosisCheck {
  const detail = fn.detail;
  const vpc =
    (fn.vpcSubnetIds ?? []).length > 0
      ? ' (a function connected to a VPC stays Pending while Lambda creates its network interfaces)'
      : '';
  if (detail?.state === 'Pending') {
    return {
      ...CONFLICT,
      status: 'warning',
      summary:
        `it is Pending${detail.stateReasonCode ? ` (${detail.stateReasonCode})` : ''}: invoking it, and changing ` +
        `its code or configuration, fail with ResourceConflictException until it is Active${vpc}`,
      advice:
        'Wait for it to become Active; if it stays Pending for more than six minutes, see "Stuck in Pending".',
    };
  }
  if (detail?.lastUpdateStatus === 'InProgress') {
    return {
      ...CONFLICT,
      status: 'info',
      summary:
        'an update is in progress: it can still be invoked (with its previous configuration), but changes to its ' +
        `code or configuration fail with ResourceConflictException until the update finishes${vpc}`,
    };
  }
  return {
    ...CONFLICT,
    status: 'ok',
    summary: `not Pending and no update in progress: Lambda refuses neither invocations nor changes with it`,
  };
}

/** The guide's stuck-Pending section, judged by the scanner's stuck-pending detector. */
function stuckCheck(fn: FunctionSnapshot, context: DetectorContext): DiagnosisCheck {
  const stuck = ownFinding(fn, stuckPending.detect(context));
  if (stuck) return fromFinding(STUCK, stuck);
  const detail = fn.detail;
  if (detail?.state === 'Pending' || detail?.lastUpdateStatus === 'InProgress') {
    return {
      ...STUCK,
      status: 'info',
      summary: `${detail.state === 'Pending' ? 'Pending' : 'updating'}, but not yet for ${context.settings.pendingMinutes} minutes, when the guide calls it stuck`,
    };
  }
  return { ...STUCK, status: 'ok', summary: 'not Pending' };
}

/** The State line and the guide's two Pending sections. */
export function stateChecks(fn: FunctionSnapshot, context: DetectorContext): DiagnosisCheck[] {
  return [stateCheck(fn, context), conflictCheck(fn), stuckCheck(fn, context)];
}
