import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionCommand,
  InvalidParameterValueException,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  ResourceConflictException,
  TooManyRequestsException,
  UpdateEventSourceMappingCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { LAMBDA_QUOTA_BUCKETS, RequestBudget } from '../../../../functions/scanner/aws/request-budget';
import type { Action } from '../../../../functions/scanner/model';
import { act, type ActResult } from '../../../../functions/scanner/remediate/act';
import type { ActionLog } from '../../../../functions/scanner/state/state-model';
import {
  actionRecord,
  capAction,
  liftAction,
  pauseAction,
  RecordingActionLog,
  throttleAction,
  unblockAction,
} from '../../../support/action-builders';
import { VirtualClock } from '../../../support/virtual-clock';

const lambdaMock = mockClient(LambdaClient);
const START = Date.parse('2026-11-26T14:30:00.000Z');

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
        protectTag: 'lambda-sentinel:protect',
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

  describe('pause-trigger', () => {
    test('disables each mapping through the control-plane budget, after recording the action as pending', async () => {
      const statusAtCall: (string | undefined)[] = [];
      lambdaMock.on(UpdateEventSourceMappingCommand).callsFake(async (input: { UUID: string }) => {
        statusAtCall.push((await actionLog.getAction('pause-order-events'))?.status);
        return { UUID: input.UUID, State: 'Disabling' };
      });

      const { actions, errors } = await apply([pauseAction('order-events', ['orders', 'retries'])]);

      expect(
        lambdaMock.commandCalls(UpdateEventSourceMappingCommand).map((call) => call.args[0].input),
      ).toEqual([
        { UUID: 'uuid-orders', Enabled: false },
        { UUID: 'uuid-retries', Enabled: false },
      ]);
      expect(statusAtCall).toEqual(['pending', 'pending']);
      expect(budget.apiCalls.UpdateEventSourceMapping).toBe(2);
      expect(LAMBDA_QUOTA_BUCKETS.UpdateEventSourceMapping).toBe('controlPlane');
      expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
      expect(actionLog.writes).toEqual(['pending', 'applied']);
      expect(errors).toEqual([]);
      expect(actions[0]).toEqual(
        expect.objectContaining({
          applied: true,
          stateAfter:
            'arn:aws:sqs:eu-west-1:123456789012:orders: Disabling, arn:aws:sqs:eu-west-1:123456789012:retries: Disabling',
          outcome:
            'Lambda is pausing the 2 mappings (arn:aws:sqs:eu-west-1:123456789012:orders: Disabling, arn:aws:sqs:eu-west-1:123456789012:retries: Disabling)',
        }),
      );
    });

    test('keeps for undo only the mappings Lambda accepted, and names the one it refused', async () => {
      lambdaMock
        .on(UpdateEventSourceMappingCommand, { UUID: 'uuid-orders' })
        .resolves({ State: 'Disabling' });
      lambdaMock.on(UpdateEventSourceMappingCommand, { UUID: 'uuid-retries' }).rejects(
        new ResourceConflictException({
          message: 'The resource you requested is currently in use: Updating',
          $metadata: { httpStatusCode: 409 },
        }),
      );

      const { actions, errors } = await apply([pauseAction('order-events', ['orders', 'retries'])]);

      const record = await actionLog.getAction('pause-order-events');
      expect(record?.status).toBe('applied');
      expect(record?.mappings?.map((mapping) => mapping.uuid)).toEqual(['uuid-orders']);
      expect(actions[0]?.error).toMatch(
        /^arn:aws:sqs:eu-west-1:123456789012:retries \(uuid-retries\) was not paused: ResourceConflictException/,
      );
      expect(errors).toEqual([
        expect.objectContaining({ source: 'UpdateEventSourceMapping', code: 'ResourceConflictException' }),
      ]);
    });
  });

  describe('lift', () => {
    const cap = capAction('image-resizer', 470);
    const capHolding = (reserved: number | undefined, tags: Record<string, string> = {}) =>
      lambdaMock.on(GetFunctionCommand).resolves({
        Configuration: { FunctionName: 'image-resizer', State: 'Active' },
        ...(reserved !== undefined ? { Concurrency: { ReservedConcurrentExecutions: reserved } } : {}),
        Tags: tags,
      });

    beforeEach(async () => {
      await actionLog.recordAction(actionRecord(cap, { revision: 0 }));
      actionLog.writes.length = 0;
    });

    test('reads the reservation first, removes the cap, and records the cap as lifted by the sentinel', async () => {
      capHolding(470);
      const atDelete: (string | undefined)[] = [];
      lambdaMock.on(DeleteFunctionConcurrencyCommand).callsFake(async () => {
        atDelete.push((await actionLog.getAction('cap-image-resizer'))?.status);
        atDelete.push((await actionLog.getAction('lift-image-resizer'))?.status);
        return {};
      });

      const { actions, errors } = await apply([liftAction(cap)]);

      expect(lambdaMock.commandCalls(GetFunctionCommand)).toHaveLength(1);
      expect(
        lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand).map((call) => call.args[0].input),
      ).toEqual([{ FunctionName: 'image-resizer' }]);
      expect(atDelete).toEqual(['undoing', 'pending']);
      expect(await actionLog.getAction('cap-image-resizer')).toMatchObject({
        status: 'lifted',
        undo: { by: 'lambda-sentinel', restored: null, finishedAt: new Date(START).toISOString() },
      });
      expect((await actionLog.getAction('lift-image-resizer'))?.status).toBe('applied');
      expect(actions[0]).toEqual(
        expect.objectContaining({
          applied: true,
          outcome: 'Lambda removed the cap: the function draws from the unreserved pool again',
        }),
      );
      expect(errors).toEqual([]);
    });

    test('puts back the reservation the function had before the cap', async () => {
      const fromEarlier = capAction('image-resizer', 470, { previous: 800 });
      capHolding(470);
      lambdaMock.on(PutFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 800 });

      await apply([liftAction(fromEarlier)]);

      expect(
        lambdaMock.commandCalls(PutFunctionConcurrencyCommand).map((call) => call.args[0].input),
      ).toEqual([{ FunctionName: 'image-resizer', ReservedConcurrentExecutions: 800 }]);
      expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(0);
      expect((await actionLog.getAction('cap-image-resizer'))?.status).toBe('lifted');
    });

    test('changes nothing when someone changed the reservation since the cap, and says so', async () => {
      capHolding(300);

      const { actions } = await apply([liftAction(cap)]);

      expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(0);
      expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
      expect(actions[0]).toEqual(
        expect.objectContaining({
          applied: false,
          errorCode: 'ChangedSince',
          error: expect.stringMatching(
            /^its reserved concurrency is now 300, not the cap of 470 that action cap-image-resizer set: someone changed it since/,
          ),
        }),
      );
      expect((await actionLog.getAction('cap-image-resizer'))?.status).toBe('applied');
      expect((await actionLog.getAction('lift-image-resizer'))?.status).toBe('failed');
    });

    test('leaves the cap of a function that now carries protectTag', async () => {
      capHolding(470, { 'lambda-sentinel:protect': 'true' });

      const { actions } = await apply([liftAction(cap)]);

      expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(0);
      expect(actions[0]?.errorCode).toBe('Protected');
    });

    test('a removal Lambda refuses leaves the cap applied, to be lifted or undone later', async () => {
      capHolding(470);
      lambdaMock
        .on(DeleteFunctionConcurrencyCommand)
        .rejects(new ResourceConflictException({ message: 'in use', $metadata: { httpStatusCode: 409 } }));

      const { actions } = await apply([liftAction(cap)]);

      expect(actions[0]?.applied).toBe(false);
      expect(await actionLog.getAction('cap-image-resizer')).toMatchObject({
        status: 'applied',
        undo: undefined,
      });
    });
  });
});
