/**
 * `npm run bench [-- --json]`: the sentinel against the naive design on simulated accounts of 1,000 and 10,000
 * functions, quiet and in trouble. Each design of each case runs in a child process of its own, one at a time, so
 * that one run's memory does not count against the next.
 */
import { spawn } from 'node:child_process';
import { renderTable } from '../cli/text-table';
import { DEFAULT_SETTINGS } from '../functions/scanner/settings';
import { corpusQuality, gradePattern, readCorpus, type CorpusQuality, type PatternGrade } from './corpus';
import {
  BENCH_CASES,
  RUNS_PER_MONTH,
  compareDesigns,
  runDesign,
  totalCalls,
  type BenchCase,
  type CaseResult,
  type CaseTiming,
  type Design,
  type DesignResult,
} from './bench-cases';
import { caseTiming, latencyGoals, LATENCY_PHASES_SECONDS } from './detection-latency';

/** The targets a quiet 10,000-function account must meet, from DESIGN.md. */
export const QUIET_TARGETS = {
  metricsRequested: 20,
  getMetricDataCalls: 2,
  sharedBucketRps: 3,
  monthlyCloudWatchUsd: 1,
} as const;

/** One target and whether the sentinel met it. */
export interface TargetCheck {
  readonly target: string;
  readonly met: boolean;
  readonly measured: string;
}

/** The verdicts on the traffic-pattern corpus: every pattern graded, and the totals. */
export interface QualityResult {
  readonly quality: CorpusQuality;
  readonly grades: readonly PatternGrade[];
}

/** Grades every pattern of the corpus, one scan each, one after the other. */
export async function runCorpus(progress: (text: string) => void): Promise<QualityResult> {
  const grades: PatternGrade[] = [];
  for (const pattern of readCorpus()) {
    progress(`grading ${pattern.name}...\n`);
    grades.push(await gradePattern(pattern));
  }
  return { quality: corpusQuality(grades), grades };
}

/** The corpus targets: no false positive, no false negative, no harmful action. */
function qualityTargets({ quality }: QualityResult): TargetCheck[] {
  const zero = (target: string, measured: number): TargetCheck => ({
    target: `corpus of ${quality.patterns} patterns: no ${target}`,
    met: measured === 0,
    measured: String(measured),
  });
  return [
    zero('false positive', quality.falsePositives),
    zero('false negative', quality.falseNegatives),
    zero('harmful action', quality.harmfulActions),
  ];
}

const seconds = (value: number | null | undefined) =>
  value === null || value === undefined ? 'never' : `${value.toLocaleString('en-US')} s`;

/** The detection-latency goals of a trouble case, and no spurious alarm run over a quiet case's day. */
function timingTargets(result: CaseResult): TargetCheck[] {
  if (result.quietDayAlarmRuns !== undefined) {
    return [
      {
        target: `${result.name}: no trigger alarm goes into ALARM over a quiet day`,
        met: result.quietDayAlarmRuns === 0,
        measured: String(result.quietDayAlarmRuns),
      },
    ];
  }
  const latency = result.detectionLatencySeconds;
  if (!latency) return [];
  return Object.entries(latencyGoals(DEFAULT_SETTINGS)).map(([kind, goal]) => {
    const measured = latency[kind];
    return {
      target: `${result.name}: ${kind} alerted within ${goal} s of its start (worst schedule phase)`,
      met: measured !== null && measured !== undefined && measured <= goal,
      measured: seconds(measured),
    };
  });
}

/** The case's timing as lines under its table: detection latency per kind, or the quiet day's alarm runs. */
export function timingReport(result: CaseResult): string[] {
  if (result.quietDayAlarmRuns !== undefined) {
    return [
      `Trigger alarms over a quiet day: ${result.quietDayAlarmRuns} changes into ALARM (each a metric-focused run)`,
    ];
  }
  const worst = result.detectionLatencySeconds;
  if (!worst) return [];
  const goals: Readonly<Record<string, number>> = latencyGoals(DEFAULT_SETTINGS);
  return [
    `Detection latency, start of the problem to its first alert (worst and mean over ${LATENCY_PHASES_SECONDS.length} schedule phases)`,
    renderTable(
      [{ header: 'KIND' }, { header: 'WORST' }, { header: 'MEAN' }, { header: 'GOAL' }],
      Object.entries(worst).map(([kind, measured]) => [
        kind,
        seconds(measured),
        seconds(result.detectionLatencyMeanSeconds?.[kind]),
        goals[kind] !== undefined ? `${goals[kind]} s` : '-',
      ]),
    ),
  ];
}

