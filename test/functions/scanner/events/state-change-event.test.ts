import {
  dueAt,
  functionNameFromArn,
  parseStateChangeEvent,
  redelaySeconds,
} from '../../../../functions/scanner/events/state-change-event';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:vpc-ingest';
const TIME = '2030-01-01T12:00:00Z';

function eventBody(parts: Record<string, unknown>): string {
  return JSON.stringify({
    version: '0',
    id: '7f7b3a52-6c1e-4b53-9b1c-2f1a0c0e9d11',
    'detail-type': 'Lambda Function State Change',
    source: 'aws.lambda',
    account: '123456789012',
    time: TIME,
    region: 'eu-west-1',
    ...parts,
  });
}

describe('parseStateChangeEvent', () => {
  test('takes the function from detail.functionName and the time from the envelope', () => {
    const body = eventBody({
      resources: [`${ARN}:7`],
      detail: { functionName: 'vpc-ingest', state: 'Pending' },
    });

    expect(parseStateChangeEvent(body)).toEqual({ functionName: 'vpc-ingest', changedAt: Date.parse(TIME) });
  });

  test('falls back to the first resource ARN, dropping its version or alias', () => {
    expect(parseStateChangeEvent(eventBody({ resources: [`${ARN}:live`], detail: {} }))?.functionName).toBe(
      'vpc-ingest',
    );
    expect(parseStateChangeEvent(eventBody({ resources: [ARN] }))?.functionName).toBe('vpc-ingest');
  });

  test('keeps an event whose time is unreadable, without a time', () => {
    const notice = parseStateChangeEvent(
      eventBody({ time: 'yesterday', detail: { functionName: 'vpc-ingest' } }),
    );

    expect(notice).toEqual({ functionName: 'vpc-ingest' });
  });

  test.each([
    ['not JSON', 'vpc-ingest went Pending'],
    ['a JSON array', '[]'],
    ['no function anywhere', eventBody({ resources: [], detail: { state: 'Pending' } })],
    ['a resource that is not a function', eventBody({ resources: ['arn:aws:sqs:eu-west-1:123456789012:q'] })],
  ])('names no function for %s', (_case, body) => {
    expect(parseStateChangeEvent(body)).toBeUndefined();
  });
});

describe('functionNameFromArn', () => {
  test('reads the name from function ARNs in any partition', () => {
    expect(functionNameFromArn('arn:aws-cn:lambda:cn-north-1:123456789012:function:orders:$LATEST')).toBe(
      'orders',
    );
  });

  test('rejects a layer ARN', () => {
    expect(functionNameFromArn('arn:aws:lambda:eu-west-1:123456789012:layer:shared:3')).toBeUndefined();
  });
});

describe('dueAt and redelaySeconds', () => {
  const changedAt = Date.parse(TIME);

  test('a change is due 30 s after pendingMinutes have passed since it happened; one with no time is due now', () => {
    expect(dueAt({ functionName: 'f', changedAt }, 6, changedAt)).toBe(changedAt + 6 * 60_000 + 30_000);
    expect(dueAt({ functionName: 'f' }, 6, changedAt + 1)).toBe(changedAt + 1);
  });

  test('a check re-sent for a long pendingMinutes comes back after the detector’s threshold, not on it', () => {
    // The event's time has whole seconds; the function's LastModified is the same second, 400 ms in.
    const lastModified = changedAt + 400;
    const firstDelivery = changedAt + 15 * 60_000;
    const checkedAt =
      firstDelivery +
      redelaySeconds(dueAt({ functionName: 'f', changedAt }, 20, firstDelivery), firstDelivery) * 1000;

    expect(checkedAt - lastModified).toBeGreaterThan(20 * 60_000);
  });

  test('the delay covers what is left, rounded up to whole seconds', () => {
    expect(redelaySeconds(changedAt + 240_000, changedAt)).toBe(240);
    expect(redelaySeconds(changedAt + 1_500, changedAt)).toBe(2);
  });

  test('a message that came due while it waited is sent with no delay rather than a negative one', () => {
    expect(redelaySeconds(changedAt, changedAt + 30_000)).toBe(0);
  });

  test('the delay stops at SQS’s 15-minute maximum; the message then comes back and goes round again', () => {
    expect(redelaySeconds(changedAt + 40 * 60_000, changedAt)).toBe(900);
  });
});
