/**
 * A whole small account as one JSON-able object (a "pattern"), validated field by field and loaded into a
 * SimAccountModel. The corpus under test/corpus/patterns holds one pattern per traffic situation; the lead adds an
 * `expect` part (the verdict it must get), which the loader leaves alone.
 *
 * Defaults keep files short: a function is Active, Successful, nodejs22.x, 512 MB, 30 s, deployed 90 days before
 * the observed time, set to Terminate, with no reserved or provisioned concurrency, no function URL and no
 * resource-based policy; an account has a limit of
 * 1,000, keeps min(100, limit) unreserved, lives in eu-west-1 as 123456789012 and holds DEFAULT_HISTORY_MINUTES
 * of history. See PatternFunction and the shape terms (traffic-shape.ts) for every field.
 */
import { readFileSync } from 'node:fs';
import {
  DEFAULT_HISTORY_MINUTES,
  LOOP_TRANSPORTS,
  minimumUnreservedFor,
  type LoopTransport,
  type SimAccountModel,
  type SimEventSourceMapping,
  type SimFunction,
  type SimPolicyStatement,
  type TrafficProfile,
} from './account-model';
import { between, seededRandom, seedOf } from './random';
import {
  SHAPE_KINDS,
  WEEKDAYS,
  clockMinutes,
  resolveTime,
  type ShapeTerm,
  type TimeRef,
} from './traffic-shape';

/** Where and when the pattern's account lives, and its concurrency quota. */
export interface PatternAccount {
  /** ISO-8601 instant the account is scanned at; relative times in the pattern count from it. */
  readonly observedAt: string;
  /** @default 1000 */
  readonly concurrencyLimit?: number;
  /** @default min(100, concurrencyLimit) */
  readonly unreservedMinimum?: number;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** @default DEFAULT_HISTORY_MINUTES */
  readonly historyMinutes?: number;
}

/** Background functions alike but for volume: `count` functions sharing a profile, weights drawn from a seed. */
export interface PatternFleet {
  /** Name of a profile in `profiles`. */
  readonly profile: string;
  readonly count: number;
  /** @default the profile's name */
  readonly namePrefix?: string;
  /**
   * Smallest and largest weight (× the profile's rates), drawn log-uniformly.
   * @default [0.1, 10]
   */
  readonly weights?: readonly [number, number];
  /** @default 1 */
  readonly seed?: number;
}

/** A function's traffic: its own shape and timing, or a shared profile and a weight. */
export interface PatternTraffic {
  /** A profile in `profiles` (then no shape of its own). */
  readonly profile?: string;
  /** @default 1 */
  readonly weight?: number;
  readonly shape?: readonly ShapeTerm[];
  readonly durationSeconds?: number;
  readonly peakToAverage?: number;
  readonly errorShare?: number;
  /** Share of requests per alias or version; the rest call the unqualified name. */
  readonly qualifierShares?: Readonly<Record<string, number>>;
  /** Routing changes: from `at` on, these shares replace `qualifierShares` (a trigger repointed, say). */
  readonly reroutes?: readonly PatternReroute[];
  readonly asyncShare?: number;
  /** How the function's loop (runaway, loop terms) returns to it. */
  readonly loopTransport?: LoopTransport;
}

/** A change of routing: from `at` on, requests name aliases and versions in these shares. */
export interface PatternReroute {
  readonly at: TimeRef;
  readonly qualifierShares: Readonly<Record<string, number>>;
}

/** An alias and its routing. */
export interface PatternAlias {
  readonly name: string;
  readonly version: string;
  /** Other versions and their share of the alias's traffic. */
  readonly weights?: Readonly<Record<string, number>>;
  /** The version the alias pointed to until `movedAt` (a deploy that moved it). */
  readonly previousVersion?: string;
  readonly movedAt?: TimeRef;
}

/** A function URL: on the bare function (no qualifier) or on an alias. */
export interface PatternFunctionUrl {
  /** The alias it belongs to. @default none: the bare function, which invokes $LATEST */
  readonly qualifier?: string;
  /** @default 'NONE' */
  readonly authType?: 'NONE' | 'AWS_IAM';
}

/** A statement of the function's resource-based policy: a service or account allowed to invoke it. */
export interface PatternPermission {
  readonly sid: string;
  /** A service principal, e.g. `apigateway.amazonaws.com` (give this or `account`). */
  readonly service?: string;
  /** An account id allowed to invoke (give this or `service`). */
  readonly account?: string;
  /** The calling resource (`AWS:SourceArn`), e.g. the API's execute-api ARN. */
  readonly sourceArn?: string;
  /** The alias or version the permission is on. @default none: the bare function */
  readonly qualifier?: string;
}

/** A provisioned concurrency config. */
export interface PatternProvisioned {
  readonly qualifier: string;
  readonly requested: number;
  /** @default requested when READY, 0 otherwise */
  readonly allocated?: number;
  /** @default 'READY' */
  readonly status?: 'IN_PROGRESS' | 'READY' | 'FAILED';
  readonly statusReason?: string;
  /**
   * When the config last changed; `status` and `allocated` hold from then, and before it the config was READY at
   * `requested`. @default the function's lastModified
   */
  readonly lastModified?: TimeRef;
  readonly autoScaling?: {
    readonly targetUtilization: number;
    readonly minimum: number;
    readonly maximum: number;
    readonly lagMinutes?: number;
    readonly scaleInMinutes?: number;
  };
}

