import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { concurrencyText, kindInfinitive } from '../../functions/scanner/remediate/action-text';
import { undoAction, UndoRefusedError, type UndoResult } from '../../functions/scanner/remediate/undo';
import { DynamoStateStore, StateStoreError } from '../../functions/scanner/state/state-store';
import { parseArguments } from '../arguments';
import { accessProblem, clientConfig, type AwsSessionOptions } from '../aws-session';
import { EXIT, UsageError, type CliCommand, type CliIo } from '../command';
import { COMMAND_SUMMARIES } from './summaries';

/** Environment variable naming the state table when `--table` is not given. */
export const TABLE_VARIABLE = 'LAMBDA_SENTINEL_TABLE';

/** Where the AWS clients of an undo point (the SDK's default chain fills in whatever is not given). */
export type UndoClientOptions = AwsSessionOptions;

/** The clients an undo talks through. */
export interface UndoClients {
  readonly lambda: LambdaClient;
  readonly dynamodb: DynamoDBClient;
}

interface UndoArguments {
  readonly actionId: string;
  readonly tableName?: string;
  readonly clientOptions: UndoClientOptions;
  readonly force: boolean;
}

const HELP = [
  'Usage: lambda-sentinel undo <action-id> [--table NAME] [--region REGION] [--profile PROFILE] [--force]',
  '',
  "Restores the reserved concurrency a function had before one of the sentinel's actions (throttle, cap or lift),",
  'removing the reservation where there was none, or enables again the event source mappings a pause-trigger',
  'paused; and records the undo so the sentinel does not repeat the action. Every alert lists this command,',
  'filled in, under each action it reports.',
  '',
  'Options:',
  `  --table NAME       the sentinel's state table (stack output StateTableName); default: $${TABLE_VARIABLE}`,
  '  --region REGION    the region the sentinel runs in; default: the AWS SDK default (AWS_REGION, profile)',
  '  --profile PROFILE  the AWS profile to use; default: the AWS SDK default credentials',
  "  --force            restore even if someone changed the function's reserved concurrency (or a paused",
  '                     mapping) since the action',
  '',
  'Refused (exit 2, nothing changed): an unknown or expired action id, an action already undone, a cap the',
  'sentinel already lifted, a dry-run or failed action, an unblock (it changed no setting), or a reservation or',
  'mapping changed since (without --force).',
  '',
  'Example:',
  '  npx lambda-sentinel undo 20301231T1205-3f9c2b1e --table LambdaSentinel-StateTable --region eu-west-1',
].join('\n');

function readArguments(args: readonly string[]): UndoArguments {
  const parsed = parseArguments(args, {
    values: ['--table', '--region', '--profile'],
    switches: ['--force'],
    positionals: 1,
  });
  const [actionId] = parsed.positionals;
  if (actionId === undefined) throw new UsageError('which action? give the action id the alert shows');
  const { '--table': tableName, '--region': region, '--profile': profile } = parsed.values;
  return {
    actionId,
    ...(tableName !== undefined ? { tableName } : {}),
    clientOptions: {
      ...(region !== undefined ? { region } : {}),
      ...(profile !== undefined ? { profile } : {}),
    },
    force: parsed.switches.has('--force'),
  };
}

function defaultClients(options: UndoClientOptions): UndoClients {
  const config = clientConfig(options);
  return { lambda: new LambdaClient(config), dynamodb: new DynamoDBClient(config) };
}

/** One line saying why the undo did not happen, with what to do about it where that is clear. */
function explain(error: unknown, tableName: string): string {
  if (error instanceof UndoRefusedError) return `refused: ${error.message}`;
  const access = accessProblem(error);
  if (access !== undefined) return access;
  // The state store wraps DynamoDB's errors; a missing function would come straight from Lambda.
  if (
    error instanceof StateStoreError &&
    error.cause instanceof Error &&
    error.cause.name === 'ResourceNotFoundException'
  ) {
    return `state table ${tableName} was not found; check --table and --region (${error.cause.message})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** What the undo changed, as lines an operator can check in the console. */
function whatChanged({ record, restored, operation, mappings }: UndoResult): string[] {
  if (mappings) {
    return [
      `Event source mappings of ${record.functionName} enabled again (${operation}); Lambda resumes polling ` +
        'where each stopped:',
      ...mappings.map((mapping) => `  ${mapping.eventSourceArn} (${mapping.uuid}): ${mapping.state}`),
    ];
  }
  return [
    `Reserved concurrency of ${record.functionName}: ${concurrencyText(record.next)} -> ` +
      `${concurrencyText(restored)} (${operation}).`,
  ];
}

/** The `undo` command, building its AWS clients with `makeClients` (tests pass their own). */
export function createUndoCommand(
  makeClients: (options: UndoClientOptions) => UndoClients = defaultClients,
): CliCommand {
  return {
    name: 'undo',
    summary: COMMAND_SUMMARIES.undo,
    help: HELP,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = readArguments(args);
      const tableName = parsed.tableName ?? io.env[TABLE_VARIABLE];
      if (!tableName) {
        throw new UsageError(
          `which state table? pass --table NAME (stack output StateTableName) or set ${TABLE_VARIABLE}`,
        );
      }
      const clients = makeClients(parsed.clientOptions);
      try {
        const result = await undoAction({
          actionId: parsed.actionId,
          actionLog: new DynamoStateStore(clients.dynamodb, tableName),
          lambda: clients.lambda,
          force: parsed.force,
          ...(io.env.USER ? { by: io.env.USER } : {}),
        });
        const { record } = result;
        io.stdout(
          [
            `Undid action ${record.id} (${record.kind} of ${record.functionName}, ${record.decidedAt}).`,
            ...whatChanged(result),
            `Recorded in ${tableName}: while the record is kept (90 days from the action), the sentinel does ` +
              `not ${kindInfinitive(record.kind)} ${record.functionName} again.`,
          ].join('\n') + '\n',
        );
        return EXIT.clean;
      } catch (error) {
        io.stderr(`lambda-sentinel undo: ${explain(error, tableName)}\n`);
        return EXIT.usageOrAccess;
      } finally {
        clients.lambda.destroy();
        clients.dynamodb.destroy();
      }
    },
  };
}

/** `lambda-sentinel undo <action-id>`: reverses one recorded action. */
export const undoCommand: CliCommand = createUndoCommand();
