import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteFunctionConcurrencyCommand,
  GetEventSourceMappingCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { CliIo } from '../../../cli/command';
import { createUndoCommand, type UndoClientOptions } from '../../../cli/commands/undo';
import { main } from '../../../cli/main';
import type { Action } from '../../../functions/scanner/model';
import { DynamoStateStore } from '../../../functions/scanner/state/state-store';
import { actionRecord, pauseAction, throttleAction, unblockAction } from '../../support/action-builders';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';

const lambdaMock = mockClient(LambdaClient);

interface Captured {
  readonly io: CliIo;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

function capture(env: NodeJS.ProcessEnv = {}): Captured {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

describe('lambda-sentinel undo', () => {
  let local: LocalDynamo;
  let tableName: string;
  let clientOptions: UndoClientOptions[];
  const undoCommand = () =>
    createUndoCommand((options) => {
      clientOptions.push(options);
      return { lambda: new LambdaClient({ region: 'eu-west-1' }), dynamodb: local.newClient() };
    });
  const run = (args: string[], captured: Captured) => main(['undo', ...args], captured.io, [undoCommand()]);

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
    tableName = await local.createStateTable();
    clientOptions = [];
  });

  async function record(action: Action = throttleAction('order-events')): Promise<string> {
    // The CLI reads records by today's date, so the record is today's, whatever the fixtures' date.
    const recent = { ...action, decidedAt: new Date().toISOString() };
    await new DynamoStateStore(local.client, tableName).recordAction(actionRecord(recent, { revision: 0 }));
    return action.id;
  }

  test('restores the reservation, records the undo and says what it did', async () => {
    const id = await record();
    const out = capture();

    const code = await run([id, '--table', tableName, '--region', 'eu-west-1', '--profile', 'ops'], out);

    expect(code).toBe(0);
    expect(clientOptions).toEqual([{ region: 'eu-west-1', profile: 'ops' }]);
    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'order-events',
    });
    expect(out.stdout()).toContain(`Undid action ${id} (throttle of order-events`);
    expect(out.stdout()).toContain(
      'Reserved concurrency of order-events: 0 -> none (DeleteFunctionConcurrency).',
    );
    expect((await new DynamoStateStore(local.client, tableName).getAction(id))?.status).toBe('undone');
    expect(out.stderr()).toBe('');
  });

  test('enables again the event source mappings a pause-trigger paused, and lists them', async () => {
    const id = await record(pauseAction('order-events', ['orders']));
    lambdaMock.on(GetEventSourceMappingCommand).resolves({ UUID: 'uuid-orders', State: 'Disabled' });
    lambdaMock.on(UpdateEventSourceMappingCommand).resolves({ UUID: 'uuid-orders', State: 'Enabling' });
    const out = capture();

    const code = await run([id, '--table', tableName], out);

    expect(code).toBe(0);
    expect(lambdaMock.commandCalls(UpdateEventSourceMappingCommand)[0]?.args[0].input).toEqual({
      UUID: 'uuid-orders',
      Enabled: true,
    });
    expect(out.stdout()).toContain(`Undid action ${id} (pause-trigger of order-events, `);
    expect(out.stdout()).toContain(
      [
        'Event source mappings of order-events enabled again (UpdateEventSourceMapping); Lambda resumes polling where each stopped:',
        '  arn:aws:sqs:eu-west-1:123456789012:orders (uuid-orders): Enabling',
        `Recorded in ${tableName}: while the record is kept (90 days from the action), the sentinel does not pause the triggers of order-events again.`,
      ].join('\n'),
    );
  });

  test('refuses to enable a mapping someone enabled since, with exit 2', async () => {
    const id = await record(pauseAction('order-events', ['orders']));
    lambdaMock.on(GetEventSourceMappingCommand).resolves({ UUID: 'uuid-orders', State: 'Enabled' });
    const out = capture();

    const code = await run([id, '--table', tableName], out);

    expect(code).toBe(2);
    expect(out.stderr()).toMatch(
      /^lambda-sentinel undo: refused: event source mapping uuid-orders .* is now Enabled, .*use --force/,
    );
    expect(lambdaMock.commandCalls(UpdateEventSourceMappingCommand)).toHaveLength(0);
  });

  test('takes the table from LAMBDA_SENTINEL_TABLE', async () => {
    const id = await record();

    expect(await run([id], capture({ LAMBDA_SENTINEL_TABLE: tableName }))).toBe(0);
    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(1);
  });

  test('refuses an unknown action id with one line and exit 2', async () => {
    const out = capture();

    const code = await run(['20261126T1430-unknown', '--table', tableName], out);

    expect(code).toBe(2);
    expect(out.stderr()).toBe(
      'lambda-sentinel undo: refused: there is no action 20261126T1430-unknown (never recorded, or expired)\n',
    );
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  test('refuses a second undo of the same action', async () => {
    const id = await record();
    await run([id, '--table', tableName], capture());
    const out = capture();

    const code = await run([id, '--table', tableName], out);

    expect(code).toBe(2);
    expect(out.stderr()).toMatch(/^lambda-sentinel undo: refused: action \S+ was already undone at .*\n$/);
    expect(lambdaMock.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(1);
  });

  test('refuses an unblock: it changed no setting', async () => {
    const out = capture();

    const code = await run([await record(unblockAction('vpc-ingest')), '--table', tableName], out);

    expect(code).toBe(2);
    expect(out.stderr()).toContain('there is nothing to restore');
  });

  test('missing credentials give one line with the cause, exit 2 and no stack trace', async () => {
    const id = await record();
    const noCredentials = createUndoCommand(() => ({
      lambda: new LambdaClient({ region: 'eu-west-1' }),
      dynamodb: new DynamoDBClient({
        region: 'eu-west-1',
        endpoint: local.endpoint,
        credentials: () =>
          Promise.reject(
            Object.assign(new Error('Could not load credentials from any providers'), {
              name: 'CredentialsProviderError',
            }),
          ),
      }),
    }));
    const out = capture();

    const code = await main(['undo', id, '--table', tableName], out.io, [noCredentials]);

    expect(code).toBe(2);
    expect(out.stderr()).toMatch(
      /^lambda-sentinel undo: no AWS credentials found \(Could not load credentials from any providers\); pass --profile[^\n]*\n$/,
    );
  });

  test.each([
    [[], 'which action?'],
    [['a-1'], 'which state table?'],
    [['a-1', 'a-2', '--table', 't'], 'unexpected argument a-2'],
    [['a-1', '--table'], '--table needs a value'],
    [['a-1', '--dry'], 'unknown option --dry'],
  ])('usage mistakes (%j) exit 2 with the cause and a hint, one line each', async (args, message) => {
    const out = capture();

    expect(await run(args, out)).toBe(2);
    const [cause, hint, ...rest] = out.stderr().split('\n');
    expect(cause?.slice(0, `lambda-sentinel undo: ${message}`.length)).toBe(
      `lambda-sentinel undo: ${message}`,
    );
    expect(hint).toMatch(/Run 'lambda-sentinel undo --help' for its usage\.$/);
    expect(rest).toEqual(['']);
  });
});