/** Event sources a mapping can read from. */
export type MappingSource = 'sqs' | 'kinesis' | 'dynamodb';

/** An event source mapping. */
export interface PatternMapping {
  readonly source: MappingSource;
  /** Queue, stream or table name (the ARN is built from it). @default the function's name */
  readonly sourceName?: string;
  /** Share (0-1) of the function's own requests that arrive through it. */
  readonly share: number;
  /** Whether the function's loop runs through it. @default false */
  readonly carriesLoop?: boolean;
  /** Alias or version it invokes, or `$LATEST`. @default none: the bare name */
  readonly qualifier?: string;
  /** @default 'Enabled' */
  readonly state?: 'Enabled' | 'Disabled';
  readonly uuid?: string;
  readonly batchSize?: number;
}

/** One function of a pattern. */
export interface PatternFunction {
  readonly name: string;
  readonly runtime?: string;
  readonly memorySize?: number;
  readonly timeout?: number;
  /** @default '-90d' */
  readonly lastModified?: TimeRef;
  readonly state?: string;
  readonly stateReasonCode?: string;
  readonly stateReason?: string;
  readonly lastUpdateStatus?: string;
  readonly lastUpdateStatusReasonCode?: string;
  readonly lastUpdateStatusReason?: string;
  readonly reservedConcurrency?: number;
  /** @default 'Terminate' */
  readonly recursiveLoop?: 'Allow' | 'Terminate';
  readonly tags?: Readonly<Record<string, string>>;
  readonly versions?: readonly string[];
  readonly aliases?: readonly PatternAlias[];
  readonly provisioned?: readonly PatternProvisioned[];
  readonly eventSourceMappings?: readonly PatternMapping[];
  /** Function URLs: at most one on the bare function and one per alias. */
  readonly functionUrls?: readonly PatternFunctionUrl[];
  /** Resource-based policy statements. */
  readonly policy?: readonly PatternPermission[];
  /** None: nobody calls the function. */
  readonly traffic?: PatternTraffic;
}

/** A whole small account. */
export interface Pattern {
  readonly name?: string;
  readonly description?: string;
  /** The verdict the pattern must get; the loader does not read it. */
  readonly expect?: unknown;
  readonly account: PatternAccount;
  readonly profiles?: Readonly<Record<string, TrafficProfile>>;
  readonly fleet?: readonly PatternFleet[];
  readonly functions: readonly PatternFunction[];
}

/** Thrown for a pattern that cannot be loaded; lists every problem, each naming its field. */
export class PatternError extends Error {
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`Invalid pattern:\n- ${problems.join('\n- ')}`, options);
    this.name = 'PatternError';
  }
}

const ESM_TRANSPORTS: readonly LoopTransport[] = ['sqs', 'dynamodb', 'kinesis'];

