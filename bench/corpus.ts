/**
 * The traffic-pattern corpus and how a scan is graded on it. Each pattern (test/corpus/patterns/*.json) is a small
 * simulated account (sim/pattern.ts) with the verdict it must get under `expect`: the findings (kind, function,
 * severity), and the remediations a dry run with every flag on may, must and must never decide. The same grading
 * backs `npm test` (one test per pattern) and the `quality` figures of `npm run bench -- --json`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Action, ActionKind, FindingKind, ScanReport, Severity } from '../functions/scanner/model';
import { parseSettings, type SentinelSettings } from '../functions/scanner/settings';
import { loadPattern } from '../sim/pattern';
import { runSimulatedScan } from '../sim/simulated-scan';

/** Where the corpus lives. */
export const CORPUS_DIRECTORY = path.join(__dirname, '..', 'test', 'corpus', 'patterns');

/** A finding a pattern must get. */
export interface ExpectedFinding {
  readonly kind: FindingKind;
  readonly functionName: string;
  readonly severity: Severity;
}

/** A remediation as a pattern names it; `minNext`/`maxNext` bound the reserved concurrency it may set. */
export interface ExpectedAction {
  readonly kind: ActionKind;
  readonly functionName: string;
  readonly minNext?: number;
  readonly maxNext?: number;
}

/** The verdict a pattern must get. */
export interface PatternVerdict {
  /** Every finding the scan must report, and the only ones it may. */
  readonly findings: readonly ExpectedFinding[];
  /** Remediations a dry run with every flag on may decide; anything else it decides is harmful. */
  readonly allowedActions?: readonly ExpectedAction[];
  /** Remediations it must decide (missing one is a false negative). */
  readonly requiredActions?: readonly ExpectedAction[];
  /** Remediations that would hurt a healthy workload; documentation as much as a check (they are never allowed). */
  readonly forbiddenActions?: readonly ExpectedAction[];
  /** Settings the pattern is scanned with, on top of every remediation flag in a dry run. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/** One pattern of the corpus, read from its file. */
export interface CorpusPattern {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly raw: unknown;
  readonly verdict: PatternVerdict;
}

/** How one scan did on one pattern. */
export interface PatternGrade {
  readonly pattern: string;
  /** Findings reported that the verdict does not list (or at another severity). */
  readonly falsePositives: readonly string[];
  /** Findings (or required actions) the verdict lists that the scan did not report. */
  readonly falseNegatives: readonly string[];
  /** Actions decided that the verdict does not allow. */
  readonly harmfulActions: readonly string[];
}

/** The corpus's totals, as `npm run bench -- --json` reports them. */
export interface CorpusQuality {
  readonly patterns: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly harmfulActions: number;
}

/** Every pattern file of the corpus, in name order. */
export function readCorpus(directory = CORPUS_DIRECTORY): CorpusPattern[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const raw = JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as {
        name?: string;
        description?: string;
        expect?: PatternVerdict;
      };
      if (!raw.expect) throw new Error(`${file}: the pattern has no "expect" verdict`);
      return {
        name: raw.name ?? path.basename(file, '.json'),
        description: raw.description ?? '',
        file,
        raw,
        verdict: raw.expect,
      };
    });
}

/** The settings a pattern is scanned with: every remediation flag, as a dry run, plus the pattern's own. */
export function corpusSettings(verdict: PatternVerdict): SentinelSettings {
  return parseSettings(
    { remediate: 'throttle-loops,cap-hogs,unblock-pending', dryRun: true, ...verdict.settings },
    'corpus pattern settings',
  );
}

const findingLabel = (finding: ExpectedFinding) =>
  `${finding.severity} ${finding.kind} on ${finding.functionName}`;

function actionLabel(action: Pick<Action, 'kind' | 'functionName' | 'next'>): string {
  return `${action.kind} ${action.functionName}${typeof action.next === 'number' ? ` to ${action.next}` : ''}`;
}

function matches(action: Action, expected: ExpectedAction): boolean {
  const next = typeof action.next === 'number' ? action.next : undefined;
  return (
    action.kind === expected.kind &&
    action.functionName === expected.functionName &&
    (expected.minNext === undefined || (next !== undefined && next >= expected.minNext)) &&
    (expected.maxNext === undefined || (next !== undefined && next <= expected.maxNext))
  );
}

/** Grades one scan report against a pattern's verdict. */
export function gradeReport(pattern: string, verdict: PatternVerdict, report: ScanReport): PatternGrade {
  const reported = report.findings.map(findingLabel);
  const expected = verdict.findings.map(findingLabel);
  const allowed = [...(verdict.allowedActions ?? []), ...(verdict.requiredActions ?? [])];
  const forbidden = verdict.forbiddenActions ?? [];
  return {
    pattern,
    falsePositives: [...new Set(reported.filter((label) => !expected.includes(label)))],
    falseNegatives: [
      ...expected.filter((label) => !reported.includes(label)),
      ...(verdict.requiredActions ?? [])
        .filter((required) => !report.actions.some((action) => matches(action, required)))
        .map((required) => `no ${actionLabel({ ...required, next: required.minNext })}`),
    ],
    harmfulActions: report.actions
      .filter(
        (action) =>
          forbidden.some((candidate) => matches(action, candidate)) ||
          !allowed.some((candidate) => matches(action, candidate)),
      )
      .map(actionLabel),
  };
}

/** Scans one pattern's simulated account once and grades the report. */
export async function gradePattern(pattern: CorpusPattern): Promise<PatternGrade> {
  const scan = await runSimulatedScan(loadPattern(pattern.raw), corpusSettings(pattern.verdict));
  return gradeReport(pattern.name, pattern.verdict, scan.result);
}

/** Sums the grades into the corpus's quality figures. */
export function corpusQuality(grades: readonly PatternGrade[]): CorpusQuality {
  const total = (pick: (grade: PatternGrade) => readonly string[]) =>
    grades.reduce((sum, grade) => sum + pick(grade).length, 0);
  return {
    patterns: grades.length,
    falsePositives: total((grade) => grade.falsePositives),
    falseNegatives: total((grade) => grade.falseNegatives),
    harmfulActions: total((grade) => grade.harmfulActions),
  };
}
