/**
 * The invocation drill-down, for runaway loops: only when the region's rate now exceeds its busiest same-hour
 * rate of earlier days by what one runaway function would add (see invocation-heat.ts). Metrics Insights then
 * ranks functions by their invocations in the window's last minutes (not the whole window, so that a loop that
 * started minutes ago in a busy account still ranks); those fast enough get their window and their history read,
 * and those the history shows running hot get their recursion setting and event source mappings read (the
 * evidence, and what a pause would stop).
 */
import type { AccountMetrics, FunctionMetrics, MetricWindow } from '../model';
import { TAIL_MINUTES, invocationHeat, regionSurge } from './invocation-heat';
import { readEventSourceMappings, readRecursionSetting } from './lambda-settings';
import { single, withoutUndefined, type Collector, type DrillResult } from './metric-collector';
import {
  HISTORY_PERIOD_SECONDS,
  WINDOW_PERIOD_SECONDS,
  metricStatQuery,
  queryId,
  topFunctionsQuery,
} from './metric-queries';
import { minuteValues } from './metric-series';

/** How far the invocation drill-down reaches. */
export const INVOCATION_DRILL_LIMITS = {
  /** Functions ranked by their invocations in the window's last minutes when the region surges. */
  topInvocations: 20,
  /** Hot functions whose Lambda settings are read (each call draws on the shared control-plane quota). */
  lambdaChecks: 10,
} as const;

const MINUTE_MS = 60_000;

/** Runs the invocation drill-down; see the file comment. */
export async function drillInvocations(
  collector: Collector,
  account: AccountMetrics,
  window: MetricWindow,
  inInventory: (functionName: string) => boolean,
): Promise<DrillResult> {
  const { settings } = collector.input;
  // A function at `loopFactor` times its past and `loopMinInvocationsPerMinute` adds at least this much to the
  // region's rate, unless others slowed down by as much in the same minutes.
  const surgeFloor = settings.loopMinInvocationsPerMinute * (1 - 1 / settings.loopFactor);
  const surge = regionSurge(account.invocations, account.invocationsHistory, window, surgeFloor);
  if (!surge) return { status: 'failed', functions: [] };
  if (!surge.surging) return { status: 'not-needed', functions: [] };

  const tail = {
    start: new Date(Date.parse(window.end) - TAIL_MINUTES * MINUTE_MS).toISOString(),
    end: window.end,
  };
  const ranking = await collector.fetch(
    'invocation-drill',
    [
      topFunctionsQuery(
        'top_invocations',
        { metricName: 'Invocations', aggregate: 'SUM', limit: INVOCATION_DRILL_LIMITS.topInvocations },
        WINDOW_PERIOD_SECONDS,
      ),
    ],
    tail,
    WINDOW_PERIOD_SECONDS,
  );
  const top = ranking.series.get('top_invocations');
  if (!top) return { status: 'failed', functions: [] };
  const fastEnough = [...top]
    .filter(([, series]) => {
      const values = minuteValues(series, tail.start, tail.end) ?? [];
      const perMinute = values.reduce((total, value) => total + value, 0) / Math.max(1, values.length);
      return perMinute >= settings.loopMinInvocationsPerMinute;
    })
    .map(([functionName]) => functionName);
  if (fastEnough.length === 0) return { status: 'done', functions: [] };

  const perFunction = (prefix: string, periodSeconds: number) =>
    fastEnough.map((functionName, index) =>
      metricStatQuery(
        queryId(prefix, index),
        { metricName: 'Invocations', dimensions: { FunctionName: functionName }, stat: 'Sum' },
        periodSeconds,
      ),
    );
  const [windows, histories] = await Promise.all([
    collector.fetch(
      'invocation-drill',
      perFunction('inv', WINDOW_PERIOD_SECONDS),
      { start: window.start, end: window.end },
      WINDOW_PERIOD_SECONDS,
    ),
    collector.fetch(
      'invocation-drill',
      perFunction('hist', HISTORY_PERIOD_SECONDS),
      { start: window.historyStart, end: window.historyEnd },
      HISTORY_PERIOD_SECONDS,
    ),
  ]);
  const functions = fastEnough.map((functionName, index) =>
    withoutUndefined<FunctionMetrics>({
      functionName,
      reasons: ['top-invocations'],
      invocations: single(windows, queryId('inv', index), WINDOW_PERIOD_SECONDS),
      invocationsHistory: single(histories, queryId('hist', index), HISTORY_PERIOD_SECONDS),
    }),
  );
  const hot = functions
    .filter((entry) => inInventory(entry.functionName))
    .filter(
      (entry) =>
        invocationHeat(entry.invocations, entry.invocationsHistory, window, settings)?.evidence !== 'none',
    )
    .slice(0, INVOCATION_DRILL_LIMITS.lambdaChecks);
  const settingsRead = new Map(
    await Promise.all(
      hot.map(async ({ functionName }) => {
        const [recursiveLoop, eventSourceMappings] = await Promise.all([
          readRecursionSetting(collector, functionName),
          readEventSourceMappings(collector, functionName),
        ]);
        return [functionName, withoutUndefined({ recursiveLoop, eventSourceMappings })] as const;
      }),
    ),
  );
  const everyQueryAnswered = fastEnough.every(
    (_, index) => windows.series.has(queryId('inv', index)) && histories.series.has(queryId('hist', index)),
  );
  return {
    status: everyQueryAnswered ? 'done' : 'failed',
    functions: functions.map((entry) => ({ ...entry, ...settingsRead.get(entry.functionName) })),
  };
}