/** Collects problems while walking the pattern. */
class Checker {
  readonly problems: string[] = [];

  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  object(path: string, value: unknown, allowed: readonly string[], required: readonly string[] = []) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, `must be an object, not ${JSON.stringify(value)}`);
      return undefined;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key))
        this.fail(`${path}.${key}`, `unknown field (allowed: ${allowed.join(', ')})`);
    }
    for (const key of required) {
      if (record[key] === undefined) this.fail(`${path}.${key}`, 'is required');
    }
    return record;
  }

  number(
    path: string,
    value: unknown,
    limits: { min?: number; max?: number; integer?: boolean; above?: number } = {},
  ): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(path, `must be a number, not ${JSON.stringify(value)}`);
      return;
    }
    if (limits.integer && !Number.isInteger(value)) this.fail(path, `must be a whole number, not ${value}`);
    if (limits.min !== undefined && value < limits.min)
      this.fail(path, `must be at least ${limits.min}, not ${value}`);
    if (limits.above !== undefined && value <= limits.above) {
      this.fail(path, `must be more than ${limits.above}, not ${value}`);
    }
    if (limits.max !== undefined && value > limits.max)
      this.fail(path, `must be at most ${limits.max}, not ${value}`);
  }

  text(path: string, value: unknown): void {
    if (value !== undefined && typeof value !== 'string')
      this.fail(path, `must be text, not ${JSON.stringify(value)}`);
  }

  oneOf(path: string, value: unknown, allowed: readonly string[]): void {
    if (value !== undefined && !allowed.includes(value as string)) {
      this.fail(path, `must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
    }
  }

  time(path: string, value: unknown, observedAt: number): void {
    if (value === undefined) return;
    if (typeof value !== 'string') return this.fail(path, `must be a time, not ${JSON.stringify(value)}`);
    try {
      resolveTime(value, observedAt);
    } catch (error) {
      this.fail(path, error instanceof Error ? error.message : String(error));
    }
  }

  clock(path: string, value: unknown): void {
    if (typeof value !== 'string')
      return this.fail(path, `must be a clock time HH:MM, not ${JSON.stringify(value)}`);
    try {
      clockMinutes(value);
    } catch (error) {
      this.fail(path, error instanceof Error ? error.message : String(error));
    }
  }

  shares(path: string, value: unknown, known: readonly string[] | undefined): number {
    const record = this.object(path, value, known ?? Object.keys((value as object | null) ?? {}));
    if (!record) return 0;
    let total = 0;
    for (const [key, share] of Object.entries(record)) {
      this.number(`${path}.${key}`, share, { min: 0, max: 1 });
      total += typeof share === 'number' ? share : 0;
    }
    if (total > 1 + 1e-9) this.fail(path, `shares add up to ${total}, more than 1`);
    return total;
  }
}

const TERM_FIELDS: Readonly<Record<ShapeTerm['kind'], readonly string[]>> = {
  steady: ['perMinute', 'from', 'until'],
  daily: ['peakPerMinute', 'peakHour', 'troughFactor', 'weekendFactor', 'from', 'until'],
  window: ['perMinute', 'start', 'end', 'days', 'rampMinutes', 'from', 'until'],
  weekly: ['perMinute', 'day', 'start', 'end', 'rampMinutes', 'from', 'until'],
  burst: ['perMinute', 'from', 'until', 'rampMinutes'],
  growth: ['percentPerDay', 'reference'],
  runaway: ['from', 'startPerMinute', 'factorPerMinute', 'ceilingPerMinute', 'until'],
  loop: ['from', 'perMinute', 'until'],
  noise: ['amplitude', 'seed'],
  dropped: ['perMinute', 'from', 'until'],
};

const TERM_REQUIRED: Readonly<Record<ShapeTerm['kind'], readonly string[]>> = {
  steady: ['perMinute'],
  daily: ['peakPerMinute', 'peakHour'],
  window: ['perMinute', 'start', 'end'],
  weekly: ['perMinute', 'day', 'start', 'end'],
  burst: ['perMinute', 'from', 'until'],
  growth: ['percentPerDay'],
  runaway: ['from', 'startPerMinute', 'factorPerMinute', 'ceilingPerMinute'],
  loop: ['from', 'perMinute'],
  noise: ['amplitude'],
  dropped: ['perMinute', 'from'],
};

function checkShape(check: Checker, path: string, shape: unknown, observedAt: number): void {
  if (!Array.isArray(shape)) return check.fail(path, 'must be a list of shape terms');
  shape.forEach((term: unknown, index) => {
    const at = `${path}[${index}]`;
    const kind = (term as { kind?: unknown } | null)?.kind;
    if (!SHAPE_KINDS.includes(kind as ShapeTerm['kind'])) {
      return check.fail(
        `${at}.kind`,
        `must be one of ${SHAPE_KINDS.join(', ')}, not ${JSON.stringify(kind)}`,
      );
    }
    const known = kind as ShapeTerm['kind'];
    const record = check.object(at, term, ['kind', ...TERM_FIELDS[known]], TERM_REQUIRED[known]);
    if (!record) return;
    for (const field of ['perMinute', 'peakPerMinute', 'startPerMinute', 'ceilingPerMinute', 'rampMinutes']) {
      check.number(`${at}.${field}`, record[field], { min: 0 });
    }
    check.number(`${at}.peakHour`, record.peakHour, { min: 0, max: 24 });
    check.number(`${at}.troughFactor`, record.troughFactor, { min: 0, max: 1 });
    check.number(`${at}.weekendFactor`, record.weekendFactor, { min: 0 });
    check.number(`${at}.factorPerMinute`, record.factorPerMinute, { above: 0 });
    check.number(`${at}.percentPerDay`, record.percentPerDay, { above: -100 });
    check.number(`${at}.amplitude`, record.amplitude, { min: 0, max: 1 });
    check.number(`${at}.seed`, record.seed, { integer: true });
    for (const field of ['from', 'until', 'reference'])
      check.time(`${at}.${field}`, record[field], observedAt);
    if (known === 'window' || known === 'weekly') {
      check.clock(`${at}.start`, record.start);
      check.clock(`${at}.end`, record.end);
    }
    if (known === 'weekly') check.oneOf(`${at}.day`, record.day, WEEKDAYS);
    if (known === 'window' && record.days !== undefined) {
      if (Array.isArray(record.days)) {
        record.days.forEach((day: unknown, position) =>
          check.oneOf(`${at}.days[${position}]`, day, WEEKDAYS),
        );
      } else {
        check.oneOf(`${at}.days`, record.days, ['every-day', 'weekdays', 'weekends']);
      }
    }
  });
}

function checkProfile(check: Checker, path: string, profile: unknown, observedAt: number): void {
  const record = check.object(
    path,
    profile,
    ['shape', 'durationSeconds', 'peakToAverage', 'errorShare'],
    ['shape', 'durationSeconds'],
  );
  if (!record) return;
  checkShape(check, `${path}.shape`, record.shape, observedAt);
  check.number(`${path}.durationSeconds`, record.durationSeconds, { above: 0, max: 900 });
  check.number(`${path}.peakToAverage`, record.peakToAverage, { min: 1 });
  check.number(`${path}.errorShare`, record.errorShare, { min: 0, max: 1 });
}

function hasLoopTerms(shape: unknown): boolean {
  return (
    Array.isArray(shape) &&
    shape.some((term: { kind?: unknown }) => term?.kind === 'runaway' || term?.kind === 'loop')
  );
}

const FUNCTION_FIELDS = [
  'name',
  'runtime',
  'memorySize',
  'timeout',
  'lastModified',
  'state',
  'stateReasonCode',
  'stateReason',
  'lastUpdateStatus',
  'lastUpdateStatusReasonCode',
  'lastUpdateStatusReason',
  'reservedConcurrency',
  'recursiveLoop',
  'tags',
  'versions',
  'aliases',
  'provisioned',
  'eventSourceMappings',
  'functionUrls',
  'policy',
  'traffic',
];

function checkFunction(
  check: Checker,
  path: string,
  value: unknown,
  observedAt: number,
  profiles: Readonly<Record<string, unknown>>,
): void {
  const fn = check.object(path, value, FUNCTION_FIELDS, ['name']);
  if (!fn) return;
  const at = (field: string) => `${path}.${field}`;
  if (typeof fn.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(fn.name)) {
    check.fail(
      at('name'),
      `must be a Lambda function name (letters, digits, - and _), not ${JSON.stringify(fn.name)}`,
    );
  }
  for (const field of ['runtime', 'state', 'stateReasonCode', 'stateReason', 'lastUpdateStatus']) {
    check.text(at(field), fn[field]);
  }
  check.number(at('memorySize'), fn.memorySize, { min: 128, max: 10_240, integer: true });
  check.number(at('timeout'), fn.timeout, { min: 1, max: 900, integer: true });
  check.time(at('lastModified'), fn.lastModified, observedAt);
  check.number(at('reservedConcurrency'), fn.reservedConcurrency, { min: 0, integer: true });
  check.oneOf(at('recursiveLoop'), fn.recursiveLoop, ['Allow', 'Terminate']);
  if (fn.tags !== undefined) {
    const tags = check.object(at('tags'), fn.tags, Object.keys(fn.tags ?? {}));
    for (const [key, tag] of Object.entries(tags ?? {})) check.text(`${at('tags')}.${key}`, tag);
  }
  const versions = Array.isArray(fn.versions) ? (fn.versions as unknown[]).map(String) : [];
  if (fn.versions !== undefined && !Array.isArray(fn.versions))
    check.fail(at('versions'), 'must be a list of versions');
  const aliasNames: string[] = [];
  if (fn.aliases !== undefined && !Array.isArray(fn.aliases)) check.fail(at('aliases'), 'must be a list');
  ((fn.aliases as unknown[] | undefined) ?? []).forEach((alias, index) => {
    const aliasPath = `${at('aliases')}[${index}]`;
    const record = check.object(
      aliasPath,
      alias,
      ['name', 'version', 'weights', 'previousVersion', 'movedAt'],
      ['name', 'version'],
    );
    if (!record) return;
    check.text(`${aliasPath}.name`, record.name);
    aliasNames.push(String(record.name));
    if (!versions.includes(String(record.version))) {
      check.fail(`${aliasPath}.version`, `${JSON.stringify(record.version)} is not in versions`);
    }
    if (record.weights !== undefined) check.shares(`${aliasPath}.weights`, record.weights, versions);
    if ((record.previousVersion === undefined) !== (record.movedAt === undefined)) {
      check.fail(aliasPath, 'previousVersion and movedAt go together: the version it left, and when');
    }
    if (record.previousVersion !== undefined && !versions.includes(String(record.previousVersion))) {
      check.fail(
        `${aliasPath}.previousVersion`,
        `${JSON.stringify(record.previousVersion)} is not in versions`,
      );
    }
    check.time(`${aliasPath}.movedAt`, record.movedAt, observedAt);
  });
  const qualifiers = [...versions, ...aliasNames];
  let provisionedTotal = 0;
  if (fn.provisioned !== undefined && !Array.isArray(fn.provisioned))
    check.fail(at('provisioned'), 'must be a list');
  ((fn.provisioned as unknown[] | undefined) ?? []).forEach((config, index) => {
    const configPath = `${at('provisioned')}[${index}]`;
    const record = check.object(
      configPath,
      config,
      ['qualifier', 'requested', 'allocated', 'status', 'statusReason', 'lastModified', 'autoScaling'],
      ['qualifier', 'requested'],
    );
    if (!record) return;
    if (!qualifiers.includes(String(record.qualifier))) {
      check.fail(
        `${configPath}.qualifier`,
        `${JSON.stringify(record.qualifier)} is not an alias or version of the function (never $LATEST)`,
      );
    }
    check.number(`${configPath}.requested`, record.requested, { min: 1, integer: true });
    check.number(`${configPath}.allocated`, record.allocated, { min: 0, integer: true });
    if (
      typeof record.allocated === 'number' &&
      typeof record.requested === 'number' &&
      record.allocated > record.requested
    ) {
      check.fail(
        `${configPath}.allocated`,
        `${record.allocated} is more than requested (${record.requested})`,
      );
    }
    check.oneOf(`${configPath}.status`, record.status, ['IN_PROGRESS', 'READY', 'FAILED']);
    check.text(`${configPath}.statusReason`, record.statusReason);
    check.time(`${configPath}.lastModified`, record.lastModified, observedAt);
    provisionedTotal += typeof record.requested === 'number' ? record.requested : 0;
    if (record.autoScaling !== undefined) {
      const scalingPath = `${configPath}.autoScaling`;
      const scaling = check.object(
        scalingPath,
        record.autoScaling,
        ['targetUtilization', 'minimum', 'maximum', 'lagMinutes', 'scaleInMinutes'],
        ['targetUtilization', 'minimum', 'maximum'],
      );
      if (scaling) {
        check.number(`${scalingPath}.targetUtilization`, scaling.targetUtilization, { above: 0, max: 1 });
        check.number(`${scalingPath}.minimum`, scaling.minimum, { min: 1, integer: true });
        check.number(`${scalingPath}.maximum`, scaling.maximum, { min: 1, integer: true });
        check.number(`${scalingPath}.lagMinutes`, scaling.lagMinutes, { min: 0, integer: true });
        check.number(`${scalingPath}.scaleInMinutes`, scaling.scaleInMinutes, { min: 1, integer: true });
      }
    }
  });
  if (typeof fn.reservedConcurrency === 'number' && fn.reservedConcurrency < provisionedTotal) {
    check.fail(
      at('reservedConcurrency'),
      `${fn.reservedConcurrency} is less than the provisioned concurrency (${provisionedTotal})`,
    );
  }
  const traffic =
    fn.traffic === undefined
      ? undefined
      : check.object(at('traffic'), fn.traffic, [
          'profile',
          'weight',
          'shape',
          'durationSeconds',
          'peakToAverage',
          'errorShare',
          'qualifierShares',
          'reroutes',
          'asyncShare',
          'loopTransport',
        ]);
  const transport = traffic?.loopTransport as LoopTransport | undefined;
  if (traffic) {
    const trafficPath = at('traffic');
    if (traffic.profile !== undefined) {
      if (!(String(traffic.profile) in profiles)) {
        check.fail(`${trafficPath}.profile`, `${JSON.stringify(traffic.profile)} is not in profiles`);
      }
      for (const own of ['shape', 'durationSeconds', 'peakToAverage', 'errorShare']) {
        if (traffic[own] !== undefined)
          check.fail(`${trafficPath}.${own}`, 'comes from the profile: give a profile or a shape, not both');
      }
    } else {
      checkProfile(
        check,
        trafficPath,
        Object.fromEntries(
          ['shape', 'durationSeconds', 'peakToAverage', 'errorShare'].flatMap((key) =>
            traffic[key] === undefined ? [] : [[key, traffic[key]]],
          ),
        ),
        observedAt,
      );
    }
    check.number(`${trafficPath}.weight`, traffic.weight, { above: 0 });
    check.number(`${trafficPath}.asyncShare`, traffic.asyncShare, { min: 0, max: 1 });
    check.oneOf(`${trafficPath}.loopTransport`, traffic.loopTransport, LOOP_TRANSPORTS);
    if (traffic.qualifierShares !== undefined) {
      check.shares(`${trafficPath}.qualifierShares`, traffic.qualifierShares, qualifiers);
    }
    if (traffic.reroutes !== undefined && !Array.isArray(traffic.reroutes)) {
      check.fail(`${trafficPath}.reroutes`, 'must be a list');
    }
    ((traffic.reroutes as unknown[] | undefined) ?? []).forEach((reroute, index) => {
      const reroutePath = `${trafficPath}.reroutes[${index}]`;
      const record = check.object(reroutePath, reroute, ['at', 'qualifierShares'], ['at', 'qualifierShares']);
      if (!record) return;
      check.time(`${reroutePath}.at`, record.at, observedAt);
      check.shares(`${reroutePath}.qualifierShares`, record.qualifierShares, qualifiers);
    });
    if (hasLoopTerms(traffic.shape) && transport === undefined) {
      check.fail(
        `${trafficPath}.loopTransport`,
        'is required with runaway or loop terms: say how the loop returns',
      );
    }
  }
  if (fn.eventSourceMappings !== undefined && !Array.isArray(fn.eventSourceMappings)) {
    check.fail(at('eventSourceMappings'), 'must be a list');
  }
  let mappingShare = 0;
  ((fn.eventSourceMappings as unknown[] | undefined) ?? []).forEach((mapping, index) => {
    const mappingPath = `${at('eventSourceMappings')}[${index}]`;
    const record = check.object(
      mappingPath,
      mapping,
      ['source', 'sourceName', 'share', 'carriesLoop', 'qualifier', 'state', 'uuid', 'batchSize'],
      ['source', 'share'],
    );
    if (!record) return;
    check.oneOf(`${mappingPath}.source`, record.source, ['sqs', 'kinesis', 'dynamodb']);
    check.text(`${mappingPath}.sourceName`, record.sourceName);
    check.number(`${mappingPath}.share`, record.share, { min: 0, max: 1 });
    mappingShare += typeof record.share === 'number' ? record.share : 0;
    check.oneOf(`${mappingPath}.state`, record.state, ['Enabled', 'Disabled']);
    check.text(`${mappingPath}.uuid`, record.uuid);
    check.number(`${mappingPath}.batchSize`, record.batchSize, { min: 1, integer: true });
    if (
      record.qualifier !== undefined &&
      record.qualifier !== '$LATEST' &&
      !qualifiers.includes(String(record.qualifier))
    ) {
      check.fail(
        `${mappingPath}.qualifier`,
        `${JSON.stringify(record.qualifier)} is not $LATEST or an alias or version of the function`,
      );
    }
    if (
      record.carriesLoop === true &&
      (transport === undefined || !ESM_TRANSPORTS.includes(transport) || transport !== record.source)
    ) {
      check.fail(
        `${mappingPath}.carriesLoop`,
        `a loop through this ${String(record.source)} mapping needs traffic.loopTransport ${JSON.stringify(record.source)}`,
      );
    }
  });
  if (mappingShare > 1 + 1e-9)
    check.fail(at('eventSourceMappings'), `shares add up to ${mappingShare}, more than 1`);
  if (fn.functionUrls !== undefined && !Array.isArray(fn.functionUrls))
    check.fail(at('functionUrls'), 'must be a list');
  const urlQualifiers = new Set<string>();
  ((fn.functionUrls as unknown[] | undefined) ?? []).forEach((url, index) => {
    const urlPath = `${at('functionUrls')}[${index}]`;
    const record = check.object(urlPath, url, ['qualifier', 'authType']);
    if (!record) return;
    check.oneOf(`${urlPath}.authType`, record.authType, ['NONE', 'AWS_IAM']);
    // Lambda puts a URL on the bare function or on an alias, never on a version.
    if (record.qualifier !== undefined && !aliasNames.includes(String(record.qualifier))) {
      check.fail(
        `${urlPath}.qualifier`,
        `${JSON.stringify(record.qualifier)} is not an alias of the function`,
      );
    }
    const key = String(record.qualifier ?? '');
    if (urlQualifiers.has(key)) check.fail(urlPath, 'a function has at most one URL per qualifier');
    urlQualifiers.add(key);
  });
  if (fn.policy !== undefined && !Array.isArray(fn.policy)) check.fail(at('policy'), 'must be a list');
  ((fn.policy as unknown[] | undefined) ?? []).forEach((statement, index) => {
    const statementPath = `${at('policy')}[${index}]`;
    const record = check.object(
      statementPath,
      statement,
      ['sid', 'service', 'account', 'sourceArn', 'qualifier'],
      ['sid'],
    );
    if (!record) return;
    for (const field of ['sid', 'service', 'sourceArn'])
      check.text(`${statementPath}.${field}`, record[field]);
    if ((record.service === undefined) === (record.account === undefined)) {
      check.fail(statementPath, 'give either service or account: who may invoke');
    }
    if (record.account !== undefined && !/^\d{12}$/.test(String(record.account))) {
      check.fail(`${statementPath}.account`, `must be 12 digits, not ${JSON.stringify(record.account)}`);
    }
    if (record.qualifier !== undefined && !qualifiers.includes(String(record.qualifier))) {
      check.fail(
        `${statementPath}.qualifier`,
        `${JSON.stringify(record.qualifier)} is not an alias or version of the function`,
      );
    }
  });
}

/** Every problem of `pattern`, each naming its field; empty when it can be loaded. */
export function patternProblems(pattern: unknown): string[] {
  const check = new Checker();
  const root = check.object(
    'pattern',
    pattern,
    ['name', 'description', 'expect', 'account', 'profiles', 'fleet', 'functions'],
    ['account', 'functions'],
  );
  if (!root) return check.problems;
  const account = check.object(
    'account',
    root.account,
    ['observedAt', 'concurrencyLimit', 'unreservedMinimum', 'region', 'accountId', 'historyMinutes'],
    ['observedAt'],
  );
  let observedAt = 0;
  if (account) {
    if (
      typeof account.observedAt !== 'string' ||
      !Number.isFinite(Date.parse(account.observedAt)) ||
      !/(Z|[+-]\d{2}:\d{2})$/.test(account.observedAt)
    ) {
      check.fail(
        'account.observedAt',
        `must be an ISO-8601 instant with a zone, not ${JSON.stringify(account.observedAt)}`,
      );
    } else {
      observedAt = Date.parse(account.observedAt);
    }
    check.number('account.concurrencyLimit', account.concurrencyLimit, { min: 1, integer: true });
    check.number('account.unreservedMinimum', account.unreservedMinimum, { min: 0, integer: true });
    check.number('account.historyMinutes', account.historyMinutes, { min: 60, integer: true });
    check.text('account.region', account.region);
    if (account.accountId !== undefined && !/^\d{12}$/.test(String(account.accountId))) {
      check.fail('account.accountId', `must be 12 digits, not ${JSON.stringify(account.accountId)}`);
    }
  }
  const profiles = (root.profiles ?? {}) as Record<string, unknown>;
  if (root.profiles !== undefined) {
    const record = check.object('profiles', root.profiles, Object.keys(profiles));
    for (const [name, profile] of Object.entries(record ?? {})) {
      checkProfile(check, `profiles.${name}`, profile, observedAt);
      if (hasLoopTerms((profile as { shape?: unknown } | null)?.shape)) {
        check.fail(
          `profiles.${name}.shape`,
          'a shared profile cannot loop: give the looping function its own shape',
        );
      }
    }
  }
  if (root.fleet !== undefined && !Array.isArray(root.fleet)) check.fail('fleet', 'must be a list');
  ((root.fleet as unknown[] | undefined) ?? []).forEach((fleet, index) => {
    const path = `fleet[${index}]`;
    const record = check.object(
      path,
      fleet,
      ['profile', 'count', 'namePrefix', 'weights', 'seed'],
      ['profile', 'count'],
    );
    if (!record) return;
    if (!(String(record.profile) in profiles))
      check.fail(`${path}.profile`, `${JSON.stringify(record.profile)} is not in profiles`);
    check.number(`${path}.count`, record.count, { min: 1, integer: true });
    check.text(`${path}.namePrefix`, record.namePrefix);
    check.number(`${path}.seed`, record.seed, { integer: true });
    const weights = record.weights;
    if (
      weights !== undefined &&
      (!Array.isArray(weights) ||
        weights.length !== 2 ||
        weights.some((weight) => typeof weight !== 'number' || weight <= 0) ||
        (weights[0] as number) > (weights[1] as number))
    ) {
      check.fail(
        `${path}.weights`,
        `must be [smallest, largest], both above 0, not ${JSON.stringify(weights)}`,
      );
    }
  });
  if (!Array.isArray(root.functions)) {
    check.fail('functions', 'must be a list of functions');
    return check.problems;
  }
  const names = new Set<string>();
  root.functions.forEach((fn: unknown, index) => {
    checkFunction(check, `functions[${index}]`, fn, observedAt, profiles);
    const name = (fn as { name?: unknown } | null)?.name;
    if (typeof name === 'string') {
      if (names.has(name)) check.fail(`functions[${index}].name`, `${name} is given twice`);
      names.add(name);
    }
  });
  const limit = typeof account?.concurrencyLimit === 'number' ? account.concurrencyLimit : 1000;
  const minimum =
    typeof account?.unreservedMinimum === 'number' ? account.unreservedMinimum : minimumUnreservedFor(limit);
  const reserved = (root.functions as { reservedConcurrency?: unknown }[]).reduce(
    (total, fn) => total + (typeof fn?.reservedConcurrency === 'number' ? fn.reservedConcurrency : 0),
    0,
  );
  if (limit - reserved < minimum) {
    check.fail(
      'functions',
      `reserve ${reserved} in all, leaving ${limit - reserved} unreserved: below the account's minimum of ${minimum}`,
    );
  }
  return check.problems;
}

