/**
 * The spillover drill-down: for the aliases and versions that spilled over, their peak concurrency and
 * invocations; for their functions, invocations in total and by resource (to see calls that bypass the alias), and
 * the provisioned concurrency configurations and aliases.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { FunctionMetrics, MetricWindow, ProvisionedSetup, QualifierMetrics } from '../model';
import { readProvisionedSetup } from './lambda-settings';
import { single, withoutUndefined, type Collector } from './metric-collector';
import { WINDOW_PERIOD_SECONDS, metricStatQuery, queryId, searchQuery } from './metric-queries';
import { hasNonZero } from './metric-series';

/** Functions whose provisioned setup is read per run (each call draws on the shared control-plane quota). */
export const SPILLOVER_LAMBDA_CHECKS = 10;

/** Runs the spillover drill-down for the qualifiers the probe found; see the file comment. */
export async function drillSpillover(
  collector: Collector,
  qualifiers: readonly QualifierMetrics[],
  window: MetricWindow,
  inInventory: (functionName: string) => boolean,
): Promise<{
  readonly functions: FunctionMetrics[];
  readonly qualifiers: QualifierMetrics[];
  readonly provisioned: ProvisionedSetup[];
}> {
  const spilled = qualifiers.filter((qualifier) => hasNonZero(qualifier.spilloverInvocations));
  const functionNames = [...new Set(spilled.map((qualifier) => qualifier.functionName))]
    .filter(inInventory)
    .slice(0, SPILLOVER_LAMBDA_CHECKS);
  if (functionNames.length === 0) {
    return { functions: [], qualifiers: [...qualifiers], provisioned: [] };
  }
  const drilled = spilled.filter((qualifier) => functionNames.includes(qualifier.functionName));
  const queries: MetricDataQuery[] = drilled.flatMap((qualifier, index) => {
    const dimensions = {
      FunctionName: qualifier.functionName,
      Resource: `${qualifier.functionName}:${qualifier.qualifier}`,
    };
    return [
      metricStatQuery(
        queryId('pc_conc', index),
        { metricName: 'ConcurrentExecutions', dimensions, stat: 'Maximum' },
        WINDOW_PERIOD_SECONDS,
      ),
      metricStatQuery(
        queryId('pc_inv', index),
        { metricName: 'Invocations', dimensions, stat: 'Sum' },
        WINDOW_PERIOD_SECONDS,
      ),
    ];
  });
  functionNames.forEach((functionName, index) => {
    queries.push(
      metricStatQuery(
        queryId('fn_inv', index),
        { metricName: 'Invocations', dimensions: { FunctionName: functionName }, stat: 'Sum' },
        WINDOW_PERIOD_SECONDS,
      ),
      searchQuery(
        queryId('fn_res', index),
        {
          metricName: 'Invocations',
          dimensionKeys: ['FunctionName', 'Resource'],
          filters: { FunctionName: functionName },
          stat: 'Sum',
          labelDimension: 'Resource',
        },
        WINDOW_PERIOD_SECONDS,
      ),
    );
  });
  const [answers, provisioned] = await Promise.all([
    collector.fetch(
      'spillover-probe',
      queries,
      { start: window.start, end: window.end },
      WINDOW_PERIOD_SECONDS,
    ),
    Promise.all(functionNames.map((functionName) => readProvisionedSetup(collector, functionName))),
  ]);
  const withDetail = qualifiers.map((qualifier) => {
    const index = drilled.indexOf(qualifier);
    if (index < 0) return qualifier;
    return withoutUndefined({
      ...qualifier,
      concurrentExecutions: single(answers, queryId('pc_conc', index), WINDOW_PERIOD_SECONDS),
      invocations: single(answers, queryId('pc_inv', index), WINDOW_PERIOD_SECONDS),
    });
  });
  const functions = functionNames.map((functionName, index): FunctionMetrics => {
    const byResource = answers.series.get(queryId('fn_res', index));
    return withoutUndefined({
      functionName,
      reasons: ['provisioned-spillover'],
      invocations: single(answers, queryId('fn_inv', index), WINDOW_PERIOD_SECONDS),
      invocationsByResource: byResource ? Object.fromEntries(byResource) : undefined,
    });
  });
  return { functions, qualifiers: withDetail, provisioned };
}
