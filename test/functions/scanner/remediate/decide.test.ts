import type { Finding, FunctionDetail, FunctionMetrics } from '../../../../functions/scanner/model';
import { decide, type DecideInput, type EarlierRuns } from '../../../../functions/scanner/remediate/decide';
import { DEFAULT_SETTINGS, type SentinelSettings } from '../../../../functions/scanner/settings';
import type { ActionRecord } from '../../../../functions/scanner/state/state-model';
import { actionRecord, throttleAction } from '../../../support/action-builders';
import { pendingFinding, storedFinding } from '../../../support/finding-builders';
import { metricsSnapshot } from '../../../support/metrics-builders';
import { accountSnapshot, checkedFunction, listedFunction, RUN_AT } from '../../../support/snapshot-builders';

const ALL_FLAGS: SentinelSettings['remediate'] = ['throttle-loops', 'cap-hogs', 'unblock-pending'];
const HOUR = 3_600_000;

function loopFinding(functionName: string, overrides: Partial<Finding> = {}): Finding {
  return pendingFinding(functionName, {
    kind: 'recursive-loop',
    severity: 'critical',
    summary: `${functionName} looks like a runaway loop: 9,000 invocations a minute`,
    evidence: { latestInvocationsPerMinute: 9000, climbing: true },
    fingerprint: `recursive-loop:${functionName}:runaway`,
    ...overrides,
  });
}

function hogFinding(functionName: string, peak = 940): Finding {
  return pendingFinding(functionName, {
    kind: 'concurrency-hog',
    severity: 'critical',
    summary: `${functionName} peaked at ${peak} concurrent executions`,
    evidence: { peakConcurrentExecutions: peak, accountConcurrencyLimit: 1000 },
    fingerprint: `concurrency-hog:${functionName}`,
  });
}

function stuckFinding(functionName: string): Finding {
  return pendingFinding(functionName, {
    severity: 'critical',
    fingerprint: `stuck-pending:${functionName}:create:2026-11-26T13:00:00.000+0000`,
  });
}

interface Scenario {
  readonly findings: readonly Finding[];
  /** GetFunction detail per function; a function left out was not checked this run. */
  readonly details?: Readonly<Record<string, Partial<FunctionDetail>>>;
  readonly settings?: Partial<SentinelSettings>;
  readonly limits?: { concurrentExecutions: number; unreservedConcurrentExecutions: number };
  readonly earlier?: Partial<EarlierRuns>;
  readonly selfFunctionName?: string;
  /**
   * What collection read of each function beyond its metrics; a function left out had none provisioned (and
   * no event source mapping), and a field set to undefined was not read.
   */
  readonly read?: Readonly<Record<string, Partial<FunctionMetrics>>>;
}

function run(scenario: Scenario) {
  const details = scenario.details ?? {};
  const named = [...new Set(scenario.findings.map((finding) => finding.functionName))];
  const functions = named.map((name) => {
    const detail = details[name];
    return detail ? checkedFunction(name, detail) : listedFunction(name);
  });
  const functionMetrics = named.map((functionName): FunctionMetrics => ({
    functionName,
    reasons: [],
    provisionedConcurrency: 0,
    ...scenario.read?.[functionName],
  }));
  let ids = 0;
  const input: DecideInput = {
    findings: scenario.findings,
    snapshot: accountSnapshot(functions, {
      metrics: metricsSnapshot({
        accountLimits: scenario.limits ?? {
          concurrentExecutions: 1000,
          unreservedConcurrentExecutions: 1000,
        },
        functions: functionMetrics,
      }),
    }),
    settings: { ...DEFAULT_SETTINGS, remediate: ALL_FLAGS, ...scenario.settings },
    earlier: { actions: [], openFindings: [], ...scenario.earlier },
    now: RUN_AT,
    newActionId: () => `action-${++ids}`,
    ...(scenario.selfFunctionName ? { selfFunctionName: scenario.selfFunctionName } : {}),
  };
  return decide(input);
}

const checked = (...names: string[]) => Object.fromEntries(names.map((name) => [name, {}]));
const planSummary = (decision: ReturnType<typeof decide>) =>
  decision.planned.map(
    (action) => `${action.kind} ${action.functionName} ${action.previous} -> ${action.next}`,
  );
const skipsOf = (decision: ReturnType<typeof decide>) =>
  decision.skipped.map((skip) => `${skip.functionName}: ${skip.reason}`);