/** A deterministic UUID for a mapping, from the function's name and the mapping's position. */
function mappingUuid(functionName: string, index: number): string {
  const hex = [0, 1, 2, 3]
    .map((part) => seedOf(`${functionName}:${index}:${part}`).toString(16).padStart(8, '0'))
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function sourceArn(
  account: Pick<SimAccountModel, 'region' | 'accountId'>,
  source: MappingSource,
  name: string,
): string {
  const prefix = `arn:aws:${source}:${account.region}:${account.accountId}`;
  if (source === 'sqs') return `${prefix}:${name}`;
  if (source === 'kinesis') return `${prefix}:stream/${name}`;
  return `${prefix}:table/${name}/stream/2029-10-01T00:00:00.000`;
}

/** The SimAccountModel `pattern` describes; throws PatternError listing every problem. */
export function loadPattern(pattern: unknown): SimAccountModel {
  const problems = patternProblems(pattern);
  if (problems.length > 0) throw new PatternError(problems);
  const valid = pattern as Pattern;
  const observedAt = Date.parse(valid.account.observedAt);
  const concurrencyLimit = valid.account.concurrencyLimit ?? 1000;
  const place = {
    region: valid.account.region ?? 'eu-west-1',
    accountId: valid.account.accountId ?? '123456789012',
  };
  const functions: SimFunction[] = valid.functions.map((fn) => toFunction(fn, observedAt, place));
  for (const fleet of valid.fleet ?? []) {
    const random = seededRandom(fleet.seed ?? 1);
    const [smallest, largest] = fleet.weights ?? [0.1, 10];
    for (let index = 0; index < fleet.count; index += 1) {
      const weight = 10 ** between(random, Math.log10(smallest), Math.log10(largest));
      functions.push(
        toFunction(
          {
            name: `${fleet.namePrefix ?? fleet.profile}-${String(index).padStart(4, '0')}`,
            traffic: { profile: fleet.profile, weight },
          },
          observedAt,
          place,
        ),
      );
    }
  }
  return {
    ...place,
    observedAt,
    historyMinutes: valid.account.historyMinutes ?? DEFAULT_HISTORY_MINUTES,
    concurrencyLimit,
    minimumUnreserved: valid.account.unreservedMinimum ?? minimumUnreservedFor(concurrencyLimit),
    ...(valid.profiles ? { profiles: valid.profiles } : {}),
    functions,
  };
}

function toFunction(
  fn: PatternFunction,
  observedAt: number,
  place: Pick<SimAccountModel, 'region' | 'accountId'>,
): SimFunction {
  const lastModified = resolveTime(fn.lastModified ?? '-90d', observedAt);
  const traffic = fn.traffic;
  const mappings: SimEventSourceMapping[] = (fn.eventSourceMappings ?? []).map((mapping, index) => ({
    uuid: mapping.uuid ?? mappingUuid(fn.name, index),
    eventSourceArn: sourceArn(place, mapping.source, mapping.sourceName ?? fn.name),
    ...(mapping.qualifier !== undefined ? { qualifier: mapping.qualifier } : {}),
    share: mapping.share,
    carriesLoop: mapping.carriesLoop ?? false,
    batchSize: mapping.batchSize ?? (mapping.source === 'sqs' ? 10 : 100),
    state: mapping.state ?? 'Enabled',
    lastModified,
    enabledChanges: [],
  }));
  return {
    name: fn.name,
    runtime: fn.runtime ?? 'nodejs22.x',
    memorySize: fn.memorySize ?? 512,
    timeout: fn.timeout ?? 30,
    lastModified,
    state: fn.state ?? 'Active',
    ...(fn.stateReasonCode !== undefined ? { stateReasonCode: fn.stateReasonCode } : {}),
    ...(fn.stateReason !== undefined ? { stateReason: fn.stateReason } : {}),
    lastUpdateStatus: fn.lastUpdateStatus ?? 'Successful',
    ...(fn.lastUpdateStatusReasonCode !== undefined
      ? { lastUpdateStatusReasonCode: fn.lastUpdateStatusReasonCode }
      : {}),
    ...(fn.lastUpdateStatusReason !== undefined ? { lastUpdateStatusReason: fn.lastUpdateStatusReason } : {}),
    ...(fn.reservedConcurrency !== undefined ? { reservedConcurrency: fn.reservedConcurrency } : {}),
    reservedChanges: [],
    tags: { ...(fn.tags ?? {}) },
    recursiveLoop: fn.recursiveLoop ?? 'Terminate',
    versions: [...(fn.versions ?? [])],
    aliases: (fn.aliases ?? []).map((alias) => ({
      name: alias.name,
      functionVersion: alias.version,
      ...(alias.weights ? { additionalVersionWeights: { ...alias.weights } } : {}),
      ...(alias.previousVersion !== undefined && alias.movedAt !== undefined
        ? { previousVersion: alias.previousVersion, movedAt: resolveTime(alias.movedAt, observedAt) }
        : {}),
    })),
    provisioned: (fn.provisioned ?? []).map((config) => {
      const status = config.status ?? 'READY';
      return {
        qualifier: config.qualifier,
        requested: config.requested,
        allocated: config.allocated ?? (status === 'READY' ? config.requested : 0),
        status,
        ...(config.statusReason !== undefined ? { statusReason: config.statusReason } : {}),
        ...(config.lastModified !== undefined
          ? { lastModified: resolveTime(config.lastModified, observedAt) }
          : {}),
        ...(config.autoScaling ? { autoScaling: { ...config.autoScaling } } : {}),
      };
    }),
    policy: (fn.policy ?? []).map((statement): SimPolicyStatement => ({
      sid: statement.sid,
      principal:
        statement.service !== undefined
          ? { Service: statement.service }
          : { AWS: `arn:aws:iam::${statement.account ?? ''}:root` },
      ...(statement.sourceArn !== undefined
        ? { condition: { ArnLike: { 'AWS:SourceArn': statement.sourceArn } } }
        : {}),
      ...(statement.qualifier !== undefined ? { qualifier: statement.qualifier } : {}),
    })),
    ...(fn.functionUrls
      ? {
          functionUrls: fn.functionUrls.map((url) => ({
            ...(url.qualifier !== undefined ? { qualifier: url.qualifier } : {}),
            authType: url.authType ?? 'NONE',
            createdAt: lastModified,
          })),
        }
      : {}),
    eventSourceMappings: mappings,
    ...(traffic
      ? {
          traffic: {
            profile: traffic.profile ?? {
              shape: traffic.shape ?? [],
              durationSeconds: traffic.durationSeconds ?? 1,
              ...(traffic.peakToAverage !== undefined ? { peakToAverage: traffic.peakToAverage } : {}),
              ...(traffic.errorShare !== undefined ? { errorShare: traffic.errorShare } : {}),
            },
            ...(traffic.weight !== undefined ? { weight: traffic.weight } : {}),
            ...(traffic.qualifierShares ? { qualifierShares: { ...traffic.qualifierShares } } : {}),
            ...(traffic.reroutes
              ? {
                  reroutes: traffic.reroutes.map((reroute) => ({
                    at: resolveTime(reroute.at, observedAt),
                    qualifierShares: { ...reroute.qualifierShares },
                  })),
                }
              : {}),
            ...(traffic.asyncShare !== undefined ? { asyncShare: traffic.asyncShare } : {}),
            ...(traffic.loopTransport !== undefined ? { loopTransport: traffic.loopTransport } : {}),
          },
        }
      : {}),
  };
}

/** Reads and loads a pattern file (JSON); throws PatternError naming the file and every problem. */
export function readPatternFile(path: string): SimAccountModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PatternError(
      [`${path}: not readable JSON (${error instanceof Error ? error.message : String(error)})`],
      {
        cause: error,
      },
    );
  }
  try {
    return loadPattern(parsed);
  } catch (error) {
    if (error instanceof PatternError) {
      throw new PatternError(
        error.problems.map((problem) => `${path}: ${problem}`),
        { cause: error },
      );
    }
    throw error;
  }
}
