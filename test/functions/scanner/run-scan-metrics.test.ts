import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionCommand,
  GetFunctionRecursionConfigCommand,
  LambdaClient,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { RequestBudget } from '../../../functions/scanner/aws/request-budget';
import type { ScanReport } from '../../../functions/scanner/model';
import { undoAction } from '../../../functions/scanner/remediate/undo';
import { RunFailedError, runScan, type ScanTarget } from '../../../functions/scanner/run-scan';
import { DEFAULT_SETTINGS, parseSettings, type SentinelSettings } from '../../../functions/scanner/settings';
import type {
  ActionLog,
  PreviousState,
  StateChange,
  StateStore,
} from '../../../functions/scanner/state/state-model';
import { DynamoStateStore } from '../../../functions/scanner/state/state-store';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';
import { FakeCloudWatch, type FakeSeries } from '../../support/fake-cloudwatch';
import { SCAN_AT, regionSeries, windowSeries } from '../../support/metric-scenarios';
import { VirtualClock } from '../../support/virtual-clock';
import { MemoryStateStore as SimStateStore } from '../../../sim/memory-state-store';

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

/** A loop growing by 30% a minute from 300 invocations a minute, against a history of 20 a minute. */
const loopRate = (minute: number) => Math.round(300 * 1.3 ** minute);

