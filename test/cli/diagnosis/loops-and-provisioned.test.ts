import {
  GetFunctionCommand,
  GetFunctionRecursionConfigCommand,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  type ProvisionedConcurrencyConfigListItem,
} from '@aws-sdk/client-lambda';
import { ListSubscriptionsCommand } from '@aws-sdk/client-sns';
import {
  ARN,
  accessDenied,
  configuration,
  healthyFunction,
  lineOn,
  linesOn,
  metrics,
  mocks,
} from './diagnosis-fixture';

const LOOP = 'Invocation looping';
const COLD = 'Cold starts with provisioned concurrency';
const ALIAS = 'Alias routing with provisioned concurrency';
const LATENCY = 'Latency variability with provisioned concurrency';
const VERSIONS = 'Cold starts with new versions';

function provisioned(...configs: Partial<ProvisionedConcurrencyConfigListItem>[]) {
  mocks.lambda.on(ListProvisionedConcurrencyConfigsCommand).resolves({
    ProvisionedConcurrencyConfigs: configs.map((config) => ({
      FunctionArn: `${ARN}:live`,
      RequestedProvisionedConcurrentExecutions: 10,
      AllocatedProvisionedConcurrentExecutions: 10,
      Status: 'READY',
      ...config,
    })),
  });
}

function liveAlias(weights?: Record<string, number>) {
  mocks.lambda.on(ListAliasesCommand).resolves({
    Aliases: [
      {
        Name: 'live',
        FunctionVersion: '7',
        AliasArn: `${ARN}:live`,
        ...(weights ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
      },
    ],
  });
}

describe('diagnose: looping', () => {
  beforeEach(healthyFunction);

  it('passes a function with no dropped recursion and no runaway, with loop detection on', async () => {
    expect(await lineOn(LOOP)).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(/^no dropped recursive invocations and no runaway/),
    });
  });

  it('is UNKNOWN, never OK, when GetFunctionRecursionConfig failed', async () => {
    mocks.lambda
      .on(GetFunctionRecursionConfigCommand)
      .rejects(accessDenied('lambda:GetFunctionRecursionConfig'));

    const line = await lineOn(LOOP);

    expect(line.status).toBe('unknown');
    expect(line.summary).toContain(
      "whether Lambda's loop detection is on: GetFunctionRecursionConfig failed: AccessDeniedException",
    );
  });

  it('tells that loop detection is off (Allow)', async () => {
    mocks.lambda.on(GetFunctionRecursionConfigCommand).resolves({ RecursiveLoop: 'Allow' });

    expect(await lineOn(LOOP)).toMatchObject({
      status: 'info',
      summary: expect.stringMatching(/^recursive loop detection is set to Allow/),
    });
  });

  it("reports the invocations AWS dropped, from the scanner's recursive-loop detector", async () => {
    metrics({ dropped: [[10, 42]], invocations: [[10, 300]] });

    expect(await lineOn(LOOP)).toMatchObject({
      status: 'warning',
      summary: 'AWS stopped a recursive loop in orders-api: 42 invocations dropped',
    });
  });

  it("names the triggers Lambda's loop detection does not cover", async () => {
    mocks.lambda.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [
        {
          UUID: 'm-1',
          EventSourceArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/1',
          FunctionArn: ARN,
          State: 'Enabled',
        },
      ],
    });

    expect((await lineOn(LOOP)).summary).toContain(
      "Lambda's loop detection does not cover its trigger arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/1",
    );
  });
});

