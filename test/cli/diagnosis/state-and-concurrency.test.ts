import { GetAccountSettingsCommand, GetFunctionCommand } from '@aws-sdk/client-lambda';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  accessDenied,
  awsError,
  configuration,
  healthyFunction,
  lineOn,
  metrics,
  mocks,
  NOW,
} from './diagnosis-fixture';

const CONCURRENCY = 'One function using all concurrency';
const lambdaTime = (epochMs: number) => new Date(epochMs).toISOString().replace('Z', '+0000');

/** Every minute of the 15-minute window at `value`. */
const steady = (value: number) => Array.from({ length: 15 }, (_, index) => [index, value] as const);

describe('diagnose: state and the Pending sections', () => {
  beforeEach(healthyFunction);

  it('says an Active function can be invoked and changed, and that nothing is refused with ResourceConflictException', async () => {
    expect(await lineOn('State')).toMatchObject({
      status: 'ok',
      summary: expect.stringContaining('Active, last update Successful'),
    });
    expect(await lineOn('ResourceConflictException')).toMatchObject({ status: 'ok' });
    expect(await lineOn('Stuck in Pending')).toMatchObject({ status: 'ok', summary: 'not Pending' });
  });

  it("reports a function Pending for 14 minutes as stuck (the scanner's detector), and what Pending refuses", async () => {
    mocks.lambda.on(GetFunctionCommand).resolves({
      Configuration: configuration({
        State: 'Pending',
        StateReasonCode: 'Creating',
        LastModified: lambdaTime(NOW - 14 * 60_000),
        VpcConfig: { SubnetIds: ['subnet-1'], VpcId: 'vpc-1' },
      }),
    });

    const stuck = await lineOn('Stuck in Pending');
    const conflict = await lineOn('ResourceConflictException');

    expect(stuck.status).toBe('problem');
    expect(stuck.summary).toMatch(/^orders-api has been Pending for 14 minutes/);
    expect(stuck.advice).toContain('UpdateFunctionConfiguration');
    expect(conflict.status).toBe('warning');
    expect(conflict.summary).toContain(
      'invoking it, and changing its code or configuration, fail with ResourceConflictException',
    );
    expect(conflict.summary).toContain('while Lambda creates its network interfaces');
  });

  it('says an update in progress leaves invocations alone but refuses changes', async () => {
    mocks.lambda.on(GetFunctionCommand).resolves({
      Configuration: configuration({
        LastUpdateStatus: 'InProgress',
        LastModified: lambdaTime(NOW - 60_000),
      }),
    });

    expect(await lineOn('ResourceConflictException')).toMatchObject({
      status: 'info',
      summary: expect.stringContaining(
        'it can still be invoked (with its previous configuration), but changes',
      ),
    });
    expect(await lineOn('Stuck in Pending')).toMatchObject({
      status: 'info',
      summary: 'updating, but not yet for 6 minutes, when the guide calls it stuck',
    });
  });

  it('reports a Failed function with the reason code and its advice', async () => {
    mocks.lambda.on(GetFunctionCommand).resolves({
      Configuration: configuration({
        State: 'Failed',
        StateReasonCode: 'SubnetOutOfIPAddresses',
        StateReason: 'All subnets have run out of free IP addresses.',
      }),
    });

    const state = await lineOn('State');

    expect(state.status).toBe('problem');
    expect(state.summary).toContain('SubnetOutOfIPAddresses');
  });
});