/** An account in trouble: a hog throttling three others, a runaway loop, and an alias spilling over. */
function troubledAccount(): FakeSeries[] {
  return [
    ...regionSeries({
      concurrency: 990,
      throttlesPerMinute: 120,
      invocationsPerMinute: (minute) => 30_000 + loopRate(minute),
      baselineInvocationsPerMinute: 30_000,
    }),
    windowSeries('ConcurrentExecutions', { FunctionName: HOG }, 940),
    ...VICTIMS.map((name, index) => windowSeries('Throttles', { FunctionName: name }, 10 * (index + 1))),
    windowSeries('Invocations', { FunctionName: LOOP }, loopRate, 20),
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

interface ScanOptions {
  readonly settings?: SentinelSettings;
  readonly stateStore?: StateStore & Partial<ActionLog>;
  readonly target?: Partial<ScanTarget>;
  readonly at?: number;
}

async function scan(options: ScanOptions = {}): Promise<ScanReport> {
  const clock = new VirtualClock(options.at ?? SCAN_AT, true);
  const budget = new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock });
  const stateStore: StateStore & Partial<ActionLog> = options.stateStore ?? new MemoryStateStore();
  return clock.run(() =>
    runScan(
      options.settings ?? DEFAULT_SETTINGS,
      {
        accountId: ACCOUNT,
        region: REGION,
        topicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`,
        ...options.target,
      },
      {
        clients: {
          lambda: new LambdaClient({ region: REGION }),
          cloudwatch: new CloudWatchClient({ region: REGION }),
          sns: new SNSClient({ region: REGION }),
        },
        stateStore,
        ...(stateStore.recordAction ? { actionLog: stateStore as ActionLog } : {}),
        budget,
        clock,
        log: () => undefined,
        newAlertId: () => `alert-${clock.now()}`,
      },
    ),
  );
}

function emailText(index = 0): string {
  const message = snsMock.commandCalls(PublishCommand)[index]?.args[0].input.Message ?? '{}';
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
    // The loop is fed by direct calls, not by a mapping: its remedy is a throttle.
    lambdaMock.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
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

  test('runs that start seconds early or late still leave no minute unprobed for spillover', async () => {
    serveFunctions();
    fake = new FakeCloudWatch(regionSeries());
    const stateStore = new SimStateStore();
    // Three hours of 5-minute runs, each started a few seconds off its schedule, some across a minute boundary.
    const jitterSeconds = [5, -5, 0, 20, -20, 8, -3, 15, -15, 2, 30, -30];
    const firstRun = Date.parse('2026-11-26T14:15:00.000Z');
    const runs = Array.from(
      { length: 36 },
      (_, run) => firstRun + run * 5 * 60_000 + (jitterSeconds[run % jitterSeconds.length] ?? 0) * 1000,
    );
    for (const at of runs) await scan({ stateStore, at });

    const searches = (request: GetMetricDataCommandInput, metricName: string) =>
      (request.MetricDataQueries ?? []).some((query) => query.Expression?.includes(metricName) ?? false);
    const windowCalls = fake.requests.filter((request) => searches(request, 'RecursiveInvocationsDropped'));
    const probes = fake.requests.filter((request) =>
      searches(request, 'ProvisionedConcurrencySpilloverInvocations'),
    );
    // The last run may leave the end of its window to the run after it; every earlier window must be covered.
    const examined = windowCalls.slice(0, -1);
    const examinedFrom = Math.min(...examined.map((request) => request.StartTime?.getTime() ?? NaN));
    const examinedTo = Math.max(...examined.map((request) => request.EndTime?.getTime() ?? NaN));
    const unprobed: string[] = [];
    for (let minute = examinedFrom; minute < examinedTo; minute += 60_000) {
      const covered = probes.some(
        (probe) =>
          (probe.StartTime?.getTime() ?? Infinity) <= minute && minute < (probe.EndTime?.getTime() ?? 0),
      );
      if (!covered) unprobed.push(new Date(minute).toISOString().slice(11, 16));
    }

    expect(windowCalls).toHaveLength(runs.length);
    expect(unprobed).toEqual([]);
    // Not every run pays for the probe, and the state remembers how far the last one reached.
    expect(probes.length).toBeLessThan(runs.length);
    expect((await stateStore.load()).spilloverProbedThrough).toBe(probes.at(-1)?.EndTime?.toISOString());
  });

  describe('with remediation on (dynalite state table)', () => {
    const TABLE = 'LambdaSentinel-StateTable';
    const remediating = parseSettings({ remediate: 'throttle-loops,cap-hogs,unblock-pending' });
    let dynamo: LocalDynamo;
    let store: DynamoStateStore;
    let reserved: Record<string, number>;
    // The table's items expire by the store's clock: it must read the scans' time, not today's date.
    let storeNow = SCAN_AT;
    const storeClock = { now: () => storeNow, sleep: () => Promise.resolve() };

    beforeAll(async () => {
      dynamo = await startDynalite();
    });
    afterAll(() => dynamo.stop());
    beforeEach(async () => {
      store = new DynamoStateStore(dynamo.client, await dynamo.createStateTable(), { clock: storeClock });
      storeNow = SCAN_AT;
      reserved = {};
      lambdaMock
        .on(PutFunctionConcurrencyCommand)
        .callsFake((input: { FunctionName: string; ReservedConcurrentExecutions: number }) => {
          reserved[input.FunctionName] = input.ReservedConcurrentExecutions;
          return { ReservedConcurrentExecutions: input.ReservedConcurrentExecutions };
        });
    });

    const putCalls = () =>
      lambdaMock.commandCalls(PutFunctionConcurrencyCommand).map((call) => call.args[0].input);
    const remediate = (settings: SentinelSettings = remediating, at = SCAN_AT) => {
      storeNow = at;
      return scan({ settings, stateStore: store, target: { stateTableName: TABLE }, at });
    };

    test('throttles the loop, caps the hog, records both for undo and lists them in the alert', async () => {
      serveFunctions(reserved);

      const report = await remediate();

      expect(putCalls()).toEqual([
        { FunctionName: LOOP, ReservedConcurrentExecutions: 0 },
        { FunctionName: HOG, ReservedConcurrentExecutions: 470 },
      ]);
      expect(report.actions.map((action) => [action.kind, action.functionName, action.applied])).toEqual([
        ['throttle', LOOP, true],
        ['cap', HOG, true],
      ]);
      const records = [...((await store.load()).actions ?? [])].sort((a, b) =>
        a.functionName.localeCompare(b.functionName),
      );
      expect(
        records.map((record) => [record.functionName, record.status, record.previous, record.next]),
      ).toEqual([
        [HOG, 'applied', null, 470],
        [LOOP, 'applied', null, 0],
      ]);
      const email = emailText();
      for (const action of report.actions) {
        expect(email).toContain(`npx lambda-sentinel undo ${action.id} --table ${TABLE} --region ${REGION}`);
      }
      expect(email).toContain(`Throttled ${LOOP}: reserved concurrency none -> 0`);
      expect(email).toContain(`Capped ${HOG}: reserved concurrency none -> 470`);
    });

    test('reports a loop AWS already cut, and says it was not acted on', async () => {
      fake = new FakeCloudWatch([
        ...troubledAccount(),
        windowSeries('RecursiveInvocationsDropped', { FunctionName: 'quiet-3' }, 40),
      ]);
      serveFunctions(reserved);

      const report = await remediate();

      expect(report.findings.map((finding) => finding.fingerprint)).toContain(
        'recursive-loop:quiet-3:dropped',
      );
      expect(putCalls().map((input) => input.FunctionName)).not.toContain('quiet-3');
      expect(emailText()).toContain(
        'throttle quiet-3 (recursive-loop): not done, reported, not acted on: AWS already cut the chain',
      );
    });

    test('a retried run repeats no action, even where Lambda does not yet show the change', async () => {
      serveFunctions(); // GetFunction keeps answering "no reservation": only the action records can tell
      snsMock.on(PublishCommand).rejectsOnce(new Error('SNS is unavailable')).resolves({ MessageId: 'm-2' });

      await expect(remediate()).rejects.toBeInstanceOf(RunFailedError);
      const retry = await remediate(remediating, SCAN_AT + 60_000);

      expect(putCalls()).toHaveLength(2);
      expect(retry.actions).toEqual([]);
      expect(emailText(1)).toContain(`Throttled ${LOOP}`); // the failed run's alert, delivered by the retry
    });

    test('a dry run decides the same actions, sends no mutating call and says what it would do', async () => {
      serveFunctions(reserved);

      const report = await remediate(parseSettings({ remediate: 'throttle-loops,cap-hogs', dryRun: true }));

      expect(putCalls()).toEqual([]);
      expect(report.actions.map((action) => [action.functionName, action.applied, action.dryRun])).toEqual([
        [LOOP, false, true],
        [HOG, false, true],
      ]);
      expect(emailText()).toContain(`Would throttle ${LOOP}: reserved concurrency none -> 0`);
    });

    test('a protected function and the sentinel itself are reported but never touched', async () => {
      serveFunctions(reserved, { [HOG]: { 'lambda-sentinel:protect': 'true' } });

      const report = await scan({
        settings: remediating,
        stateStore: store,
        target: { stateTableName: TABLE, selfFunctionName: LOOP },
      });

      expect(putCalls()).toEqual([]);
      expect(report.findings.map((finding) => finding.functionName)).toEqual(
        expect.arrayContaining([HOG, LOOP]),
      );
      const email = emailText();
      expect(email).toContain(
        `cap ${HOG} (concurrency-hog): not done, it carries the tag lambda-sentinel:protect`,
      );
      expect(email).toContain(`throttle ${LOOP} (recursive-loop): not done, this is the sentinel itself`);
    });

    test('after an undo, the next run does not throttle the loop again', async () => {
      serveFunctions(reserved);
      const first = await remediate();
      const throttle = first.actions.find((action) => action.kind === 'throttle');
      lambdaMock.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 0 });
      lambdaMock.on(DeleteFunctionConcurrencyCommand).callsFake((input: { FunctionName: string }) => {
        delete reserved[input.FunctionName];
        return {};
      });

      await undoAction({
        actionId: throttle?.id ?? '',
        actionLog: store,
        lambda: new LambdaClient({ region: REGION }),
      });
      // Half a minute later: the same window, in which the loop still runs.
      const next = await remediate(remediating, SCAN_AT + 30_000);

      expect(reserved[LOOP]).toBeUndefined();
      expect(next.findings.map((finding) => finding.functionName)).toContain(LOOP);
      expect(next.actions).toEqual([]);
      expect(putCalls().filter((input) => input.FunctionName === LOOP)).toHaveLength(1);
    });
  });
});