describe('decide: each action', () => {
  test('throttle-loops sets reserved concurrency 0 on a runaway loop, recording what it had', () => {
    const decision = run({
      findings: [loopFinding('order-events')],
      details: { 'order-events': { reservedConcurrency: 50 } },
    });

    expect(decision.planned).toEqual([
      {
        id: 'action-1',
        kind: 'throttle',
        functionName: 'order-events',
        fingerprint: 'recursive-loop:order-events:runaway',
        findingKind: 'recursive-loop',
        severity: 'critical',
        reason: 'order-events looks like a runaway loop: 9,000 invocations a minute',
        decidedAt: new Date(RUN_AT).toISOString(),
        applied: false,
        dryRun: false,
        previous: 50,
        next: 0,
      },
    ]);
    expect(decision.skipped).toEqual([]);
  });

  test('throttle-loops also throttles a loop AWS already cut (it restarts with every new event)', () => {
    const dropped = loopFinding('thumbnailer', {
      severity: 'warning',
      fingerprint: 'recursive-loop:thumbnailer:dropped',
    });

    expect(planSummary(run({ findings: [dropped], details: checked('thumbnailer') }))).toEqual([
      'throttle thumbnailer null -> 0',
    ]);
  });

  test('cap-hogs caps a hog at half its peak by default', () => {
    expect(
      planSummary(run({ findings: [hogFinding('image-resizer')], details: checked('image-resizer') })),
    ).toEqual(['cap image-resizer null -> 470']);
  });

  test('cap-hogs applies hogCap when it is safe', () => {
    const decision = run({
      findings: [hogFinding('image-resizer')],
      details: checked('image-resizer'),
      settings: { hogCap: 250 },
    });

    expect(planSummary(decision)).toEqual(['cap image-resizer null -> 250']);
  });

  test('two hogs in one run share the pool: the second cap leaves the minimum for everyone else', () => {
    const decision = run({
      findings: [hogFinding('image-resizer', 900), hogFinding('video-encoder', 800)],
      details: checked('image-resizer', 'video-encoder'),
      limits: { concurrentExecutions: 1000, unreservedConcurrentExecutions: 800 },
    });

    expect(planSummary(decision)).toEqual(['cap image-resizer null -> 450', 'cap video-encoder null -> 250']);
  });

  test('cap-hogs keeps the cap above the provisioned concurrency of its aliases and versions', () => {
    const decision = run({
      findings: [hogFinding('image-resizer')],
      details: checked('image-resizer'),
      read: { 'image-resizer': { provisionedConcurrency: 470 } },
    });

    expect(planSummary(decision)).toEqual(['cap image-resizer null -> 471']);
  });

  test('cap-hogs leaves a hog alone while its provisioned concurrency is unknown (the read failed)', () => {
    const decision = run({
      findings: [hogFinding('image-resizer')],
      details: checked('image-resizer'),
      read: { 'image-resizer': { provisionedConcurrency: undefined } },
    });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      expect.objectContaining({
        functionName: 'image-resizer',
        reason: 'no-detail',
        detail: expect.stringContaining('provisioned concurrency was not read this run'),
      }),
    ]);
  });

  test("cap-hogs does not apply an operator's hogCap at or below the provisioned concurrency", () => {
    const decision = run({
      findings: [hogFinding('image-resizer')],
      details: checked('image-resizer'),
      settings: { hogCap: 200 },
      read: { 'image-resizer': { provisionedConcurrency: 200 } },
    });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      expect.objectContaining({
        reason: 'no-safe-cap',
        detail: expect.stringContaining('hogCap 200 is not above its provisioned concurrency'),
      }),
    ]);
  });

  test('unblock-pending plans the no-change update for a function Pending since creation', () => {
    const decision = run({
      findings: [stuckFinding('vpc-ingest')],
      details: { 'vpc-ingest': { state: 'Pending' } },
    });

    expect(decision.planned).toEqual([
      expect.objectContaining({ kind: 'unblock', functionName: 'vpc-ingest', findingKind: 'stuck-pending' }),
    ]);
    expect(decision.planned[0]).not.toHaveProperty('previous');
    expect(decision.planned[0]).not.toHaveProperty('next');
  });

  test('dryRun plans the same actions, marked dry run', () => {
    const decision = run({
      findings: [loopFinding('order-events'), hogFinding('image-resizer')],
      details: checked('order-events', 'image-resizer'),
      settings: { dryRun: true },
    });

    expect(planSummary(decision)).toEqual([
      'throttle order-events null -> 0',
      'cap image-resizer null -> 470',
    ]);
    expect(decision.planned.every((action) => action.dryRun && !action.applied)).toBe(true);
  });

  test('findings without a remediation (failed-state, pc-spillover) are neither planned nor listed', () => {
    const failed = pendingFinding('billing', { kind: 'failed-state', fingerprint: 'failed-state:billing' });

    expect(run({ findings: [failed], details: checked('billing') })).toEqual({ planned: [], skipped: [] });
  });
});

