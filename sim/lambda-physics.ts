/**
 * What Lambda would publish, minute by minute, for a simulated account: derived from each function's demand
 * (its traffic profile) and configuration (reserved and provisioned concurrency, aliases, event source mappings,
 * recursive loop setting) instead of being scripted. The rules and their approximations:
 *
 * - Demand: requests a minute from the shape terms × weight; concurrency demand = rate × duration / 60, and its
 *   peak within the minute (what ConcurrentExecutions' Maximum shows) = that × peakToAverage.
 * - Loops: a loop through SQS, SNS, S3 or Lambda in a function set to Terminate is cut by Lambda's loop
 *   detection: it cannot feed itself, so it runs at its entry rate, and one invocation in every
 *   LOOP_ROUNDS_BEFORE_CUT (the 17th round of each chain) is dropped and counted in RecursiveInvocationsDropped.
 *   Set to Allow, or through DynamoDB, Kinesis, EventBridge or an API, the loop runs as its shape says.
 * - Event source mappings: a disabled mapping stops the demand that arrives through it (its share of the
 *   function's own requests, and the loop if it carries it) from the minute it was disabled. Records wait in the
 *   queue or stream; re-enabling resumes at the shape's current rate, without replaying the backlog (not modelled).
 * - Provisioned concurrency: on an alias or version, READY configs serve that qualifier's requests up to the
 *   allocated units and at most 10 requests a second per unit; the rest spills over to on-demand concurrency.
 *   Calls to the unqualified name never use it; IN_PROGRESS and FAILED configs serve nothing (their allocation
 *   still counts as claimed). On an alias with weighted routing, each version gets the share of the provisioned
 *   units its weight gives it (as AWS describes the allocation fluctuating with the versions' weights).
 * - Reserved concurrency R: the function is served up to R (less what its provisioned configs hold); the excess
 *   is throttled (its own Throttles). R = 0 throttles everything, and asynchronous events are then dropped
 *   (AsyncEventsDropped) as well as counted in Throttles.
 * - The unreserved pool (limit − Σ reserved) holds the provisioned allocations of functions without reserved
 *   concurrency and their on-demand executions. When the pool's on-demand demand exceeds what is left, the slots
 *   are shared in proportion to demand (approximation: who wins a free slot is in truth a race, roughly
 *   proportional to request rates): every pooled function then serves the same fraction and throttles the rest.
 * - Burst scaling: one function's on-demand concurrency grows by at most 1,000 every 10 seconds. Per minute
 *   (approximation): from the level it ended the previous minute at, the six 10-second steps of the minute allow
 *   +1,000 … +6,000; the share of the minute's demand above each step is throttled.
 * - Counts are integers (stochastic rounding, seeded per function and minute, so a function asking 0.2 a minute
 *   has a datapoint in about one minute of five); throttled requests are not Invocations; provisioned and
 *   spillover invocations add up to a qualifier's invocations. Region-level counts are exact sums of the
 *   functions'. Region ConcurrentExecutions approximates the maximum of the sum as the sum of every function's
 *   peak-adjusted concurrency (functions do not peak at the same second, so per-function maxima may add up to
 *   more); UnreservedConcurrentExecutions is that sum over functions without reserved concurrency;
 *   ClaimedAccountConcurrency = Σ reserved + provisioned allocations of pooled functions + their on-demand use,
 *   at most the limit.
 *
 * Performance: quiet functions that share a profile (a class) are summed in closed form: the class's demand is
 * total weight × profile, its integer totals are split among members by systematic sampling over their
 * cumulative weights (exact sums, O(1) per member and minute). Only the other ("individual") functions are
 * evaluated one by one, in one pass forward in time (burst scaling needs the previous minute), remembered in
 * typed arrays. A class member must not reserve concurrency, loop or take traffic through a mapping, and its
 * provisioned configs must cover its qualifier traffic at all times; otherwise it is evaluated individually.
 * A reserved concurrency of 0 set on a member during the simulation throttles its share from then on; other
 * changes to members leave their metrics alone (their concurrency is far below any reservation).
 */
import {
  ASYNC_LOOP_TRANSPORTS,
  DETECTED_LOOP_TRANSPORTS,
  profileOf,
  settingIn,
  type SimAccountModel,
  type SimFunction,
  type SimProvisionedConfig,
  type TrafficProfile,
} from './account-model';
import { hashedUnit, roundAtRandom, seedOf } from './random';
import { compileShape, emptyRates, type CompiledShape, type ShapeRates } from './traffic-shape';

const MINUTE_MS = 60_000;

/** Concurrency one function can add every 10 seconds (Lambda's scaling rate, per function, since late 2023). */
export const BURST_PER_TEN_SECONDS = 1_000;
/** Requests a second one provisioned execution environment serves at most. */
export const PROVISIONED_RPS_PER_UNIT = 10;
/** Rounds a chain of recursive invocations runs before Lambda's loop detection drops the next one. */
export const LOOP_ROUNDS_BEFORE_CUT = 16;

/** What Lambda published for one function in one minute; 0 means no datapoint. */
export interface FunctionMinute {
  readonly invocations: number;
  readonly throttles: number;
  readonly errors: number;
  readonly recursiveInvocationsDropped: number;
  readonly asyncEventsDropped: number;
  readonly concurrentExecutions: number;
  readonly provisionedConcurrencyInvocations: number;
  readonly provisionedConcurrencySpilloverInvocations: number;
}

/** What Lambda published for one alias or version (the `Resource` dimension) in one minute; 0 means none. */
export interface QualifierMinute {
  readonly invocations: number;
  readonly concurrentExecutions: number;
  readonly provisionedConcurrencyInvocations: number;
  readonly provisionedConcurrencySpilloverInvocations: number;
  readonly provisionedConcurrentExecutions: number;
  /** Provisioned executions over allocated units (0-1); 0 when idle. */
  readonly provisionedConcurrencyUtilization: number;
  /** Invocations by the version that ran them (the ExecutedVersion dimension of an alias's series). */
  readonly executedVersions: Readonly<Record<string, number>>;
}

/** Region-level (no dimension) metrics. */
export type RegionMetric =
  | 'Invocations'
  | 'Throttles'
  | 'Errors'
  | 'ConcurrentExecutions'
  | 'UnreservedConcurrentExecutions'
  | 'ClaimedAccountConcurrency';

