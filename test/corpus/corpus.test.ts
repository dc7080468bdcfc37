import { corpusQuality, gradePattern, gradeReport, readCorpus } from '../../bench/corpus';
import type { Action, Finding, ScanReport } from '../../functions/scanner/model';

const corpus = readCorpus();

// Each pattern scans a small simulated account with nine days of minutes: a few hundred milliseconds on an idle
// machine, given room for a loaded one.
const PATTERN_TIMEOUT_MS = 60_000;

describe('the traffic-pattern corpus', () => {
  it('holds at least 25 patterns, each with a description and a verdict', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(25);
    for (const pattern of corpus) {
      expect(pattern.description.length).toBeGreaterThan(40);
      expect(Array.isArray(pattern.verdict.findings)).toBe(true);
    }
  });

  it.each(corpus.map((pattern) => [pattern.name, pattern] as const))(
    '%s gets its verdict: no false positive, no false negative, no harmful action',
    async (_name, pattern) => {
      const grade = await gradePattern(pattern);

      expect(grade).toEqual({
        pattern: pattern.name,
        falsePositives: [],
        falseNegatives: [],
        harmfulActions: [],
      });
    },
    PATTERN_TIMEOUT_MS,
  );
});

describe('gradeReport', () => {
  const finding = (functionName: string, severity: Finding['severity']): Finding => ({
    kind: 'recursive-loop',
    functionName,
    severity,
    summary: '',
    evidence: {},
    guidance: '',
    fingerprint: `recursive-loop:${functionName}:runaway`,
  });
  const action = (kind: Action['kind'], functionName: string, next?: number): Action => ({
    id: `a-${functionName}`,
    kind,
    functionName,
    fingerprint: '',
    findingKind: 'recursive-loop',
    severity: 'critical',
    reason: '',
    decidedAt: '2030-01-15T12:00:20.000Z',
    applied: false,
    dryRun: true,
    ...(next !== undefined ? { previous: null, next } : {}),
  });
  const report = (findings: Finding[], actions: Action[] = []): ScanReport => ({
    findings,
    actions,
    errors: [],
    stats: {} as ScanReport['stats'],
  });

  it('counts a finding at another severity as one of each, and an unexpected one as a false positive', () => {
    const grade = gradeReport(
      'p',
      { findings: [{ kind: 'recursive-loop', functionName: 'loop', severity: 'critical' }] },
      report([finding('loop', 'warning'), finding('batch', 'warning')]),
    );

    expect(grade.falseNegatives).toEqual(['critical recursive-loop on loop']);
    expect(grade.falsePositives).toEqual([
      'warning recursive-loop on loop',
      'warning recursive-loop on batch',
    ]);
  });

  it('calls any action the verdict does not allow harmful, and a missing required one a false negative', () => {
    const verdict = {
      findings: [],
      requiredActions: [{ kind: 'cap' as const, functionName: 'hog', minNext: 501 }],
      forbiddenActions: [{ kind: 'throttle' as const, functionName: 'loop' }],
    };

    const grade = gradeReport(
      'p',
      verdict,
      report([], [action('throttle', 'loop', 0), action('cap', 'hog', 500)]),
    );

    expect(grade.harmfulActions).toEqual(['throttle loop to 0', 'cap hog to 500']);
    expect(grade.falseNegatives).toEqual(['no cap hog to 501']);
  });

  it('sums the grades into the quality figures the benchmark reports', () => {
    expect(
      corpusQuality([
        { pattern: 'a', falsePositives: ['x'], falseNegatives: [], harmfulActions: ['y', 'z'] },
        { pattern: 'b', falsePositives: [], falseNegatives: ['w'], harmfulActions: [] },
      ]),
    ).toEqual({ patterns: 2, falsePositives: 1, falseNegatives: 1, harmfulActions: 2 });
  });
});
