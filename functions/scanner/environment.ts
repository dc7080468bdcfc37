import { SettingsError, parseSettings, type SentinelSettings, type SettingProblem } from './settings';

/** What the scanner reads from its Lambda environment, validated once at cold start. */
export interface ScannerEnvironment {
  readonly settings: SentinelSettings;
  readonly topicArn: string;
  readonly tableName: string;
  readonly region: string;
  /**
   * The pending-checks queue, where a state-change event not yet due is sent back with a delay and an alarm's run
   * sends its follow-ups; absent when unset (then neither is sent).
   */
  readonly pendingCheckQueueUrl?: string;
}

/** The variables the CDK construct sets on the scanner. */
export const ENVIRONMENT_VARIABLES = {
  settings: 'SENTINEL_SETTINGS',
  topicArn: 'ALERT_TOPIC_ARN',
  tableName: 'STATE_TABLE_NAME',
  pendingCheckQueueUrl: 'PENDING_CHECK_QUEUE_URL',
} as const;

/**
 * Reads and validates the scanner's environment; throws one SettingsError naming every missing or bad
 * variable and setting, so a misconfigured deployment fails loudly on its first run and does nothing half-way.
 */
export function readEnvironment(env: NodeJS.ProcessEnv): ScannerEnvironment {
  const problems: SettingProblem[] = [];
  const optional = (key: string, allowed: string, pattern: RegExp): string | undefined => {
    const value = env[key];
    if (value !== undefined && !pattern.test(value)) problems.push({ key, value, allowed });
    return value;
  };
  const required = (key: string, allowed: string, pattern: RegExp): string => {
    const value = optional(key, allowed, pattern);
    if (value === undefined) problems.push({ key, value, allowed });
    return value ?? '';
  };

  const topicArn = required(
    ENVIRONMENT_VARIABLES.topicArn,
    'an SNS topic ARN',
    /^arn:aws[\w-]*:sns:[\w-]+:\d{12}:.+$/,
  );
  const tableName = required(ENVIRONMENT_VARIABLES.tableName, 'a DynamoDB table name', /^[\w.-]{3,255}$/);
  const region = required('AWS_REGION', 'an AWS region, set by Lambda', /^[a-z]{2}(-[a-z]+)+-\d+$/);
  // Any host (AWS_ENDPOINT_URL_SQS may point elsewhere), but the path must be <account>/<queue name>.
  const pendingCheckQueueUrl = optional(
    ENVIRONMENT_VARIABLES.pendingCheckQueueUrl,
    'an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue name>) or unset',
    /^https?:\/\/[^/\s]+\/\d{12}\/[\w-]{1,80}$/,
  );
  const rawSettings = env[ENVIRONMENT_VARIABLES.settings] ?? '{}';

  let settings: SentinelSettings | undefined;
  try {
    const parsed: unknown = JSON.parse(rawSettings);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new TypeError('not an object');
    settings = parseSettings(parsed as Record<string, unknown>, 'scanner environment');
  } catch (error) {
    if (error instanceof SettingsError) problems.push(...error.problems);
    else
      problems.push({
        key: ENVIRONMENT_VARIABLES.settings,
        value: rawSettings,
        allowed: 'a JSON object of settings',
      });
  }

  if (problems.length > 0 || !settings) throw new SettingsError(problems, 'scanner environment');
  return { settings, topicArn, tableName, region, ...(pendingCheckQueueUrl ? { pendingCheckQueueUrl } : {}) };
}