/** Every region-level metric. */
export const REGION_METRICS: readonly RegionMetric[] = [
  'Invocations',
  'Throttles',
  'Errors',
  'ConcurrentExecutions',
  'UnreservedConcurrentExecutions',
  'ClaimedAccountConcurrency',
];

type FunctionField = keyof FunctionMinute;

const FUNCTION_FIELDS: readonly FunctionField[] = [
  'invocations',
  'throttles',
  'errors',
  'recursiveInvocationsDropped',
  'asyncEventsDropped',
  'concurrentExecutions',
  'provisionedConcurrencyInvocations',
  'provisionedConcurrencySpilloverInvocations',
];

const NO_MINUTE: FunctionMinute = {
  invocations: 0,
  throttles: 0,
  errors: 0,
  recursiveInvocationsDropped: 0,
  asyncEventsDropped: 0,
  concurrentExecutions: 0,
  provisionedConcurrencyInvocations: 0,
  provisionedConcurrencySpilloverInvocations: 0,
};

const NO_QUALIFIER_MINUTE: QualifierMinute = {
  invocations: 0,
  concurrentExecutions: 0,
  provisionedConcurrencyInvocations: 0,
  provisionedConcurrencySpilloverInvocations: 0,
  provisionedConcurrentExecutions: 0,
  provisionedConcurrencyUtilization: 0,
  executedVersions: {},
};

/** Thrown when an account's traffic cannot be simulated (an unknown profile, a bad share); says which function. */
export class SimulationModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimulationModelError';
  }
}

/** One slice of a function's requests that reaches one version through one qualifier. */
interface Route {
  readonly qualifier: string;
  /** Share (0-1) of all the function's requests. */
  readonly share: number;
  /** The provisioned config serving this slice, and the part (0-1) of its units this slice gets. */
  readonly provisioned?: SimProvisionedConfig;
  readonly provisionedPart: number;
  /** The version that runs this slice (ExecutedVersion), and the one before `movedAt` for an alias that moved. */
  readonly version: string;
  readonly previousVersion?: string;
  readonly movedAt?: number;
}

/** Routing in force from `from` on: the function's routes and the share that calls the bare name. */
interface RoutePlan {
  /** Epoch milliseconds the plan starts; -Infinity for the first. */
  readonly from: number;
  readonly routes: readonly Route[];
  readonly unqualifiedShare: number;
}

/** The version a route's requests ran in the minute starting at `minute`. */
function versionIn(route: Route, minute: number): string {
  if (route.previousVersion !== undefined && route.movedAt !== undefined) {
    if (minute < Math.floor(route.movedAt / MINUTE_MS) * MINUTE_MS) return route.previousVersion;
  }
  return route.version;
}

/**
 * Whether a config's own status and allocation hold in the minute starting at `minute`: from the minute of its
 * last change on. Before that the config was READY at its requested level (it served before it was changed).
 */
function changedBy(config: SimProvisionedConfig, minute: number): boolean {
  return (
    config.lastModified === undefined || Math.floor(config.lastModified / MINUTE_MS) * MINUTE_MS <= minute
  );
}

/** A config's status in the minute starting at `minute`. */
export function statusIn(config: SimProvisionedConfig, minute: number): string {
  return changedBy(config, minute) ? config.status : 'READY';
}

/** A config's allocation (without auto scaling) in the minute starting at `minute`. */
function allocatedIn(config: SimProvisionedConfig, minute: number): number {
  return changedBy(config, minute) ? config.allocated : config.requested;
}

interface Timing {
  readonly durationSeconds: number;
  readonly peakToAverage: number;
}

/** Requests a minute one provisioned unit can serve for a function of this timing. */
function unitCapacityPerMinute(timing: Timing): number {
  const byConcurrency = 60 / Math.max(1e-6, timing.durationSeconds * timing.peakToAverage);
  return Math.min(PROVISIONED_RPS_PER_UNIT * 60, byConcurrency);
}

/** Peak concurrency of `perMinute` requests of this timing. */
function peakConcurrency(perMinute: number, timing: Timing): number {
  return ((perMinute * timing.durationSeconds) / 60) * timing.peakToAverage;
}

/** The members' share of `total` whose cumulative weights span [low, high): exact in sum over all members. */
function systematicShare(total: number, low: number, high: number, offset: number): number {
  return Math.floor(high * total + offset) - Math.floor(low * total + offset);
}

/** A function evaluated on its own every minute. */
interface Individual {
  readonly fn: SimFunction;
  readonly index: number;
  readonly seed: number;
  readonly shape: CompiledShape;
  readonly timing: Timing;
  readonly weight: number;
  readonly errorShare: number;
  readonly asyncShare: number;
  readonly loopCut: boolean;
  readonly loopAsync: boolean;
  /** Routing plans, oldest first; the first holds from the start. */
  readonly plans: readonly RoutePlan[];
  /** Every qualifier any plan reaches (each reports under the `Resource` dimension). */
  readonly qualifiers: readonly string[];
  readonly rates: ShapeRates;
  /** Per published field, the value by minute index. */
  readonly columns: Record<FunctionField, Float64Array>;
  /** On-demand concurrency it ended each minute at (where burst scaling starts the next). */
  endLevel: Float64Array;
}

/** What one individual function asks for in one minute, before the limits. */
interface Demand {
  readonly total: number;
  readonly base: number;
  readonly loop: number;
  readonly scriptedDrops: number;
  readonly reserved: number | undefined;
  readonly provisionedAllocated: number;
  /** The routes in force this minute; the route arrays below follow their order. */
  readonly routes: readonly Route[];
  readonly routeRates: readonly number[];
  readonly routeProvisioned: readonly number[];
  readonly routeAllocated: readonly number[];
  readonly onDemandRate: number;
  /** Peak on-demand concurrency it asks for. */
  readonly onDemandPeak: number;
  /** What burst scaling lets it reach (≤ onDemandPeak). */
  readonly burstPeak: number;
  readonly rampEnd: number;
  readonly unqualifiedRate: number;
}

/** What an individual function got in one minute: the published integers, and the real figures behind them. */
interface Outcome {
  readonly published: FunctionMinute;
  readonly qualifiers: ReadonlyMap<string, QualifierMinute>;
  readonly concurrency: number;
  readonly onDemandServed: number;
  readonly endLevel: number;
  readonly pooled: boolean;
}