/** Checks the results against the quiet-account targets and the "same problems found" rule. */
export function checkTargets(results: readonly CaseResult[], corpus?: QualityResult): TargetCheck[] {
  const checks: TargetCheck[] = corpus ? qualityTargets(corpus) : [];
  for (const result of results) {
    const { sentinel, naive } = result.designs;
    if (!result.trouble) {
      checks.push(
        {
          target: `${result.name}: at most ${QUIET_TARGETS.metricsRequested} metrics requested a run`,
          met: sentinel.metricsRequested <= QUIET_TARGETS.metricsRequested,
          measured: String(sentinel.metricsRequested),
        },
        {
          target: `${result.name}: at most ${QUIET_TARGETS.getMetricDataCalls} GetMetricData calls a run`,
          met: (sentinel.apiCalls.GetMetricData ?? 0) <= QUIET_TARGETS.getMetricDataCalls,
          measured: String(sentinel.apiCalls.GetMetricData ?? 0),
        },
        {
          target: `${result.name}: under $${QUIET_TARGETS.monthlyCloudWatchUsd} a month of CloudWatch requests`,
          met: sentinel.monthlyCloudWatchUsd < QUIET_TARGETS.monthlyCloudWatchUsd,
          measured: `$${sentinel.monthlyCloudWatchUsd.toFixed(2)}`,
        },
      );
    } else {
      const same = JSON.stringify(sentinel.problemsFound) === JSON.stringify(naive.problemsFound);
      checks.push({
        target: `${result.name}: both designs find the same problems`,
        met: same,
        measured: same ? `${sentinel.problemsFound.length} each` : 'they differ',
      });
    }
    checks.push(...timingTargets(result));
    checks.push({
      target: `${result.name}: shared control-plane bucket at most ${QUIET_TARGETS.sharedBucketRps} rps`,
      met: sentinel.peakSharedBucketRps <= QUIET_TARGETS.sharedBucketRps,
      measured: `${sentinel.peakSharedBucketRps} rps`,
    });
  }
  return checks;
}

const count = (value: number) => value.toLocaleString('en-US');
const usd = (value: number) =>
  `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const times = (value: number) => (Number.isFinite(value) ? `${value.toLocaleString('en-US')}x` : '-');

/** One case as a table: a row per measure, a column per design, and the ratio. */
export function caseTable(result: CaseResult): string {
  const { sentinel, naive } = result.designs;
  const operations = [...new Set([...Object.keys(sentinel.apiCalls), ...Object.keys(naive.apiCalls)])];
  const same = JSON.stringify(sentinel.problemsFound) === JSON.stringify(naive.problemsFound);
  const rows: string[][] = [
    ['API calls', count(totalCalls(sentinel)), count(totalCalls(naive)), times(result.ratio.apiCalls)],
    ...operations.map((operation) => [
      `  ${operation}`,
      count(sentinel.apiCalls[operation] ?? 0),
      count(naive.apiCalls[operation] ?? 0),
      '',
    ]),
    [
      'CloudWatch metrics requested',
      count(sentinel.metricsRequested),
      count(naive.metricsRequested),
      times(result.ratio.metricsRequested),
    ],
    [
      'Wall time (simulated)',
      `${sentinel.wallSeconds} s`,
      `${naive.wallSeconds} s`,
      times(result.ratio.wallSeconds),
    ],
    ['CloudWatch per month', usd(sentinel.monthlyCloudWatchUsd), usd(naive.monthlyCloudWatchUsd), ''],
    ['Peak RSS', `${sentinel.peakRssMb} MB`, `${naive.peakRssMb} MB`, ''],
    ['Throttled requests', count(sentinel.throttledCalls), count(naive.throttledCalls), ''],
    [
      'Shared bucket, busiest second',
      `${sentinel.peakSharedBucketRps} rps`,
      `${naive.peakSharedBucketRps} rps`,
      '',
    ],
    [
      'Problems found',
      String(sentinel.problemsFound.length),
      String(naive.problemsFound.length),
      same ? 'same' : 'DIFFERENT',
    ],
  ];
  const title = `${result.name}: ${count(result.functions)} functions, ${result.trouble ? 'every problem of the guide staged' : 'quiet'}`;
  return `${title}\n${renderTable(
    [{ header: '' }, { header: 'SENTINEL' }, { header: 'NAIVE' }, { header: 'NAIVE / SENTINEL' }],
    rows,
  )}`;
}

/** The corpus's figures as text, naming every pattern that missed its verdict and how. */
export function qualityReport({ quality, grades }: QualityResult): string {
  const missed = grades.filter(
    (grade) => grade.falsePositives.length + grade.falseNegatives.length + grade.harmfulActions.length > 0,
  );
  return [
    `Verdict quality on the traffic-pattern corpus (${quality.patterns} patterns, every remediation on, dry run)`,
    renderTable(
      [{ header: 'FALSE POSITIVES' }, { header: 'FALSE NEGATIVES' }, { header: 'HARMFUL ACTIONS' }],
      [[quality.falsePositives, quality.falseNegatives, quality.harmfulActions].map(count)],
    ),
    ...missed.map(
      (grade) =>
        `  ${grade.pattern}: ${[
          ...grade.falsePositives.map((text) => `reported ${text}`),
          ...grade.falseNegatives.map((text) => `missed ${text}`),
          ...grade.harmfulActions.map((text) => `would ${text}`),
        ].join('; ')}`,
    ),
  ].join('\n');
}

/** The whole benchmark as text: a table per case, the corpus's quality, the targets, and what the figures assume. */
export function benchReport(results: readonly CaseResult[], corpus?: QualityResult): string {
  const targets = checkTargets(results, corpus);
  return [
    'lambda-sentinel benchmark: one scheduled run of each design against simulated accounts with the real',
    'Lambda and CloudWatch quotas and simulated latencies (Lambda 20-80 ms, GetMetricData ~110 ms,',
    'GetMetricStatistics 30-60 ms); both at 20 rps GetFunction and 3 rps on the shared control-plane bucket.',
    'Detection latency: a timeline per schedule phase with the schedule, the trigger alarms (evaluated each whole',
    "minute on what CloudWatch has) and the pending checks; a minute's datapoints readable 2 minutes after it ends.",
    `Naive: ListFunctions, GetFunction for every function, one GetMetricStatistics per function per metric.`,
    `Cost: $0.01 per 1,000 metrics requested (GetMetricData) or requests (GetMetricStatistics), ${count(RUNS_PER_MONTH)} runs a month.`,
    '',
    ...results.flatMap((result) => [caseTable(result), ...timingReport(result), '']),
    ...(corpus ? [qualityReport(corpus), ''] : []),
    'Targets',
    renderTable(
      [{ header: '' }, { header: 'MEASURED' }, { header: 'TARGET' }],
      targets.map((check) => [check.met ? 'met' : 'MISSED', check.measured, check.target]),
    ),
  ].join('\n');
}

function runInChild<T>(benchCase: BenchCase, design: Design | 'timing'): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', __filename, '--one', `${benchCase.name}:${design}`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${benchCase.name} (${design}) exited with ${code}`));
      else resolve(JSON.parse(output) as T);
    });
  });
}

