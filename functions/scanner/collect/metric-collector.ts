/**
 * The collector's one way to read CloudWatch and Lambda: every call through the run's CallBudget, every failure
 * recorded as a ScanError and answered with undefined, and every answer CloudWatch cut short remembered as
 * partial, so that what a partial answer did not show is never read as "no trouble".
 */
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type {
  CallBudget,
  CoveragePart,
  DrillStatus,
  FunctionMetrics,
  MetricSeries,
  ScanError,
} from '../model';
import type { SentinelSettings } from '../settings';
import {
  METRICS_INSIGHTS_MAX_ANALYZED,
  SEARCH_MAX_SERIES,
  batchQueries,
  isMetricsInsights,
  isSearch,
  metricsRequested,
} from './metric-queries';

/** What every collector needs: the clients, the run's budget, the settings, the time and the inventory size. */
export interface CollectorInput {
  readonly cloudwatch: CloudWatchClient;
  readonly lambda: LambdaClient;
  readonly budget: CallBudget;
  readonly settings: SentinelSettings;
  /** Epoch milliseconds of the run. */
  readonly now: number;
}

/** A time range of one GetMetricData call (ISO-8601, end exclusive). */
export interface TimeRange {
  readonly start: string;
  readonly end: string;
}

/** Series per query id (and per label, for SEARCH and Metrics Insights); a failed query's id is absent. */
export interface Answers {
  readonly series: ReadonlyMap<string, ReadonlyMap<string, MetricSeries>>;
  /** Whether any query of the request came back incomplete. */
  readonly partial: boolean;
}

/** Page limit for one GetMetricData request or one Lambda listing; our requests fit in one page. */
const MAX_PAGES = 10;

/** Reads metrics and Lambda settings through the budget, recording errors, partial answers and metrics requested. */
export class Collector {
  readonly errors: ScanError[] = [];
  readonly partial = new Set<CoveragePart>();
  metricsRequested = 0;

  /**
   * @param input clients, budget and settings
   * @param inventorySize functions listed: the most a Metrics Insights query over AWS/Lambda can analyze
   */
  constructor(
    readonly input: CollectorInput,
    private readonly inventorySize: number,
  ) {}

  /** Metrics a Metrics Insights query analyzes: every function's series, at most METRICS_INSIGHTS_MAX_ANALYZED. */
  get insightsAnalyzed(): number {
    return Math.min(
      this.inventorySize > 0 ? this.inventorySize : METRICS_INSIGHTS_MAX_ANALYZED,
      METRICS_INSIGHTS_MAX_ANALYZED,
    );
  }

  /** Runs `queries` over `range`, batched as GetMetricData allows; an incomplete answer marks `part` partial. */
  async fetch(
    part: CoveragePart,
    queries: readonly MetricDataQuery[],
    range: TimeRange,
    periodSeconds: number,
  ): Promise<Answers> {
    const series = new Map<string, Map<string, MetricSeries>>();
    let partial = false;
    await Promise.all(
      batchQueries(queries).map(async (batch) => {
        const answer = await this.fetchBatch(batch, range);
        if (!answer) return;
        this.metricsRequested += metricsRequested(batch, answer.results, this.insightsAnalyzed);
        const cutShort = [...answer.cutShort];
        for (const query of batch) {
          const id = query.Id ?? '';
          const own = answer.results.filter((result) => result.Id === id);
          const failed = own.find(
            (result) => result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError',
          );
          if (failed) {
            this.record('GetMetricData', failed.StatusCode ?? 'Error', `Query ${id}: ${messagesOf(failed)}`);
            continue;
          }
          const labels = new Set(own.map((result) => result.Label));
          if (own.some((result) => result.StatusCode === 'PartialData'))
            cutShort.push(`${id} returned PartialData`);
          if (isSearch(query) && labels.size >= SEARCH_MAX_SERIES) {
            cutShort.push(`${id} matched SEARCH's limit of ${SEARCH_MAX_SERIES} series; more may exist`);
          }
          if (isMetricsInsights(query) && this.inventorySize > METRICS_INSIGHTS_MAX_ANALYZED) {
            cutShort.push(
              `${id} is a Metrics Insights query, which analyzes at most ${METRICS_INSIGHTS_MAX_ANALYZED.toLocaleString('en-US')} ` +
                `of the ${this.inventorySize.toLocaleString('en-US')} functions`,
            );
          }
          series.set(id, seriesByLabel(own, periodSeconds));
        }
        if (cutShort.length > 0) {
          partial = true;
          this.partial.add(part);
          this.record(
            'GetMetricData',
            'PartialData',
            `Incomplete answer for ${part}: ${cutShort.join('; ')}`,
          );
        }
      }),
    );
    return { series, partial };
  }