/** Functions alike but for volume, summed in closed form. */
interface FunctionClass {
  readonly name: string;
  readonly seed: number;
  readonly shape: CompiledShape;
  readonly timing: Timing;
  readonly errorShare: number;
  readonly rates: ShapeRates;
  readonly members: ClassMember[];
  totalWeight: number;
  onDemandWeight: number;
  provisionedAllocated: number;
  readonly invocations: Float64Array;
  readonly throttles: Float64Array;
  readonly errors: Float64Array;
  /** Prefix sums of `invocations` (one longer), for "did this member report between a and b". */
  readonly invocationsBefore: Float64Array;
}

interface ClassMember {
  readonly fn: SimFunction;
  readonly seed: number;
  readonly weight: number;
  readonly low: number;
  readonly high: number;
  readonly onDemandLow: number;
  readonly onDemandHigh: number;
  /** Qualifier → share of its requests and the provisioned units behind it. */
  readonly qualifierShares: readonly { qualifier: string; share: number; allocated: number }[];
}

/**
 * The physics of one simulated account: lazily evaluated, remembered per minute, and recomputed from a minute on
 * when a setting changes then (earlier minutes, which may have been published, never change).
 */
export class LambdaPhysics {
  /** Epoch milliseconds of the first minute of history. */
  readonly start: number;
  private readonly individuals: Individual[] = [];
  private readonly individualByName = new Map<string, Individual>();
  private readonly classes: FunctionClass[] = [];
  private readonly memberByName = new Map<string, { cls: FunctionClass; member: ClassMember }>();
  /** Functions whose reserved concurrency matters to the pool (reserved now, or changed during the run). */
  private readonly reserving = new Set<SimFunction>();
  /** Class members whose reserved concurrency changed during the run. */
  private readonly changedMembers = new Set<string>();
  private capacity: number;
  private computed = 0;
  private readonly region = new Map<RegionMetric, Float64Array>();
  private poolFraction: Float64Array;
  /** Minute indexes where the pool could not serve every pooled request, in order. */
  private contended: number[] = [];

  constructor(private readonly account: SimAccountModel) {
    const observedMinute = Math.floor(account.observedAt / MINUTE_MS) * MINUTE_MS;
    this.start = observedMinute - account.historyMinutes * MINUTE_MS;
    // History plus two simulated days ahead; grown on demand.
    this.capacity = account.historyMinutes + 2 * 24 * 60;
    this.poolFraction = new Float64Array(this.capacity);
    for (const metric of REGION_METRICS) this.region.set(metric, new Float64Array(this.capacity));
    const classByProfile = new Map<string, FunctionClass>();
    const sharedShapes = new Map<string, { shape: CompiledShape; peak: number }>();
    for (const fn of account.functions) {
      if (fn.reservedConcurrency !== undefined || fn.reservedChanges.length > 0) this.reserving.add(fn);
      const traffic = fn.traffic;
      if (!traffic) continue;
      const profile = profileOf(account, traffic);
      if (!profile) {
        throw new SimulationModelError(
          `Function ${fn.name}: unknown traffic profile ${JSON.stringify(traffic.profile)}`,
        );
      }
      const weight = traffic.weight ?? 1;
      const sharedName = typeof traffic.profile === 'string' ? traffic.profile : undefined;
      let shared = sharedName === undefined ? undefined : sharedShapes.get(sharedName);
      if (sharedName !== undefined && !shared) {
        const sharedShape = compileShape(profile.shape, account.observedAt, seedOf(`profile:${sharedName}`));
        shared = { shape: sharedShape, peak: this.peakRate(sharedShape) };
        sharedShapes.set(sharedName, shared);
      }
      const shape = shared?.shape ?? compileShape(profile.shape, account.observedAt, seedOf(fn.name));
      if (shape.silent || weight <= 0) continue;
      if (sharedName !== undefined && shared && this.canJoinClass(fn, profile, shape, shared.peak * weight)) {
        const name = sharedName;
        let cls = classByProfile.get(name);
        if (!cls) {
          cls = this.newClass(name, profile, shape);
          classByProfile.set(name, cls);
          this.classes.push(cls);
        }
        this.addMember(cls, fn, weight);
      } else {
        const individual = this.newIndividual(fn, profile, shape, weight);
        this.individuals.push(individual);
        this.individualByName.set(fn.name, individual);
      }
    }
    for (const cls of this.classes) this.finishClass(cls);
  }

  /** Whether the function is evaluated on its own (not summed in a class), e.g. to promise exact physics. */
  isIndividual(functionName: string): boolean {
    return this.individualByName.has(functionName);
  }

  /** The function's published values for the minute starting at `minute` (all 0 outside the history). */
  functionMinute(functionName: string, minute: number): FunctionMinute {
    const index = this.indexOf(minute);
    if (index < 0) return NO_MINUTE;
    const individual = this.individualByName.get(functionName);
    if (individual) {
      this.ensure(index);
      const { columns } = individual;
      return {
        invocations: columns.invocations[index] ?? 0,
        throttles: columns.throttles[index] ?? 0,
        errors: columns.errors[index] ?? 0,
        recursiveInvocationsDropped: columns.recursiveInvocationsDropped[index] ?? 0,
        asyncEventsDropped: columns.asyncEventsDropped[index] ?? 0,
        concurrentExecutions: columns.concurrentExecutions[index] ?? 0,
        provisionedConcurrencyInvocations: columns.provisionedConcurrencyInvocations[index] ?? 0,
        provisionedConcurrencySpilloverInvocations:
          columns.provisionedConcurrencySpilloverInvocations[index] ?? 0,
      };
    }
    const membership = this.memberByName.get(functionName);
    if (!membership) return NO_MINUTE;
    this.ensure(index);
    return this.memberMinute(membership.cls, membership.member, index, minute).published;
  }

  /** One qualifier's published values for the minute starting at `minute`. */
  qualifierMinute(functionName: string, qualifier: string, minute: number): QualifierMinute {
    const index = this.indexOf(minute);
    if (index < 0) return NO_QUALIFIER_MINUTE;
    const individual = this.individualByName.get(functionName);
    if (individual) {
      this.ensure(index);
      const prevEnd = index > 0 ? (individual.endLevel[index - 1] ?? 0) : undefined;
      const demand = this.demandOf(individual, minute, prevEnd);
      const outcome = this.outcomeOf(individual, demand, this.poolFraction[index] ?? 1, minute);
      return outcome.qualifiers.get(qualifier) ?? NO_QUALIFIER_MINUTE;
    }
    const membership = this.memberByName.get(functionName);
    if (!membership) return NO_QUALIFIER_MINUTE;
    this.ensure(index);
    return (
      this.memberMinute(membership.cls, membership.member, index, minute).qualifiers.get(qualifier) ??
      NO_QUALIFIER_MINUTE
    );
  }

