import {
  GetFunctionCommand,
  ListFunctionsCommand,
  type FunctionConfiguration,
  type GetFunctionResponse,
  type LambdaClient,
  type TagsError,
} from '@aws-sdk/client-lambda';
import {
  systemClock,
  type CallBudget,
  type Clock,
  type FunctionDetail,
  type FunctionSnapshot,
  type FunctionStateFields,
  type ScanError,
  type UnsettledSighting,
} from '../model';
import type { SentinelSettings } from '../settings';
import { selectCandidates, type Candidate } from './candidates';

/** What one inventory needs: the Lambda client, the run's request budget, settings and the previous run's notes. */
export interface InventoryInput {
  readonly lambda: LambdaClient;
  readonly budget: CallBudget;
  readonly settings: SentinelSettings;
  /** Epoch milliseconds of this run. */
  readonly now: number;
  readonly previous: {
    readonly lastRunAt?: string;
    readonly watchedFunctions: readonly string[];
    /** When earlier runs first saw the watched functions in their unsettled state. */
    readonly unsettledFunctions?: readonly UnsettledSighting[];
  };
  /** Epoch milliseconds after which no GetFunction starts; the candidates left are reported unchecked. */
  readonly deadline?: number;
  /**
   * Time source for the deadline and for stamping details (give the run's clock in simulations).
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** The account's functions as this run saw them. */
export interface Inventory {
  /** Every function listed (plus watched ones read by name), minus ignored ones; `detail` set where checked. */
  readonly functions: FunctionSnapshot[];
  /** False when ListFunctions failed part-way: functions after that point are missing. */
  readonly inventoryComplete: boolean;
  /** Checked functions that carry `settings.ignoreTag`, left out of `functions`. */
  readonly ignoredFunctions: string[];
  /** Functions GetFunction answered for this run, and why each was chosen, in order of urgency. */
  readonly checked: Candidate[];
  /** Candidates not checked because the deadline passed; watched ones among them stay unassessed. */
  readonly unchecked: Candidate[];
  /** What went wrong, phase `collect`; the inventory is still usable. */
  readonly errors: ScanError[];
}

/** ListFunctions returns at most 50 functions a page. */
export const LIST_PAGE_SIZE = 50;

/**
 * Most GetFunction calls in flight at once. The request budget sets the pace; this bounds the callers
 * queued in it, and never exceeds one second's worth of the rate, so a check that passed the deadline
 * test starts at most about a second after it.
 */
export const CHECK_CONCURRENCY = 10;

type CheckOutcome =
  | { readonly kind: 'read'; readonly response: GetFunctionResponse; readonly checkedAt: number }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'past-deadline' };

/**
 * Lists every function ($LATEST only, which is where state lives) and reads state, reserved concurrency and
 * tags with GetFunction for this run's candidates only; a checked function whose state has not settled is
 * stamped with when the sentinel first saw it in that state (withUnsettledSince). A failed list, a function deleted mid-scan, or a
 * check still throttled after retries is recorded in `errors`, and the inventory carries on without it.
 */
export async function collectInventory(input: InventoryInput): Promise<Inventory> {
  const { lambda, budget, settings, now, previous } = input;

  const listing = await listFunctions(lambda, budget);
  const candidates = selectCandidates({
    listed: listing.functions,
    inventoryComplete: listing.complete,
    watchedFunctions: previous.watchedFunctions,
    ...(previous.lastRunAt !== undefined ? { lastRunAt: previous.lastRunAt } : {}),
    now,
    settings,
  });
  const checks = await checkFunctions(input, candidates, listing.functions);
  return {
    ...checks,
    functions: withUnsettledSince(checks.functions, previous.unsettledFunctions ?? [], now),
    inventoryComplete: listing.complete,
    errors: [...(listing.error ? [listing.error] : []), ...checks.errors],
  };
}

/** What GetFunction added to a list of functions. */
export type FunctionChecks = Omit<Inventory, 'inventoryComplete'>;

/**
 * Reads state, reserved concurrency and tags with GetFunction for `candidates` (most urgent first, at the
 * budget's pace, until the deadline) and merges them into `functions`: deleted ones drop out, ignored ones
 * move to `ignoredFunctions`, failures are recorded. Also used after detection, for functions that
 * metric findings name but this run had not checked.
 */
