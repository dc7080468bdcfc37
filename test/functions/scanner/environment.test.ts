import { readEnvironment } from '../../../functions/scanner/environment';

const GOOD = {
  SENTINEL_SETTINGS: JSON.stringify({ pendingMinutes: 9, alertEmails: ['ops@example.com'] }),
  ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:LambdaSentinel-Alerts',
  STATE_TABLE_NAME: 'LambdaSentinel-State',
  AWS_REGION: 'eu-west-1',
};

describe('readEnvironment', () => {
  test('reads the settings the construct serialised, and the resource names', () => {
    const environment = readEnvironment(GOOD);
    expect(environment.settings.pendingMinutes).toBe(9);
    expect(environment.settings.renotifyHours).toBe(24);
    expect(environment.topicArn).toBe(GOOD.ALERT_TOPIC_ARN);
    expect(environment.tableName).toBe('LambdaSentinel-State');
    expect(environment.region).toBe('eu-west-1');
  });

  test('names every missing variable and bad setting in one error', () => {
    const env = { ...GOOD, ALERT_TOPIC_ARN: undefined, SENTINEL_SETTINGS: '{"pendingMinutes":0}' };
    expect(() => readEnvironment(env)).toThrow(
      /scanner environment \(2\):\n {2}- ALERT_TOPIC_ARN=undefined: an SNS topic ARN\n {2}- pendingMinutes=0/,
    );
  });

  test('reads the pending-checks queue URL when set, and leaves it out when not', () => {
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/LambdaSentinel-PendingChecks';

    expect(readEnvironment({ ...GOOD, PENDING_CHECK_QUEUE_URL: queueUrl }).pendingCheckQueueUrl).toBe(
      queueUrl,
    );
    expect(readEnvironment(GOOD).pendingCheckQueueUrl).toBeUndefined();
  });

  test('rejects a pending-checks queue given as an ARN instead of a URL', () => {
    const env = { ...GOOD, PENDING_CHECK_QUEUE_URL: 'arn:aws:sqs:eu-west-1:123456789012:PendingChecks' };
    expect(() => readEnvironment(env)).toThrow(
      'PENDING_CHECK_QUEUE_URL="arn:aws:sqs:eu-west-1:123456789012:PendingChecks": an SQS queue URL',
    );
  });

  test('rejects settings that are not JSON', () => {
    expect(() => readEnvironment({ ...GOOD, SENTINEL_SETTINGS: 'pendingMinutes=3' })).toThrow(
      'SENTINEL_SETTINGS="pendingMinutes=3": a JSON object of settings',
    );
  });
});