  /** A region-level metric's value for the minute starting at `minute` (0: no datapoint). */
  regionMinute(metric: RegionMetric, minute: number): number {
    const index = this.indexOf(minute);
    if (index < 0) return 0;
    this.ensure(index);
    return this.region.get(metric)?.[index] ?? 0;
  }

  /** The qualifiers a function's traffic reaches (each reports under the `Resource` dimension). */
  qualifiersOf(functionName: string): readonly string[] {
    const individual = this.individualByName.get(functionName);
    if (individual) return individual.qualifiers;
    const membership = this.memberByName.get(functionName);
    return membership ? membership.member.qualifierShares.map((entry) => entry.qualifier) : [];
  }

  /**
   * Whether the function can ever publish `field`: a class member has no loop, no asynchronous events, no
   * spillover (its provisioned configs cover it) and errors only where its profile has some.
   */
  mayPublish(functionName: string, field: keyof FunctionMinute): boolean {
    if (this.individualByName.has(functionName)) return true;
    const membership = this.memberByName.get(functionName);
    if (!membership) return false;
    switch (field) {
      case 'recursiveInvocationsDropped':
      case 'asyncEventsDropped':
      case 'provisionedConcurrencySpilloverInvocations':
        return false;
      case 'errors':
        return membership.cls.errorShare > 0;
      default:
        return true;
    }
  }

  /** Whether the function has traffic at all (a function nobody calls has no series). */
  hasTraffic(functionName: string): boolean {
    return this.individualByName.has(functionName) || this.memberByName.has(functionName);
  }

  /**
   * Whether `read(minute)` is non-zero for some minute in [from, to): the test CloudWatch applies before SEARCH
   * lists a series. Class members' invocation-like series answer from their expected count where that is large.
   */
  reportedBetween(
    functionName: string,
    from: number,
    to: number,
    read: (minute: number) => number,
    kind: 'invocations' | 'throttles' | 'other',
  ): boolean {
    const first = Math.max(0, this.indexOf(Math.max(from, this.start)));
    const end = this.indexOf(to);
    if (end <= 0 || first >= end) return false;
    const membership = this.memberByName.get(functionName);
    if (membership && kind === 'invocations') {
      this.ensure(end - 1);
      const { cls, member } = membership;
      const expected =
        (((cls.invocationsBefore[end] ?? 0) - (cls.invocationsBefore[first] ?? 0)) * member.weight) /
        cls.totalWeight;
      if (expected >= 8) return true;
    }
    // A member throttles only where its class did (the pool was short), unless it was throttled to 0 itself.
    if (membership && kind === 'throttles' && !this.changedMembers.has(functionName)) {
      this.ensure(end - 1);
      return this.contended.some(
        (index) => index >= first && index < end && read(this.start + index * MINUTE_MS) > 0,
      );
    }
    for (let index = end - 1; index >= first; index -= 1) {
      if (read(this.start + index * MINUTE_MS) > 0) return true;
    }
    return false;
  }

  /** The provisioned units a config has allocated at `at` (auto scaling follows demand a few minutes late). */
  allocatedAt(fn: SimFunction, config: SimProvisionedConfig, at: number): number {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    const individual = this.individualByName.get(fn.name);
    if (!config.autoScaling || !individual) return config.allocated;
    return this.autoScaledAllocation(individual, config, minute);
  }

  /**
   * A setting of `fn` changed at `at` (reserved concurrency, an event source mapping): minutes from the one that
   * contains `at` are recomputed when next read.
   */
  settingChanged(fn: SimFunction, at: number): void {
    if (fn.reservedConcurrency !== undefined || fn.reservedChanges.length > 0) this.reserving.add(fn);
    if (this.memberByName.has(fn.name)) this.changedMembers.add(fn.name);
    const index = this.indexOf(Math.floor(at / MINUTE_MS) * MINUTE_MS);
    if (index < this.computed) {
      this.computed = Math.max(0, index);
      this.contended = this.contended.filter((contended) => contended < this.computed);
    }
  }

  private indexOf(minute: number): number {
    return Math.floor((minute - this.start) / MINUTE_MS);
  }

  private canJoinClass(
    fn: SimFunction,
    profile: TrafficProfile,
    shape: CompiledShape,
    peak: number,
  ): boolean {
    if (shape.loops || profile.shape.some((term) => term.kind === 'dropped')) return false;
    if (fn.reservedConcurrency !== undefined || fn.reservedChanges.length > 0) return false;
    if (fn.eventSourceMappings.some((mapping) => mapping.share > 0)) return false;
    if ((fn.traffic?.asyncShare ?? 0) > 0) return false;
    // Routing or configs that change during the history are followed minute by minute, individually.
    if ((fn.traffic?.reroutes ?? []).length > 0) return false;
    if (fn.aliases.some((alias) => alias.movedAt !== undefined)) return false;
    if (
      fn.provisioned.some((config) => config.lastModified !== undefined && config.lastModified >= this.start)
    ) {
      return false;
    }
    const shares = fn.traffic?.qualifierShares ?? {};
    const timing = timingOf(profile);
    const provisionedQualifiers = Object.keys(shares).filter((qualifier) =>
      fn.provisioned.some((config) => config.qualifier === qualifier),
    );
    if (provisionedQualifiers.length === 0) return true;
    if (fn.aliases.some((alias) => Object.keys(alias.additionalVersionWeights ?? {}).length > 0))
      return false;
    // Provisioned configs must serve all their qualifier's traffic at every minute of the history and two days on.
    return provisionedQualifiers.every((qualifier) => {
      const configs = fn.provisioned.filter((config) => config.qualifier === qualifier);
      const ready = configs.every((config) => config.status === 'READY' && !config.autoScaling);
      const allocated = configs.reduce((total, config) => total + config.allocated, 0);
      return ready && peak * (shares[qualifier] ?? 0) <= allocated * unitCapacityPerMinute(timing);
    });
  }

  private peakRate(shape: CompiledShape): number {
    const rates = emptyRates();
    let peak = 0;
    const end = this.start + this.capacity * MINUTE_MS;
    for (let minute = this.start; minute < end; minute += MINUTE_MS) {
      peak = Math.max(peak, shape.at(minute, rates).base);
    }
    return peak;
  }