export async function checkFunctions(
  input: Pick<InventoryInput, 'lambda' | 'budget' | 'settings' | 'deadline' | 'clock'>,
  candidates: readonly Candidate[],
  known: readonly FunctionSnapshot[],
): Promise<FunctionChecks> {
  const { settings } = input;
  const clock = input.clock ?? systemClock;
  const errors: ScanError[] = [];
  const functions = new Map(known.map((fn) => [fn.functionName, fn]));

  const concurrency = Math.min(CHECK_CONCURRENCY, Math.ceil(settings.getFunctionRps));
  const outcomes = await mapWithConcurrency(candidates, concurrency, (candidate) =>
    checkFunction(candidate.functionName, input, clock),
  );

  const checked: Candidate[] = [];
  const unchecked: Candidate[] = [];
  const ignoredFunctions: string[] = [];
  const tagsUnread: { functionName: string; tagsError: TagsError }[] = [];
  candidates.forEach((candidate, index) => {
    const outcome = outcomes[index] ?? { kind: 'past-deadline' };
    const name = candidate.functionName;
    if (outcome.kind === 'past-deadline') {
      unchecked.push(candidate);
    } else if (outcome.kind === 'failed') {
      // Deleted between list and check: there is nothing left to scan.
      if (errorName(outcome.error) === 'ResourceNotFoundException') functions.delete(name);
      errors.push(scanError('GetFunction', outcome.error, name));
    } else {
      const snapshot = snapshotWithDetail(functions.get(name), outcome.response, outcome.checkedAt);
      if (!snapshot) return;
      checked.push(candidate);
      const { TagsError: tagsError } = outcome.response;
      if (tagsError) tagsUnread.push({ functionName: name, tagsError });
      if (Object.hasOwn(snapshot.detail.tags, settings.ignoreTag)) {
        functions.delete(name);
        ignoredFunctions.push(name);
      } else {
        functions.set(name, snapshot);
      }
    }
  });

  const [firstUnread] = tagsUnread;
  if (firstUnread) {
    errors.push({
      phase: 'collect',
      source: 'GetFunction',
      code: firstUnread.tagsError.ErrorCode ?? 'TagsError',
      message:
        `GetFunction returned no tags for ${describeNames(tagsUnread.map((t) => t.functionName))}, so ` +
        `${settings.ignoreTag} cannot be honoured for them (does the role allow lambda:ListTags?): ` +
        (firstUnread.tagsError.Message ?? ''),
    });
  }
  if (unchecked.length > 0) {
    errors.push({
      phase: 'collect',
      source: 'GetFunction',
      code: 'DeadlineReached',
      message: `The run's deadline passed before ${describeNames(unchecked.map((c) => c.functionName))} could be checked.`,
    });
  }

  return { functions: [...functions.values()], ignoredFunctions, checked, unchecked, errors };
}

async function listFunctions(
  lambda: LambdaClient,
  budget: CallBudget,
): Promise<{ functions: FunctionSnapshot[]; complete: boolean; error?: ScanError }> {
  const functions: FunctionSnapshot[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await budget.call('ListFunctions', () =>
        lambda.send(new ListFunctionsCommand({ Marker: marker, MaxItems: LIST_PAGE_SIZE })),
      );
      for (const configuration of page.Functions ?? []) {
        const snapshot = listedSnapshot(configuration);
        if (snapshot) functions.push(snapshot);
      }
      marker = page.NextMarker;
    } while (marker);
    return { functions, complete: true };
  } catch (error) {
    return { functions, complete: false, error: scanError('ListFunctions', error) };
  }
}

async function checkFunction(
  functionName: string,
  input: Pick<InventoryInput, 'lambda' | 'budget' | 'deadline'>,
  clock: Clock,
): Promise<CheckOutcome> {
  if (input.deadline !== undefined && clock.now() > input.deadline) return { kind: 'past-deadline' };
  try {
    const response = await input.budget.call('GetFunction', () =>
      input.lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
    );
    return { kind: 'read', response, checkedAt: clock.now() };
  } catch (error) {
    return { kind: 'failed', error };
  }
}

/** The fields ListFunctions and GetFunction share; the state fields are left to GetFunction's detail. */
export function listedSnapshot(configuration: FunctionConfiguration): FunctionSnapshot | undefined {
  if (!configuration.FunctionName) return undefined;
  return {
    functionName: configuration.FunctionName,
    functionArn: configuration.FunctionArn ?? '',
    lastModified: configuration.LastModified ?? '',
    runtime: configuration.Runtime,
    memorySize: configuration.MemorySize,
    packageType: configuration.PackageType,
    kmsKeyArn: configuration.KMSKeyArn,
    fileSystemArns: configuration.FileSystemConfigs?.flatMap((fs) => (fs.Arn ? [fs.Arn] : [])),
    vpcSubnetIds: configuration.VpcConfig?.SubnetIds,
  };
}

