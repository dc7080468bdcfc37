import type { Finding } from '../../functions/scanner/model';
import type { StoredFinding } from '../../functions/scanner/state/state-model';

/** The run time alert and state tests use unless they say otherwise. */
export const ALERT_NOW = Date.parse('2026-11-26T14:30:00.000Z');

/** An ISO time `hours` before `ALERT_NOW`. */
export function hoursAgo(hours: number, from = ALERT_NOW): string {
  return new Date(from - hours * 3_600_000).toISOString();
}

/** A stuck-pending warning about `functionName`, with evidence, guidance and a console link. */
export function pendingFinding(functionName: string, overrides: Partial<Finding> = {}): Finding {
  return {
    kind: 'stuck-pending',
    functionName,
    severity: 'warning',
    summary: `${functionName} has been Pending for 42 minutes`,
    evidence: { minutesPending: 42, phase: 'create', stateReasonCode: 'Creating' },
    guidance: 'Update the function configuration or publish a version to end the pending operation.',
    fingerprint: `stuck-pending:${functionName}`,
    since: hoursAgo(0.7),
    links: [
      {
        label: 'Function in the Lambda console',
        url: `https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/${functionName}`,
      },
    ],
    ...overrides,
  };
}

/** What the state table remembers of `pendingFinding(functionName)`, notified `notifiedHoursAgo` hours ago. */
export function storedFinding(
  functionName: string,
  notifiedHoursAgo = 1,
  overrides: Partial<StoredFinding> = {},
): StoredFinding {
  return {
    fingerprint: `stuck-pending:${functionName}`,
    kind: 'stuck-pending',
    functionName,
    severity: 'warning',
    summary: `${functionName} has been Pending for 42 minutes`,
    firstSeenAt: hoursAgo(notifiedHoursAgo + 24),
    lastNotifiedAt: hoursAgo(notifiedHoursAgo),
    ...overrides,
  };
}