describe('decide: rails', () => {
  test('a flag that is off plans nothing for its findings', () => {
    const decision = run({
      findings: [loopFinding('order-events'), hogFinding('image-resizer')],
      details: checked('order-events', 'image-resizer'),
      settings: { remediate: ['cap-hogs'] },
    });

    expect(planSummary(decision)).toEqual(['cap image-resizer null -> 470']);
    expect(decision.skipped).toEqual([
      expect.objectContaining({
        functionName: 'order-events',
        reason: 'flag-off',
        detail: 'throttle-loops is not in remediate',
      }),
    ]);
  });

  test('no flags, nothing planned', () => {
    const decision = run({
      findings: [loopFinding('order-events')],
      details: checked('order-events'),
      settings: { remediate: [] },
    });

    expect(decision.planned).toEqual([]);
    expect(skipsOf(decision)).toEqual(['order-events: flag-off']);
  });

  test('the sentinel never acts on itself', () => {
    const decision = run({
      findings: [loopFinding('LambdaSentinel-Scanner')],
      details: checked('LambdaSentinel-Scanner'),
      selfFunctionName: 'LambdaSentinel-Scanner',
    });

    expect(decision.planned).toEqual([]);
    expect(skipsOf(decision)).toEqual(['LambdaSentinel-Scanner: self']);
  });

  test('a function carrying protectTag is never acted on, and the skip names the tag', () => {
    const decision = run({
      findings: [loopFinding('payments')],
      details: { payments: { tags: { 'team:protect-me': 'yes' } } },
      settings: { protectTag: 'team:protect-me' },
    });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      expect.objectContaining({
        functionName: 'payments',
        reason: 'protected',
        detail: 'it carries the tag team:protect-me',
      }),
    ]);
  });

  test('a function GetFunction did not answer for is not acted on (its tags are unknown)', () => {
    expect(skipsOf(run({ findings: [loopFinding('order-events')] }))).toEqual(['order-events: no-detail']);
  });

  test('a function already throttled gets no call', () => {
    const decision = run({
      findings: [loopFinding('order-events')],
      details: { 'order-events': { reservedConcurrency: 0 } },
    });

    expect(decision.planned).toEqual([]);
    expect(skipsOf(decision)).toEqual(['order-events: already-at-target']);
  });

  test('a hog that already has a reservation is not capped again', () => {
    const decision = run({
      findings: [hogFinding('image-resizer')],
      details: { 'image-resizer': { reservedConcurrency: 300 } },
    });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped[0]?.detail).toBe('it already has reserved concurrency 300, which caps it');
  });

  test('on a reduced-quota account no hog is capped, with the reason', () => {
    const decision = run({
      findings: [hogFinding('image-resizer', 48)],
      details: checked('image-resizer'),
      limits: { concurrentExecutions: 50, unreservedConcurrentExecutions: 50 },
    });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      expect.objectContaining({
        reason: 'no-safe-cap',
        detail: expect.stringContaining('may not fall below 50'),
      }),
    ]);
  });

  test('a runaway that is not climbing (loop detection set to Allow) is not throttled', () => {
    const hot = loopFinding('fan-out', { severity: 'info', fingerprint: 'recursive-loop:fan-out:allow-hot' });

    expect(skipsOf(run({ findings: [hot], details: checked('fan-out') }))).toEqual([
      'fan-out: not-applicable',
    ]);
  });

  test('an update in progress is not unblocked (the guide covers functions Pending since creation)', () => {
    const decision = run({
      findings: [stuckFinding('vpc-ingest')],
      details: { 'vpc-ingest': { state: 'Active', lastUpdateStatus: 'InProgress' } },
    });

    expect(skipsOf(decision)).toEqual(['vpc-ingest: not-applicable']);
  });

  test('at most maxActionsPerRun actions, the most severe first', () => {
    const decision = run({
      findings: [
        stuckFinding('vpc-ingest'),
        loopFinding('thumbnailer', {
          severity: 'warning',
          fingerprint: 'recursive-loop:thumbnailer:dropped',
        }),
        hogFinding('image-resizer'),
        loopFinding('order-events'),
      ],
      details: {
        ...checked('thumbnailer', 'image-resizer', 'order-events'),
        'vpc-ingest': { state: 'Pending' },
      },
      settings: { maxActionsPerRun: 2 },
    });

    expect(planSummary(decision)).toEqual([
      'throttle order-events null -> 0',
      'cap image-resizer null -> 470',
    ]);
    expect(skipsOf(decision)).toEqual(['vpc-ingest: over-limit', 'thumbnailer: over-limit']);
  });

  test('maxActionsPerRun 0 stops every action', () => {
    const decision = run({
      findings: [loopFinding('order-events')],
      details: checked('order-events'),
      settings: { maxActionsPerRun: 0 },
    });

    expect(decision.planned).toEqual([]);
    expect(skipsOf(decision)).toEqual(['order-events: over-limit']);
  });

  test('one function gets one action a run, however many findings name it', () => {
    const decision = run({
      findings: [
        loopFinding('order-events'),
        loopFinding('order-events', {
          severity: 'warning',
          fingerprint: 'recursive-loop:order-events:dropped',
        }),
      ],
      details: checked('order-events'),
    });

    expect(planSummary(decision)).toEqual(['throttle order-events null -> 0']);
    expect(skipsOf(decision)).toEqual(['order-events: same-function']);
  });
});