describe('diagnose: provisioned concurrency, alias routing and new versions', () => {
  beforeEach(healthyFunction);

  it('says the four sections do not apply to a function without provisioned concurrency', async () => {
    expect((await lineOn(COLD)).status).toBe('ok');
    expect((await lineOn(LATENCY)).summary).toBe('no provisioned concurrency: this section does not apply');
    expect((await lineOn(VERSIONS)).summary).toBe('no provisioned concurrency to shift between versions');
    expect((await lineOn(ALIAS)).summary).toBe('no alias splits its traffic between two versions');
  });

  it('is UNKNOWN when the provisioned concurrency configs could not be listed', async () => {
    mocks.lambda
      .on(ListProvisionedConcurrencyConfigsCommand)
      .rejects(accessDenied('lambda:ListProvisionedConcurrencyConfigs'));

    for (const topic of [COLD, LATENCY, VERSIONS]) {
      expect((await lineOn(topic)).status).toBe('unknown');
    }
  });

  it('passes provisioned concurrency that is READY and did not spill', async () => {
    provisioned({});
    liveAlias();

    expect(await lineOn(COLD)).toMatchObject({
      status: 'ok',
      summary: 'live: 10 provisioned (READY); no spillover in the window',
    });
  });

  it("reports spillover from the scanner's pc-spillover detector", async () => {
    provisioned({});
    liveAlias({ '8': 0.1 });
    metrics({ 'r_spillover/orders-api:live': [[12, 500]], 'r_concurrency/orders-api:live': [[12, 11]] });

    const [cold] = await linesOn(COLD);
    const alias = await lineOn(ALIAS);

    expect(cold).toMatchObject({
      status: 'warning',
      summary: expect.stringMatching(/^orders-api:live spilled 500 invocations/),
    });
    expect(alias.status).toBe('warning');
    expect(alias.summary).toMatch(
      /^alias live sends 10% to version 8 and the rest to version 7, and spilled over/,
    );
  });

  it('reports provisioned concurrency that could not be allocated', async () => {
    provisioned({ Status: 'FAILED', StatusReason: 'Insufficient unreserved concurrency' });
    liveAlias();

    expect(await lineOn(COLD)).toMatchObject({
      status: 'problem',
      summary: 'provisioned concurrency could not be allocated on live: Insufficient unreserved concurrency',
    });
  });

  it('warns of a trigger that invokes the function unqualified, which provisioned concurrency does not serve', async () => {
    provisioned({});
    liveAlias();
    mocks.sns.on(ListSubscriptionsCommand).resolves({
      Subscriptions: [
        { TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', Protocol: 'lambda', Endpoint: ARN },
      ],
    });

    const lines = await linesOn(COLD);

    expect(lines).toEqual([
      expect.objectContaining({
        status: 'warning',
        summary:
          'SNS topic arn:aws:sns:eu-west-1:123456789012:t invokes orders-api unqualified, which provisioned ' +
          'concurrency (on live) does not serve: its invocations start cold',
        advice: 'Point the trigger at orders-api:live.',
      }),
    ]);
  });

  it('tells of alias routing with provisioned concurrency behind it', async () => {
    provisioned({});
    liveAlias({ '8': 0.2 });

    expect(await lineOn(ALIAS)).toMatchObject({
      status: 'info',
      summary:
        'alias live sends 20% to version 8 and the rest to version 7, with provisioned concurrency behind it; no spillover in the window',
    });
  });

  it('warns of first-invocation latency for a lazily loading runtime on 128 MB', async () => {
    provisioned({});
    mocks.lambda
      .on(GetFunctionCommand)
      .resolves({ Configuration: configuration({ Runtime: 'java21', MemorySize: 128 }) });

    const line = await lineOn(LATENCY);

    expect(line.status).toBe('warning');
    expect(line.summary).toContain('java21 with 128 MB');
    expect(line.summary).toContain(
      'first-invocation latency is not in Lambda metrics, so it cannot be measured here',
    );
  });

  it('tells that provisioned concurrency on a version does not follow new versions', async () => {
    provisioned({ FunctionArn: `${ARN}:7` });

    expect(await lineOn(VERSIONS)).toMatchObject({
      status: 'info',
      summary: expect.stringContaining('provisioned concurrency is on version 7, not on an alias'),
    });
  });

  it('tells that provisioned concurrency on an alias shifts with the alias', async () => {
    provisioned({});
    liveAlias();

    expect(await lineOn(VERSIONS)).toMatchObject({
      status: 'info',
      summary: expect.stringContaining("Lambda shifts it by the alias's weights"),
    });
  });
});
