import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { PROVISIONED_DRILL_LIMITS } from '../../../../functions/scanner/collect/drill-provisioned';
import { collectMetrics, type CollectMetricsInput } from '../../../../functions/scanner/collect/metrics';
import { seriesSum } from '../../../../functions/scanner/collect/metric-series';
import { pcHealth } from '../../../../functions/scanner/detect/pc-health';
import { DEFAULT_SETTINGS } from '../../../../functions/scanner/settings';
import { CountingBudget, FakeCloudWatch, type FakeSeries } from '../../../support/fake-cloudwatch';
import { SCAN_AT, regionSeries, staleSeries, windowSeries } from '../../../support/metric-scenarios';
import { detectorContext, listedFunction } from '../../../support/snapshot-builders';

const cloudwatchMock = mockClient(CloudWatchClient);
const lambdaMock = mockClient(LambdaClient);

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function';
const LIVE = { FunctionName: 'checkout', Resource: 'checkout:live' };

function givenAccount(series: readonly FakeSeries[]): FakeCloudWatch {
  const fake = new FakeCloudWatch(series);
  cloudwatchMock.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => fake.answer(input));
  return fake;
}

function givenConfig(status: 'READY' | 'IN_PROGRESS' | 'FAILED' = 'READY', functionName = 'checkout') {
  lambdaMock.on(ListProvisionedConcurrencyConfigsCommand, { FunctionName: functionName }).resolves({
    ProvisionedConcurrencyConfigs: [
      {
        FunctionArn: `${ARN}:${functionName}:live`,
        RequestedProvisionedConcurrentExecutions: 20,
        AllocatedProvisionedConcurrentExecutions: status === 'READY' ? 20 : 0,
        AvailableProvisionedConcurrentExecutions: status === 'READY' ? 20 : 0,
        Status: status,
        LastModified: '2026-11-26T14:22:00+0000',
        ...(status === 'FAILED' ? { StatusReason: 'Insufficient unreserved concurrency' } : {}),
      },
    ],
  });
  lambdaMock
    .on(ListAliasesCommand, { FunctionName: functionName })
    .resolves({ Aliases: [{ Name: 'live', FunctionVersion: '8' }] });
}

function run(overrides: Partial<CollectMetricsInput> = {}) {
  const budget = new CountingBudget();
  const input: CollectMetricsInput = {
    cloudwatch: new CloudWatchClient({ region: 'eu-west-1' }),
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    budget,
    settings: DEFAULT_SETTINGS,
    now: SCAN_AT,
    functions: ['checkout', 'reports', ...Array.from({ length: 12 }, (_, i) => `api-${i}`)].map((name) =>
      listedFunction(name),
    ),
    ...overrides,
  };
  return { budget, result: collectMetrics(input) };
}

const expressions = (fake: FakeCloudWatch) =>
  fake.requests.flatMap((request) =>
    (request.MetricDataQueries ?? []).map((query) => query.Expression ?? ''),
  );

const notFound = () =>
  new ResourceNotFoundException({ message: 'The resource you requested does not exist.', $metadata: {} });

beforeEach(() => {
  cloudwatchMock.reset();
  lambdaMock.reset();
});

