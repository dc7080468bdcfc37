import { wrapText } from '../text-table';
import type { CheckStatus, Diagnosis } from './guide-checks';

const TEXT_WIDTH = 100;

const LABELS: Readonly<Record<CheckStatus, string>> = {
  problem: 'PROBLEM',
  warning: 'WARNING',
  info: 'INFO',
  ok: 'OK',
};

/** The diagnosis as text: one block per topic, then a count of what needs attention. */
export function renderDiagnosis(diagnosis: Diagnosis): string {
  const indent = ' '.repeat(Math.max(...Object.values(LABELS).map((label) => label.length)) + 3);
  const blocks = diagnosis.checks.map((check) => {
    const lines = wrapText(`${check.topic}: ${check.summary}`, TEXT_WIDTH);
    if (check.advice && check.status !== 'ok')
      lines.push(...wrapText(`What to do: ${check.advice}`, TEXT_WIDTH));
    return lines
      .map((line, index) => (index === 0 ? `[${LABELS[check.status]}]`.padEnd(indent.length) : indent) + line)
      .join('\n');
  });
  const problems = diagnosis.checks.filter((check) => check.status === 'problem').length;
  const warnings = diagnosis.checks.filter((check) => check.status === 'warning').length;
  return [
    `Diagnosis of ${diagnosis.functionName} in ${diagnosis.region}, topic by topic of AWS's guide "Troubleshoot invocation issues in Lambda":`,
    '',
    ...blocks,
    '',
    `${problems} problem${problems === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
  ].join('\n');
}

/** Whether anything in the diagnosis needs a person's attention (a problem or a warning). */
export function needsAttention(diagnosis: Diagnosis): boolean {
  return diagnosis.checks.some((check) => check.status === 'problem' || check.status === 'warning');
}
