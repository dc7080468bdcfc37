import { compareDesigns, runDesign, type BenchCase, type DesignResult } from '../../bench/bench-cases';
import { QUIET_TARGETS } from '../../bench/main';

const QUIET: BenchCase = { name: 'quiet-300', functions: 300, trouble: false };
const TROUBLE: BenchCase = { name: 'trouble-300', functions: 300, trouble: true };

// Each design's run simulates nine days of metrics: run each once and share the results.
const results: Partial<
  Record<'quietSentinel' | 'quietNaive' | 'troubleSentinel' | 'troubleNaive', DesignResult>
> = {};
const designResult = (key: keyof typeof results): DesignResult => {
  const found = results[key];
  if (!found) throw new Error(`${key} did not run`);
  return found;
};

beforeAll(async () => {
  results.quietSentinel = await runDesign(QUIET, 'sentinel');
  results.quietNaive = await runDesign(QUIET, 'naive');
  results.troubleSentinel = await runDesign(TROUBLE, 'sentinel');
  results.troubleNaive = await runDesign(TROUBLE, 'naive');
}, 120_000);

describe('the benchmark, on small accounts', () => {
  it('finds the same problems with both designs in an account in trouble', () => {
    const sentinel = designResult('troubleSentinel');
    const naive = designResult('troubleNaive');

    expect(sentinel.problemsFound).toEqual(naive.problemsFound);
    expect(sentinel.problemsFound).toEqual(
      expect.arrayContaining([
        'concurrency-hog:image-resizer',
        'stuck-pending:report-builder',
        'pc-spillover:quote-api',
        'pc-health:orders-api',
      ]),
    );
    expect(sentinel.problemsFound).toHaveLength(10);
  });

  it('keeps the sentinel within the quiet-account targets: metrics, GetMetricData calls, shared bucket, cost', () => {
    const sentinel = designResult('quietSentinel');

    expect(sentinel.metricsRequested).toBeLessThanOrEqual(QUIET_TARGETS.metricsRequested);
    expect(sentinel.apiCalls.GetMetricData).toBeLessThanOrEqual(QUIET_TARGETS.getMetricDataCalls);
    expect(sentinel.peakSharedBucketRps).toBeLessThanOrEqual(QUIET_TARGETS.sharedBucketRps);
    expect(sentinel.monthlyCloudWatchUsd).toBeLessThan(QUIET_TARGETS.monthlyCloudWatchUsd);
    expect(sentinel.apiCalls.GetMetricStatistics).toBeUndefined();
  });

  it('has the naive design read every function and eight requests of metrics per function, one metric each', () => {
    const naive = designResult('quietNaive');

    expect(naive.apiCalls.GetFunction).toBe(300);
    expect(naive.apiCalls.ListFunctions).toBe(6);
    // Seven metrics per function (the last: whether it used provisioned concurrency in two weeks) and six
    // region-level ones, the invocation history in two requests (eight days of five-minute sums is more than
    // GetMetricStatistics' 1,440 datapoints); throttled requests are not billed.
    expect(naive.metricsRequested).toBe(300 * 8 + 7);
    expect(naive.monthlyCloudWatchUsd).toBeCloseTo((300 * 8 + 7) * 0.00001 * 8_640, 2);
  });

  it('reports one JSON object per case with both designs and naive-over-sentinel ratios', () => {
    const sentinel = designResult('quietSentinel');
    const naive = designResult('quietNaive');

    const result = compareDesigns(QUIET, sentinel, naive);
    const json = JSON.parse(JSON.stringify({ cases: [result] })) as { cases: Record<string, unknown>[] };

    expect(json.cases[0]).toMatchObject({
      name: 'quiet-300',
      functions: 300,
      trouble: false,
      designs: {
        sentinel: {
          apiCalls: expect.objectContaining({ ListFunctions: 6, GetMetricData: 2 }),
          metricsRequested: 6,
          wallSeconds: expect.any(Number),
          monthlyCloudWatchUsd: expect.any(Number),
          peakRssMb: expect.any(Number),
          problemsFound: [],
        },
        naive: { metricsRequested: 2_407 },
      },
      ratio: { metricsRequested: 401.2, apiCalls: expect.any(Number), wallSeconds: expect.any(Number) },
    });
    expect(result.ratio.wallSeconds).toBeGreaterThan(1);
  });
});