  private newClass(name: string, profile: TrafficProfile, shape: CompiledShape): FunctionClass {
    return {
      name,
      seed: seedOf(`class:${name}`),
      shape,
      timing: timingOf(profile),
      errorShare: profile.errorShare ?? 0,
      rates: emptyRates(),
      members: [],
      totalWeight: 0,
      onDemandWeight: 0,
      provisionedAllocated: 0,
      invocations: new Float64Array(this.capacity),
      throttles: new Float64Array(this.capacity),
      errors: new Float64Array(this.capacity),
      invocationsBefore: new Float64Array(this.capacity + 1),
    };
  }

  private addMember(cls: FunctionClass, fn: SimFunction, weight: number): void {
    const shares = fn.traffic?.qualifierShares ?? {};
    const qualifierShares = Object.entries(shares).map(([qualifier, share]) => ({
      qualifier,
      share,
      allocated: fn.provisioned
        .filter((config) => config.qualifier === qualifier)
        .reduce((total, config) => total + config.allocated, 0),
    }));
    const provisionedShare = qualifierShares
      .filter((entry) => entry.allocated > 0)
      .reduce((total, entry) => total + entry.share, 0);
    // Low and high bounds are filled in by finishClass once every member's weight is known.
    const member = {
      fn,
      seed: seedOf(fn.name),
      weight,
      low: cls.totalWeight,
      high: cls.totalWeight + weight,
      onDemandLow: cls.onDemandWeight,
      onDemandHigh: cls.onDemandWeight + weight * (1 - provisionedShare),
      qualifierShares,
    };
    cls.members.push(member);
    cls.totalWeight += weight;
    cls.onDemandWeight += weight * (1 - provisionedShare);
    cls.provisionedAllocated += fn.provisioned.reduce((total, config) => total + config.allocated, 0);
    this.memberByName.set(fn.name, { cls, member });
  }

  private finishClass(cls: FunctionClass): void {
    const scale = (value: number, total: number) => (total > 0 ? value / total : 0);
    cls.members.forEach((member, position) => {
      const normalized: ClassMember = {
        ...member,
        low: scale(member.low, cls.totalWeight),
        high: position === cls.members.length - 1 ? 1 : scale(member.high, cls.totalWeight),
        onDemandLow: scale(member.onDemandLow, cls.onDemandWeight),
        onDemandHigh: scale(member.onDemandHigh, cls.onDemandWeight),
      };
      cls.members[position] = normalized;
      this.memberByName.set(member.fn.name, { cls, member: normalized });
    });
  }

  private newIndividual(
    fn: SimFunction,
    profile: TrafficProfile,
    shape: CompiledShape,
    weight: number,
  ): Individual {
    const traffic = fn.traffic;
    const plans = [
      { from: -Infinity, shares: traffic?.qualifierShares ?? {} },
      ...(traffic?.reroutes ?? []).map((reroute) => ({ from: reroute.at, shares: reroute.qualifierShares })),
    ].map(({ from, shares }) => this.routePlan(fn, from, shares));
    const transport = traffic?.loopTransport;
    const columns = Object.fromEntries(
      FUNCTION_FIELDS.map((field) => [field, new Float64Array(this.capacity)]),
    ) as Record<FunctionField, Float64Array>;
    return {
      fn,
      index: this.individuals.length,
      seed: seedOf(fn.name),
      shape,
      timing: timingOf(profile),
      weight,
      errorShare: profile.errorShare ?? 0,
      asyncShare: traffic?.asyncShare ?? 0,
      loopCut: transport !== undefined && DETECTED_LOOP_TRANSPORTS.includes(transport),
      loopAsync: transport !== undefined && ASYNC_LOOP_TRANSPORTS.includes(transport),
      plans,
      qualifiers: [...new Set(plans.flatMap((plan) => plan.routes.map((route) => route.qualifier)))],
      rates: emptyRates(),
      columns,
      endLevel: new Float64Array(this.capacity),
    };
  }

  /** The routes `shares` give a function: one per qualifier and version its alias sends requests to. */
  private routePlan(fn: SimFunction, from: number, shares: Readonly<Record<string, number>>): RoutePlan {
    const routes: Route[] = [];
    for (const [qualifier, share] of Object.entries(shares)) {
      const alias = fn.aliases.find((candidate) => candidate.name === qualifier);
      const config = fn.provisioned.find((candidate) => candidate.qualifier === qualifier);
      const extra = Object.entries(alias?.additionalVersionWeights ?? {});
      const mainWeight = 1 - extra.reduce((total, [, versionWeight]) => total + versionWeight, 0);
      const main = {
        version: alias?.functionVersion ?? qualifier,
        ...(alias?.previousVersion !== undefined && alias.movedAt !== undefined
          ? { previousVersion: alias.previousVersion, movedAt: alias.movedAt }
          : {}),
      };
      const versions = [
        { versionWeight: mainWeight, ...main },
        ...extra.map(([version, versionWeight]) => ({ versionWeight, version })),
      ];
      for (const { versionWeight, ...version } of versions) {
        routes.push({
          qualifier,
          share: share * versionWeight,
          ...(config ? { provisioned: config } : {}),
          provisionedPart: versionWeight,
          ...version,
        });
      }
    }
    const qualifiedShare = Object.values(shares).reduce((total, share) => total + share, 0);
    if (qualifiedShare > 1 + 1e-9) {
      throw new SimulationModelError(`Function ${fn.name}: qualifier shares add up to more than 1`);
    }
    return { from, routes, unqualifiedShare: Math.max(0, 1 - qualifiedShare) };
  }

  /** The routing plan in force in the minute starting at `minute`. */
  private planIn(individual: Individual, minute: number): RoutePlan {
    let current = individual.plans[0] as RoutePlan;
    for (const plan of individual.plans) {
      if (Math.floor(plan.from / MINUTE_MS) * MINUTE_MS <= minute) current = plan;
      else break;
    }
    return current;
  }

  /** Computes every minute up to `index` (they depend on the minute before, through burst scaling). */
  private ensure(index: number): void {
    if (index < this.computed) return;
    if (index >= this.capacity) this.grow(index + 1);
    while (this.computed <= index) {
      this.step(this.computed);
      this.computed += 1;
    }
  }

