/**
 * The CloudWatch series Lambda publishes for a simulated account, read lazily from its physics (see
 * lambda-physics.ts): per function (FunctionName), per alias or version (FunctionName + Resource) and for the
 * region (no dimension).
 *
 * Lambda publishes no datapoint for a minute without activity: a count (Invocations, Errors, Throttles,
 * RecursiveInvocationsDropped, AsyncEventsDropped, ProvisionedConcurrencyInvocations, ...SpilloverInvocations)
 * of 0 is no datapoint, and the gauges (ConcurrentExecutions, ProvisionedConcurrentExecutions,
 * ProvisionedConcurrencyUtilization) have none in a minute without executions; so do the region-level series.
 * ClaimedAccountConcurrency counts reserved and provisioned concurrency whether used or not, so we assume it is
 * published whenever it is above 0. A series SEARCH can find is one with a datapoint in the two weeks before the
 * request's end. An alias's Invocations are also published under FunctionName, Resource and ExecutedVersion, one
 * series per version it routes to (or routed to before it moved).
 */
import type { SimAccountModel } from './account-model';
import {
  REGION_METRICS,
  type FunctionMinute,
  type LambdaPhysics,
  type QualifierMinute,
} from './lambda-physics';
import type { SimSeries } from './metric-store';

type ReportKind = 'invocations' | 'throttles' | 'other';

const FUNCTION_METRICS: readonly [string, keyof FunctionMinute, ReportKind][] = [
  ['Invocations', 'invocations', 'invocations'],
  ['ConcurrentExecutions', 'concurrentExecutions', 'invocations'],
  ['Throttles', 'throttles', 'throttles'],
  ['Errors', 'errors', 'other'],
  ['RecursiveInvocationsDropped', 'recursiveInvocationsDropped', 'other'],
  ['AsyncEventsDropped', 'asyncEventsDropped', 'other'],
];

const FUNCTION_PROVISIONED_METRICS: readonly [string, keyof FunctionMinute][] = [
  ['ProvisionedConcurrencyInvocations', 'provisionedConcurrencyInvocations'],
  ['ProvisionedConcurrencySpilloverInvocations', 'provisionedConcurrencySpilloverInvocations'],
];

type QualifierCount = Exclude<keyof QualifierMinute, 'executedVersions'>;

const QUALIFIER_METRICS: readonly [string, QualifierCount][] = [
  ['Invocations', 'invocations'],
  ['ConcurrentExecutions', 'concurrentExecutions'],
];

const QUALIFIER_PROVISIONED_METRICS: readonly [string, QualifierCount][] = [
  ['ProvisionedConcurrencyInvocations', 'provisionedConcurrencyInvocations'],
  ['ProvisionedConcurrencySpilloverInvocations', 'provisionedConcurrencySpilloverInvocations'],
  ['ProvisionedConcurrentExecutions', 'provisionedConcurrentExecutions'],
  ['ProvisionedConcurrencyUtilization', 'provisionedConcurrencyUtilization'],
];

/** A published value: 0 is no datapoint. */
function published(value: number): number | undefined {
  return value > 0 ? value : undefined;
}

/** Every series the account can hold; which of them exist at a given time is decided when they are read. */
export function accountSeries(account: SimAccountModel, physics: LambdaPhysics): SimSeries[] {
  const from = physics.start;
  const to = Infinity;
  const list: SimSeries[] = REGION_METRICS.map((metricName) => ({
    metricName,
    dimensions: {},
    from,
    to,
    valueAt: (minute: number) => published(physics.regionMinute(metricName, minute)),
  }));
  for (const fn of account.functions) {
    if (!physics.hasTraffic(fn.name)) continue;
    const name = fn.name;
    const own = { FunctionName: name };
    const read = (field: keyof FunctionMinute) => (minute: number) =>
      physics.functionMinute(name, minute)[field];
    const functionSeries = (metricName: string, field: keyof FunctionMinute, kind: ReportKind): SimSeries => {
      const value = read(field);
      return {
        metricName,
        dimensions: own,
        from,
        to,
        valueAt: (minute) => published(value(minute)),
        reportedBetween: (start, end) => physics.reportedBetween(name, start, end, value, kind),
      };
    };
    for (const [metricName, field, kind] of FUNCTION_METRICS) {
      if (physics.mayPublish(name, field)) list.push(functionSeries(metricName, field, kind));
    }
    if (fn.provisioned.length > 0) {
      for (const [metricName, field] of FUNCTION_PROVISIONED_METRICS) {
        if (physics.mayPublish(name, field)) list.push(functionSeries(metricName, field, 'invocations'));
      }
    }
    for (const qualifier of physics.qualifiersOf(name)) {
      const resource = { FunctionName: name, Resource: `${name}:${qualifier}` };
      const hasProvisioned = fn.provisioned.some((config) => config.qualifier === qualifier);
      const metrics = [...QUALIFIER_METRICS, ...(hasProvisioned ? QUALIFIER_PROVISIONED_METRICS : [])];
      for (const [metricName, field] of metrics) {
        if (field === 'provisionedConcurrencySpilloverInvocations' && !physics.mayPublish(name, field))
          continue;
        const value = (minute: number) => physics.qualifierMinute(name, qualifier, minute)[field];
        list.push({
          metricName,
          dimensions: resource,
          from,
          to,
          valueAt: (minute) => published(value(minute)),
          reportedBetween: (start, end) =>
            physics.reportedBetween(
              name,
              start,
              end,
              value,
              field === 'provisionedConcurrencySpilloverInvocations' ? 'other' : 'invocations',
            ),
        });
      }
      // An alias's invocations are also published by the version that ran them (ExecutedVersion).
      const alias = fn.aliases.find((candidate) => candidate.name === qualifier);
      if (!alias) continue;
      const versions = new Set([
        alias.functionVersion,
        ...(alias.previousVersion !== undefined ? [alias.previousVersion] : []),
        ...Object.keys(alias.additionalVersionWeights ?? {}),
      ]);
      for (const version of versions) {
        const value = (minute: number) =>
          physics.qualifierMinute(name, qualifier, minute).executedVersions[version] ?? 0;
        list.push({
          metricName: 'Invocations',
          dimensions: { ...resource, ExecutedVersion: version },
          from,
          to,
          valueAt: (minute) => published(value(minute)),
          reportedBetween: (start, end) => physics.reportedBetween(name, start, end, value, 'invocations'),
        });
      }
    }
  }
  return list;
}
