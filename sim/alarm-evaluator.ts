/**
 * CloudWatch's evaluation of the sentinel's three trigger alarms (lib/alarm-triggers.ts), read from a simulated
 * account's MetricStore, so that a timeline (sim/timeline.ts) knows when each alarm goes into ALARM and what its
 * state-change event says.
 *
 * What CloudWatch documents, and what we assumed where it is silent:
 * - A standard-resolution alarm (one-minute period) is evaluated every minute, on the datapoints available at that
 *   moment (AWS knowledge center, "Why did my CloudWatch alarm trigger when its metric doesn't have any breaching
 *   data points?"). We evaluate at each whole minute plus `evaluationOffsetSeconds`. Which datapoints are available
 *   is the MetricStore's delivery delay: Lambda sends its metrics at one-minute intervals ("Using CloudWatch metrics
 *   with Lambda"), and a minute's datapoint is read only once the minute is over and the delay has passed.
 * - CloudWatch looks at an evaluation range longer than the evaluation periods, evaluates the most recent datapoints
 *   present in it, and fills in missing ones with TreatMissingData only when fewer are present than the evaluation
 *   periods ("Configuring how CloudWatch alarms treat missing data"). AWS does not say how long the range is for a
 *   one-minute, one-period alarm; we take EVALUATION_RANGE_MINUTES. So an alarm stays in ALARM until its last
 *   breaching datapoint ages out of the range, and a minute not yet delivered never counts as "no throttles".
 * - The anomaly-detection band: CloudWatch trains on up to two weeks of the metric and models its hourly, daily and
 *   weekly seasonality, but does not publish the model. We take, for the evaluated minute, the same time of day
 *   (± SEASON_BAND_MINUTES) on each earlier day of the last two weeks, and the same time of the week one and two
 *   weeks earlier: the band's upper bound is the higher of `mean + stdDevs × standard deviation` of the two samples.
 *   A minute with no training sample (an account that was idle at that hour) cannot breach, as an untrained model
 *   raises no alarm. This is an approximation: it errs towards a wider band (fewer alarms) where a weekly job
 *   runs, which makes measured latencies longer, not shorter.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { TriggerAlarm } from '../functions/scanner/events/alarm-trigger';
import type { MetricStore } from './metric-store';

/** Minutes before an evaluation in which CloudWatch looks for the newest datapoints of a one-minute alarm. */
export const EVALUATION_RANGE_MINUTES = 5;

/** How far from the same time of day (or week) a training datapoint may lie. */
export const SEASON_BAND_MINUTES = 15;

/** Days of history the anomaly band trains on (CloudWatch's documented maximum is two weeks). */
export const TRAINING_DAYS = 14;

/** The band width of the deployed surge alarm, in standard deviations (SURGE_STANDARD_DEVIATIONS in lib/). */
export const SURGE_STANDARD_DEVIATIONS = 3;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const WEEK_MS = 7 * DAY_MS;

/** One alarm's evaluation: its state after it and, for the event, the datapoint it judged. */
export interface AlarmEvaluation {
  readonly alarm: TriggerAlarm;
  readonly state: 'OK' | 'ALARM';
  /** Epoch milliseconds of the evaluation. */
  readonly evaluatedAt: number;
  /** Start of the minute whose datapoint decided the state; undefined when the range held none. */
  readonly datapointAt?: number;
  readonly value?: number;
  /** The threshold the datapoint was compared with (the band's upper bound for the surge alarm). */
  readonly threshold?: number;
}

/** How the evaluator reads. */
export interface AlarmEvaluatorOptions {
  /**
   * Seconds after each whole minute at which CloudWatch evaluates.
   * @default 0
   */
  readonly evaluationOffsetSeconds?: number;
}

const query = (id: string, metricName: string, stat: 'Sum'): MetricDataQuery => ({
  Id: id,
  MetricStat: {
    Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [] },
    Period: 60,
    Stat: stat,
  },
  ReturnData: true,
});