  private grow(needed: number): void {
    let capacity = this.capacity;
    while (capacity < needed) capacity *= 2;
    const widen = (array: Float64Array, extra = 0) => {
      const wider = new Float64Array(capacity + extra);
      wider.set(array);
      return wider;
    };
    this.poolFraction = widen(this.poolFraction);
    for (const metric of REGION_METRICS)
      this.region.set(metric, widen(this.region.get(metric) ?? new Float64Array()));
    for (const individual of this.individuals) {
      for (const field of FUNCTION_FIELDS) individual.columns[field] = widen(individual.columns[field]);
      individual.endLevel = widen(individual.endLevel);
    }
    for (const cls of this.classes) {
      const widened = {
        invocations: widen(cls.invocations),
        throttles: widen(cls.throttles),
        errors: widen(cls.errors),
        invocationsBefore: widen(cls.invocationsBefore, 1),
      };
      Object.assign(cls, widened);
    }
    this.capacity = capacity;
  }

  /** The whole account in the minute of index `index`: demand, the pool, then what each function got. */
  private step(index: number): void {
    const minute = this.start + index * MINUTE_MS;
    const { concurrencyLimit } = this.account;
    let reservedTotal = 0;
    for (const fn of this.reserving) {
      reservedTotal += settingIn(fn.reservedConcurrency, fn.reservedChanges, minute) ?? 0;
    }
    const demands = this.individuals.map((individual) =>
      this.demandOf(individual, minute, index > 0 ? (individual.endLevel[index - 1] ?? 0) : undefined),
    );
    let pooledProvisioned = 0;
    let pooledDemand = 0;
    demands.forEach((demand) => {
      if (demand.reserved !== undefined) return;
      pooledProvisioned += demand.provisionedAllocated;
      pooledDemand += demand.burstPeak;
    });
    const classRates = this.classes.map((cls) => cls.shape.at(minute, cls.rates).base);
    this.classes.forEach((cls, position) => {
      pooledProvisioned += cls.provisionedAllocated;
      pooledDemand += peakConcurrency((classRates[position] ?? 0) * cls.onDemandWeight, cls.timing);
    });
    const available = Math.max(0, concurrencyLimit - reservedTotal - pooledProvisioned);
    const fraction = pooledDemand > available ? available / pooledDemand : 1;
    this.poolFraction[index] = fraction;
    if (fraction < 1) this.contended.push(index);

    let invocations = 0;
    let throttles = 0;
    let errors = 0;
    let concurrency = 0;
    let unreserved = 0;
    let pooledInvocations = 0;
    let pooledOnDemand = 0;
    this.individuals.forEach((individual, position) => {
      const demand = demands[position];
      if (!demand) return;
      const outcome = this.outcomeOf(individual, demand, fraction, minute);
      for (const field of FUNCTION_FIELDS) individual.columns[field][index] = outcome.published[field];
      individual.endLevel[index] = outcome.endLevel;
      invocations += outcome.published.invocations;
      throttles += outcome.published.throttles;
      errors += outcome.published.errors;
      concurrency += outcome.concurrency;
      if (outcome.pooled) {
        unreserved += outcome.concurrency;
        pooledInvocations += outcome.published.invocations;
        pooledOnDemand += outcome.onDemandServed;
      }
    });
    this.classes.forEach((cls, position) => {
      const rate = classRates[position] ?? 0;
      const offered = rate * cls.totalWeight;
      const onDemand = rate * cls.onDemandWeight;
      const throttled = onDemand * (1 - fraction);
      const unitIndex = Math.floor(minute / MINUTE_MS);
      const classThrottles = roundAtRandom(throttled, hashedUnit(cls.seed, 1, unitIndex));
      const classInvocations = roundAtRandom(offered - throttled, hashedUnit(cls.seed, 2, unitIndex));
      const classErrors = roundAtRandom(
        classInvocations * cls.errorShare,
        hashedUnit(cls.seed, 3, unitIndex),
      );
      cls.invocations[index] = classInvocations;
      cls.throttles[index] = classThrottles;
      cls.errors[index] = classErrors;
      cls.invocationsBefore[index + 1] = (cls.invocationsBefore[index] ?? 0) + classInvocations;
      invocations += classInvocations;
      throttles += classThrottles;
      errors += classErrors;
      const served = peakConcurrency(offered - throttled, cls.timing);
      concurrency += served;
      unreserved += served;
      pooledInvocations += classInvocations;
      pooledOnDemand += peakConcurrency(onDemand - throttled, cls.timing);
    });
    // A member throttled to 0 during the run: its share of the class moves from invocations to throttles.
    for (const name of this.changedMembers) {
      const membership = this.memberByName.get(name);
      if (!membership) continue;
      const { cls, member } = membership;
      if (settingIn(member.fn.reservedConcurrency, member.fn.reservedChanges, minute) !== 0) continue;
      const share = this.sampledMember(cls, member, index, minute);
      invocations -= share.invocations;
      throttles += share.invocations;
      errors -= share.errors;
    }
    const claimed = Math.min(concurrencyLimit, reservedTotal + pooledProvisioned + pooledOnDemand);
    const regionValues: Record<RegionMetric, number> = {
      Invocations: invocations,
      Throttles: throttles,
      Errors: errors,
      // Any invocation means at least one execution, however short the functions run.
      ConcurrentExecutions: invocations > 0 ? Math.max(1, Math.round(concurrency)) : Math.round(concurrency),
      UnreservedConcurrentExecutions:
        pooledInvocations > 0 ? Math.max(1, Math.round(unreserved)) : Math.round(unreserved),
      ClaimedAccountConcurrency: Math.round(claimed),
    };
    for (const metric of REGION_METRICS) {
      const column = this.region.get(metric);
      if (column) column[index] = regionValues[metric];
    }
  }

