import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { CallBudget } from '../../functions/scanner/model';
import { MetricStore, type SimSeries } from '../../sim/metric-store';

// The CloudWatch fake moved to sim/ (the demo and benchmark use it too); tests keep their names for it here.
export { minuteSeries } from '../../sim/metric-store';

/** One Lambda metric series the fake account holds, one datapoint per minute. */
export type FakeSeries = SimSeries;

/** The simulator's metric store, answering GetMetricData for tests that mock the CloudWatch client. */
export class FakeCloudWatch extends MetricStore {
  /** Answers one GetMetricData request as CloudWatch would. */
  answer(input: GetMetricDataCommandInput): GetMetricDataCommandOutput {
    return this.getMetricData(input);
  }
}

/** A CallBudget that sends every call at once and counts them by operation. */
export class CountingBudget implements CallBudget {
  readonly calls: Record<string, number> = {};

  async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    return send();
  }
}
