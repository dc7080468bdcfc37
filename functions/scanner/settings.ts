/**
 * The operator's settings: one definition shared by `cdk synth` (CDK context and construct props)
 * and the scanner's cold start (its environment), so both reject bad values with the same words.
 */

/** What an operator may set (CDK context keys, construct props); every key is optional. */
export interface SentinelOptions {
  /**
   * Addresses subscribed to the alert topic; each must confirm the subscription by e-mail.
   * @default - no subscriptions (subscribe to the AlertTopicArn output yourself)
   */
  readonly alertEmails?: readonly string[];
  /**
   * EventBridge schedule expression for the scan.
   * @default 'rate(5 minutes)'
   */
  readonly schedule?: string;
  /**
   * A function Pending (or mid-update) for longer than this many minutes is stuck.
   * @default 6
   */
  readonly pendingMinutes?: number;
  /**
   * Tag key that takes a function out of the scan entirely.
   * @default 'lambda-sentinel:ignore'
   */
  readonly ignoreTag?: string;
  /**
   * Hours before a finding that is still open is sent again.
   * @default 24
   */
  readonly renotifyHours?: number;
  /**
   * Every function's state is re-read at least once in this many minutes, however long since it changed.
   * @default 60
   */
  readonly sweepMinutes?: number;
  /**
   * GetFunction requests per second the scanner allows itself (Lambda's own quota for it is 100).
   * @default 20
   */
  readonly getFunctionRps?: number;
  /**
   * Requests per second on Lambda's shared control-plane bucket (quota 15, shared with every deploy tool).
   * @default 3
   */
  readonly controlPlaneRps?: number;
  /**
   * Minutes of CloudWatch data each run examines (the last complete minutes before CloudWatch's delivery delay).
   * @default 15
   */
  readonly lookbackMinutes?: number;
  /**
   * Share of the account's concurrency limit one function's peak must reach, while others are throttled, to be a hog.
   * @default 0.8
   */
  readonly hogShare?: number;
  /**
   * A runaway loop runs at least this many times its own baseline invocation rate.
   * @default 10
   */
  readonly loopFactor?: number;
  /**
   * Invocations a minute a runaway loop must also reach, so that a quiet function waking up is not taken for one.
   * @default 600
   */
  readonly loopMinInvocationsPerMinute?: number;
  /**
   * Hours before the examined window whose average invocation rate is a function's baseline.
   * @default 24
   */
  readonly loopBaselineHours?: number;
}

/** Validated settings with every default applied. */
export type SentinelSettings = { readonly [K in keyof SentinelOptions]-?: NonNullable<SentinelOptions[K]> };

/** The keys an operator can set, with their defaults. */
export const DEFAULT_SETTINGS: SentinelSettings = {
  alertEmails: [],
  schedule: 'rate(5 minutes)',
  pendingMinutes: 6,
  ignoreTag: 'lambda-sentinel:ignore',
  renotifyHours: 24,
  sweepMinutes: 60,
  getFunctionRps: 20,
  controlPlaneRps: 3,
  lookbackMinutes: 15,
  hogShare: 0.8,
  loopFactor: 10,
  loopMinInvocationsPerMinute: 600,
  loopBaselineHours: 24,
};

/** Names of every setting, in the order they are documented. */
export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as readonly (keyof SentinelSettings)[];

/** One bad setting: which key, what it was, what is allowed. */
export interface SettingProblem {
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;
}

/** Thrown when any setting is invalid; the message lists every problem at once. */
export class SettingsError extends Error {
  /** Every bad key found, not only the first. */
  readonly problems: readonly SettingProblem[];