  /** What `individual` asks for in the minute starting at `minute`, given the level it ended the last one at. */
  private demandOf(individual: Individual, minute: number, previousEnd: number | undefined): Demand {
    const { fn, timing, weight } = individual;
    const rates = individual.shape.at(minute, individual.rates);
    const reserved = settingIn(fn.reservedConcurrency, fn.reservedChanges, minute);
    let ownFactor = 1;
    let loopFlows = true;
    for (const mapping of fn.eventSourceMappings) {
      if (settingIn(isEnabled(mapping.state), mapping.enabledChanges, minute)) continue;
      ownFactor -= mapping.share;
      if (mapping.carriesLoop) loopFlows = false;
    }
    const terminate = fn.recursiveLoop !== 'Allow';
    const cut = individual.loopCut && terminate;
    const base = rates.base * weight * Math.max(0, ownFactor);
    const loop = loopFlows ? (cut ? rates.loopIfCut : rates.loop) * weight : 0;
    const total = base + loop;
    const plan = this.planIn(individual, minute);
    const routes = plan.routes;
    const routeRates = routes.map((route) => total * route.share);
    const routeAllocated = routes.map((route) =>
      route.provisioned ? this.allocatedForRoute(individual, route, minute) : 0,
    );
    const routeProvisioned = routes.map((route, position) => {
      const ready = route.provisioned !== undefined && statusIn(route.provisioned, minute) === 'READY';
      const serving = ready ? (routeAllocated[position] ?? 0) : 0;
      return Math.min(routeRates[position] ?? 0, serving * unitCapacityPerMinute(timing));
    });
    const provisionedAllocated = fn.provisioned.reduce(
      (sum, config) =>
        sum +
        (config.autoScaling
          ? this.autoScaledAllocation(individual, config, minute)
          : allocatedIn(config, minute)),
      0,
    );
    const unqualifiedRate = total * plan.unqualifiedShare;
    let onDemandRate = unqualifiedRate;
    routes.forEach((_, position) => {
      onDemandRate += (routeRates[position] ?? 0) - (routeProvisioned[position] ?? 0);
    });
    const onDemandPeak = peakConcurrency(onDemandRate, timing);
    // The first minute of history starts warm: nothing before it is simulated.
    const from = previousEnd ?? onDemandPeak;
    let burstPeak = onDemandPeak;
    if (onDemandPeak > from + BURST_PER_TEN_SECONDS) {
      let reachable = 0;
      for (let step = 1; step <= 6; step += 1) {
        reachable += Math.min(onDemandPeak, from + BURST_PER_TEN_SECONDS * step);
      }
      burstPeak = reachable / 6;
    }
    return {
      total,
      base,
      loop,
      scriptedDrops: terminate ? rates.dropped * weight : 0,
      reserved,
      provisionedAllocated,
      routes,
      routeRates,
      routeProvisioned,
      routeAllocated,
      onDemandRate,
      onDemandPeak,
      burstPeak,
      rampEnd: Math.min(onDemandPeak, from + 6 * BURST_PER_TEN_SECONDS),
      unqualifiedRate,
    };
  }

  private allocatedForRoute(individual: Individual, route: Route, minute: number): number {
    const config = route.provisioned;
    if (!config) return 0;
    const allocated = config.autoScaling
      ? this.autoScaledAllocation(individual, config, minute)
      : allocatedIn(config, minute);
    return allocated * route.provisionedPart;
  }

  /** Target tracking: the units peak demand `lagMinutes` ago needed at the target utilization, held while it fell. */
  private autoScaledAllocation(individual: Individual, config: SimProvisionedConfig, minute: number): number {
    const scaling = config.autoScaling;
    if (!scaling) return config.allocated;
    const lag = scaling.lagMinutes ?? 3;
    const hold = scaling.scaleInMinutes ?? 15;
    const share = this.planIn(individual, minute)
      .routes.filter((route) => route.qualifier === config.qualifier)
      .reduce((total, route) => total + route.share, 0);
    const rates = emptyRates();
    let needed = 0;
    for (let back = lag; back < lag + hold; back += 1) {
      const then = minute - back * MINUTE_MS;
      if (then < this.start - MINUTE_MS * lag) continue;
      const shape = individual.shape.at(then, rates);
      const perMinute = (shape.base + shape.loop) * individual.weight * share;
      needed = Math.max(
        needed,
        Math.ceil(peakConcurrency(perMinute, individual.timing) / scaling.targetUtilization),
      );
    }
    if (minute - lag * MINUTE_MS < this.start) needed = Math.max(needed, config.allocated);
    return Math.min(scaling.maximum, Math.max(scaling.minimum, needed));
  }

