import type { Finding, FunctionDetail, FunctionSnapshot } from '../model';
import { functionConsoleLink, parseLambdaTimestamp, reasonEvidence, stateAssessed } from './checked-function';
import type { Detector, DetectorContext } from './detector';
import { guidanceFor, guidanceText } from './reason-guidance';

/** Which operation is pending: the function's creation, or an update of an existing function. */
export type PendingPhase = 'create' | 'update';

interface PendingOperation {
  readonly phase: PendingPhase;
  readonly statusField: 'state' | 'lastUpdateStatus';
  readonly status: string;
  readonly reasonCode?: string;
  readonly reason?: string;
}

/**
 * The operation a checked function is waiting on, if any. Creation wins when both show, because a
 * Pending function is the more serious case. A Pending function that is `Restoring` (re-activated after
 * going idle) is left out: lastModified predates the restore, so how long it has been pending is unknown;
 * a restore that fails sends the function back to Inactive with a reason, which failed-state reports.
 */
function pendingOperation(detail: FunctionDetail): PendingOperation | undefined {
  if (detail.state === 'Pending' && detail.stateReasonCode === 'Restoring') return undefined;
  if (detail.state === 'Pending') {
    return {
      phase: 'create',
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

// While creation is pending Lambda rejects invokes and changes (critical); during an update the function
// keeps serving its previous code and configuration and only further changes are blocked (warning).
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
} as const;

function stuckPendingFinding(
  fn: FunctionSnapshot,
  operation: PendingOperation,
  startedAt: number,
  context: DetectorContext,
): Finding {
  const minutesPending = Math.floor((context.now - startedAt) / 60_000);
  const phase = PHASES[operation.phase];
  const reasonGuidance = guidanceFor(operation.reasonCode);
  const explainsCause = operation.reasonCode !== undefined && reasonGuidance.causeClass !== 'lifecycle';
  return {
    kind: 'stuck-pending',
    functionName: fn.functionName,
    severity: phase.severity,
    summary: phase.describe(fn.functionName, minutesPending),
    evidence: {
      minutesPending,
      thresholdMinutes: context.settings.pendingMinutes,
      phase: operation.phase,
      [operation.statusField]: operation.status,
      ...reasonEvidence(operation.reasonCode, operation.reason),
      lastModified: fn.lastModified,
    },
    guidance: explainsCause ? `${phase.advice} Likely cause: ${guidanceText(reasonGuidance)}` : phase.advice,
    // A new deployment changes lastModified: a new episode, alerted on its own.
    fingerprint: `stuck-pending:${fn.functionName}:${operation.phase}:${fn.lastModified}`,
    since: new Date(startedAt).toISOString(),
    links: [functionConsoleLink(context.snapshot.region, fn.functionName)],
  };
}

/** A function Pending since creation, or mid-update, for longer than `pendingMinutes` (from its lastModified). */
export const stuckPending: Detector = {
  kind: 'stuck-pending',

  detect(context) {
    const limitMs = context.settings.pendingMinutes * 60_000;
    return context.snapshot.functions.flatMap((fn) => {
      const operation = fn.detail && pendingOperation(fn.detail);
      const startedAt = parseLambdaTimestamp(fn.lastModified);
      if (!operation || startedAt === undefined || context.now - startedAt <= limitMs) return [];
      return [stuckPendingFinding(fn, operation, startedAt, context)];
    });
  },

  assessed(context, functionName) {
    const fn = context.snapshot.functions.find((candidate) => candidate.functionName === functionName);
    // Pending with an unreadable lastModified: how long is unknown, so an earlier finding must not resolve.
    if (fn?.detail && pendingOperation(fn.detail) && parseLambdaTimestamp(fn.lastModified) === undefined) {
      return false;
    }
    return stateAssessed(context, functionName);
  },
};