describe('decide: what earlier runs did', () => {
  const loop = loopFinding('order-events');
  const firstSeenAt = new Date(RUN_AT - 2 * HOUR).toISOString();
  const open = storedFinding('order-events', 1, {
    fingerprint: loop.fingerprint,
    kind: 'recursive-loop',
    firstSeenAt,
  });
  const earlierThrottle = (decidedAt: number, overrides: Partial<ActionRecord> = {}) =>
    actionRecord(throttleAction('order-events', { decidedAt: new Date(decidedAt).toISOString() }), overrides);
  const decideAgain = (earlier: Partial<EarlierRuns>, settings: Partial<SentinelSettings> = {}) =>
    run({ findings: [loop], details: checked('order-events'), earlier, settings });

  test('an action taken while the finding has been open is not repeated', () => {
    const decision = decideAgain({ openFindings: [open], actions: [earlierThrottle(RUN_AT - HOUR)] });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      expect.objectContaining({
        reason: 'already-acted',
        detail: expect.stringContaining('20261126T1430-order-events'),
      }),
    ]);
  });

  test('a retried run repeats nothing a failed run did before saving its findings', () => {
    const decision = decideAgain({
      lastRunAt: new Date(RUN_AT - 10 * 60_000).toISOString(),
      actions: [earlierThrottle(RUN_AT - 60_000, { status: 'pending' })],
    });

    expect(skipsOf(decision)).toEqual(['order-events: already-acted']);
  });

  test('an action from an earlier episode of the problem does not stop a new one', () => {
    const decision = decideAgain({ openFindings: [open], actions: [earlierThrottle(RUN_AT - 30 * HOUR)] });

    expect(planSummary(decision)).toEqual(['throttle order-events null -> 0']);
  });

  test('an action an operator undid is not repeated on that function, even for a new episode', () => {
    const decision = decideAgain({
      lastRunAt: new Date(RUN_AT - 5 * 60_000).toISOString(),
      actions: [
        earlierThrottle(RUN_AT - 30 * HOUR, {
          status: 'undone',
          fingerprint: 'recursive-loop:order-events:dropped',
        }),
      ],
    });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped[0]?.detail).toMatch(/^an operator undid action 20261126T1430-order-events/);
  });

  test('a dry-run record does not hold back the real action once dryRun is off, but holds back another dry run', () => {
    const earlier = {
      openFindings: [open],
      actions: [earlierThrottle(RUN_AT - HOUR, { status: 'dry-run', applied: false })],
    };

    expect(planSummary(decideAgain(earlier))).toEqual(['throttle order-events null -> 0']);
    expect(skipsOf(decideAgain(earlier, { dryRun: true }))).toEqual(['order-events: already-acted']);
  });

  test('an action Lambda throttled is tried again; one it refused is not', () => {
    const throttled = earlierThrottle(RUN_AT - HOUR, {
      status: 'failed',
      errorCode: 'TooManyRequestsException',
    });
    const refused = earlierThrottle(RUN_AT - HOUR, {
      status: 'failed',
      errorCode: 'InvalidParameterValueException',
    });

    expect(planSummary(decideAgain({ openFindings: [open], actions: [throttled] }))).toEqual([
      'throttle order-events null -> 0',
    ]);
    expect(skipsOf(decideAgain({ openFindings: [open], actions: [refused] }))).toEqual([
      'order-events: already-acted',
    ]);
  });
});