  /** What `individual` got, given its demand and the pool's served fraction. */
  private outcomeOf(individual: Individual, demand: Demand, poolFraction: number, minute: number): Outcome {
    const { timing, seed } = individual;
    const unitIndex = Math.floor(minute / MINUTE_MS);
    const draw = (stream: number) => hashedUnit(seed, stream, unitIndex);
    const pooled = demand.reserved === undefined;
    const room = pooled ? Infinity : Math.max(0, (demand.reserved ?? 0) - demand.provisionedAllocated);
    const served = pooled ? demand.burstPeak * poolFraction : Math.min(demand.burstPeak, room);
    const servedShare = demand.onDemandPeak > 0 ? Math.min(1, served / demand.onDemandPeak) : 1;
    const endLevel = pooled ? demand.rampEnd * poolFraction : Math.min(demand.rampEnd, room);

    const throttledRate = demand.onDemandRate * (1 - servedShare);
    let invocations = roundAtRandom(demand.unqualifiedRate * servedShare, draw(1));
    let pcInvocations = 0;
    let spillover = 0;
    let concurrency = peakConcurrency(demand.unqualifiedRate * servedShare, timing);
    const qualifiers = new Map<string, QualifierMinute>();
    const totals = new Map<
      string,
      {
        invocations: number;
        provisioned: number;
        spill: number;
        concurrency: number;
        pcConcurrency: number;
        allocated: number;
        hasProvisioned: boolean;
        versions: Record<string, number>;
      }
    >();
    demand.routes.forEach((route, position) => {
      const rate = demand.routeRates[position] ?? 0;
      const provisioned = demand.routeProvisioned[position] ?? 0;
      const onDemand = rate - provisioned;
      const invokedReal = provisioned + onDemand * servedShare;
      const routeInvocations = roundAtRandom(invokedReal, draw(100 + position));
      // Rounded on its own, the provisioned part could fall one short of a count it entirely serves, a spillover
      // that never happened; when nothing is left for on-demand concurrency, every invocation was provisioned.
      const routeProvisioned =
        onDemand <= 0
          ? routeInvocations
          : Math.min(routeInvocations, roundAtRandom(provisioned, draw(200 + position)));
      const routeConcurrency = peakConcurrency(invokedReal, timing);
      const pcConcurrency = peakConcurrency(provisioned, timing);
      const entry = totals.get(route.qualifier) ?? {
        invocations: 0,
        provisioned: 0,
        spill: 0,
        concurrency: 0,
        pcConcurrency: 0,
        allocated: 0,
        hasProvisioned: false,
        versions: {},
      };
      const version = versionIn(route, minute);
      entry.versions[version] = (entry.versions[version] ?? 0) + routeInvocations;
      entry.invocations += routeInvocations;
      entry.provisioned += route.provisioned ? routeProvisioned : 0;
      entry.spill += route.provisioned ? routeInvocations - routeProvisioned : 0;
      entry.concurrency += routeConcurrency;
      entry.pcConcurrency += pcConcurrency;
      entry.allocated += demand.routeAllocated[position] ?? 0;
      entry.hasProvisioned ||= route.provisioned !== undefined;
      totals.set(route.qualifier, entry);
      invocations += routeInvocations;
      concurrency += routeConcurrency;
    });
    for (const [qualifier, entry] of totals) {
      const pcExecutions = entry.provisioned > 0 ? Math.max(1, Math.round(entry.pcConcurrency)) : 0;
      qualifiers.set(qualifier, {
        invocations: entry.invocations,
        concurrentExecutions: entry.invocations > 0 ? Math.max(1, Math.round(entry.concurrency)) : 0,
        provisionedConcurrencyInvocations: entry.provisioned,
        provisionedConcurrencySpilloverInvocations: entry.spill,
        provisionedConcurrentExecutions: pcExecutions,
        provisionedConcurrencyUtilization:
          pcExecutions > 0 && entry.allocated > 0 ? Math.min(1, pcExecutions / entry.allocated) : 0,
        executedVersions: entry.versions,
      });
      pcInvocations += entry.provisioned;
      spillover += entry.spill;
    }
    const throttles = roundAtRandom(throttledRate, draw(2));
    const invokedShare = demand.total > 0 ? invocations / demand.total : 0;
    const loopDrops =
      individual.loopCut && individual.fn.recursiveLoop !== 'Allow'
        ? (demand.loop * Math.min(1, invokedShare)) / LOOP_ROUNDS_BEFORE_CUT
        : 0;
    const asyncRate =
      demand.total > 0
        ? (demand.base * individual.asyncShare + (individual.loopAsync ? demand.loop : 0)) / demand.total
        : 0;
    const asyncDropped =
      demand.reserved === 0 ? Math.min(throttles, roundAtRandom(throttles * asyncRate, draw(5))) : 0;
    const published: FunctionMinute = {
      invocations,
      throttles,
      errors: Math.min(invocations, roundAtRandom(invocations * individual.errorShare, draw(3))),
      recursiveInvocationsDropped: roundAtRandom(loopDrops + demand.scriptedDrops, draw(4)),
      asyncEventsDropped: asyncDropped,
      concurrentExecutions: invocations > 0 ? Math.max(1, Math.round(concurrency)) : 0,
      provisionedConcurrencyInvocations: pcInvocations,
      provisionedConcurrencySpilloverInvocations: spillover,
    };
    return { published, qualifiers, concurrency, onDemandServed: served, endLevel, pooled };
  }

  /** A member's share of its class's integer totals in one minute, before its own settings. */
  private sampledMember(
    cls: FunctionClass,
    member: ClassMember,
    index: number,
    minute: number,
  ): { invocations: number; throttles: number; errors: number } {
    const unitIndex = Math.floor(minute / MINUTE_MS);
    return {
      invocations: systematicShare(
        cls.invocations[index] ?? 0,
        member.low,
        member.high,
        hashedUnit(cls.seed, 11, unitIndex),
      ),
      throttles: systematicShare(
        cls.throttles[index] ?? 0,
        member.onDemandLow,
        member.onDemandHigh,
        hashedUnit(cls.seed, 12, unitIndex),
      ),
      errors: systematicShare(
        cls.errors[index] ?? 0,
        member.low,
        member.high,
        hashedUnit(cls.seed, 13, unitIndex),
      ),
    };
  }

  private memberMinute(
    cls: FunctionClass,
    member: ClassMember,
    index: number,
    minute: number,
  ): { published: FunctionMinute; qualifiers: ReadonlyMap<string, QualifierMinute> } {
    const sampled = this.sampledMember(cls, member, index, minute);
    let { invocations, throttles, errors } = sampled;
    if (
      this.changedMembers.has(member.fn.name) &&
      settingIn(member.fn.reservedConcurrency, member.fn.reservedChanges, minute) === 0
    ) {
      throttles += invocations;
      invocations = 0;
      errors = 0;
    }
    const unitIndex = Math.floor(minute / MINUTE_MS);
    const qualifiers = new Map<string, QualifierMinute>();
    let left = invocations;
    let pcInvocations = 0;
    member.qualifierShares.forEach((entry, position) => {
      const count = Math.min(
        left,
        roundAtRandom(invocations * entry.share, hashedUnit(member.seed, 20 + position, unitIndex)),
      );
      left -= count;
      const concurrency = count > 0 ? Math.max(1, Math.round(peakConcurrency(count, cls.timing))) : 0;
      const provisioned = entry.allocated > 0 ? count : 0;
      pcInvocations += provisioned;
      const alias = member.fn.aliases.find((candidate) => candidate.name === entry.qualifier);
      qualifiers.set(entry.qualifier, {
        executedVersions: { [alias?.functionVersion ?? entry.qualifier]: count },
        invocations: count,
        concurrentExecutions: concurrency,
        provisionedConcurrencyInvocations: provisioned,
        provisionedConcurrencySpilloverInvocations: 0,
        provisionedConcurrentExecutions: provisioned > 0 ? concurrency : 0,
        provisionedConcurrencyUtilization: provisioned > 0 ? Math.min(1, concurrency / entry.allocated) : 0,
      });
    });
    return {
      published: {
        invocations,
        throttles,
        errors,
        recursiveInvocationsDropped: 0,
        asyncEventsDropped: 0,
        concurrentExecutions:
          invocations > 0 ? Math.max(1, Math.round(peakConcurrency(invocations, cls.timing))) : 0,
        provisionedConcurrencyInvocations: pcInvocations,
        provisionedConcurrencySpilloverInvocations: 0,
      },
      qualifiers,
    };
  }
}

function timingOf(profile: TrafficProfile): Timing {
  return { durationSeconds: profile.durationSeconds, peakToAverage: profile.peakToAverage ?? 1 };
}

function isEnabled(state: string): boolean {
  return state === 'Enabled' || state === 'Enabling' || state === 'Updating' || state === 'Creating';
}