// The deployed alarm sums spillover over every alias and version with a Metrics Insights query; a SEARCH over the
// same schema, summed per minute, gives the same number.
const SPILLOVER_QUERY: MetricDataQuery = {
  Id: 'spillover',
  Expression: `SEARCH('{AWS/Lambda,FunctionName,Resource} MetricName="ProvisionedConcurrencySpilloverInvocations"', 'Sum', 60)`,
  ReturnData: true,
};

/** Datapoints of one region-level series as CloudWatch has them: minute start → value, only delivered minutes. */
class DeliveredSeries {
  private readonly values = new Map<number, number>();
  private readFrom: number | undefined;

  constructor(
    private readonly metrics: MetricStore,
    private readonly dataQuery: MetricDataQuery,
  ) {}

  /** Reads what is delivered in [from, to): a delivered minute never changes, so only the recent tail is re-read. */
  refresh(from: number, to: number): void {
    // Minutes more than the range plus a margin back were delivered at an earlier read and are final.
    const start =
      this.readFrom === undefined ? from : Math.max(from, to - (EVALUATION_RANGE_MINUTES + 10) * MINUTE_MS);
    this.readFrom = Math.min(this.readFrom ?? start, start);
    const answer = this.metrics.getMetricData({
      StartTime: new Date(start),
      EndTime: new Date(to),
      MetricDataQueries: [this.dataQuery],
    });
    const perMinute = new Map<number, number>();
    for (const result of answer.MetricDataResults ?? []) {
      (result.Timestamps ?? []).forEach((timestamp, index) => {
        const minute = timestamp.getTime();
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + (result.Values?.[index] ?? 0));
      });
    }
    for (const [minute, value] of perMinute) this.values.set(minute, value);
  }

  /** The datapoint of the minute starting at `minute`; undefined when CloudWatch has none. */
  at(minute: number): number | undefined {
    return this.values.get(minute);
  }

  /** The newest datapoint in [from, to), if any. */
  newest(from: number, to: number): { readonly minute: number; readonly value: number } | undefined {
    for (let minute = to - MINUTE_MS; minute >= from; minute -= MINUTE_MS) {
      const value = this.values.get(minute);
      if (value !== undefined) return { minute, value };
    }
    return undefined;
  }
}

function meanAndDeviation(samples: readonly number[]): { mean: number; deviation: number } | undefined {
  if (samples.length === 0) return undefined;
  const mean = samples.reduce((total, value) => total + value, 0) / samples.length;
  const variance = samples.reduce((total, value) => total + (value - mean) ** 2, 0) / samples.length;
  return { mean, deviation: Math.sqrt(variance) };
}

/**
 * The trigger alarms of one account, evaluated minute by minute. `evaluate(now)` answers each alarm's evaluation
 * and remembers its state, so that `changesIntoAlarm` can tell a state change (which EventBridge announces) from an
 * alarm staying in ALARM (which it does not).
 */
export class TriggerAlarmEvaluator {
  private readonly series: Record<'throttles' | 'invocations' | 'spillover', DeliveredSeries>;
  private readonly states = new Map<TriggerAlarm, 'OK' | 'ALARM'>();
  private readonly offsetMs: number;

  constructor(metrics: MetricStore, options: AlarmEvaluatorOptions = {}) {
    this.series = {
      throttles: new DeliveredSeries(metrics, query('throttles', 'Throttles', 'Sum')),
      invocations: new DeliveredSeries(metrics, query('invocations', 'Invocations', 'Sum')),
      spillover: new DeliveredSeries(metrics, SPILLOVER_QUERY),
    };
    this.offsetMs = (options.evaluationOffsetSeconds ?? 0) * 1000;
  }

  /** When the evaluation of the minute that contains `at` happens. */
  evaluationTime(at: number): number {
    return Math.floor(at / MINUTE_MS) * MINUTE_MS + this.offsetMs;
  }