  private async fetchBatch(
    batch: MetricDataQuery[],
    range: TimeRange,
  ): Promise<{ results: MetricDataResult[]; cutShort: string[] } | undefined> {
    const results: MetricDataResult[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const output = await this.attempt('GetMetricData', undefined, () =>
        this.input.cloudwatch.send(
          new GetMetricDataCommand({
            MetricDataQueries: batch,
            StartTime: new Date(range.start),
            EndTime: new Date(range.end),
            ScanBy: 'TimestampAscending',
            ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
          }),
        ),
      );
      if (!output) return undefined;
      results.push(...(output.MetricDataResults ?? []));
      nextToken = output.NextToken;
      if (nextToken === undefined) return { results, cutShort: [] };
    }
    return { results, cutShort: [`a NextToken was still left after ${MAX_PAGES} pages`] };
  }

  /** Sends one AWS call through the budget; a failure is recorded and answered with undefined. */
  async attempt<T>(
    operation: string,
    functionName: string | undefined,
    send: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.input.budget.call(operation, send);
    } catch (error) {
      const code = error instanceof Error ? error.name : 'Error';
      this.record(operation, code, error instanceof Error ? error.message : String(error), functionName);
      return undefined;
    }
  }

  /** Reads every page of a Lambda listing; undefined when a page fails (the error is recorded) or pages run out. */
  async listAll<Page, Item>(
    operation: string,
    functionName: string,
    send: (lambda: LambdaClient, marker: string | undefined) => Promise<Page>,
    read: (page: Page) => { items: readonly Item[]; nextMarker?: string | undefined },
  ): Promise<Item[] | undefined> {
    const items: Item[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const output = await this.attempt(operation, functionName, () => send(this.input.lambda, marker));
      if (output === undefined) return undefined;
      const { items: pageItems, nextMarker } = read(output);
      items.push(...pageItems);
      marker = nextMarker;
      if (marker === undefined) return items;
    }
    this.record(
      operation,
      'TooManyPages',
      `more than ${MAX_PAGES} pages; the rest was not read`,
      functionName,
    );
    return undefined;
  }

  /** Records a problem the run carries on past. */
  record(source: string, code: string, message: string, functionName?: string): void {
    this.errors.push({
      phase: 'collect',
      source,
      ...(functionName !== undefined ? { functionName } : {}),
      code,
      message,
    });
  }
}

function messagesOf(result: MetricDataResult): string {
  return (result.Messages ?? [])
    .map((message) => `${message.Code ?? ''} ${message.Value ?? ''}`.trim())
    .join('; ');
}

/** GetMetricData results as one series per label (a SEARCH or Metrics Insights query returns several). */
export function seriesByLabel(
  results: readonly MetricDataResult[],
  periodSeconds: number,
): Map<string, MetricSeries> {
  const points = new Map<string, { at: string; value: number }[]>();
  for (const result of results) {
    const label = result.Label ?? '';
    const list = points.get(label) ?? [];
    (result.Timestamps ?? []).forEach((timestamp, index) => {
      const value = result.Values?.[index];
      if (value !== undefined) list.push({ at: new Date(timestamp).toISOString(), value });
    });
    points.set(label, list);
  }
  return new Map(
    [...points].map(([label, list]) => [
      label,
      { periodSeconds, points: list.sort((a, b) => a.at.localeCompare(b.at)) },
    ]),
  );
}

/**
 * The one series of a single-metric query: empty when CloudWatch returned no datapoints (for a count metric,
 * nothing was counted), undefined when the query failed.
 */
export function single(answers: Answers, id: string, periodSeconds: number): MetricSeries | undefined {
  const byLabel = answers.series.get(id);
  if (!byLabel) return undefined;
  return byLabel.values().next().value ?? { periodSeconds, points: [] };
}

/** `record` without its undefined fields. */
export function withoutUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/** What one drill-down found: whether it ran, and the functions it read series for. */
export interface DrillResult {
  readonly status: DrillStatus;
  readonly functions: readonly FunctionMetrics[];
}
