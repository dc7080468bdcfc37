import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EFSClient } from '@aws-sdk/client-efs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { systemClock, type Clock } from '../functions/scanner/model';
import type { ScanClients } from '../functions/scanner/run-scan';
import type { SimulatedAccount } from '../sim/simulated-account';
import type { VirtualClock } from '../sim/virtual-clock';
import { requireProfile } from './aws-profiles';
import { EXIT } from './command';

/** The clients a laptop command talks through: the scanner's, and the services `diagnose` also reads. */
export interface AccountClients extends ScanClients {
  readonly eventbridge: EventBridgeClient;
  readonly kms: KMSClient;
  readonly efs: EFSClient;
}

/** Where a command's AWS calls go (a real account, or a simulated one) and the clock they wait on. */
export interface AwsSession {
  readonly clients: AccountClients;
  readonly clock: Clock;
  /** Resolves the region the clients talk to (the SDK's default chain when not given). */
  region(): Promise<string>;
  /** Runs work that waits on `clock` (a virtual clock has to be driven while it runs). */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** Where the real AWS clients point: the SDK's default chain fills in whatever is not given. */
export interface AwsSessionOptions {
  readonly region?: string;
  readonly profile?: string;
  /**
   * A role to assume (with the profile's credentials) before anything is read: how a command reads another
   * account of the organization.
   * @default - the profile's own credentials
   */
  readonly roleArn?: string;
}

/** Temporary credentials as the SDK's clients take them. */
interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** The session name an assumed role shows in CloudTrail, so an account's owners can tell who read it. */
const ROLE_SESSION_NAME = 'lambda-sentinel-cli';

/**
 * Credentials of `roleArn`, assumed once with the base profile's credentials and assumed again shortly before
 * they expire (a long scan of many functions can outlast an hour-long session).
 */
function assumedRole(
  roleArn: string,
  base: { region?: string; profile?: string },
): () => Promise<TemporaryCredentials> {
  const sts = new STSClient(base);
  let current: TemporaryCredentials | undefined;
  return async () => {
    const expiring = current?.expiration && current.expiration.getTime() - Date.now() < 5 * 60_000;
    if (!current || expiring) {
      const { Credentials: granted } = await sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME }),
      );
      if (!granted?.AccessKeyId || !granted.SecretAccessKey) {
        throw new Error(`AssumeRole ${roleArn} returned no credentials`);
      }
      current = {
        accessKeyId: granted.AccessKeyId,
        secretAccessKey: granted.SecretAccessKey,
        ...(granted.SessionToken !== undefined ? { sessionToken: granted.SessionToken } : {}),
        ...(granted.Expiration !== undefined ? { expiration: granted.Expiration } : {}),
      };
    }
    return current;
  };
}

/**
 * The regions enabled for the account the options point at (AWS Account Management ListRegions): what
 * `--all-regions` scans.
 */
export async function enabledRegions(options: AwsSessionOptions): Promise<string[]> {
  const account = new AccountClient(clientConfig(options));
  const regions: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await account.send(
      new ListRegionsCommand({
        RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'],
        ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
      }),
    );
    regions.push(...(page.Regions ?? []).flatMap((region) => (region.RegionName ? [region.RegionName] : [])));
    nextToken = page.NextToken;
  } while (nextToken);
  return regions.sort();
}

/**
 * The SDK configuration every client of a session shares: region, profile, and an assumed role's credentials.
 * Throws a UsageError for a profile the shared config and credentials files do not define.
 */
export function clientConfig(options: AwsSessionOptions) {
  if (options.profile !== undefined) requireProfile(options.profile, process.env);
  const base = {
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
  };
  return options.roleArn !== undefined ? { ...base, credentials: assumedRole(options.roleArn, base) } : base;
}

/** Thrown when a read-only command's code tries to change something in the account. */
export class ReadOnlyError extends Error {
  constructor(operation: string) {
    super(`refused ${operation}: this command only reads (Get* and List*) from the account`);
    this.name = 'ReadOnlyError';
  }
}

const MIDDLEWARE = { step: 'initialize', priority: 'high' } as const;

/** Operations that only read: what the read-only guard lets through. */
const READ_OPERATION = /^(Get|List|Describe)/;

