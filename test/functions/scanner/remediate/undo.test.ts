import {
  DeleteFunctionConcurrencyCommand,
  GetEventSourceMappingCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock } from '../../../../functions/scanner/model';
import {
  undoAction,
  UndoFailedError,
  UndoRefusedError,
  type UndoRefusal,
} from '../../../../functions/scanner/remediate/undo';
import type { ActionRecord } from '../../../../functions/scanner/state/state-model';
import { DynamoStateStore } from '../../../../functions/scanner/state/state-store';
import {
  actionRecord,
  capAction,
  DECIDED_AT,
  pauseAction,
  throttleAction,
  unblockAction,
} from '../../../support/action-builders';
import { startDynalite, type LocalDynamo } from '../../../support/dynalite';

const lambdaMock = mockClient(LambdaClient);
const UNDO_AT = Date.parse(DECIDED_AT) + 3_600_000;
const clock: Clock = { now: () => UNDO_AT, sleep: async () => undefined };

describe('undoAction (dynalite state table, mocked Lambda)', () => {
  let local: LocalDynamo;
  let store: DynamoStateStore;
  const lambda = new LambdaClient({ region: 'eu-west-1' });

  beforeAll(async () => {
    local = await startDynalite();
  });
  afterAll(async () => {
    await local.stop();
  });
  beforeEach(async () => {
    lambdaMock.reset();
    lambdaMock.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 0 });
    lambdaMock.on(DeleteFunctionConcurrencyCommand).resolves({});
    lambdaMock.on(PutFunctionConcurrencyCommand).resolves({});
    store = new DynamoStateStore(local.client, await local.createStateTable(), { clock });
  });

  /** Records `record` in the table as act would have (pending, then its final status). */
  async function recorded(record: ActionRecord): Promise<ActionRecord> {
    await store.recordAction({ ...record, status: 'pending' });
    const pending = await store.getAction(record.id);
    if (!pending) throw new Error('fixture');
    return store.updateAction({ ...record, revision: pending.revision });
  }

  const undo = (actionId: string, options: { force?: boolean } = {}) =>
    undoAction({ actionId, actionLog: store, lambda, clock, by: 'alice', ...options });

  async function refusal(promise: Promise<unknown>): Promise<UndoRefusal> {
    const error: unknown = await promise.then(
      () => undefined,
      (rejected: unknown) => rejected,
    );
    if (!(error instanceof UndoRefusedError)) throw new Error(`expected a refusal, got ${String(error)}`);
    return error.refusal;
  }

  test('removes the reservation with DeleteFunctionConcurrency where there was none, and records the undo', async () => {
    const throttle = await recorded(actionRecord(throttleAction('order-events')));

    const result = await undo(throttle.id);

    expect(
      lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand).map((call) => call.args[0].input),
    ).toEqual([{ FunctionName: 'order-events' }]);
    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
    expect(result).toMatchObject({ restored: null, operation: 'DeleteFunctionConcurrency' });
    expect(await store.getAction(throttle.id)).toMatchObject({
      status: 'undone',
      undo: {
        restored: null,
        by: 'alice',
        startedAt: new Date(UNDO_AT).toISOString(),
        finishedAt: new Date(UNDO_AT).toISOString(),
      },
    });
  });

  test('puts back the reserved concurrency the function had before', async () => {
    const cap = await recorded(
      actionRecord(throttleAction('image-resizer', { id: 'cap-1', kind: 'cap', previous: 800, next: 470 })),
    );
    lambdaMock.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 470 });

    await undo(cap.id);

    expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'image-resizer', ReservedConcurrentExecutions: 800 },
    ]);
  });

  test('undoes an action whose outcome was never recorded (the run died after the call)', async () => {
    await store.recordAction(
      actionRecord(throttleAction('order-events'), { status: 'pending', applied: false }),
    );

    await undo(throttleAction('order-events').id);

    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(1);
  });

  test('refuses an unknown id without calling Lambda', async () => {
    await expect(undo('20261126T1430-nope')).rejects.toThrow('there is no action 20261126T1430-nope');
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  test('refuses an action already undone, saying when and to what', async () => {
    const throttle = await recorded(actionRecord(throttleAction('order-events')));
    await undo(throttle.id);
    lambdaMock.resetHistory();

    const again = undo(throttle.id);

    await expect(again).rejects.toThrow(
      `action ${throttle.id} was already undone at ${new Date(UNDO_AT).toISOString()} (reserved concurrency of order-events restored to none)`,
    );
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  const loop = throttleAction('order-events');
  test.each<[string, ActionRecord, UndoRefusal]>([
    ['an unblock', actionRecord(unblockAction('vpc-ingest')), 'nothing-to-undo'],
    ['a dry run', actionRecord(loop, { status: 'dry-run', applied: false, dryRun: true }), 'not-applied'],
    [
      'a failed action',
      actionRecord(loop, { status: 'failed', applied: false, error: 'Lambda refused' }),
      'not-applied',
    ],
  ])('refuses %s, which changed nothing to restore', async (_label, record, expected) => {
    const action = await recorded(record);

    expect(await refusal(undo(action.id))).toBe(expected);
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  test('refuses to overwrite a reservation someone set since the action, unless forced', async () => {
    const throttle = await recorded(actionRecord(throttleAction('order-events')));
    lambdaMock.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 25 });

    await expect(undo(throttle.id)).rejects.toThrow(
      /reserved concurrency of order-events is now 25, not the 0 action .* set: .*use --force/,
    );
    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(0);

    await undo(throttle.id, { force: true });
    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(1);
  });

  test('of two undos at once, exactly one restores', async () => {
    const throttle = await recorded(actionRecord(throttleAction('order-events')));

    const outcomes = await Promise.allSettled([undo(throttle.id), undo(throttle.id)]);

    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(UndoRefusedError);
    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(1);
  });

  test('a restore Lambda rejects changes nothing and leaves the action undoable', async () => {
    const throttle = await recorded(actionRecord(throttleAction('order-events')));
    lambdaMock
      .on(DeleteFunctionConcurrencyCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));

    await expect(undo(throttle.id)).rejects.toBeInstanceOf(UndoFailedError);
    expect((await store.getAction(throttle.id))?.status).toBe('applied');

    await undo(throttle.id);
    expect((await store.getAction(throttle.id))?.status).toBe('undone');
  });

  describe('a pause of event source mappings', () => {
    const pause = pauseAction('order-events', ['orders', 'retries']);
    const mappingsNow = (states: Record<string, string>) =>
      lambdaMock
        .on(GetEventSourceMappingCommand)
        .callsFake((input: { UUID: string }) => ({ UUID: input.UUID, State: states[input.UUID] }));

    beforeEach(() => {
      lambdaMock
        .on(UpdateEventSourceMappingCommand)
        .callsFake((input: { UUID: string }) => ({ UUID: input.UUID, State: 'Enabling' }));
    });

    test('enables again every mapping it paused, and records the undo', async () => {
      const recordedPause = await recorded(actionRecord(pause));
      mappingsNow({ 'uuid-orders': 'Disabled', 'uuid-retries': 'Disabling' });

      const result = await undo(recordedPause.id);

      expect(
        lambdaMock.commandCalls(UpdateEventSourceMappingCommand).map((call) => call.args[0].input),
      ).toEqual([
        { UUID: 'uuid-orders', Enabled: true },
        { UUID: 'uuid-retries', Enabled: true },
      ]);
      expect(lambdaMock.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
      expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(0);
      expect(result).toMatchObject({
        operation: 'UpdateEventSourceMapping',
        mappings: [
          {
            uuid: 'uuid-orders',
            eventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders',
            state: 'Enabling',
          },
          {
            uuid: 'uuid-retries',
            eventSourceArn: 'arn:aws:sqs:eu-west-1:123456789012:retries',
            state: 'Enabling',
          },
        ],
      });
      expect((await store.getAction(recordedPause.id))?.status).toBe('undone');
    });

    test('refuses, changing nothing, when someone enabled a mapping since; --force enables them all', async () => {
      const recordedPause = await recorded(actionRecord(pause));
      mappingsNow({ 'uuid-orders': 'Disabled', 'uuid-retries': 'Enabled' });

      await expect(undo(recordedPause.id)).rejects.toThrow(
        /^event source mapping uuid-retries \(arn:aws:sqs:eu-west-1:123456789012:retries\) is now Enabled, not the Disabled action pause-order-events left it: someone changed it since/,
      );
      expect(lambdaMock.commandCalls(UpdateEventSourceMappingCommand)).toHaveLength(0);

      await undo(recordedPause.id, { force: true });
      expect(lambdaMock.commandCalls(UpdateEventSourceMappingCommand)).toHaveLength(2);
    });
  });

  test('refuses a cap the sentinel already lifted itself', async () => {
    const lifted = await recorded(
      actionRecord(capAction('image-resizer', 470), {
        status: 'lifted',
        undo: { startedAt: DECIDED_AT, finishedAt: DECIDED_AT, restored: null, by: 'lambda-sentinel' },
      }),
    );

    expect(await refusal(undo(lifted.id))).toBe('already-undone');
    await expect(undo(lifted.id)).rejects.toThrow(/is a cap the sentinel already lifted itself/);
    expect(lambdaMock.calls()).toHaveLength(0);
  });
});
