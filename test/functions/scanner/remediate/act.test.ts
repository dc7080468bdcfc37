import {
  GetFunctionCommand,
  InvalidParameterValueException,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  ResourceConflictException,
  TooManyRequestsException,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { RequestBudget } from '../../../../functions/scanner/aws/request-budget';
import type { Action } from '../../../../functions/scanner/model';
import { act, type ActResult } from '../../../../functions/scanner/remediate/act';
import type { ActionLog } from '../../../../functions/scanner/state/state-model';
import { RecordingActionLog, throttleAction, unblockAction } from '../../../support/action-builders';
import { VirtualClock } from '../../../support/virtual-clock';

const lambdaMock = mockClient(LambdaClient);
const START = Date.parse('2026-11-26T14:30:00.000Z');

const capAction = (functionName: string, next: number): Action =>
  throttleAction(functionName, {
    id: `cap-${functionName}`,
    kind: 'cap',
    findingKind: 'concurrency-hog',
    fingerprint: `concurrency-hog:${functionName}`,
    next,
  });
const throttling = () =>
  new TooManyRequestsException({
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 429 },
    Reason: 'CallerRateLimitExceeded',
  });

describe('act', () => {
  let clock: VirtualClock;
  let budget: RequestBudget;
  let actionLog: RecordingActionLog;
  let logged: Record<string, unknown>[];

  beforeEach(() => {
    lambdaMock.reset();
    clock = new VirtualClock(START);
    budget = new RequestBudget({ getFunctionRps: 20, controlPlaneRps: 3, clock, jitter: () => 0.5 });
    actionLog = new RecordingActionLog();
    logged = [];
  });

  function apply(
    planned: readonly Action[],
    options: { actionLog: ActionLog | undefined; deadline?: number } = { actionLog },
  ): Promise<ActResult> {
    return clock.run(() =>
      act({
        planned,
        lambda: new LambdaClient({ region: 'eu-west-1' }),
        budget,
        actionLog: options.actionLog,
        clock,
        log: (record) => logged.push(JSON.parse(JSON.stringify(record)) as Record<string, unknown>),
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      }),
    );
  }

  test('throttles with PutFunctionConcurrency 0, after recording the action as pending', async () => {
    const statusAtCall: (string | undefined)[] = [];
    lambdaMock.on(PutFunctionConcurrencyCommand).callsFake(async () => {
      statusAtCall.push((await actionLog.getAction('20261126T1430-order-events'))?.status);
      return { ReservedConcurrentExecutions: 0 };
    });

    const { actions, errors } = await apply([throttleAction('order-events')]);

    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'order-events', ReservedConcurrentExecutions: 0 },
    ]);
    expect(statusAtCall).toEqual(['pending']);
    expect(actionLog.writes).toEqual(['pending', 'applied']);
    expect(actions).toEqual([
      expect.objectContaining({
        applied: true,
        previous: null,
        next: 0,
        outcome: 'Lambda confirmed reserved concurrency 0',
      }),
    ]);
    expect(errors).toEqual([]);
    expect(logged).toEqual([
      expect.objectContaining({
        phase: 'act',
        summary: 'Throttled order-events: reserved concurrency none -> 0',
      }),
    ]);
  });

  test('caps a hog with the planned reserved concurrency', async () => {
    lambdaMock.on(PutFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 470 });

    const { actions } = await apply([capAction('image-resizer', 470)]);

    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'image-resizer',
      ReservedConcurrentExecutions: 470,
    });
    expect(actions[0]?.applied).toBe(true);
    expect((await actionLog.getAction('cap-image-resizer'))?.status).toBe('applied');
  });

  test('a dry run records the action and sends no Lambda call at all', async () => {
    const { actions } = await apply(
      [throttleAction('order-events', { dryRun: true }), unblockAction('vpc-ingest')].map((action) => ({
        ...action,
        dryRun: true,
      })),
    );

    expect(lambdaMock.calls()).toHaveLength(0);
    expect(actions.map((action) => [action.applied, action.outcome])).toEqual([
      [false, 'dry run: nothing was changed'],
      [false, 'dry run: nothing was changed'],
    ]);
    expect((await actionLog.load()).actions?.map((record) => record.status)).toEqual(['dry-run', 'dry-run']);
  });

  test('a throttled PutFunctionConcurrency is retried by the request budget, then applied', async () => {
    lambdaMock
      .on(PutFunctionConcurrencyCommand)
      .rejectsOnce(throttling())
      .resolves({ ReservedConcurrentExecutions: 0 });

    const { actions } = await apply([throttleAction('order-events')]);

    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(2);
    expect(budget.throttledCalls).toBe(1);
    expect(clock.now()).toBeGreaterThan(START);
    expect(actions[0]?.applied).toBe(true);
  });

  test('a PutFunctionConcurrency still throttled after every retry is reported, and the next action still runs', async () => {
    lambdaMock.on(PutFunctionConcurrencyCommand, { FunctionName: 'order-events' }).rejects(throttling());
    lambdaMock.on(PutFunctionConcurrencyCommand, { FunctionName: 'image-resizer' }).resolves({});

    const { actions, errors } = await apply([
      throttleAction('order-events'),
      capAction('image-resizer', 470),
    ]);

    expect(
      lambdaMock.commandCalls(PutFunctionConcurrencyCommand, { FunctionName: 'order-events' }),
    ).toHaveLength(5);
    expect(actions[0]).toEqual(
      expect.objectContaining({
        applied: false,
        errorCode: 'TooManyRequestsException',
        error: expect.stringContaining(
          'still throttling PutFunctionConcurrency after retries; the next run tries again',
        ),
      }),
    );
    expect((await actionLog.getAction('20261126T1430-order-events'))?.status).toBe('failed');
    expect(errors).toEqual([
      expect.objectContaining({
        phase: 'act',
        source: 'PutFunctionConcurrency',
        functionName: 'order-events',
      }),
    ]);
    expect(actions[1]?.applied).toBe(true);
  });

  test('reports the minimum Lambda names when a cap would take the unreserved pool below it', async () => {
    lambdaMock.on(PutFunctionConcurrencyCommand).rejects(
      new InvalidParameterValueException({
        message:
          "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [50].",
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const { actions } = await apply([capAction('image-resizer', 20)]);

    expect(actions[0]?.error).toMatch(
      /^Lambda refused: reserving 20 would take the account's unreserved concurrency below its minimum of 50 /,
    );
  });

  test('an action that cannot be recorded first is not applied', async () => {
    actionLog.failNextRecord = new Error('DynamoDB is unavailable');

    const { actions, errors } = await apply([throttleAction('order-events')]);

    expect(lambdaMock.calls()).toHaveLength(0);
    expect(actions[0]?.error).toBe(
      'not applied: it could not be recorded for undo first (DynamoDB is unavailable)',
    );
    expect(errors).toHaveLength(1);
  });

  test('without an audit trail nothing is applied', async () => {
    const { actions } = await apply([throttleAction('order-events')], { actionLog: undefined });

    expect(lambdaMock.calls()).toHaveLength(0);
    expect(actions[0]?.applied).toBe(false);
  });

  test('starts no action once the run is past its deadline, and records none, so the next run decides again', async () => {
    lambdaMock.on(PutFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 0 });
    // The first action's call waits for the control-plane bucket and its unblock read-back; the deadline falls in between.
    lambdaMock
      .on(GetFunctionCommand)
      .resolves({ Configuration: { FunctionName: 'vpc-ingest', State: 'Pending' } });
    lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});

    const { actions, errors } = await apply([unblockAction('vpc-ingest'), throttleAction('order-events')], {
      actionLog,
      deadline: START + 1_000,
    });

    expect(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)).toHaveLength(1);
    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
    expect(actions[1]).toEqual(
      expect.objectContaining({
        functionName: 'order-events',
        applied: false,
        errorCode: 'PastDeadline',
        error: expect.stringContaining('the next run decides it again'),
      }),
    );
    expect(errors.map((error) => [error.functionName, error.code])).toEqual([
      ['order-events', 'PastDeadline'],
    ]);
    expect((await actionLog.load()).actions?.map((record) => record.functionName)).toEqual(['vpc-ingest']);
  });

  describe('unblock', () => {
    const pending = {
      Configuration: {
        FunctionName: 'vpc-ingest',
        State: 'Pending' as const,
        StateReasonCode: 'Creating' as const,
        Description: 'ingest from the VPC',
      },
    };

    test("sends the guide's no-change UpdateFunctionConfiguration and reports the function Failed", async () => {
      lambdaMock
        .on(GetFunctionCommand)
        .resolvesOnce(pending)
        .resolves({
          Configuration: { FunctionName: 'vpc-ingest', State: 'Failed', StateReasonCode: 'InternalError' },
        });
      lambdaMock.on(UpdateFunctionConfigurationCommand).resolves({});

      const { actions } = await apply([unblockAction('vpc-ingest')]);

      expect(
        lambdaMock.commandCalls(UpdateFunctionConfigurationCommand).map((call) => call.args[0].input),
      ).toEqual([{ FunctionName: 'vpc-ingest', Description: 'ingest from the VPC' }]);
      expect(actions[0]).toEqual(
        expect.objectContaining({
          applied: true,
          stateAfter: 'Failed (InternalError)',
          outcome: expect.stringContaining('delete and recreate it, or deploy another update'),
        }),
      );
      expect((await actionLog.getAction('unblock-vpc-ingest'))?.stateAfter).toBe('Failed (InternalError)');
    });

    test('reports ResourceConflictException, with the state read back after it', async () => {
      lambdaMock.on(GetFunctionCommand).resolves(pending);
      lambdaMock.on(UpdateFunctionConfigurationCommand).rejects(
        new ResourceConflictException({
          message:
            'The operation cannot be performed at this time. The function is currently in the following state: Pending',
          $metadata: { httpStatusCode: 409 },
        }),
      );

      const { actions, errors } = await apply([unblockAction('vpc-ingest')]);

      expect(actions[0]).toEqual(
        expect.objectContaining({
          applied: false,
          errorCode: 'ResourceConflictException',
          error: expect.stringContaining('currently in the following state: Pending'),
          stateAfter: 'Pending (Creating)',
        }),
      );
      expect(errors[0]?.code).toBe('ResourceConflictException');
    });

    test('sends nothing when the function left Pending before the sentinel came to it', async () => {
      lambdaMock
        .on(GetFunctionCommand)
        .resolves({ Configuration: { FunctionName: 'vpc-ingest', State: 'Active' } });

      const { actions } = await apply([unblockAction('vpc-ingest')]);

      expect(lambdaMock.commandCalls(UpdateFunctionConfigurationCommand)).toHaveLength(0);
      expect(actions[0]?.error).toMatch(/no longer Pending \(Active\)/);
    });
  });
});