  /** Evaluates every alarm at `now` and answers the evaluations (the new state of each). */
  evaluate(now: number): AlarmEvaluation[] {
    const rangeEnd = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const rangeStart = rangeEnd - EVALUATION_RANGE_MINUTES * MINUTE_MS;
    this.series.throttles.refresh(rangeStart, rangeEnd);
    this.series.spillover.refresh(rangeStart, rangeEnd);
    // The band trains on the two weeks before the range (and a season band's width before that).
    this.series.invocations.refresh(
      rangeStart - TRAINING_DAYS * DAY_MS - SEASON_BAND_MINUTES * MINUTE_MS,
      rangeEnd,
    );
    const evaluations = [
      this.threshold('throttles', this.series.throttles, rangeStart, rangeEnd, now),
      this.surge(rangeStart, rangeEnd, now),
      this.threshold('spillover', this.series.spillover, rangeStart, rangeEnd, now),
    ];
    for (const evaluation of evaluations) this.states.set(evaluation.alarm, evaluation.state);
    return evaluations;
  }

  /** Evaluates at `now` and answers only the alarms that went from OK into ALARM. */
  changesIntoAlarm(now: number): AlarmEvaluation[] {
    const before = new Map(this.states);
    return this.evaluate(now).filter(
      (evaluation) => evaluation.state === 'ALARM' && before.get(evaluation.alarm) !== 'ALARM',
    );
  }

  /** The upper bound of the anomaly band for the minute starting at `minute`; undefined while untrained. */
  surgeBand(minute: number): number | undefined {
    const daily: number[] = [];
    for (let day = 1; day <= TRAINING_DAYS; day += 1) daily.push(...this.around(minute - day * DAY_MS));
    const weekly = [...this.around(minute - WEEK_MS), ...this.around(minute - 2 * WEEK_MS)];
    const bounds = [meanAndDeviation(daily), meanAndDeviation(weekly)]
      .filter((model) => model !== undefined)
      .map((model) => model.mean + SURGE_STANDARD_DEVIATIONS * model.deviation);
    return bounds.length === 0 ? undefined : Math.max(...bounds);
  }

  private around(center: number): number[] {
    const samples: number[] = [];
    for (let offset = -SEASON_BAND_MINUTES; offset <= SEASON_BAND_MINUTES; offset += 1) {
      const value = this.series.invocations.at(center + offset * MINUTE_MS);
      if (value !== undefined) samples.push(value);
    }
    return samples;
  }

  /** Throttles or spillover: the newest datapoint in the range at 1 or more; none present is not breaching. */
  private threshold(
    alarm: TriggerAlarm,
    series: DeliveredSeries,
    rangeStart: number,
    rangeEnd: number,
    now: number,
  ): AlarmEvaluation {
    const newest = series.newest(rangeStart, rangeEnd);
    const breaching = newest !== undefined && newest.value >= 1;
    return {
      alarm,
      state: breaching ? 'ALARM' : 'OK',
      evaluatedAt: now,
      ...(newest ? { datapointAt: newest.minute, value: newest.value, threshold: 1 } : {}),
    };
  }

  /** The region's invocations above the band's upper bound. */
  private surge(rangeStart: number, rangeEnd: number, now: number): AlarmEvaluation {
    const newest = this.series.invocations.newest(rangeStart, rangeEnd);
    const band = newest ? this.surgeBand(newest.minute) : undefined;
    const breaching = newest !== undefined && band !== undefined && newest.value > band;
    return {
      alarm: 'invocation-surge',
      state: breaching ? 'ALARM' : 'OK',
      evaluatedAt: now,
      ...(newest
        ? {
            datapointAt: newest.minute,
            value: newest.value,
            ...(band !== undefined ? { threshold: band } : {}),
          }
        : {}),
    };
  }
}