/**
 * A function as GetFunction describes it: its configuration (fresher than the listing, and the only one for a
 * function the listing missed; `listed` fills in when GetFunction returned none) with state, reserved concurrency
 * and tags as its `detail`. Undefined when neither names the function.
 */
export function snapshotWithDetail(
  listed: FunctionSnapshot | undefined,
  response: GetFunctionResponse,
  checkedAt: number,
): (FunctionSnapshot & { readonly detail: FunctionDetail }) | undefined {
  const configuration = response.Configuration;
  const base = (configuration && listedSnapshot(configuration)) ?? listed;
  if (!base) return undefined;
  const detail: FunctionDetail = {
    state: configuration?.State,
    stateReason: configuration?.StateReason,
    stateReasonCode: configuration?.StateReasonCode,
    lastUpdateStatus: configuration?.LastUpdateStatus,
    lastUpdateStatusReason: configuration?.LastUpdateStatusReason,
    lastUpdateStatusReasonCode: configuration?.LastUpdateStatusReasonCode,
    reservedConcurrency: response.Concurrency?.ReservedConcurrentExecutions,
    tags: response.Tags ?? {},
    checkedAt: new Date(checkedAt).toISOString(),
  };
  return { ...base, detail };
}

/**
 * Whether a checked function's state has not settled: anything but Active (or Inactive because it was idle), or an
 * update that has not succeeded. Such functions are watched: re-checked every run until they settle.
 */
export function isUnsettled(fn: FunctionSnapshot): boolean {
  const detail = fn.detail;
  if (!detail) return false;
  const settledState =
    detail.state === 'Active' || (detail.state === 'Inactive' && detail.stateReasonCode === 'Idle');
  const settledUpdate = detail.lastUpdateStatus === undefined || detail.lastUpdateStatus === 'Successful';
  return !settledState || !settledUpdate;
}

/** What to remember of a function seen unsettled: the state fields it was seen in, and since when. */
export function unsettledSighting(
  functionName: string,
  detail: FunctionStateFields,
  since: string,
): UnsettledSighting {
  const { state, stateReasonCode, lastUpdateStatus } = detail;
  return {
    functionName,
    ...(state !== undefined ? { state } : {}),
    ...(stateReasonCode !== undefined ? { stateReasonCode } : {}),
    ...(lastUpdateStatus !== undefined ? { lastUpdateStatus } : {}),
    since,
  };
}

/**
 * Stamps each checked function whose state has not settled with `unsettledSince`: the time an earlier run first
 * saw it in the same state (State, StateReasonCode and LastUpdateStatus unchanged), else `runAt`, this run being
 * the first to see it so. Settled and unchecked functions carry none. Lambda reports no time for some states (a
 * restore from Inactive leaves LastModified alone), so this clock is the only measure of how long they last.
 */
export function withUnsettledSince(
  functions: readonly FunctionSnapshot[],
  sightings: readonly UnsettledSighting[],
  runAt: number,
): FunctionSnapshot[] {
  const earlier = new Map(sightings.map((sighting) => [sighting.functionName, sighting]));
  return functions.map((fn) => {
    if (!fn.detail || !isUnsettled(fn)) {
      if (fn.unsettledSince === undefined) return fn;
      const settled = { ...fn };
      delete settled.unsettledSince;
      return settled;
    }
    const seen = earlier.get(fn.functionName);
    const same =
      seen !== undefined &&
      seen.state === fn.detail.state &&
      seen.stateReasonCode === fn.detail.stateReasonCode &&
      seen.lastUpdateStatus === fn.detail.lastUpdateStatus;
    return { ...fn, unsettledSince: same ? seen.since : new Date(runAt).toISOString() };
  });
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  const queue = items.entries();
  const worker = async () => {
    for (const [index, item] of queue) results[index] = await work(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function scanError(source: string, error: unknown, functionName?: string): ScanError {
  return {
    phase: 'collect',
    source,
    ...(functionName !== undefined ? { functionName } : {}),
    code: errorName(error),
    message: error instanceof Error ? error.message : String(error),
  };
}

function describeNames(names: readonly string[], shown = 10): string {
  const count = `${names.length} function${names.length === 1 ? '' : 's'}`;
  const listed = names.slice(0, shown).join(', ');
  return names.length > shown ? `${count} (${listed}, ...)` : `${count} (${listed})`;
}
