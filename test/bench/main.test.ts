import { compareDesigns, runDesign, type BenchCase, type DesignResult } from '../../bench/bench-cases';
import { benchReport, caseTable, checkTargets } from '../../bench/main';

const QUIET: BenchCase = { name: 'quiet-200', functions: 200, trouble: false };

// Each design's run simulates nine days of metrics: run each once and share the results.
let sentinel: DesignResult;
let naive: DesignResult;

beforeAll(async () => {
  sentinel = await runDesign(QUIET, 'sentinel');
  naive = await runDesign(QUIET, 'naive');
}, 60_000);

describe('the benchmark report', () => {
  it('marks a target as missed when the sentinel exceeds it, and says so in the text report', () => {
    const overBudget = compareDesigns(QUIET, { ...sentinel, metricsRequested: 25 }, naive);

    const checks = checkTargets([overBudget]);

    expect(checks.find((check) => check.target.includes('metrics requested'))).toMatchObject({
      met: false,
      measured: '25',
    });
    expect(benchReport([overBudget])).toContain('MISSED');
  });

  it('prints a row per operation with both designs side by side, and the ratio of metrics requested', () => {
    const result = compareDesigns(QUIET, sentinel, naive);

    const table = caseTable(result);

    expect(table).toMatch(/^quiet-200: 200 functions, quiet/);
    // Eight requests per function (one of them whether it used provisioned concurrency lately) and seven more.
    expect(table).toMatch(/ {2}GetMetricStatistics\s+0\s+1,607/);
    expect(table).toMatch(/CloudWatch metrics requested\s+6\s+1,607\s+267.8x/);
    expect(table).toMatch(/Problems found\s+0\s+0\s+same/);
  });
});

describe('detection latency and quiet-day alarms in the benchmark report', () => {
  const TROUBLE: BenchCase = { name: 'trouble-200', functions: 200, trouble: true };

  it('checks each latency goal on the worst phase, and prints worst, mean and goal per kind', () => {
    const result = compareDesigns(TROUBLE, sentinel, sentinel, {
      detectionLatencySeconds: { 'concurrency-hog': 186, 'recursive-loop': null, 'stuck-pending': 397 },
      detectionLatencyMeanSeconds: { 'concurrency-hog': 120, 'recursive-loop': null, 'stuck-pending': 393 },
    });

    const checks = checkTargets([result]).filter((check) => check.target.includes('alerted within'));
    const text = benchReport([result]);

    expect(checks.map(({ met, measured }) => ({ met, measured }))).toEqual([
      { met: false, measured: '186 s' },
      { met: false, measured: 'never' },
      { met: true, measured: '397 s' },
    ]);
    expect(text).toMatch(/concurrency-hog\s+186 s\s+120 s\s+150 s/);
    expect(text).toMatch(/recursive-loop\s+never\s+never\s+150 s/);
    expect(text).toMatch(/stuck-pending\s+397 s\s+393 s\s+420 s/);
  });

  it('misses the quiet target when a quiet day sends a trigger alarm into ALARM', () => {
    const spurious = compareDesigns(QUIET, sentinel, naive, { quietDayAlarmRuns: 2 });

    expect(checkTargets([spurious]).find((check) => check.target.includes('quiet day'))).toMatchObject({
      met: false,
      measured: '2',
    });
    expect(benchReport([spurious])).toContain('Trigger alarms over a quiet day: 2 changes into ALARM');
  });
});

describe('the corpus in the benchmark report', () => {
  const corpus = {
    quality: { patterns: 2, falsePositives: 1, falseNegatives: 0, harmfulActions: 1 },
    grades: [
      { pattern: 'nightly-batch', falsePositives: [], falseNegatives: [], harmfulActions: [] },
      {
        pattern: 'sqs-loop-dropped',
        falsePositives: ['critical recursive-loop on order-notifier'],
        falseNegatives: [],
        harmfulActions: ['throttle order-notifier to 0'],
      },
    ],
  };

  it('names every pattern that missed its verdict, and fails the targets on any miss', () => {
    const result = compareDesigns(QUIET, sentinel, naive);

    const text = benchReport([result], corpus);
    const checks = checkTargets([result], corpus);

    expect(text).toContain(
      '  sqs-loop-dropped: reported critical recursive-loop on order-notifier; would throttle order-notifier to 0',
    );
    expect(text).not.toContain('  nightly-batch:');
    expect(checks.filter((check) => !check.met).map((check) => check.target)).toEqual([
      'corpus of 2 patterns: no false positive',
      'corpus of 2 patterns: no harmful action',
    ]);
  });
});
