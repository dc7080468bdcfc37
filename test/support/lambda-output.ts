/**
 * What a Lambda function writes to standard output and standard error (Lambda sends both to its log stream), read
 * the way CloudWatch Logs reads it: line by line, with the lines that are embedded-metric-format documents turned
 * into the metric data a dashboard or alarm would select. Only raw writes count: a line written through the global
 * console would be wrapped in Lambda's JSON log format, and CloudWatch would extract no metric from it.
 */

/** One embedded-metric-format document: the `_aws` directive plus the dimension and metric values it names. */
export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit?: string }[];
    }[];
  };
  readonly [member: string]: unknown;
}

/** A metric as CloudWatch names it: namespace, name and the exact set of dimensions with their values. */
export interface MetricSelection {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** One value CloudWatch would store for a selected metric. */
export interface MetricDatum {
  readonly value: number;
  readonly unit: string | undefined;
  readonly timestamp: number;
}

/** The captured output of the code under test. */
export interface LambdaOutput {
  /** Every complete line written so far, in order. */
  lines(): string[];
  /** The lines that are embedded-metric-format documents, checked against the format's rules. */
  emfDocuments(): EmfDocument[];
  /** The lines that are JSON log records (JSON objects other than metric documents). */
  logRecords(): Record<string, unknown>[];
  /** The values written so far for one metric, in the order written. */
  metricData(selection: MetricSelection): MetricDatum[];
}

/** Captures both streams from now until the test's mocks are restored; nothing reaches the terminal. */
export function captureLambdaOutput(): LambdaOutput {
  const chunks: string[] = [];
  for (const stream of [process.stdout, process.stderr])
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  const lines = () => chunks.join('').split('\n').slice(0, -1);
  const objects = () =>
    lines()
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const emfDocuments = () => objects().filter(isEmf).map(checkedEmf);
  return {
    lines,
    emfDocuments,
    logRecords: () => objects().filter((object) => !isEmf(object)),
    metricData: (selection) => emfDocuments().flatMap((document) => selected(document, selection)),
  };
}

function isEmf(object: Record<string, unknown>): boolean {
  return '_aws' in object;
}

/** Throws where CloudWatch would reject the document: a dimension that is not a string, a value that is no number. */
function checkedEmf(object: Record<string, unknown>): EmfDocument {
  const document = object as unknown as EmfDocument;
  if (typeof document._aws.Timestamp !== 'number') throw new Error(`no Timestamp: ${JSON.stringify(object)}`);
  for (const directive of document._aws.CloudWatchMetrics) {
    for (const dimension of directive.Dimensions.flat())
      if (typeof document[dimension] !== 'string')
        throw new Error(`dimension ${dimension} is not a string: ${JSON.stringify(object)}`);
    for (const metric of directive.Metrics)
      if (numbers(document[metric.Name]) === undefined)
        throw new Error(`metric ${metric.Name} has no numeric value: ${JSON.stringify(object)}`);
  }
  return document;
}

function numbers(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'number')) return value as number[];
  return undefined;
}

/** CloudWatch files a value under a metric when namespace, name and the whole dimension set match. */
function selected(document: EmfDocument, selection: MetricSelection): MetricDatum[] {
  const wanted = Object.keys(selection.dimensions).sort();
  return document._aws.CloudWatchMetrics.filter(
    (directive) =>
      directive.Namespace === selection.namespace &&
      directive.Dimensions.some(
        (names) =>
          JSON.stringify([...names].sort()) === JSON.stringify(wanted) &&
          names.every((name) => document[name] === selection.dimensions[name]),
      ),
  ).flatMap((directive) =>
    directive.Metrics.filter((metric) => metric.Name === selection.metricName).flatMap((metric) =>
      (numbers(document[metric.Name]) ?? []).map((value) => ({
        value,
        unit: metric.Unit,
        timestamp: document._aws.Timestamp,
      })),
    ),
  );
}
