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
   * Every function's state is re-read at least once in this many minutes, however long since it changed: the backstop
   * behind Lambda's state-change events and the listing's LastModified (see the README's "What the sweep is for").
   * @default 240
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
   * Hours of history a function's invocation rate is compared with: its busiest five minutes in that time, and
   * the same hour on each earlier day. The last 22 hours are left out, so a loop never becomes its own yardstick.
   * @default 192 (eight days: a whole week, so a weekly job's last run is in it)
   */
  readonly loopBaselineHours?: number;
  /**
   * Remediations the scanner may apply: `throttle-loops` (reserved concurrency 0 on a recursive loop),
   * `cap-hogs` (reserved concurrency on a concurrency hog), `unblock-pending` (the guide's no-change update of
   * a function stuck Pending since creation). Each flag also grants the one Lambda action it needs.
   * @default - none: findings are reported, nothing is changed
   */
  readonly remediate?: readonly RemediationFlag[];
  /**
   * Decide and report every remediation the flags allow, marked as not applied, and change nothing.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Most remediations one run applies (or, in a dry run, plans), the most severe findings first; 0 stops them all.
   * @default 3
   */
  readonly maxActionsPerRun?: number;
  /**
   * Reserved concurrency `cap-hogs` gives a hog; it must stay below the hog's observed peak and leave the
   * account's unreserved concurrency at or above its minimum, or the hog is not capped.
   * @default - half the hog's observed peak, lowered as far as the unreserved minimum requires
   */
  readonly hogCap?: number;
  /**
   * Minutes a function capped by `cap-hogs` must go without hitting its cap (no throttles) before the sentinel
   * lifts the cap again, restoring the reserved concurrency it had before.
   * @default 60
   */
  readonly capHoldMinutes?: number;
  /**
   * Tag key that keeps a function from ever being remediated; its findings are still reported.
   * @default 'lambda-sentinel:protect'
   */
  readonly protectTag?: string;
  /**
   * CloudWatch alarms on the sentinel itself (scanner errors, missed runs, dead-letter messages, runs nearing
   * the timeout), sent to the alert topic; only an explicit `false` switches them off.
   * @default true
   */
  readonly selfMonitoring?: boolean;
  /**
   * EventBridge bus that every run's findings and actions are put on as events (`source: lambda-sentinel`), for
   * ticketing, paging and chat tools, and, in organization mode, the central bus of the management account.
   * @default - the default bus of the sentinel's own account and region
   */
  readonly eventBusArn?: string;
  /**
   * Organization mode: the organizational units (`ou-...`) or root (`r-...`) whose accounts get a member sentinel
   * through a service-managed CloudFormation StackSet; set, the app also synthesizes the organization stack.
   * @default - none: a single-account deployment
   */
  readonly orgTargets?: readonly string[];
  /**
   * Organization mode: the regions of every target account the StackSet deploys a member sentinel to.
   * @default - the organization stack's own region
   */
  readonly regions?: readonly string[];
  /**
   * Slack workspace (team) id, as the Amazon Q Developer in chat applications console shows it once the workspace is
   * authorized there, e.g. `T07EA123LEP`; with `slackChannelId`, alerts also go to that Slack channel.
   * @default - no Slack channel
   */
  readonly slackWorkspaceId?: string;
  /**
   * Slack channel id (the end of the channel's link, e.g. `C07EZ1ABC23`) the alerts go to; needs `slackWorkspaceId`.
   * @default - no Slack channel
   */
  readonly slackChannelId?: string;
  /**
   * Microsoft Teams team id (a UUID), as the Amazon Q Developer in chat applications console shows it once the team
   * is authorized there; with `teamsTenantId` and `teamsChannelId`, alerts also go to that Teams channel.
   * @default - no Teams channel
   */
  readonly teamsTeamId?: string;
  /**
   * Microsoft Teams tenant id (a UUID) of `teamsTeamId`, shown beside it in the Amazon Q Developer console.
   * @default - no Teams channel
   */
  readonly teamsTenantId?: string;
  /**
   * Microsoft Teams channel id, URL-encoded as in the channel's link, e.g. `19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2`.
   * @default - no Teams channel
   */
  readonly teamsChannelId?: string;
}

/** The keys naming a chat channel for the alerts; each channel's keys come together or not at all. */
export const SLACK_KEYS = ['slackWorkspaceId', 'slackChannelId'] as const;
/** The keys naming a Microsoft Teams channel for the alerts. */
export const TEAMS_KEYS = ['teamsTeamId', 'teamsTenantId', 'teamsChannelId'] as const;

/**
 * Settings with no value unless the operator gives one: a default derived at deploy or run time (`hogCap`,
 * `eventBusArn`), or a chat channel, which is there only when named.
 */
type UnsetByDefault = 'hogCap' | 'eventBusArn' | (typeof SLACK_KEYS)[number] | (typeof TEAMS_KEYS)[number];

/** Validated settings with every default applied (`hogCap` stays undefined when the cap is to be derived). */
export type SentinelSettings = {
  readonly [K in Exclude<keyof SentinelOptions, UnsetByDefault>]-?: NonNullable<SentinelOptions[K]>;
} & { readonly [K in UnsetByDefault]: SentinelOptions[K] };

/** The remediation flags `remediate` accepts; each names the finding kind it answers. */
export const REMEDIATION_FLAGS = ['throttle-loops', 'cap-hogs', 'unblock-pending'] as const;

/** One remediation an operator can switch on. */
export type RemediationFlag = (typeof REMEDIATION_FLAGS)[number];

/** The keys an operator can set, with their defaults. */
export const DEFAULT_SETTINGS: SentinelSettings = {
  alertEmails: [],
  schedule: 'rate(5 minutes)',
  pendingMinutes: 6,
  ignoreTag: 'lambda-sentinel:ignore',
  renotifyHours: 24,
  sweepMinutes: 240,
  getFunctionRps: 20,
  controlPlaneRps: 3,
  lookbackMinutes: 15,
  hogShare: 0.8,
  loopFactor: 10,
  loopMinInvocationsPerMinute: 600,
  loopBaselineHours: 192,
  remediate: [],
  dryRun: false,
  maxActionsPerRun: 3,
  hogCap: undefined,
  capHoldMinutes: 60,
  protectTag: 'lambda-sentinel:protect',
  selfMonitoring: true,
  eventBusArn: undefined,
  orgTargets: [],
  regions: [],
  slackWorkspaceId: undefined,
  slackChannelId: undefined,
  teamsTeamId: undefined,
  teamsTenantId: undefined,
  teamsChannelId: undefined,
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

// The missed-run alarm spans two schedule periods, and CloudWatch evaluates an alarm over at most 7 days.
const MAX_ALARM_WINDOW_MINUTES = 7 * 24 * 60;
// One alert lists every action of its run; a blast radius larger than this is no longer a safety rail.
const MAX_ACTIONS_PER_RUN = 100;
const EMAIL = /^[^\s@,;<>()]+@[^\s@,;<>()]+\.[A-Za-z]{2,}$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(\S+( \S+){5}\)$/;
// Bus names: 1-256 of letters, digits and ._-/ (EventBridge's pattern for event bus names).
const EVENT_BUS_ARN =
  /^arn:aws[a-z-]*:events:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;
// Organizations' id patterns: ou-<root part>-<8 to 32>, and r-<4 to 32>.
const ORG_TARGET = /^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
// The chat ids as AWS::Chatbot::SlackChannelConfiguration and MicrosoftTeamsChannelConfiguration accept them: Slack's
// workspace (team) id in capitals and digits, its channel id in letters and digits, both at most 255; the Teams team
// and tenant ids are UUIDs; the Teams channel id is URL-encoded, its ':' written %3a and its '@' %40, at most 255.
const SLACK_WORKSPACE_ID = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL_ID = /^[A-Za-z0-9]{1,255}$/;
const UUID = /^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/;
const TEAMS_CHANNEL_ID =
  /^(?=.{1,255}$)[A-Za-z0-9\-_=+/.,]*%3[aA][A-Za-z0-9\-_=+/.,]*%40[A-Za-z0-9\-_=+/.,]*$/;
// Tag keys: 1-128 Unicode letters, digits, spaces and _.:/=+-@ (AWS tagging rules); aws: is reserved.
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

/** A comma list (`-c` string) or an array (cdk.json, props) as trimmed, non-empty strings; undefined if neither. */
function stringList(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!list || !list.every((item) => typeof item === 'string')) return undefined;
  return list.map((item: string) => item.trim()).filter((item) => item.length > 0);
}

function tagKey(value: unknown): string | undefined {
  return typeof value === 'string' && TAG_KEY.test(value) && !value.toLowerCase().startsWith('aws:')
    ? value
    : undefined;
}

const TAG_KEY_ALLOWED = 'a tag key: 1-128 letters, digits, spaces or _.:/=+-@, not starting with aws:';

function isRemediationFlag(flag: string): flag is RemediationFlag {
  return (REMEDIATION_FLAGS as readonly string[]).includes(flag);
}

/** What `remediate` accepts, naming the flags in `value` that are not among them. */
function remediateAllowed(value: unknown): string {
  const unknown = (stringList(value) ?? []).filter((flag) => !isRemediationFlag(flag));
  const named = unknown.length > 0 ? `unknown flag ${unknown.map((flag) => `'${flag}'`).join(', ')}; ` : '';
  return `${named}a comma list of ${REMEDIATION_FLAGS.join(', ')} (or empty for none)`;
}

/** `true`/`false` as a boolean (cdk.json, props) or as the string `-c dryRun=true` passes. */
function boolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

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

/** A setting given at all: `-c key=` and an empty cdk.json value count as not given, as for every other key. */
function given(raw: Raw, key: string): boolean {
  const value = raw[key];
  return value !== undefined && value !== null && value !== '';
}

/** The trimmed string, when it matches `pattern`. */
const matching =
  (pattern: RegExp) =>
  (value: unknown): string | undefined =>
    typeof value === 'string' && pattern.test(value.trim()) ? value.trim() : undefined;

/** One problem for each key of a chat channel that is missing while another of its keys is given. */
function incompleteChannelProblems(
  raw: Raw,
  keys: readonly string[],
  channel: string,
  meaning: Readonly<Record<string, string>>,
): SettingProblem[] {
  const present = keys.filter((key) => given(raw, key));
  if (present.length === 0 || present.length === keys.length) return [];
  return keys
    .filter((key) => !given(raw, key))
    .map((key) => ({
      key,
      value: raw[key],
      allowed: `required with ${present.join(' and ')}: ${meaning[key] ?? key}; a ${channel} channel needs all of ${keys.join(', ')}`,
    }));
}

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

  const integer = (min: number, max: number) => (value: unknown) => {
    const n = number(min, max, false)(value);
    return n !== undefined && Number.isInteger(n) ? n : undefined;
  };

  const settings: SentinelSettings = {
    alertEmails: read(
      'alertEmails',
      (value) => {
        const emails = stringList(value);
        return emails?.every((email) => EMAIL.test(email)) ? [...new Set(emails)] : undefined;
      },
      'comma-separated e-mail addresses, e.g. ops@example.com,oncall@example.com',
    ),
    schedule: read(
      'schedule',
      (value) => (typeof value === 'string' && validSchedule(value.trim()) ? value.trim() : undefined),
      'an EventBridge schedule expression: rate(1 minute), rate(N minutes|hours|days), or cron(six fields)',
    ),
    pendingMinutes: read('pendingMinutes', number(0, 1440, true), 'a number of minutes > 0 and <= 1440'),
    ignoreTag: read('ignoreTag', tagKey, TAG_KEY_ALLOWED),
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
    // At least a day beyond the 22 hours left out; at most two weeks, for which CloudWatch keeps one-minute data.
    loopBaselineHours: read(
      'loopBaselineHours',
      number(48, 336, false),
      'a number of hours >= 48 and <= 336',
    ),
    remediate: read(
      'remediate',
      (value) => {
        const flags = stringList(value);
        return flags?.every(isRemediationFlag) ? [...new Set(flags)] : undefined;
      },
      remediateAllowed(raw.remediate),
    ),
    dryRun: read('dryRun', boolean, 'true or false'),
    maxActionsPerRun: read(
      'maxActionsPerRun',
      integer(0, MAX_ACTIONS_PER_RUN),
      `a whole number of actions >= 0 and <= ${MAX_ACTIONS_PER_RUN}`,
    ),
    // Lambda's highest account concurrency quotas are in the tens of thousands.
    hogCap: read('hogCap', integer(1, 100_000), 'a whole number of concurrent executions >= 1'),
    // Lift decisions read the capped function's one-minute throttles over the hold, kept by CloudWatch for 15 days.
    capHoldMinutes: read('capHoldMinutes', number(0, 1440, true), 'a number of minutes > 0 and <= 1440'),
    protectTag: read('protectTag', tagKey, TAG_KEY_ALLOWED),
    selfMonitoring: read('selfMonitoring', boolean, 'true or false'),
    eventBusArn: read(
      'eventBusArn',
      (value) => (typeof value === 'string' && EVENT_BUS_ARN.test(value.trim()) ? value.trim() : undefined),
      'an EventBridge bus ARN: arn:aws:events:<region>:<12-digit account>:event-bus/<name>',
    ),
    orgTargets: read(
      'orgTargets',
      (value) => {
        const targets = stringList(value);
        return targets && targets.every((target) => ORG_TARGET.test(target))
          ? [...new Set(targets)]
          : undefined;
      },
      'a comma list of organizational unit ids (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)',
    ),
    regions: read(
      'regions',
      (value) => {
        const regions = stringList(value);
        return regions && regions.every((region) => REGION.test(region)) ? [...new Set(regions)] : undefined;
      },
      'a comma list of AWS regions, e.g. eu-west-1,us-east-1',
    ),
    slackWorkspaceId: read(
      'slackWorkspaceId',
      matching(SLACK_WORKSPACE_ID),
      'a Slack workspace id of capital letters and digits, e.g. T07EA123LEP, as the Amazon Q Developer console shows ' +
        'it once the workspace is authorized there',
    ),
    slackChannelId: read(
      'slackChannelId',
      matching(SLACK_CHANNEL_ID),
      "a Slack channel id of letters and digits, e.g. C07EZ1ABC23 (the end of the channel's link), not its #name",
    ),
    teamsTeamId: read(
      'teamsTeamId',
      matching(UUID),
      'a Microsoft Teams team id, a UUID such as 74361522-da01-538d-aa2e-ac7918c6bb92, as the Amazon Q Developer ' +
        'console shows it once the team is authorized there',
    ),
    teamsTenantId: read(
      'teamsTenantId',
      matching(UUID),
      'a Microsoft Teams tenant id, a UUID, shown beside the team id in the Amazon Q Developer console',
    ),
    teamsChannelId: read(
      'teamsChannelId',
      matching(TEAMS_CHANNEL_ID),
      "a Microsoft Teams channel id URL-encoded as in the channel's link, e.g. 19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2 " +
        "(':' written %3a, '@' %40), at most 255 characters",
    ),
  };

  problems.push(
    ...incompleteChannelProblems(raw, SLACK_KEYS, 'Slack', {
      slackWorkspaceId: 'the Slack workspace the channel belongs to',
      slackChannelId: 'the Slack channel the alerts go to',
    }),
    ...incompleteChannelProblems(raw, TEAMS_KEYS, 'Microsoft Teams', {
      teamsTeamId: 'the team the channel belongs to',
      teamsTenantId: "the team's tenant",
      teamsChannelId: 'the Teams channel the alerts go to',
    }),
  );

  if (settings.regions.length > 0 && settings.orgTargets.length === 0) {
    problems.push({
      key: 'regions',
      value: raw.regions,
      allowed:
        'only with orgTargets: the regions are where the organization StackSet deploys member sentinels',
    });
  }

  const missedRunWindow = 2 * (schedulePeriodMinutes(settings.schedule) ?? 0);
  if (settings.selfMonitoring && missedRunWindow > MAX_ALARM_WINDOW_MINUTES) {
    problems.push({
      key: 'schedule',
      value: raw.schedule,
      allowed:
        `at most rate(${MAX_ALARM_WINDOW_MINUTES / 2 / 60} hours) while selfMonitoring is on, since its ` +
        'missed-run alarm spans two periods and CloudWatch alarms span at most 7 days (or set selfMonitoring=false)',
    });
  }

  if (problems.length > 0) throw new SettingsError(problems, origin);
  return settings;
}
