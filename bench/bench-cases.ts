/**
 * The benchmark's cases and how one design is measured on one case: API calls by operation, CloudWatch metrics
 * requested, simulated wall time, monthly CloudWatch cost, peak memory and the problems found.
 */
import type { Finding } from '../functions/scanner/model';
import { DEFAULT_SETTINGS, type SentinelSettings } from '../functions/scanner/settings';
import type { SimAccountModel } from '../sim/account-model';
import { ALL_PROBLEMS, quietAccount, troubledAccount } from '../sim/generators';
import { runSimulatedScan, simulate, type Simulated } from '../sim/simulated-scan';
import { runNaiveScan } from './naive-scan';

/** One account to scan with both designs. */
export interface BenchCase {
  readonly name: string;
  readonly functions: number;
  /** Whether every problem of the guide is staged in it (otherwise it is quiet). */
  readonly trouble: boolean;
}

/** The two designs compared. */
export type Design = 'sentinel' | 'naive';

/** What one design cost on one case (the `D` of `npm run bench -- --json`). */
export interface DesignResult {
  /** Requests the account received, by operation, throttled ones and retries included. */
  readonly apiCalls: Readonly<Record<string, number>>;
  /** CloudWatch metrics requested, as CloudWatch bills them. */
  readonly metricsRequested: number;
  /** Simulated seconds the run took (latencies, quotas and backoff included). */
  readonly wallSeconds: number;
  /** CloudWatch request charges for a month of runs on a 5-minute schedule. */
  readonly monthlyCloudWatchUsd: number;
  /** Highest resident set size sampled during the run, in MB (the process's own baseline included). */
  readonly peakRssMb: number;
  /** `<kind>:<function>` of every finding, sorted. */
  readonly problemsFound: readonly string[];
  /** Requests answered with a throttling error. */
  readonly throttledCalls: number;
  /** Requests on Lambda's shared control-plane bucket in the busiest second. */
  readonly peakSharedBucketRps: number;
}

/** Both designs on one case, and how many times more the naive design needed (naive ÷ sentinel). */
export interface CaseResult extends BenchCase {
  readonly designs: { readonly sentinel: DesignResult; readonly naive: DesignResult };
  readonly ratio: {
    readonly apiCalls: number;
    readonly metricsRequested: number;
    readonly wallSeconds: number;
  };
  /**
   * Trouble cases: seconds from each problem's start to the first alert naming it, by finding kind (the slowest
   * problem of the kind), the worst over the schedule's phases; null when no alert came within the timeline. See
   * bench/detection-latency.ts.
   */
  readonly detectionLatencySeconds?: Readonly<Record<string, number | null>>;
  /** Trouble cases: the same, the mean over the schedule's phases. */
  readonly detectionLatencyMeanSeconds?: Readonly<Record<string, number | null>>;
  /** Quiet cases: how often a trigger alarm went into ALARM (a metric-focused run) over a quiet day. */
  readonly quietDayAlarmRuns?: number;
}

/** What the timelines measured of a case: detection latency (trouble) or spurious alarm runs (quiet). */
export type CaseTiming = Pick<
  CaseResult,
  'detectionLatencySeconds' | 'detectionLatencyMeanSeconds' | 'quietDayAlarmRuns'
>;

/** The four cases `npm run bench` runs. */
export const BENCH_CASES: readonly BenchCase[] = [
  { name: 'quiet-1000', functions: 1_000, trouble: false },
  { name: 'trouble-1000', functions: 1_000, trouble: true },
  { name: 'quiet-10000', functions: 10_000, trouble: false },
  { name: 'trouble-10000', functions: 10_000, trouble: true },
];

/**
 * CloudWatch's price for both ways of reading metrics, in USD: GetMetricData is billed $0.01 per 1,000 metrics
 * requested, and GetMetricStatistics (one metric per request) $0.01 per 1,000 requests. Source: the "API"
 * section of https://aws.amazon.com/cloudwatch/pricing/ (us-east-1, as of 2026). The always-free tier (1 million
 * API requests a month, GetMetricData excluded) is left out: it is shared with everything else in the account.
 */
export const USD_PER_METRIC_REQUESTED = 0.01 / 1_000;

/** Runs in a 30-day month on the default `rate(5 minutes)` schedule. */
export const RUNS_PER_MONTH = 30 * 24 * 12;

/** The account a case scans. */
export function caseAccount(benchCase: BenchCase): SimAccountModel {
  return benchCase.trouble
    ? troubledAccount(benchCase.functions, ALL_PROBLEMS)
    : quietAccount(benchCase.functions);
}

function problems(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((finding) => `${finding.kind}:${finding.functionName}`))].sort();
}

/** Samples the process's resident set size while work runs; `stop` answers the highest, in MB. */
function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return Math.round((peak / 1_048_576) * 10) / 10;
    },
  };
}

/** Runs one design once against a fresh copy of the case's account and measures it. */
export async function runDesign(
  benchCase: BenchCase,
  design: Design,
  settings: SentinelSettings = DEFAULT_SETTINGS,
): Promise<DesignResult> {
  const sampler = rssSampler();
  const model = caseAccount(benchCase);
  const run: Simulated<readonly Finding[]> =
    design === 'sentinel'
      ? await runSimulatedScan(model, settings).then((scan) => ({ ...scan, result: scan.result.findings }))
      : await simulate(model, settings, async ({ clients, budget, clock }) => {
          const naive = await runNaiveScan({
            clients,
            budget,
            settings,
            accountId: model.accountId,
            region: model.region,
            now: clock.now(),
          });
          return naive.findings;
        });
  const peakRssMb = sampler.stop();
  const { usage } = run;
  return {
    apiCalls: usage.apiCalls,
    metricsRequested: usage.metricsRequested,
    wallSeconds: Math.round(run.wallSeconds * 10) / 10,
    monthlyCloudWatchUsd:
      Math.round(usage.metricsRequested * USD_PER_METRIC_REQUESTED * RUNS_PER_MONTH * 100) / 100,
    peakRssMb,
    problemsFound: problems(run.result),
    throttledCalls: Object.values(usage.throttled).reduce((total, count) => total + count, 0),
    peakSharedBucketRps: usage.peakControlPlaneRps,
  };
}

/** Sum of a design's API calls over every operation. */
export function totalCalls(result: Pick<DesignResult, 'apiCalls'>): number {
  return Object.values(result.apiCalls).reduce((total, count) => total + count, 0);
}

function ratio(naive: number, sentinel: number): number {
  return sentinel === 0 ? (naive === 0 ? 1 : Infinity) : Math.round((naive / sentinel) * 10) / 10;
}

/** The case's result from both designs' measurements. */
export function compareDesigns(
  benchCase: BenchCase,
  sentinel: DesignResult,
  naive: DesignResult,
  timing: CaseTiming = {},
): CaseResult {
  return {
    ...benchCase,
    ...timing,
    designs: { sentinel, naive },
    ratio: {
      apiCalls: ratio(totalCalls(naive), totalCalls(sentinel)),
      metricsRequested: ratio(naive.metricsRequested, sentinel.metricsRequested),
      wallSeconds: ratio(naive.wallSeconds, sentinel.wallSeconds),
    },
  };
}