describe('the provisioned concurrency drill-down', () => {
  it('for an alias whose traffic went to the bare name, reads the total, then the setup, then the callers', async () => {
    // The alias served until days ago; API Gateway and an SQS mapping now call the bare name.
    const fake = givenAccount([
      ...regionSeries(),
      staleSeries('ProvisionedConcurrencyInvocations', LIVE),
      staleSeries('ProvisionedConcurrencyUtilization', LIVE),
      staleSeries('Invocations', LIVE),
      windowSeries('Invocations', { FunctionName: 'checkout' }, 300),
    ]);
    givenConfig();
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [
        {
          UUID: '1f2e3d4c-0001-4000-8000-000000000001',
          EventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders',
          State: 'Enabled',
          FunctionArn: `${ARN}:checkout`,
        },
      ],
    });
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(notFound());
    lambdaMock.on(GetPolicyCommand).resolves({
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'apigw',
            Effect: 'Allow',
            Principal: { Service: 'apigateway.amazonaws.com' },
            Action: 'lambda:InvokeFunction',
            Resource: `${ARN}:checkout`,
            Condition: {
              ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/*' },
            },
          },
        ],
      }),
    });
    const { budget, result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([]);
    expect(budget.calls).toEqual({
      GetMetricData: 4,
      ListProvisionedConcurrencyConfigs: 1,
      ListAliases: 1,
      ListEventSourceMappings: 1,
      GetFunctionUrlConfig: 1,
      GetPolicy: 1,
    });
    // The URL and the policy of the bare function: no qualifier asked for.
    expect(lambdaMock.commandCalls(GetFunctionUrlConfigCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'checkout',
    });
    expect(lambdaMock.commandCalls(GetPolicyCommand)[0]?.args[0].input).toEqual({ FunctionName: 'checkout' });
    expect(expressions(fake)).toContain(
      `SEARCH('{AWS/Lambda,FunctionName,Resource} MetricName="Invocations" FunctionName="checkout"', 'Sum', 60)`,
    );
    const checkout = metrics.functions.find((fn) => fn.functionName === 'checkout');
    expect(checkout?.reasons).toEqual(['provisioned-health']);
    expect(seriesSum(checkout?.invocations)).toBe(4500);
    expect(checkout?.functionUrls).toEqual([]);
    expect(checkout?.invokePermissions).toEqual([
      {
        sid: 'apigw',
        principal: 'apigateway.amazonaws.com',
        resource: `${ARN}:checkout`,
        sourceArn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/*',
      },
    ]);
    expect(metrics.provisioned[0]?.configs?.[0]).toMatchObject({
      qualifier: 'live',
      status: 'READY',
      lastModified: '2026-11-26T14:22:00+0000',
    });

    const findings = pcHealth.detect(
      detectorContext([listedFunction('checkout')], { snapshot: { metrics } }),
    );
    expect(findings.map((finding) => finding.fingerprint)).toEqual(['pc-health:checkout:live:bypass']);
    expect(findings[0]?.evidence.callersOfBareName).toEqual([
      `event source mapping 1f2e3d4c-0001-4000-8000-000000000001 (Enabled) from arn:aws:sqs:eu-west-1:123456789012:orders invokes the bare name`,
      'API Gateway (arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/*) is allowed to invoke the bare name (policy statement apigw)',
    ]);
  });

  it('for an alias nobody calls, reads the function’s total (one metric) and nothing from Lambda', async () => {
    givenAccount([
      ...regionSeries(),
      staleSeries('ProvisionedConcurrencyInvocations', LIVE),
      staleSeries('ProvisionedConcurrencyUtilization', LIVE),
    ]);
    const { budget, result } = run();
    const { metrics, metricsRequested } = await result;

    expect(budget.calls).toEqual({ GetMetricData: 3 });
    expect(lambdaMock.calls()).toHaveLength(0);
    // Six region series, the alias's two probed series, and the function's total.
    expect(metricsRequested).toBe(6 + 2 + 1);
    expect(pcHealth.detect(detectorContext([listedFunction('checkout')], { snapshot: { metrics } }))).toEqual(
      [],
    );
  });

  it('for an alias whose provisioned concurrency stopped serving minutes ago, reads the versions behind it', async () => {
    const fake = givenAccount([
      ...regionSeries(),
      windowSeries('ProvisionedConcurrencyInvocations', LIVE, (minute) => (minute < 11 ? 600 : 0)),
      windowSeries('ProvisionedConcurrencySpilloverInvocations', LIVE, (minute) => (minute < 11 ? 0 : 600)),
      windowSeries('ProvisionedConcurrencyUtilization', LIVE, (minute) => (minute < 11 ? 0.5 : 0)),
      windowSeries('Invocations', { FunctionName: 'checkout' }, 600),
      windowSeries('Invocations', LIVE, 600),
      windowSeries('ConcurrentExecutions', LIVE, 12),
      windowSeries('Invocations', { ...LIVE, ExecutedVersion: '7' }, (minute) => (minute < 11 ? 600 : 0)),
      windowSeries('Invocations', { ...LIVE, ExecutedVersion: '8' }, (minute) => (minute < 11 ? 0 : 600)),
    ]);
    givenConfig('IN_PROGRESS');
    const { budget, result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([]);
    expect(expressions(fake)).toContain(
      `SEARCH('{AWS/Lambda,ExecutedVersion,FunctionName,Resource} MetricName="Invocations" FunctionName="checkout" Resource="checkout:live"', 'Sum', 60)`,
    );
    // The spillover drill-down read the configs and aliases already; the callers are not read (no bypass).
    expect(budget.calls.ListProvisionedConcurrencyConfigs).toBe(1);
    expect(budget.calls.ListAliases).toBe(1);
    expect(budget.calls.GetPolicy).toBeUndefined();
    const live = metrics.qualifiers.find((qualifier) => qualifier.qualifier === 'live');
    expect(Object.keys(live?.invocationsByExecutedVersion ?? {}).sort()).toEqual(['7', '8']);

    const findings = pcHealth.detect(
      detectorContext([listedFunction('checkout')], { snapshot: { metrics }, now: SCAN_AT }),
    );
    expect(findings.map((finding) => [finding.fingerprint, finding.severity])).toEqual([
      ['pc-health:checkout:live:new-version', 'warning'],
    ]);
    expect(findings[0]?.evidence).toMatchObject({ oldVersions: ['7'], newVersion: '8' });
  });

  it('for an alias about to spill, reads its config and no other series', async () => {
    const fake = givenAccount([
      ...regionSeries(),
      windowSeries('ProvisionedConcurrencyInvocations', LIVE, 600),
      windowSeries('ProvisionedConcurrencyUtilization', LIVE, (minute) => (minute >= 5 ? 0.95 : 0.6)),
    ]);
    givenConfig();
    const { budget, result } = run();
    await result;

    expect(budget.calls).toEqual({ GetMetricData: 2, ListProvisionedConcurrencyConfigs: 1, ListAliases: 1 });
    expect(fake.requests).toHaveLength(2);
  });

  it('re-reads the configs of a function with an open config finding, whatever its metrics show', async () => {
    givenAccount([
      ...regionSeries(),
      windowSeries(
        'ProvisionedConcurrencyInvocations',
        { FunctionName: 'reports', Resource: 'reports:live' },
        50,
      ),
    ]);
    givenConfig('FAILED', 'reports');
    const { budget, result } = run({ provisionedRechecks: ['reports'] });
    const { metrics } = await result;

    expect(budget.calls).toEqual({ GetMetricData: 2, ListProvisionedConcurrencyConfigs: 1, ListAliases: 1 });
    expect(metrics.provisioned[0]?.configs?.[0]).toMatchObject({
      status: 'FAILED',
      statusReason: 'Insufficient unreserved concurrency',
    });
  });

  it('reads nothing in a run that skips the probes, even for a function to re-check', async () => {
    givenAccount([...regionSeries()]);
    const { budget, result } = run({
      provisionedRechecks: ['reports'],
      spilloverProbedThrough: '2026-11-26T14:22:00.000Z',
    });
    const { metrics } = await result;

    expect(budget.calls).toEqual({ GetMetricData: 2 });
    expect(metrics.coverage.provisionedProbe).toBe(false);
  });

  it(`reads the Lambda settings of at most ${PROVISIONED_DRILL_LIMITS.lambdaChecks} functions a run`, async () => {
    const bypassed = Array.from({ length: 12 }, (_, i) => `api-${i}`);
    givenAccount([
      ...regionSeries(),
      ...bypassed.flatMap((name) => [
        staleSeries('ProvisionedConcurrencyInvocations', { FunctionName: name, Resource: `${name}:live` }),
        windowSeries('Invocations', { FunctionName: name }, 100),
      ]),
    ]);
    lambdaMock.on(ListProvisionedConcurrencyConfigsCommand).resolves({ ProvisionedConcurrencyConfigs: [] });
    lambdaMock.on(ListAliasesCommand).resolves({ Aliases: [] });
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
    lambdaMock.on(GetFunctionUrlConfigCommand).rejects(notFound());
    lambdaMock.on(GetPolicyCommand).rejects(notFound());
    const { budget, result } = run();
    const { errors } = await result;

    expect(errors).toEqual([]);
    expect(budget.calls.ListProvisionedConcurrencyConfigs).toBe(PROVISIONED_DRILL_LIMITS.lambdaChecks);
    expect(budget.calls.GetPolicy).toBe(PROVISIONED_DRILL_LIMITS.lambdaChecks);
  });

  it('records a caller read that failed, with its function, and keeps what the others said', async () => {
    givenAccount([
      ...regionSeries(),
      staleSeries('ProvisionedConcurrencyInvocations', LIVE),
      windowSeries('Invocations', { FunctionName: 'checkout' }, 300),
    ]);
    givenConfig();
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
    lambdaMock.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/',
      FunctionArn: `${ARN}:checkout`,
      AuthType: 'AWS_IAM',
    });
    lambdaMock.on(GetPolicyCommand).rejects(
      Object.assign(new Error('not authorized to perform: lambda:GetPolicy'), {
        name: 'AccessDeniedException',
      }),
    );
    const { result } = run();
    const { metrics, errors } = await result;

    expect(errors).toEqual([
      {
        phase: 'collect',
        source: 'GetPolicy',
        functionName: 'checkout',
        code: 'AccessDeniedException',
        message: 'not authorized to perform: lambda:GetPolicy',
      },
    ]);
    const checkout = metrics.functions.find((fn) => fn.functionName === 'checkout');
    expect(checkout?.invokePermissions).toBeUndefined();
    expect(checkout?.functionUrls).toEqual([
      {
        url: 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/',
        functionArn: `${ARN}:checkout`,
        authType: 'AWS_IAM',
      },
    ]);
  });
});
