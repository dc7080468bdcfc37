import { wrapText } from '../text-table';
import type { CheckStatus, Diagnosis } from './diagnosis-check';

const TEXT_WIDTH = 100;

const LABELS: Readonly<Record<CheckStatus, string>> = {
  problem: 'PROBLEM',
  warning: 'WARNING',
  unknown: 'UNKNOWN',
  info: 'INFO',
  ok: 'OK',
};

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

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
  const count = (status: CheckStatus) => diagnosis.checks.filter((check) => check.status === status).length;
  return [
    `Diagnosis of ${diagnosis.functionName} in ${diagnosis.region}, section by section of AWS's guide "Troubleshoot invocation issues in Lambda":`,
    '',
    ...blocks,
    '',
    `${plural(count('problem'), 'problem')}, ${plural(count('warning'), 'warning')}, ${count('unknown')} not checked (UNKNOWN).`,
  ].join('\n');
}
