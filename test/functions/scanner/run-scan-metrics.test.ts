import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionRecursionConfigCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListProvisionedConcurrencyConfigsCommand,
} from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { RequestBudget } from '../../../functions/scanner/aws/request-budget';
import type { ScanReport } from '../../../functions/scanner/model';
import { runScan } from '../../../functions/scanner/run-scan';
import { DEFAULT_SETTINGS } from '../../../functions/scanner/settings';
import type { PreviousState, StateChange, StateStore } from '../../../functions/scanner/state/state-model';
import { FakeCloudWatch, type FakeSeries } from '../../support/fake-cloudwatch';
import { SCAN_AT, regionSeries, windowSeries } from '../../support/metric-scenarios';
import { VirtualClock } from '../../support/virtual-clock';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const HOG = 'image-resizer';
const VICTIMS = ['checkout-api', 'payments-webhook', 'search-indexer'];
const LOOP = 'order-events';
const SPILLING = 'quote-api';
const NAMES = [HOG, ...VICTIMS, LOOP, SPILLING, ...Array.from({ length: 24 }, (_, i) => `quiet-${i}`)];

const lambdaMock = mockClient(LambdaClient);
const cloudwatchMock = mockClient(CloudWatchClient);
const snsMock = mockClient(SNSClient);

/** A state store with nothing from earlier runs, keeping what the run saves. */
class MemoryStateStore implements StateStore {
  saved: StateChange[] = [];
  load(): Promise<PreviousState> {
    return Promise.resolve({ openFindings: [], watchedFunctions: [], pendingAlerts: [] });
  }
  save(change: StateChange): Promise<void> {
    this.saved.push(change);
    return Promise.resolve();
  }
  markDelivered(): Promise<void> {
    return Promise.resolve();
  }
}

/** An account in trouble: a hog throttling three others, a runaway loop, and an alias spilling over. */
function troubledAccount(): FakeSeries[] {
  return [
    ...regionSeries({
      concurrency: 990,
      throttlesPerMinute: 120,
      invocationsPerMinute: (minute) => 30_000 + minute * 900,
      baselineInvocationsPerMinute: 30_000,
    }),
    windowSeries('ConcurrentExecutions', { FunctionName: HOG }, 940),
    ...VICTIMS.map((name, index) => windowSeries('Throttles', { FunctionName: name }, 10 * (index + 1))),
    windowSeries('Invocations', { FunctionName: LOOP }, (minute) => 300 + minute * 900, 20),
    windowSeries(
      'ProvisionedConcurrencySpilloverInvocations',
      { FunctionName: SPILLING, Resource: `${SPILLING}:live` },
      40,
    ),
    windowSeries('ConcurrentExecutions', { FunctionName: SPILLING, Resource: `${SPILLING}:live` }, 14),
    windowSeries('Invocations', { FunctionName: SPILLING, Resource: `${SPILLING}:live` }, 6_000),
    windowSeries('Invocations', { FunctionName: SPILLING }, 6_000),
  ];
}

function serveFunctions(
  reserved: Record<string, number> = {},
  tags: Record<string, Record<string, string>> = {},
) {
  const modified = new Date(SCAN_AT - 30 * 86_400_000).toISOString().replace('Z', '+0000');
  lambdaMock.on(ListFunctionsCommand).resolves({
    Functions: NAMES.map((name) => ({
      FunctionName: name,
      FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      LastModified: modified,
    })),
  });
  lambdaMock.on(GetFunctionCommand).callsFake(({ FunctionName }: { FunctionName: string }) => ({
    Configuration: { FunctionName, LastModified: modified, State: 'Active', LastUpdateStatus: 'Successful' },
    ...(reserved[FunctionName] !== undefined
      ? { Concurrency: { ReservedConcurrentExecutions: reserved[FunctionName] } }
      : {}),
    Tags: tags[FunctionName] ?? {},
  }));
}

async function scan(): Promise<ScanReport> {
  const clock = new VirtualClock(SCAN_AT);
  const budget = new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock });
  return clock.run(() =>
    runScan(
      DEFAULT_SETTINGS,
      { accountId: ACCOUNT, region: REGION, topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts` },
      {
        clients: {
          lambda: new LambdaClient({ region: REGION }),
          cloudwatch: new CloudWatchClient({ region: REGION }),
          sns: new SNSClient({ region: REGION }),
        },
        stateStore: new MemoryStateStore(),
        budget,
        clock,
        log: () => undefined,
        newAlertId: () => 'alert-1',
      },
    ),
  );
}

function emailText(): string {
  const message = snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}';
  return (JSON.parse(message) as { email?: string }).email ?? '';
}

describe('runScan with metric trouble (mocked Lambda, CloudWatch and SNS)', () => {
  let fake: FakeCloudWatch;

  beforeEach(() => {
    lambdaMock.reset();
    cloudwatchMock.reset();
    snsMock.reset();
    fake = new FakeCloudWatch(troubledAccount());
    cloudwatchMock
      .on(GetMetricDataCommand)
      .callsFake((input: GetMetricDataCommandInput) => fake.answer(input));
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    lambdaMock.on(GetAccountSettingsCommand).resolves({
      AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 900 },
    });
    lambdaMock.on(GetFunctionRecursionConfigCommand).resolves({ RecursiveLoop: 'Terminate' });
    lambdaMock.on(ListProvisionedConcurrencyConfigsCommand).resolves({
      ProvisionedConcurrencyConfigs: [
        {
          FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${SPILLING}:live`,
          RequestedProvisionedConcurrentExecutions: 10,
          AllocatedProvisionedConcurrentExecutions: 10,
          Status: 'READY',
        },
      ],
    });
    lambdaMock.on(ListAliasesCommand).resolves({ Aliases: [{ Name: 'live', FunctionVersion: '4' }] });
  });

  test('reports the hog with its victims, the loop and the spillover, with numbers and metric graph links', async () => {
    serveFunctions();

    const report = await scan();

    expect(report.findings.map((f) => `${f.kind}:${f.functionName}`).sort()).toEqual([
      `concurrency-hog:${HOG}`,
      `pc-spillover:${SPILLING}`,
      `recursive-loop:${LOOP}`,
    ]);
    expect(report.stats.apiCalls.GetMetricData).toBeLessThanOrEqual(10);
    expect(report.stats.metricsRequested).toBeGreaterThan(0);
    // The hog was named by metrics, not by this run's rotation: it is checked before being reported.
    expect(lambdaMock.commandCalls(GetFunctionCommand, { FunctionName: HOG })).toHaveLength(1);

    const email = emailText();
    expect(email).toContain(HOG);
    expect(email).toContain('940'); // the hog's peak concurrency
    expect(email).toContain('1000'); // the account limit
    for (const victim of VICTIMS) expect(email).toContain(victim);
    expect(email).toContain(`${SPILLING}:live`);
    expect(email).toContain(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#metricsV2',
    );
  });

  test('a function with its own reserved concurrency is never reported as a hog', async () => {
    serveFunctions({ [HOG]: 950 });

    const report = await scan();

    expect(report.findings.map((f) => f.kind)).not.toContain('concurrency-hog');
  });

  test('metric findings on a function carrying the ignore tag stay silent', async () => {
    serveFunctions({}, { [LOOP]: { 'lambda-sentinel:ignore': 'yes' } });

    const report = await scan();

    expect(report.findings.map((f) => f.functionName)).not.toContain(LOOP);
    expect(emailText()).not.toContain(LOOP);
  });
});