/** Makes `client` refuse, before signing, any operation that is not a read. */
function readOnly<T extends { middlewareStack: object }>(client: T, except: readonly string[] = []): T {
  // Every SDK client's stack takes the same initialize middleware; the types differ only in their commands.
  const stack = client.middlewareStack as LambdaClient['middlewareStack'];
  stack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      if (!READ_OPERATION.test(operation) && !except.includes(operation)) throw new ReadOnlyError(operation);
      return next(args);
    },
    { ...MIDDLEWARE, name: 'readOnlyGuard' },
  );
  return client;
}

/**
 * A session on the real account, read-only whatever the settings say: every client refuses any operation but
 * Get*, List* and Describe* before it is signed, and SNS publishes go nowhere (a laptop scan alerts nobody).
 */
export function awsSession(options: AwsSessionOptions): AwsSession {
  const config = clientConfig(options);
  // RequestBudget is the only retry layer for Lambda, as in the deployed scanner.
  const lambda = readOnly(new LambdaClient({ ...config, maxAttempts: 1 }));
  const sns = readOnly(new SNSClient(config), ['Publish']);
  sns.middlewareStack.add(
    (next, context) => (args) =>
      context.commandName === 'PublishCommand'
        ? Promise.resolve({ output: { MessageId: 'not-sent', $metadata: {} }, response: undefined })
        : next(args),
    { ...MIDDLEWARE, name: 'publishNowhere' },
  );
  const clients: AccountClients = {
    lambda,
    cloudwatch: readOnly(new CloudWatchClient({ ...config, retryMode: 'adaptive' })),
    sns,
    eventbridge: readOnly(new EventBridgeClient(config)),
    kms: readOnly(new KMSClient(config)),
    efs: readOnly(new EFSClient(config)),
  };
  return {
    clients,
    clock: systemClock,
    region: () => lambda.config.region(),
    run: (work) => work(),
  };
}

/** A session on a simulated account, driven by its virtual clock. */
export function simulatedSession(account: SimulatedAccount, clock: VirtualClock): AwsSession {
  return {
    clients: account.clients(),
    clock,
    region: () => Promise.resolve(account.model.region),
    run: (work) => clock.run(work),
  };
}

/** The innermost error of a `cause` chain. */
function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause !== undefined) current = current.cause;
  return current;
}

/**
 * One line saying why AWS could not be reached or refused us (no credentials, no region, no network, access
 * denied), with what to do about it; undefined for any other error.
 */
export function accessProblem(error: unknown): string | undefined {
  const root = rootCause(error);
  if (!(root instanceof Error)) return undefined;
  const firstLine = root.message.split('\n')[0] ?? '';
  if (root.name === 'CredentialsProviderError' || /Could not load credentials/i.test(root.message)) {
    return `no AWS credentials found (${firstLine}); pass --profile, set AWS_PROFILE, or sign in with 'aws sso login' or 'aws configure'`;
  }
  if (/Region is missing/i.test(root.message)) {
    return 'no AWS region given; pass --region or set AWS_REGION';
  }
  if (/ExpiredToken|TokenRefreshRequired/.test(root.name)) {
    return `the AWS credentials have expired (${firstLine}); sign in again`;
  }
  const code = String((root as { code?: unknown }).code ?? root.name);
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|TimeoutError/.test(code)) {
    return `could not reach AWS (${firstLine}); check the network, a proxy, or AWS_ENDPOINT_URL`;
  }
  if (
    /AccessDenied|UnauthorizedOperation|UnrecognizedClient|InvalidClientTokenId|InvalidSignature/.test(
      root.name,
    )
  ) {
    return `access denied: ${firstLine}`;
  }
  return undefined;
}

/**
 * Runs `work`; if AWS could not be reached or refused access, writes the one-line cause to stderr and resolves
 * to the usage-or-access exit code instead of throwing (no stack trace for a missing credential).
 */
export async function reportingAccessProblems(
  command: string,
  io: { readonly stderr: (text: string) => void },
  work: () => Promise<number>,
): Promise<number> {
  try {
    return await work();
  } catch (error) {
    const problem = accessProblem(error);
    if (problem === undefined) throw error;
    io.stderr(`lambda-sentinel ${command}: ${problem}\n`);
    return EXIT.usageOrAccess;
  }
}