  constructor(problems: readonly SettingProblem[], origin: string) {
    const lines = problems.map((p) => `  - ${p.key}=${JSON.stringify(p.value)}: ${p.allowed}`);
    super(`Invalid lambda-sentinel ${origin} (${problems.length}):\n${lines.join('\n')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

const EMAIL = /^[^\s@,;<>()]+@[^\s@,;<>()]+\.[A-Za-z]{2,}$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(\S+( \S+){5}\)$/;
// Tag keys: 1-128 Unicode letters, digits, spaces and _.:/=+-@ (AWS tagging rules); aws: is reserved.
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

/** Minutes between runs for a `rate(...)` expression; undefined for cron and invalid expressions. */
export function schedulePeriodMinutes(schedule: string): number | undefined {
  const match = RATE.exec(schedule);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] ?? '';
  const perUnit = unit.startsWith('minute') ? 1 : unit.startsWith('hour') ? 60 : 1440;
  return amount * perUnit;
}

function validSchedule(schedule: string): boolean {
  const match = RATE.exec(schedule);
  if (match) {
    const amount = Number(match[1]);
    const singular = !(match[2] ?? '').endsWith('s');
    return amount >= 1 && singular === (amount === 1);
  }
  return CRON.test(schedule);
}

type Raw = Readonly<Record<string, unknown>>;

/** Reads settings from CDK context, construct props or the scanner's environment, and validates them all. */
export function parseSettings(raw: Raw, origin = 'configuration'): SentinelSettings {
  const problems: SettingProblem[] = [];
  const read = <K extends keyof SentinelSettings>(
    key: K,
    convert: (value: unknown) => SentinelSettings[K] | undefined,
    allowed: string,
  ): SentinelSettings[K] => {
    const value = raw[key];
    if (value === undefined || value === null || value === '') return DEFAULT_SETTINGS[key];
    const converted = convert(value);
    if (converted === undefined) {
      problems.push({ key, value, allowed });
      return DEFAULT_SETTINGS[key];
    }
    return converted;
  };

  const number = (min: number, max: number, exclusiveMin: boolean) => (value: unknown) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
    if (!Number.isFinite(n) || n > max || (exclusiveMin ? n <= min : n < min)) return undefined;
    return n;
  };

  const settings: SentinelSettings = {
    alertEmails: read(
      'alertEmails',
      (value) => {
        const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
        if (!list || !list.every((item) => typeof item === 'string')) return undefined;
        const emails = list.map((item: string) => item.trim()).filter((item) => item.length > 0);
        return emails.every((email) => EMAIL.test(email)) ? [...new Set(emails)] : undefined;
      },
      'comma-separated e-mail addresses, e.g. ops@example.com,oncall@example.com',
    ),
    schedule: read(
      'schedule',
      (value) => (typeof value === 'string' && validSchedule(value.trim()) ? value.trim() : undefined),
      'an EventBridge schedule expression: rate(1 minute), rate(N minutes|hours|days), or cron(six fields)',
    ),
    pendingMinutes: read('pendingMinutes', number(0, 1440, true), 'a number of minutes > 0 and <= 1440'),
    ignoreTag: read(
      'ignoreTag',
      (value) =>
        typeof value === 'string' && TAG_KEY.test(value) && !value.toLowerCase().startsWith('aws:')
          ? value
          : undefined,
      'a tag key: 1-128 letters, digits, spaces or _.:/=+-@, not starting with aws:',
    ),
    renotifyHours: read('renotifyHours', number(0, 8760, true), 'a number of hours > 0 and <= 8760'),
    sweepMinutes: read('sweepMinutes', number(1, 1440, false), 'a number of minutes >= 1 and <= 1440'),
    getFunctionRps: read('getFunctionRps', number(0, 100, true), 'requests per second > 0 and <= 100'),
    controlPlaneRps: read('controlPlaneRps', number(0, 15, true), 'requests per second > 0 and <= 15'),
    // Metrics Insights, which finds the top functions, reads at most the last three hours.
    lookbackMinutes: read('lookbackMinutes', number(0, 180, true), 'a number of minutes > 0 and <= 180'),
    hogShare: read('hogShare', number(0, 1, true), 'a share of the account limit > 0 and <= 1, e.g. 0.8'),
    loopFactor: read('loopFactor', number(1, 100_000, true), 'a multiple of the baseline > 1, e.g. 10'),
    loopMinInvocationsPerMinute: read(
      'loopMinInvocationsPerMinute',
      number(0, 10_000_000, true),
      'invocations per minute > 0',
    ),
    // Two weeks covers a weekly cycle; older traffic says little about today's.
    loopBaselineHours: read('loopBaselineHours', number(1, 336, false), 'a number of hours >= 1 and <= 336'),
  };

  if (problems.length > 0) throw new SettingsError(problems, origin);
  return settings;
}