describe('diagnose: one function using all concurrency', () => {
  beforeEach(healthyFunction);

  it('passes a function of the pool when nothing in the region was throttled', async () => {
    metrics({ concurrency: steady(40), acct_throttles: [] });

    expect(await lineOn(CONCURRENCY)).toMatchObject({
      status: 'ok',
      summary:
        'it shares the unreserved pool of 1000 (account limit 1000); peak 40 concurrent in the last 15 minutes; no function in the region was throttled in the last 15 minutes',
    });
  });

  it('reports reserved concurrency 0 as a PROBLEM: every invocation is throttled', async () => {
    mocks.lambda.on(GetFunctionCommand).resolves({
      Configuration: configuration(),
      Concurrency: { ReservedConcurrentExecutions: 0 },
    });

    expect(await lineOn(CONCURRENCY)).toMatchObject({
      status: 'problem',
      summary: expect.stringMatching(/^reserved concurrency is 0: every invocation is throttled/),
    });
  });

  it('warns when a function reached its own reservation', async () => {
    mocks.lambda.on(GetFunctionCommand).resolves({
      Configuration: configuration(),
      Concurrency: { ReservedConcurrentExecutions: 50 },
    });
    metrics({ concurrency: steady(50), throttles: [[3, 120]], acct_throttles: [[3, 120]] });

    expect(await lineOn(CONCURRENCY)).toMatchObject({
      status: 'warning',
      summary: expect.stringContaining(
        '120 throttled requests in the last 15 minutes: it reached its own reserved concurrency of 50',
      ),
    });
  });

  it("names the function the hog, as the scanner's concurrency-hog detector does, when others in the pool were throttled", async () => {
    metrics({
      concurrency: steady(920),
      acct_throttles: steady(300),
      acct_unreserved: steady(990),
      'top_concurrency/orders-api': steady(920),
      'top_throttles/checkout-api': steady(300),
    });
    mocks.lambda.on(GetFunctionCommand, { FunctionName: 'checkout-api' }).resolves({
      Configuration: configuration({
        FunctionName: 'checkout-api',
        FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:checkout-api',
      }),
    });

    const line = await lineOn(CONCURRENCY);

    expect(line.status).toBe('problem');
    expect(line.summary).toMatch(
      /^orders-api peaked at 920 concurrent executions, 92% of the unreserved pool of 1,000, while 1 other function/,
    );
    expect(mocks.lambda.commandCalls(GetFunctionCommand, { FunctionName: 'checkout-api' })).toHaveLength(1);
  });

  it('names the hog that starved a throttled function', async () => {
    metrics({
      concurrency: steady(30),
      throttles: steady(40),
      acct_throttles: steady(300),
      acct_unreserved: steady(995),
      'top_concurrency/image-resizer': steady(950),
      'top_throttles/orders-api': steady(40),
    });
    mocks.lambda.on(GetFunctionCommand, { FunctionName: 'image-resizer' }).resolves({
      Configuration: configuration({
        FunctionName: 'image-resizer',
        FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:image-resizer',
      }),
    });

    const line = await lineOn(CONCURRENCY);

    expect(line.status).toBe('problem');
    expect(line.summary).toMatch(
      /^600 throttled requests in the last 15 minutes while another function held the pool: image-resizer peaked at 950/,
    );
    expect(line.advice).toMatch(
      /^Reserve concurrency for orders-api so that it keeps a share whatever image-resizer does/,
    );
  });

  it('warns of throttles when no single function held the pool', async () => {
    metrics({
      concurrency: steady(30),
      throttles: [[5, 12]],
      acct_throttles: [[5, 40]],
      acct_unreserved: steady(1000),
    });

    expect(await lineOn(CONCURRENCY)).toMatchObject({
      status: 'warning',
      summary: expect.stringContaining(
        '12 throttled requests in the last 15 minutes, though no single function held 80% of the pool',
      ),
    });
  });

  it('tells a function that holds most of the pool while nobody else was throttled (INFO, not a hog)', async () => {
    metrics({ concurrency: steady(900), acct_throttles: [] });

    expect(await lineOn(CONCURRENCY)).toMatchObject({
      status: 'info',
      summary: expect.stringContaining(
        'it used 90% of the unreserved pool of 1000 in the last 15 minutes, but no other function',
      ),
    });
  });

  it('is UNKNOWN, not a WARNING, when GetAccountSettings failed', async () => {
    mocks.lambda.on(GetAccountSettingsCommand).rejects(accessDenied('lambda:GetAccountSettings'));

    const line = await lineOn(CONCURRENCY);

    expect(line.status).toBe('unknown');
    expect(line.summary).toMatch(
      /but the size of the unreserved pool: GetAccountSettings failed: AccessDeniedException/,
    );
  });

  it('is UNKNOWN when the metrics could not be read', async () => {
    mocks.cloudwatch.on(GetMetricDataCommand).rejects(awsError('InternalServiceError', 'try later'));

    expect(await lineOn(CONCURRENCY)).toMatchObject({
      status: 'unknown',
      summary: 'its concurrency: GetMetricData failed: InternalServiceError: try later',
    });
  });

  it('is UNKNOWN when the drill-down that would name a hog failed', async () => {
    metrics(
      {
        concurrency: steady(30),
        throttles: steady(10),
        acct_throttles: steady(300),
        acct_unreserved: steady(995),
      },
      { ids: ['top_concurrency'], error: accessDenied('cloudwatch:GetMetricData') },
    );

    const line = await lineOn(CONCURRENCY);

    expect(line.status).toBe('unknown');
    expect(line.summary).toMatch(
      /; who else held the pool: GetMetricData failed: AccessDeniedException: User: /,
    );
  });
});
