import type { Finding, FunctionDetail, FunctionSnapshot } from '../model';
import { functionConsoleLink, parseLambdaTimestamp, reasonEvidence, stateAssessed } from './checked-function';
import type { Detector, DetectorContext } from './detector';
import { guidanceFor, guidanceText } from './reason-guidance';

/**
 * Which operation is pending: the function's creation, an update of an existing function, or the restore of an
 * inactive function's resources that an invocation set off (State Pending, StateReasonCode Restoring).
 */
export type PendingPhase = 'create' | 'update' | 'restore';

interface PendingOperation {
  readonly phase: PendingPhase;
  readonly statusField: 'state' | 'lastUpdateStatus';
  readonly status: string;
  readonly reasonCode?: string;
  readonly reason?: string;
}

/**
 * The operation a checked function is waiting on, if any. Creation wins over an update when both show, because a
 * Pending function is the more serious case.
 */
function pendingOperation(detail: FunctionDetail): PendingOperation | undefined {
  if (detail.state === 'Pending') {
    return {
      phase: detail.stateReasonCode === 'Restoring' ? 'restore' : 'create',
      statusField: 'state',
      status: detail.state,
      ...reasonEvidence(detail.stateReasonCode, detail.stateReason),
    };
  }
  if (detail.lastUpdateStatus === 'InProgress') {
    return {
      phase: 'update',
      statusField: 'lastUpdateStatus',
      status: detail.lastUpdateStatus,
      ...reasonEvidence(detail.lastUpdateStatusReasonCode, detail.lastUpdateStatusReason),
    };
  }
  return undefined;
}

/**
 * Epoch milliseconds the operation is known to have been pending since, or undefined when that cannot be told.
 * Creation and updates start at LastModified. A restore leaves LastModified alone (it may be months old), so it
 * is timed by the sentinel's own clock, from when a run first saw the function restoring: a lower bound.
 */
function pendingSince(fn: FunctionSnapshot, operation: PendingOperation): number | undefined {
  if (operation.phase !== 'restore') return parseLambdaTimestamp(fn.lastModified);
  const firstSeen = fn.unsettledSince === undefined ? NaN : Date.parse(fn.unsettledSince);
  return Number.isFinite(firstSeen) ? firstSeen : undefined;
}

// While creation is pending Lambda rejects invokes and changes (critical); during an update the function
// keeps serving its previous code and configuration and only further changes are blocked (warning). A restoring
// function is critical too: Lambda does not invoke a Pending function (AWS's "Lambda function states" page), and
// the Invoke API answers ResourceNotReadyException ("the function is inactive and its VPC connection is no longer
// available") until the restore is done, so every caller fails meanwhile; past pendingMinutes that is an outage.
const PHASES = {
  create: {
    severity: 'critical',
    describe: (name: string, minutes: number) =>
      `${name} has been Pending for ${minutes} minutes since it was created; it cannot be invoked or changed`,
    advice:
      "Creation normally finishes within minutes. Past six minutes, AWS's troubleshooting guide says to call " +
      'UpdateFunctionConfiguration, UpdateFunctionCode or PublishVersion: Lambda then cancels the pending ' +
      'operation and marks the function Failed, after which you can deploy another update or delete and ' +
      'recreate it. The opt-in unblock-pending remediation makes that call.',
  },
  update: {
    severity: 'warning',
    describe: (name: string, minutes: number) =>
      `An update of ${name} has been in progress for ${minutes} minutes; it still runs its previous code and ` +
      'configuration, and no other change can be deployed until the update ends',
    advice:
      'Updates that attach a VPC or a file system can take several minutes while Lambda sets up network ' +
      'interfaces. If it does not finish, check the subnets and security groups the update uses and the ' +
      'network interface quota, and contact AWS Support with the function ARN.',
  },
  restore: {
    severity: 'critical',
    describe: (name: string, minutes: number, firstSeen: string) =>
      `${name} has been restoring (Pending after going inactive) for at least ${minutes} minutes, first seen ` +
      `restoring at ${firstSeen}; every invocation fails until the restore is done`,
    advice:
      'An invocation woke this function after Lambda had reclaimed its idle resources, and Lambda is rebuilding ' +
      'them (for a VPC function, its network interfaces); callers get errors until it finishes. Check that what ' +
      'the rebuild needs still exists and is allowed: the subnets (with free IP addresses) and security groups, ' +
      "the account's network interface quota, the execution role's permission to manage network interfaces, the " +
      'file system or container image, and the KMS key. If the restore fails, Lambda sets the function Inactive ' +
      'again with a reason code, reported as failed-state; if it stays Pending, open an AWS Support case with the ' +
      'function ARN. The unblock-pending remediation is for stuck creations and leaves a restore alone. A function ' +
      'invoked rarely goes idle and restores again, so its callers should retry.',
  },
} as const;

function stuckPendingFinding(
  fn: FunctionSnapshot,
  operation: PendingOperation,
  startedAt: number,
  context: DetectorContext,
): Finding {
  const minutesPending = Math.floor((context.now - startedAt) / 60_000);
  const since = new Date(startedAt).toISOString();
  const phase = PHASES[operation.phase];
  const reasonGuidance = guidanceFor(operation.reasonCode);
  const explainsCause = operation.reasonCode !== undefined && reasonGuidance.causeClass !== 'lifecycle';
  const restore = operation.phase === 'restore';
  return {
    kind: 'stuck-pending',
    functionName: fn.functionName,
    severity: phase.severity,
    summary: phase.describe(fn.functionName, minutesPending, since),
    evidence: {
      // The sentinel's clock starts when it first saw the restore, so it can only say "at least".
      ...(restore
        ? { minutesPendingAtLeast: minutesPending, firstSeenRestoringAt: since }
        : { minutesPending }),
      thresholdMinutes: context.settings.pendingMinutes,
      phase: operation.phase,
      [operation.statusField]: operation.status,
      ...reasonEvidence(operation.reasonCode, operation.reason),
      lastModified: fn.lastModified,
    },
    guidance: explainsCause ? `${phase.advice} Likely cause: ${guidanceText(reasonGuidance)}` : phase.advice,
    // A new deployment changes lastModified: a new episode, alerted on its own. A restore leaves lastModified
    // alone, so a restore episode is told by when it was first seen.
    fingerprint: `stuck-pending:${fn.functionName}:${operation.phase}:${restore ? since : fn.lastModified}`,
    since,
    links: [functionConsoleLink(context.snapshot.region, fn.functionName)],
  };
}

/**
 * A function Pending since creation or mid-update (timed from its lastModified), or restoring after going inactive
 * (timed from when the sentinel first saw it restoring), for longer than `pendingMinutes`.
 */
export const stuckPending: Detector = {
  kind: 'stuck-pending',

  detect(context) {
    const limitMs = context.settings.pendingMinutes * 60_000;
    return context.snapshot.functions.flatMap((fn) => {
      const operation = fn.detail && pendingOperation(fn.detail);
      const startedAt = operation && pendingSince(fn, operation);
      if (!operation || startedAt === undefined || context.now - startedAt <= limitMs) return [];
      return [stuckPendingFinding(fn, operation, startedAt, context)];
    });
  },

  assessed(context, functionName) {
    const fn = context.snapshot.functions.find((candidate) => candidate.functionName === functionName);
    // Pending for an unknown time (lastModified unreadable, a restore not yet timed): an earlier finding must not
    // resolve.
    const operation = fn?.detail && pendingOperation(fn.detail);
    if (fn && operation && pendingSince(fn, operation) === undefined) return false;
    return stateAssessed(context, functionName);
  },
};
