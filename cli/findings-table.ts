import type { Action, Finding, Severity } from '../functions/scanner/model';
import { renderTable } from './text-table';

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { critical: 0, warning: 1, info: 2 };
const SUMMARY_WIDTH = 72;

/** Findings as a table (severity, kind, function, summary), most severe first; a line saying so when none. */
export function findingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings.';
  const sorted = [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.kind.localeCompare(b.kind) ||
      a.functionName.localeCompare(b.functionName),
  );
  return renderTable(
    [
      { header: 'SEVERITY' },
      { header: 'KIND' },
      { header: 'FUNCTION' },
      { header: 'SUMMARY', wrapAt: SUMMARY_WIDTH },
    ],
    sorted.map((finding) => [
      finding.severity,
      finding.kind,
      finding.qualifier === undefined ? finding.functionName : `${finding.functionName}:${finding.qualifier}`,
      finding.summary,
    ]),
  );
}

function reserved(value: number | null | undefined): string {
  return value === null || value === undefined ? 'none' : String(value);
}

function status(action: Action): string {
  if (action.dryRun) return 'dry run: not applied';
  if (action.applied) return 'applied';
  return action.error === undefined ? 'not applied' : `failed: ${action.error}`;
}

/** Remediation actions as a table (action, function, reserved concurrency before and after, status, outcome). */
export function actionsTable(actions: readonly Action[]): string {
  if (actions.length === 0) return 'No actions.';
  return renderTable(
    [
      { header: 'ACTION' },
      { header: 'FUNCTION' },
      { header: 'RESERVED CONCURRENCY' },
      { header: 'STATUS', wrapAt: 40 },
      { header: 'OUTCOME', wrapAt: 50 },
    ],
    actions.map((action) => [
      action.kind,
      action.functionName,
      // An unblock and a pause of a loop's triggers leave the reservation as it is.
      action.kind === 'unblock' || action.kind === 'pause-trigger'
        ? '-'
        : `${reserved(action.previous)} -> ${reserved(action.next)}`,
      status(action),
      action.outcome ?? '',
    ]),
  );
}
