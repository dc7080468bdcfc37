import type { Finding, FunctionDetail, FunctionSnapshot, Severity } from '../model';
import { functionConsoleLink, parseLambdaTimestamp, reasonEvidence, stateAssessed } from './checked-function';
import type { Detector, DetectorContext } from './detector';
import { guidanceFor, guidanceText } from './reason-guidance';

/**
 * What failed, and what that means for the function. States that are NOT findings, by decision:
 * - Inactive for `Idle`: Lambda reclaimed an idle function's resources and restores them on the next invoke.
 * - ActiveNonInvocable: the `$LATEST` of a Lambda Managed Instances function, which by design is not invoked
 *   (its published versions are).
 * - Deactivating, Deactivated: Managed Instances lifecycle states (a version taken out of service); AWS's
 *   guides do not describe them as faults, so reporting them would alert on routine operations.
 * - Deleting: the function is being deleted on request.
 * A failed change in any of them still shows as `LastUpdateStatus = Failed`, which is checked regardless of State.
 */
interface Failure {
  readonly field: 'State' | 'LastUpdateStatus';
  readonly status: string;
  readonly reasonCode?: string;
  readonly reason?: string;
  readonly severity: Severity;
  readonly consequence: string;
  readonly nextStep: string;
  /** The failure happened at or after the last deployment; an Inactive function went idle at some later time. */
  readonly sinceLastModified: boolean;
}

// One finding per function: a failed State says more than the LastUpdateStatus that often fails with it.
function failureOf(detail: FunctionDetail): Failure | undefined {
  const stateReason = reasonEvidence(detail.stateReasonCode, detail.stateReason);
  if (detail.state === 'Failed') {
    return {
      field: 'State',
      status: detail.state,
      ...stateReason,
      severity: 'critical',
      consequence: 'it cannot be invoked',
      nextStep:
        'Once the cause is fixed, deploy another update; a function whose creation failed has to be deleted ' +
        'and created again.',
      sinceLastModified: true,
    };
  }
  if (detail.state === 'Inactive' && detail.stateReasonCode !== 'Idle') {
    return {
      field: 'State',
      status: detail.state,
      ...stateReason,
      severity: 'critical',
      consequence: 'Lambda could not restore its resources, so invocations fail',
      nextStep: 'Once the cause is fixed, deploy the function again so that Lambda rebuilds its resources.',
      sinceLastModified: false,
    };
  }
  if (detail.lastUpdateStatus === 'Failed') {
    return {
      field: 'LastUpdateStatus',
      status: detail.lastUpdateStatus,
      ...reasonEvidence(detail.lastUpdateStatusReasonCode, detail.lastUpdateStatusReason),
      severity: 'warning',
      consequence:
        'Lambda abandoned the update and the function still runs its previous code and configuration',
      nextStep: 'Once the cause is fixed, deploy the update again.',
      sinceLastModified: true,
    };
  }
  return undefined;
}

function failedStateFinding(
  fn: FunctionSnapshot,
  detail: FunctionDetail,
  failure: Failure,
  context: DetectorContext,
): Finding {
  const guidance = guidanceFor(failure.reasonCode);
  const what =
    failure.field === 'State'
      ? `${fn.functionName} is ${failure.status}`
      : `The last update of ${fn.functionName} failed`;
  const lastModifiedAt = parseLambdaTimestamp(fn.lastModified);
  return {
    kind: 'failed-state',
    functionName: fn.functionName,
    severity: failure.severity,
    summary: `${what} (${failure.reasonCode ?? 'no reason code'}): ${failure.consequence}`,
    evidence: {
      ...(detail.state !== undefined ? { state: detail.state } : {}),
      ...(detail.lastUpdateStatus !== undefined ? { lastUpdateStatus: detail.lastUpdateStatus } : {}),
      ...reasonEvidence(failure.reasonCode, failure.reason),
      cause: guidance.cause,
      lastModified: fn.lastModified,
    },
    guidance: `${guidanceText(guidance)} ${failure.nextStep}`,
    fingerprint: `failed-state:${fn.functionName}:${failure.field}=${failure.status}:${failure.reasonCode ?? 'none'}`,
    // Lambda reports no time of failure. A failed create or update failed at or after the LastModified it
    // stamped when it began, so LastModified is the best bound the evidence gives on when the problem began.
    // An Inactive function went inactive at some unknown later time: no `since`, and the alert falls back to
    // when the sentinel first saw it.
    ...(failure.sinceLastModified && lastModifiedAt !== undefined
      ? { since: new Date(lastModifiedAt).toISOString() }
      : {}),
    links: [functionConsoleLink(context.snapshot.region, fn.functionName)],
  };
}

/** A function in the Failed state, whose last update failed, or Inactive for a reason other than being idle. */
export const failedState: Detector = {
  kind: 'failed-state',

  detect(context) {
    return context.snapshot.functions.flatMap((fn) => {
      if (!fn.detail) return [];
      const failure = failureOf(fn.detail);
      return failure ? [failedStateFinding(fn, fn.detail, failure, context)] : [];
    });
  },

  assessed: stateAssessed,
};
