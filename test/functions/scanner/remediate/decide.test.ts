import { stuckPending } from '../../../../functions/scanner/detect/stuck-pending';
import type {
  CapHoldMetrics,
  EventSourceMappingSummary,
  Finding,
  FunctionDetail,
  FunctionMetrics,
} from '../../../../functions/scanner/model';
import { decide, type DecideInput, type EarlierRuns } from '../../../../functions/scanner/remediate/decide';
import { DEFAULT_SETTINGS, type SentinelSettings } from '../../../../functions/scanner/settings';
import type { ActionRecord } from '../../../../functions/scanner/state/state-model';
import { actionRecord, throttleAction } from '../../../support/action-builders';
import { pendingFinding, storedFinding } from '../../../support/finding-builders';
import { metricsSnapshot, perMinute } from '../../../support/metrics-builders';
import { WINDOW_END } from '../../../support/metric-scenarios';
import {
  accountSnapshot,
  checkedFunction,
  detectorContext,
  listedFunction,
  RUN_AT,
} from '../../../support/snapshot-builders';

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
  /** Throttles of the functions under a cap an earlier run applied, as collection read them. */
  readonly capHolds?: readonly CapHoldMetrics[];
}

function run(scenario: Scenario) {
  const details = scenario.details ?? {};
  const named = [
    ...new Set([...scenario.findings.map((finding) => finding.functionName), ...Object.keys(details)]),
  ];
  const functions = named.map((name) => {
    const detail = details[name];
    return detail ? checkedFunction(name, detail) : listedFunction(name);
  });
  const functionMetrics = named.map((functionName): FunctionMetrics => ({
    functionName,
    reasons: [],
    eventSourceMappings: [],
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
        ...(scenario.capHolds ? { capHolds: scenario.capHolds } : {}),
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
      read: { 'order-events': { eventSourceMappings: [] } },
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

  test('a function restoring after going inactive is not unblocked (the guide’s unblock is for creation)', () => {
    const restoring = { state: 'Pending', stateReasonCode: 'Restoring' } as const;
    const [finding] = stuckPending.detect(
      detectorContext([
        checkedFunction('nightly-report', restoring, {
          unsettledSince: new Date(RUN_AT - 20 * 60_000).toISOString(),
        }),
      ]),
    );
    if (!finding) throw new Error('expected a restore finding');

    const decision = run({ findings: [finding], details: { 'nightly-report': restoring } });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      expect.objectContaining({
        functionName: 'nightly-report',
        reason: 'not-applicable',
        detail: expect.stringContaining('restoring after going inactive'),
      }),
    ]);
  });

  test('at most maxActionsPerRun actions, the most severe first', () => {
    const decision = run({
      findings: [
        stuckFinding('vpc-ingest'),
        loopFinding('thumbnailer', { severity: 'warning' }),
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
    expect(skipsOf(decision)).toEqual(['vpc-ingest: over-limit', 'thumbnailer: not-applicable']);
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
      findings: [loopFinding('order-events'), hogFinding('order-events')],
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

const mapping = (name: string, state: string): EventSourceMappingSummary => ({
  uuid: `uuid-${name}`,
  eventSourceArn: `arn:aws:sqs:eu-west-1:123456789012:${name}`,
  state,
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:order-events',
});

describe('decide: throttle-loops acts only on strong evidence', () => {
  test.each(['warning', 'critical'] as const)(
    'a %s finding that AWS dropped recursive invocations is reported, never acted on',
    (severity) => {
      const dropped = loopFinding('thumbnailer', {
        severity,
        summary: 'AWS stopped a recursive loop in thumbnailer: 40 invocations dropped',
        evidence: { recursiveInvocationsDropped: 40 },
        fingerprint: 'recursive-loop:thumbnailer:dropped',
      });

      const decision = run({ findings: [dropped], details: checked('thumbnailer') });

      expect(decision.planned).toEqual([]);
      expect(decision.skipped).toEqual([
        expect.objectContaining({
          functionName: 'thumbnailer',
          reason: 'not-applicable',
          detail: expect.stringMatching(/^reported, not acted on: AWS already cut the chain/),
        }),
      ]);
    },
  );

  test.each(['warning', 'info'] as const)('a %s runaway finding is reported, not acted on', (severity) => {
    const hot = loopFinding('fan-out', { severity, fingerprint: 'recursive-loop:fan-out:runaway' });

    const decision = run({ findings: [hot], details: checked('fan-out') });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      expect.objectContaining({
        reason: 'not-applicable',
        detail: expect.stringMatching(
          new RegExp(`^reported, not acted on: the finding is ${severity}; only a critical one`),
        ),
      }),
    ]);
  });
});

describe('decide: pausing the triggers of a loop', () => {
  test('pauses every enabled or enabling mapping in one action, recording the state each had', () => {
    const decision = run({
      findings: [loopFinding('order-events')],
      details: checked('order-events'),
      read: {
        'order-events': {
          eventSourceMappings: [
            mapping('orders', 'Enabled'),
            mapping('retries', 'Disabled'),
            mapping('replays', 'Enabling'),
          ],
        },
      },
    });

    expect(decision.planned).toEqual([
      expect.objectContaining({
        kind: 'pause-trigger',
        functionName: 'order-events',
        mappings: [
          {
            uuid: 'uuid-orders',
            eventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders',
            stateBefore: 'Enabled',
          },
          {
            uuid: 'uuid-replays',
            eventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:replays',
            stateBefore: 'Enabling',
          },
        ],
      }),
    ]);
    // Reserved concurrency is left as it is: nothing stops the function's other callers.
    expect(decision.planned[0]).not.toHaveProperty('next');
  });

  test('throttles as before when no mapping is enabled, and pauses once one is', () => {
    const withMappings = (...mappings: EventSourceMappingSummary[]) =>
      run({
        findings: [loopFinding('order-events')],
        details: checked('order-events'),
        read: { 'order-events': { eventSourceMappings: mappings } },
      });

    expect(planSummary(withMappings(mapping('orders', 'Disabled')))).toEqual([
      'throttle order-events null -> 0',
    ]);
    expect(planSummary(withMappings(mapping('orders', 'Enabled')))).toEqual([
      'pause-trigger order-events undefined -> undefined',
    ]);
  });

  test('acts on neither while its mappings are unknown (the read failed)', () => {
    const decision = run({
      findings: [loopFinding('order-events')],
      details: checked('order-events'),
      read: { 'order-events': { eventSourceMappings: undefined } },
    });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      expect.objectContaining({
        reason: 'no-detail',
        detail: expect.stringContaining('its event source mappings were not read this run'),
      }),
    ]);
  });

  describe('when an earlier run of the episode paused the mappings and the loop is still critical', () => {
    const loop = loopFinding('order-events');
    const open = storedFinding('order-events', 1, {
      fingerprint: loop.fingerprint,
      kind: 'recursive-loop',
      firstSeenAt: new Date(RUN_AT - 2 * HOUR).toISOString(),
    });
    const pausedAt = (at: number, overrides: Partial<ActionRecord> = {}) =>
      actionRecord(
        throttleAction('order-events', {
          id: 'pause-1',
          kind: 'pause-trigger',
          decidedAt: new Date(at).toISOString(),
          mappings: [{ uuid: 'uuid-orders', eventSourceArn: 'arn:orders', stateBefore: 'Enabled' }],
        }),
        overrides,
      );
    const decideAfter = (pause: ActionRecord) =>
      run({
        findings: [loop],
        details: checked('order-events'),
        earlier: { openFindings: [open], actions: [pause] },
        read: { 'order-events': { eventSourceMappings: [mapping('orders', 'Disabled')] } },
      });

    test('throttles it, saying the loop does not come through the mappings', () => {
      const decision = decideAfter(pausedAt(WINDOW_END - 3 * 60_000));

      expect(planSummary(decision)).toEqual(['throttle order-events null -> 0']);
      expect(decision.planned[0]?.reason).toMatch(
        /still a runaway after action pause-1 paused its event source mappings at .*: throttled instead$/,
      );
    });

    test('waits while the minutes read do not yet show the loop without its mappings, then throttles', () => {
      const tooSoon = decideAfter(pausedAt(WINDOW_END - 90_000));
      const later = decideAfter(pausedAt(WINDOW_END - 120_000));

      expect(tooSoon.planned).toEqual([]);
      expect(tooSoon.skipped).toEqual([
        expect.objectContaining({ reason: 'already-acted', detail: expect.stringContaining('pause-1') }),
      ]);
      expect(planSummary(later)).toEqual(['throttle order-events null -> 0']);
    });

    test('does not throttle after a pause an operator undid', () => {
      const decision = decideAfter(pausedAt(WINDOW_END - 3 * 60_000, { status: 'undone' }));

      expect(decision.planned).toEqual([]);
      expect(decision.skipped[0]?.detail).toMatch(/^an operator undid action pause-1/);
    });
  });
});

describe('decide: lifting calm caps', () => {
  const HOLD_MINUTES = 60;
  const cappedAt = RUN_AT - 2 * HOUR;
  const cap = (overrides: Partial<ActionRecord> = {}) =>
    actionRecord(
      throttleAction('image-resizer', {
        id: 'cap-1',
        kind: 'cap',
        findingKind: 'concurrency-hog',
        fingerprint: 'concurrency-hog:image-resizer',
        decidedAt: new Date(cappedAt).toISOString(),
        previous: null,
        next: 470,
      }),
      overrides,
    );
  const calm: CapHoldMetrics = {
    functionName: 'image-resizer',
    since: new Date(WINDOW_END - HOLD_MINUTES * 60_000).toISOString(),
    throttles: perMinute(),
  };
  const decideLifts = (scenario: Partial<Scenario> = {}) =>
    run({
      findings: [],
      earlier: { actions: [cap()] },
      capHolds: [calm],
      settings: { capHoldMinutes: HOLD_MINUTES },
      ...scenario,
    });

  test('lifts a cap whose function went capHoldMinutes without a throttle, restoring what it had', () => {
    const decision = decideLifts();

    expect(decision.planned).toEqual([
      expect.objectContaining({
        kind: 'lift',
        functionName: 'image-resizer',
        previous: 470,
        next: null,
        lifts: 'cap-1',
        applied: false,
        dryRun: false,
      }),
    ]);
  });

  test('restores the reservation the function had before the cap', () => {
    const decision = decideLifts({ earlier: { actions: [cap({ previous: 800, next: 470 })] } });

    expect(planSummary(decision)).toEqual(['lift image-resizer 470 -> 800']);
  });

  test.each<[string, Partial<Scenario>]>([
    ['any minute of the hold had throttles', { capHolds: [{ ...calm, throttles: perMinute(0, 0, 3, 0) }] }],
    [
      'the cap is younger than capHoldMinutes',
      {
        earlier: {
          actions: [cap({ decidedAt: new Date(RUN_AT - (HOLD_MINUTES - 1) * 60_000).toISOString() })],
        },
      },
    ],
    ["the function's throttles were not read this run", { capHolds: [] }],
    ['an operator undid the cap', { earlier: { actions: [cap({ status: 'undone' })] } }],
    ['the sentinel lifted it already', { earlier: { actions: [cap({ status: 'lifted' })] } }],
    [
      'the cap was a dry run',
      { earlier: { actions: [cap({ status: 'dry-run', dryRun: true, applied: false })] } },
    ],
  ])('keeps the cap when %s, and lifts it when not', (_label, keptBecause) => {
    expect(decideLifts(keptBecause)).toEqual({ planned: [], skipped: [] });
    // The same run, but for that one difference (a cap exactly capHoldMinutes old is old enough).
    const atHoldMinutes = cap({ decidedAt: new Date(RUN_AT - HOLD_MINUTES * 60_000).toISOString() });
    expect(planSummary(decideLifts({ earlier: { actions: [atHoldMinutes] } }))).toEqual([
      'lift image-resizer 470 -> null',
    ]);
  });

  test('tries a lift once: not again after one that found the reservation changed, again after a throttled one', () => {
    const tried = (overrides: Partial<ActionRecord>) =>
      actionRecord(
        throttleAction('image-resizer', {
          id: 'lift-0',
          kind: 'lift',
          lifts: 'cap-1',
          previous: 470,
          next: null,
        }),
        { status: 'failed', applied: false, ...overrides },
      );

    expect(decideLifts({ earlier: { actions: [cap(), tried({ errorCode: 'ChangedSince' })] } })).toEqual({
      planned: [],
      skipped: [],
    });
    expect(
      planSummary(
        decideLifts({ earlier: { actions: [cap(), tried({ errorCode: 'TooManyRequestsException' })] } }),
      ),
    ).toEqual(['lift image-resizer 470 -> null']);
  });

  test.each([
    [
      'cap-hogs is no longer set',
      { remediate: ['throttle-loops'] as SentinelSettings['remediate'] },
      'cap-hogs is no longer in remediate',
    ],
    ['this is a dry run', { dryRun: true }, 'this is a dry run'],
  ])('says the cap stays, and how to undo it by hand, when %s', (_label, settings, why) => {
    const decision = decideLifts({ settings: { capHoldMinutes: HOLD_MINUTES, ...settings } });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      {
        kind: 'lift',
        functionName: 'image-resizer',
        fingerprint: 'concurrency-hog:image-resizer',
        findingKind: 'concurrency-hog',
        severity: 'info',
        reason: 'cap-stays',
        detail: expect.stringContaining(`, but ${why}: it stays until it is undone by hand`),
        undoActionId: 'cap-1',
        announce: true,
      },
    ]);
  });

  test('announces a cap that stays once: on the first run that finds it old enough, not on later ones', () => {
    const offSince = (lastRunAt: number) =>
      decideLifts({
        settings: { capHoldMinutes: HOLD_MINUTES, remediate: ['throttle-loops'] },
        earlier: { actions: [cap()], lastRunAt: new Date(lastRunAt).toISOString() },
      }).skipped.map((skip) => skip.announce ?? false);

    // The cap became old enough to lift an hour after it was set.
    expect(offSince(cappedAt + HOLD_MINUTES * 60_000 - 5 * 60_000)).toEqual([true]);
    expect(offSince(cappedAt + HOLD_MINUTES * 60_000 + 5 * 60_000)).toEqual([false]);
  });

  test('does not lift the cap of a function that now carries protectTag', () => {
    const decision = decideLifts({
      details: { 'image-resizer': { tags: { 'lambda-sentinel:protect': '' } } },
    });

    expect(decision.planned).toEqual([]);
    expect(decision.skipped).toEqual([
      expect.objectContaining({ reason: 'protected', undoActionId: 'cap-1' }),
    ]);
  });

  test('lifts count toward maxActionsPerRun, after the actions on open findings', () => {
    const decision = decideLifts({
      findings: [loopFinding('order-events')],
      details: checked('order-events'),
      settings: { capHoldMinutes: HOLD_MINUTES, maxActionsPerRun: 1 },
    });

    expect(planSummary(decision)).toEqual(['throttle order-events null -> 0']);
    expect(skipsOf(decision)).toEqual(['image-resizer: over-limit']);
  });

  test('a lifted cap does not hold back a cap in a later episode; an undone one does', () => {
    const hog = hogFinding('image-resizer');
    const newEpisode = { lastRunAt: new Date(RUN_AT - 5 * 60_000).toISOString() };
    const capAgain = (status: ActionRecord['status']) =>
      run({
        findings: [hog],
        details: checked('image-resizer'),
        earlier: { ...newEpisode, actions: [cap({ status })] },
      });

    expect(planSummary(capAgain('lifted'))).toEqual(['cap image-resizer null -> 470']);
    expect(skipsOf(capAgain('undone'))).toEqual(['image-resizer: already-acted']);
  });
});