/** Runs every case, each design in a child process (or in this one, with `inProcess`). */
export async function runBenchmark(
  cases: readonly BenchCase[],
  progress: (text: string) => void,
  inProcess = false,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const benchCase of cases) {
    const measure = async (design: Design) => {
      progress(`running ${benchCase.name} (${design})...\n`);
      return inProcess ? runDesign(benchCase, design) : runInChild<DesignResult>(benchCase, design);
    };
    const sentinel = await measure('sentinel');
    const naive = await measure('naive');
    progress(`timing ${benchCase.name}...\n`);
    const timing = inProcess
      ? await caseTiming(benchCase)
      : await runInChild<CaseTiming>(benchCase, 'timing');
    results.push(compareDesigns(benchCase, sentinel, naive, timing));
  }
  return results;
}

async function main(argv: readonly string[]): Promise<number> {
  const one = argv.indexOf('--one');
  if (one >= 0) {
    const [name, design] = (argv[one + 1] ?? '').split(':');
    const benchCase = BENCH_CASES.find((candidate) => candidate.name === name);
    if (!benchCase || (design !== 'sentinel' && design !== 'naive' && design !== 'timing'))
      throw new Error(`no such run: ${argv[one + 1]}`);
    const measured = design === 'timing' ? await caseTiming(benchCase) : await runDesign(benchCase, design);
    process.stdout.write(JSON.stringify(measured));
    return 0;
  }
  const unknown = argv.filter((arg) => arg !== '--json' && arg !== '--in-process');
  if (unknown.length > 0) {
    process.stderr.write(`usage: npm run bench [-- --json] (unknown: ${unknown.join(' ')})\n`);
    return 2;
  }
  const progress = (text: string) => process.stderr.write(text);
  const results = await runBenchmark(BENCH_CASES, progress, argv.includes('--in-process'));
  const corpus = await runCorpus(progress);
  process.stdout.write(
    argv.includes('--json')
      ? `${JSON.stringify({ cases: results, quality: corpus.quality, grades: corpus.grades }, null, 2)}\n`
      : `${benchReport(results, corpus)}\n`,
  );
  return checkTargets(results, corpus).every((check) => check.met) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
