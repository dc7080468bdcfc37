import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number }) => Server;
// dynalite ships no type declarations, so it is loaded untyped and given the one signature used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as DynaliteFactory;

/** A dynalite server running in this process, with a client pointed at it and the state table created. */
export interface LocalDynamo {
  /** Client for the local server, with dummy credentials so no real AWS account is ever touched. */
  readonly client: DynamoDBClient;
  /** `http://127.0.0.1:<port>`, for building further clients (e.g. ones that fail on purpose). */
  readonly endpoint: string;
  /** A table shaped like the stack's state table, created at start. */
  readonly tableName: string;
  /** Creates another state-shaped table (a fresh one per test keeps tests independent) and returns its name. */
  createStateTable(): Promise<string>;
  /** A new client for the local server; the caller may add middleware to it and must destroy it. */
  newClient(): DynamoDBClient;
  /** Closes the client and the server. */
  stop(): Promise<void>;
}

let tablesCreated = 0;

/** The longest stop() waits for requests in flight (a test that timed out may have left some). */
const STOP_WAIT_MS = 10_000;

/** Starts dynalite in-process on a free port and creates a table like the stack's (key `pk`, on-demand). */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  // Requests still being answered: closing the server under them closes dynalite's database mid-write ("Database
  // is closed"), so stop() waits for them.
  let inFlight = 0;
  server.on('request', (_request, response: { once(event: 'close', listener: () => void): void }) => {
    inFlight += 1;
    response.once('close', () => (inFlight -= 1));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const newClient = (): DynamoDBClient =>
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  const client = newClient();

  const createStateTable = async (): Promise<string> => {
    tablesCreated += 1;
    const tableName = `sentinel-state-${tablesCreated}`;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // dynalite keeps a new table CREATING for createTableMs, like DynamoDB does for a few seconds.
    while (
      (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus !== 'ACTIVE'
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return tableName;
  };

  const tableName = await createStateTable();
  return {
    client,
    endpoint,
    tableName,
    createStateTable,
    newClient,
    stop: async () => {
      for (let waited = 0; inFlight > 0 && waited < STOP_WAIT_MS; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      client.destroy();
      // The SDK keeps sockets alive; close them, or server.close waits for them to time out.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
