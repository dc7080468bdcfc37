import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { RequestBudget } from '../../../functions/scanner/aws/request-budget';
import { runFocusedCheck } from '../../../functions/scanner/focused-check';
import type { ScanReport } from '../../../functions/scanner/model';
import { parseSettings, type SentinelOptions } from '../../../functions/scanner/settings';
import type { StoredFinding } from '../../../functions/scanner/state/state-model';
import { MemoryStateStore } from '../../../sim/memory-state-store';
import {
  FAKE_ACCOUNT,
  fakeFunction,
  serveAccount,
  type FakeFunction,
} from '../../support/fake-lambda-account';
import { VirtualClock } from '../../support/virtual-clock';

const { accountId, region } = FAKE_ACCOUNT;
const TOPIC = `arn:aws:sns:${region}:${accountId}:LambdaSentinel-Alerts`;
const MINUTE = 60_000;

const lambdaMock = mockClient(LambdaClient);
const snsMock = mockClient(SNSClient);
const cloudwatchMock = mockClient(CloudWatchClient);

describe('runFocusedCheck (mocked Lambda and SNS, in-memory state)', () => {
  let clock: VirtualClock;
  let store: MemoryStateStore;
  let account: Map<string, FakeFunction>;

  beforeEach(() => {
    lambdaMock.reset();
    snsMock.reset();
    cloudwatchMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    clock = new VirtualClock();
    store = new MemoryStateStore();
    account = new Map([['vpc-ingest', fakeFunction('vpc-ingest', clock.now() - 30 * MINUTE, {})]]);
    serveAccount(lambdaMock, account);
  });

  function focusedCheck(names: readonly string[], options: SentinelOptions = {}): Promise<ScanReport> {
    const budget = new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock });
    return clock.run(() =>
      runFocusedCheck(
        parseSettings({ ...options }),
        { accountId, region, topicArn: TOPIC },
        {
          clients: {
            lambda: new LambdaClient({ region }),
            cloudwatch: new CloudWatchClient({ region }),
            sns: new SNSClient({ region }),
          },
          stateStore: store,
          actionLog: store,
          budget,
          clock,
          log: () => undefined,
          newAlertId: () => 'alert-1',
        },
        names,
      ),
    );
  }

  async function openFindings(...findings: StoredFinding[]): Promise<void> {
    await store.save({
      runAt: new Date(clock.now() - 5 * MINUTE).toISOString(),
      upsert: findings,
      remove: [],
      watchedFunctions: [],
    });
  }

  const stored = (kind: StoredFinding['kind'], functionName: string): StoredFinding => ({
    fingerprint: `${kind}:${functionName}`,
    kind,
    functionName,
    severity: 'critical',
    summary: `${functionName}: ${kind}`,
    firstSeenAt: new Date(clock.now() - 60 * MINUTE).toISOString(),
    lastNotifiedAt: new Date(clock.now() - 60 * MINUTE).toISOString(),
  });

  test('reports a stuck-pending finding of a function it checked as resolved once the function is Active', async () => {
    await openFindings(stored('stuck-pending', 'vpc-ingest'));

    const report = await focusedCheck(['vpc-ingest']);

    expect(report.stats.resolved).toBe(1);
    const [publish] = snsMock.commandCalls(PublishCommand);
    expect(publish?.args[0].input.Subject).toContain('1 resolved');
    expect((await store.load()).openFindings).toEqual([]);
  });

  test('resolves nothing it did not look at: functions not checked, and metric findings', async () => {
    await openFindings(stored('stuck-pending', 'orders-api'), stored('recursive-loop', 'vpc-ingest'));

    const report = await focusedCheck(['vpc-ingest']);

    expect(report.stats.resolved).toBe(0);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    expect((await store.load()).openFindings.map((finding) => finding.kind).sort()).toEqual([
      'recursive-loop',
      'stuck-pending',
    ]);
  });

  test('stays silent about a function carrying the ignore tag', async () => {
    account.set('vpc-ingest', {
      ...fakeFunction('vpc-ingest', clock.now() - 30 * MINUTE, {
        State: 'Failed',
        StateReasonCode: 'InvalidSubnet',
      }),
      tags: { 'lambda-sentinel:ignore': 'true' },
    });

    const report = await focusedCheck(['vpc-ingest']);

    expect(report.findings).toEqual([]);
    expect(report.stats.functionsIgnored).toBe(1);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('leaves remediation to the scheduled scan, even with unblock-pending switched on', async () => {
    account.set(
      'vpc-ingest',
      fakeFunction('vpc-ingest', clock.now() - 30 * MINUTE, {
        State: 'Pending',
        StateReasonCode: 'Creating',
      }),
    );

    const report = await focusedCheck(['vpc-ingest'], { remediate: ['unblock-pending'] });

    expect(report.findings.map((finding) => finding.kind)).toEqual(['stuck-pending']);
    expect(report.actions).toEqual([]);
    expect(lambdaMock.calls().map((call) => call.args[0].constructor.name)).toEqual(['GetFunctionCommand']);
  });
});
