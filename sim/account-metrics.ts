import { valueIn, type MinuteValue, type SimAccountModel, type SimFunction } from './account-model';
import { minuteSeries, type SimSeries } from './metric-store';

const MINUTE_MS = 60_000;

/** The sum of `values` by minute: constants added once, the rest read per minute and remembered. */
function sumOf(values: readonly (MinuteValue | undefined)[]): (minute: number) => number {
  let constant = 0;
  const varying: ((minute: number) => number)[] = [];
  for (const value of values) {
    if (typeof value === 'number') constant += value;
    else if (value) varying.push(value);
  }
  const remembered = new Map<number, number>();
  return (minute) => {
    let total = remembered.get(minute);
    if (total === undefined) {
      total = varying.reduce((sum, value) => sum + value(minute), constant);
      remembered.set(minute, total);
    }
    return total;
  };
}

/** Whether a value ever differs from zero (a function with no traffic has no series at all). */
function reports(value: MinuteValue | undefined): value is MinuteValue {
  return value !== undefined && value !== 0;
}

function read(value: MinuteValue): (minute: number) => number {
  return (minute) => valueIn(value, minute);
}

/**
 * The CloudWatch series Lambda would have published for the account: per function and per alias or version
 * (`Resource`) where there was traffic, and the region-level sums. Assumption, as observed on AWS: Lambda
 * publishes RecursiveInvocationsDropped and ProvisionedConcurrencySpilloverInvocations only for functions where
 * they happened, so a quiet account holds none of those series.
 */
export function accountSeries(account: SimAccountModel): SimSeries[] {
  const to = Math.floor(account.observedAt / MINUTE_MS) * MINUTE_MS;
  const from = to - account.historyMinutes * MINUTE_MS;
  const series = (metricName: string, dimensions: Record<string, string>, value: MinuteValue) =>
    minuteSeries(metricName, dimensions, from, to, read(value));

  const perFunction = account.functions.flatMap((fn) => functionSeries(fn, series));
  const unreserved = account.functions.filter((fn) => fn.reservedConcurrency === undefined);
  const reservedTotal = account.functions.reduce((total, fn) => total + (fn.reservedConcurrency ?? 0), 0);
  const provisionedTotal = account.functions
    .filter((fn) => fn.reservedConcurrency === undefined)
    .reduce((total, fn) => total + fn.provisioned.reduce((sum, config) => sum + config.allocated, 0), 0);
  const unreservedConcurrency = sumOf(unreserved.map((fn) => fn.traffic.concurrency));
  const region = {
    Invocations: sumOf(account.functions.map((fn) => fn.traffic.invocations)),
    ConcurrentExecutions: sumOf(account.functions.map((fn) => fn.traffic.concurrency)),
    Throttles: sumOf(account.functions.map((fn) => fn.traffic.throttles)),
    UnreservedConcurrentExecutions: unreservedConcurrency,
    // Reserved and provisioned concurrency count as claimed whether used or not.
    ClaimedAccountConcurrency: (minute: number) =>
      Math.min(account.concurrencyLimit, unreservedConcurrency(minute) + provisionedTotal + reservedTotal),
  };
  return [
    ...Object.entries(region).map(([metricName, value]) => minuteSeries(metricName, {}, from, to, value)),
    ...perFunction,
  ];
}

function functionSeries(
  fn: SimFunction,
  series: (metricName: string, dimensions: Record<string, string>, value: MinuteValue) => SimSeries,
): SimSeries[] {
  const { traffic } = fn;
  const own = { FunctionName: fn.name };
  const list: SimSeries[] = [];
  if (reports(traffic.invocations) || reports(traffic.concurrency)) {
    list.push(series('Invocations', own, traffic.invocations));
    list.push(series('ConcurrentExecutions', own, traffic.concurrency));
  }
  if (reports(traffic.throttles)) list.push(series('Throttles', own, traffic.throttles));
  if (reports(traffic.recursiveInvocationsDropped)) {
    list.push(series('RecursiveInvocationsDropped', own, traffic.recursiveInvocationsDropped));
  }
  const spilling = Object.values(traffic.qualifiers ?? {}).map((qualifier) => qualifier.spillover);
  if (spilling.some(reports)) {
    list.push(series('ProvisionedConcurrencySpilloverInvocations', own, sumOf(spilling)));
  }
  for (const [qualifier, flow] of Object.entries(traffic.qualifiers ?? {})) {
    const resource = { FunctionName: fn.name, Resource: `${fn.name}:${qualifier}` };
    list.push(series('Invocations', resource, flow.invocations));
    list.push(series('ConcurrentExecutions', resource, flow.concurrency));
    if (fn.provisioned.some((config) => config.qualifier === qualifier)) {
      const invocations = read(flow.invocations);
      const spillover = read(flow.spillover ?? 0);
      list.push(
        series('ProvisionedConcurrencyInvocations', resource, (minute) =>
          Math.max(0, invocations(minute) - spillover(minute)),
        ),
      );
    }
    if (reports(flow.spillover)) {
      list.push(series('ProvisionedConcurrencySpilloverInvocations', resource, flow.spillover));
    }
  }
  return list;
}
