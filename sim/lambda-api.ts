/**
 * The Lambda control plane of a simulated account: the operations the sentinel, its CLI and the naive design send,
 * with AWS's request and response shapes, paging, validation and error classes. Quotas and latency are the
 * caller's (SimulatedAccount's) business; this answers one request at a given time.
 */
import {
  InvalidParameterValueException,
  ResourceConflictException,
  ResourceInUseException,
  ResourceNotFoundException,
  type AliasConfiguration,
  type EventSourceMappingConfiguration,
  type FunctionConfiguration,
  type GetAccountSettingsCommandOutput,
  type GetFunctionCommandOutput,
  type ProvisionedConcurrencyConfigListItem,
} from '@aws-sdk/client-lambda';
import {
  functionArn,
  lambdaTimestamp,
  type SimAccountModel,
  type SimEventSourceMapping,
  type SimFunction,
  type SimProvisionedConfig,
} from './account-model';

/** ListFunctions, ListAliases and ListProvisionedConcurrencyConfigs return at most this many items a page. */
export const PAGE_SIZE = 50;

/** ListEventSourceMappings returns at most this many mappings a page, whatever MaxItems asks. */
export const MAPPING_PAGE_SIZE = 100;

/** How long an event source mapping stays Enabling or Disabling before it is Enabled or Disabled. */
export const MAPPING_TRANSITION_MS = 30_000;

/**
 * What the API tells the rest of the simulation: a setting changed at a time (so the metrics follow it), and how
 * many provisioned units a config holds at a time (auto scaling moves them).
 */
export interface LambdaApiHooks {
  settingChanged(fn: SimFunction, at: number): void;
  allocatedAt(fn: SimFunction, config: SimProvisionedConfig, at: number): number;
}

const NO_HOOKS: LambdaApiHooks = {
  settingChanged: () => undefined,
  allocatedAt: (_fn, config) => config.allocated,
};

/**
 * Minutes after which a call that changes a Pending function cancels its creation and moves it to Failed, as
 * AWS's troubleshooting guide describes. The call itself is still refused with ResourceConflictException (the
 * function was Pending when it arrived): the guide does not say otherwise, so callers must re-read the state.
 */
export const PENDING_UNBLOCK_MINUTES = 6;

type Input = Readonly<Record<string, unknown>>;
type Output = object;

const OK = { httpStatusCode: 200 };

function notFound(message: string): ResourceNotFoundException {
  return new ResourceNotFoundException({ message, Type: 'User', $metadata: { httpStatusCode: 404 } });
}

function invalid(message: string): InvalidParameterValueException {
  return new InvalidParameterValueException({ message, Type: 'User', $metadata: { httpStatusCode: 400 } });
}

function conflict(message: string): ResourceConflictException {
  return new ResourceConflictException({ message, Type: 'User', $metadata: { httpStatusCode: 409 } });
}

function text(input: Input, key: string): string | undefined {
  const value = input[key];
  return typeof value === 'string' ? value : undefined;
}

const sortedLists = new WeakMap<readonly unknown[], { length: number; sorted: unknown[] }>();

/** `items` in code-unit order of their keys (the order markers compare in), sorted once per list. */
function inKeyOrder<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const cached = sortedLists.get(items);
  if (cached && cached.length === items.length) return cached.sorted as T[];
  const sorted = [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  sortedLists.set(items, { length: items.length, sorted });
  return sorted;
}

/** One page of `items` after `marker` (an opaque token naming the last item of the previous page). */
function page<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  marker: string | undefined,
  maxItems: unknown,
  pageSize = PAGE_SIZE,
): { items: T[]; nextMarker?: string } {
  const size = Math.min(pageSize, typeof maxItems === 'number' && maxItems > 0 ? maxItems : pageSize);
  const sorted = inKeyOrder(items, keyOf);
  let startAt = 0;
  if (marker !== undefined) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    if (!after.startsWith('after:')) throw invalid(`Invalid marker: ${marker}`);
    startAt = sorted.findIndex((item) => keyOf(item) > after.slice('after:'.length));
    if (startAt < 0) startAt = sorted.length;
  }
  const chunk = sorted.slice(startAt, startAt + size);
  const last = chunk.at(-1);
  return startAt + size < sorted.length && last !== undefined
    ? { items: chunk, nextMarker: Buffer.from(`after:${keyOf(last)}`).toString('base64url') }
    : { items: chunk };
}

/** Answers Lambda API requests from the account's state, changing it where the operation does. */
export class LambdaApi {
  constructor(
    private readonly account: SimAccountModel,
    private readonly hooks: LambdaApiHooks = NO_HOOKS,
  ) {}

  /** Whether `operation` is answered here. */
  handles(operation: string): boolean {
    return operation in this.operations;
  }

  /** Answers one request arriving at `now` (epoch ms); throws the SDK's exception classes as AWS would. */
  answer(operation: string, input: Input, now: number): Output {
    const handler = this.operations[operation];
    if (!handler) throw new Error(`The simulated Lambda does not answer ${operation}`);
    return { ...handler(input, now), $metadata: OK };
  }

  private readonly operations: Readonly<Record<string, (input: Input, now: number) => Output>> = {
    ListFunctions: (input) => {
      const { items, nextMarker } = page(
        this.account.functions,
        (fn) => fn.name,
        text(input, 'Marker'),
        input.MaxItems,
      );
      // ListFunctions leaves out every state field: only GetFunction and GetFunctionConfiguration have them.
      return { Functions: items.map((fn) => this.configuration(fn, false)), NextMarker: nextMarker };
    },
    GetFunction: (input) => {
      const fn = this.find(input);
      const response: Omit<GetFunctionCommandOutput, '$metadata'> = {
        Configuration: this.configuration(fn, true),
        Code: {
          RepositoryType: 'S3',
          Location: `https://awslambda-${this.account.region}-tasks.s3.${this.account.region}.amazonaws.com/snapshots/${this.account.accountId}/${fn.name}`,
        },
        ...(fn.reservedConcurrency !== undefined
          ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } }
          : {}),
        ...(Object.keys(fn.tags).length > 0 ? { Tags: { ...fn.tags } } : {}),
      };
      return response;
    },
    GetFunctionConfiguration: (input) => this.configuration(this.find(input), true),
    ListTags: (input) => {
      const arn = text(input, 'Resource') ?? '';
      return { Tags: { ...this.find({ FunctionName: arn }).tags } };
    },
    GetAccountSettings: () => {
      const reserved = this.account.functions.reduce((total, fn) => total + (fn.reservedConcurrency ?? 0), 0);
      const settings: Omit<GetAccountSettingsCommandOutput, '$metadata'> = {
        AccountLimit: {
          TotalCodeSize: 80_530_636_800,
          CodeSizeUnzipped: 262_144_000,
          CodeSizeZipped: 52_428_800,
          ConcurrentExecutions: this.account.concurrencyLimit,
          UnreservedConcurrentExecutions: this.account.concurrencyLimit - reserved,
        },
        AccountUsage: {
          TotalCodeSize: this.account.functions.length * 5_242_880,
          FunctionCount: this.account.functions.length,
        },
      };
      return settings;
    },
    GetFunctionConcurrency: (input) => {
      const fn = this.find(input);
      return fn.reservedConcurrency === undefined
        ? {}
        : { ReservedConcurrentExecutions: fn.reservedConcurrency };
    },
    PutFunctionConcurrency: (input, now) => {
      const fn = this.find(input);
      const wanted = input.ReservedConcurrentExecutions;
      if (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 0) {
        throw invalid('ReservedConcurrentExecutions must be an integer of 0 or more.');
      }
      const reservedByOthers = this.account.functions
        .filter((other) => other !== fn)
        .reduce((total, other) => total + (other.reservedConcurrency ?? 0), 0);
      const unreservedAfter = this.account.concurrencyLimit - reservedByOthers - wanted;
      // Lowering a reservation never takes concurrency from the pool, so it is allowed even on an account
      // already below its minimum (one whose limit was lowered).
      const lowering = fn.reservedConcurrency !== undefined && wanted <= fn.reservedConcurrency;
      if (unreservedAfter < this.account.minimumUnreserved && !lowering) {
        throw invalid(
          `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.account.minimumUnreserved}].`,
        );
      }
      const provisioned = fn.provisioned.reduce((total, config) => total + config.requested, 0);
      if (wanted < provisioned) {
        // AWS refuses this; we found no record of its exact text, so this wording is ours.
        throw invalid(
          `Specified ReservedConcurrentExecutions for function is less than the function's total provisioned concurrency [${provisioned}].`,
        );
      }
      this.changeReserved(fn, wanted, now);
      return { ReservedConcurrentExecutions: wanted };
    },
    DeleteFunctionConcurrency: (input, now) => {
      this.changeReserved(this.find(input), undefined, now);
      return {};
    },
    ListProvisionedConcurrencyConfigs: (input, now) => {
      const fn = this.find(input);
      const { items, nextMarker } = page(
        fn.provisioned,
        (config) => config.qualifier,
        text(input, 'Marker'),
        input.MaxItems,
      );
      const configs: ProvisionedConcurrencyConfigListItem[] = items.map((config) => {
        const allocated = this.hooks.allocatedAt(fn, config, now);
        return {
          FunctionArn: functionArn(this.account, fn.name, config.qualifier),
          RequestedProvisionedConcurrentExecutions: config.autoScaling ? allocated : config.requested,
          AllocatedProvisionedConcurrentExecutions: allocated,
          AvailableProvisionedConcurrentExecutions: config.status === 'READY' ? allocated : 0,
          Status: config.status as ProvisionedConcurrencyConfigListItem['Status'],
          ...(config.statusReason !== undefined ? { StatusReason: config.statusReason } : {}),
          LastModified: lambdaTimestamp(config.lastModified ?? fn.lastModified),
        };
      });
      return { ProvisionedConcurrencyConfigs: configs, NextMarker: nextMarker };
    },
    ListEventSourceMappings: (input, now) => {
      const functionName = text(input, 'FunctionName');
      const sourceArn = text(input, 'EventSourceArn');
      let owners = this.account.functions;
      let qualifier: string | undefined;
      if (functionName !== undefined) {
        const { fn, qualifier: named } = this.locate(functionName);
        owners = [fn];
        qualifier = named;
      }
      // A qualified FunctionName lists the mappings that invoke that qualifier; an unqualified one lists all
      // of the function's mappings (AWS's documents do not say; this is what the console shows).
      const mappings = owners.flatMap((fn) =>
        fn.eventSourceMappings
          .filter((mapping) => qualifier === undefined || mapping.qualifier === qualifier)
          .filter((mapping) => sourceArn === undefined || mapping.eventSourceArn === sourceArn)
          .map((mapping) => ({ fn, mapping })),
      );
      const { items, nextMarker } = page(
        mappings,
        ({ mapping }) => mapping.uuid,
        text(input, 'Marker'),
        input.MaxItems,
        MAPPING_PAGE_SIZE,
      );
      return {
        EventSourceMappings: items.map(({ fn, mapping }) => this.mappingConfiguration(fn, mapping, now)),
        NextMarker: nextMarker,
      };
    },
    GetEventSourceMapping: (input, now) => {
      const { fn, mapping } = this.findMapping(input);
      return this.mappingConfiguration(fn, mapping, now);
    },
    UpdateEventSourceMapping: (input, now) => {
      const { fn, mapping } = this.findMapping(input);
      this.settle(mapping, now);
      if (mapping.state === 'Enabling' || mapping.state === 'Disabling') {
        throw new ResourceInUseException({
          message: `The event source mapping ${mapping.uuid} is ${mapping.state}; try again when it is done.`,
          Type: 'User',
          $metadata: { httpStatusCode: 400 },
        });
      }
      if (typeof input.Enabled === 'boolean') {
        const enabled = mapping.state === 'Enabled';
        if (input.Enabled !== enabled) {
          mapping.enabledChanges.push({ at: now, before: enabled, after: input.Enabled });
          mapping.state = input.Enabled ? 'Enabling' : 'Disabling';
          mapping.lastModified = now;
          this.hooks.settingChanged(fn, now);
        }
      }
      return this.mappingConfiguration(fn, mapping, now);
    },
    ListAliases: (input) => {
      const fn = this.find(input);
      const { items, nextMarker } = page(
        fn.aliases,
        (alias) => alias.name,
        text(input, 'Marker'),
        input.MaxItems,
      );
      const aliases: AliasConfiguration[] = items.map((alias) => ({
        AliasArn: functionArn(this.account, fn.name, alias.name),
        Name: alias.name,
        FunctionVersion: alias.functionVersion,
        Description: '',
        ...(alias.additionalVersionWeights
          ? { RoutingConfig: { AdditionalVersionWeights: { ...alias.additionalVersionWeights } } }
          : {}),
        RevisionId: `${fn.name}-${alias.name}-1`,
      }));
      return { Aliases: aliases, NextMarker: nextMarker };
    },
    GetFunctionRecursionConfig: (input) => ({ RecursiveLoop: this.find(input).recursiveLoop }),
    GetPolicy: (input) => {
      // Each qualifier has its own policy: without one, the bare function's (which $LATEST shares).
      const { fn, qualifier } = this.locate(text(input, 'FunctionName') ?? '', text(input, 'Qualifier'));
      const own = qualifier === '$LATEST' ? undefined : qualifier;
      const statements = fn.policy.filter((statement) => statement.qualifier === own);
      if (statements.length === 0) throw notFound('The resource you requested does not exist.');
      const arn = functionArn(this.account, fn.name, own);
      const policy = {
        Version: '2012-10-17',
        Id: 'default',
        Statement: statements.map((statement) => ({
          Sid: statement.sid,
          Effect: 'Allow',
          Principal: statement.principal,
          Action: statement.action ?? 'lambda:InvokeFunction',
          Resource: arn,
          ...(statement.condition ? { Condition: statement.condition } : {}),
        })),
      };
      return { Policy: JSON.stringify(policy), RevisionId: `${fn.name}-policy-1` };
    },
    GetFunctionUrlConfig: (input) => {
      // A URL belongs to the bare function or to one alias; the Qualifier (an alias name) picks which.
      const { fn, qualifier } = this.locate(text(input, 'FunctionName') ?? '', text(input, 'Qualifier'));
      const own = qualifier === '$LATEST' ? undefined : qualifier;
      const url = (fn.functionUrls ?? []).find((candidate) => candidate.qualifier === own);
      if (!url) throw notFound('The resource you requested does not exist.');
      const id = Buffer.from(`${fn.name}:${own ?? ''}`)
        .toString('hex')
        .padEnd(32, '0')
        .slice(0, 32);
      return {
        FunctionUrl: `https://${id}.lambda-url.${this.account.region}.on.aws/`,
        FunctionArn: functionArn(this.account, fn.name, own),
        AuthType: url.authType,
        CreationTime: new Date(url.createdAt).toISOString(),
        LastModifiedTime: new Date(url.createdAt).toISOString(),
        InvokeMode: 'BUFFERED',
      };
    },
    UpdateFunctionConfiguration: (input, now) => {
      const fn = this.find(input);
      this.refuseWhileBusy(fn, now);
      fn.lastModified = now;
      if (typeof input.Timeout === 'number') fn.timeout = input.Timeout;
      if (typeof input.MemorySize === 'number') fn.memorySize = input.MemorySize;
      // The simulated update finishes at once; a real one reports InProgress for a moment first.
      fn.lastUpdateStatus = 'Successful';
      fn.lastUpdateStatusReasonCode = undefined;
      fn.lastUpdateStatusReason = undefined;
      return this.configuration(fn, true);
    },
    PublishVersion: (input, now) => {
      const fn = this.find(input);
      this.refuseWhileBusy(fn, now);
      const version = String(fn.versions.length + 1);
      fn.versions.push(version);
      return {
        ...this.configuration(fn, true),
        Version: version,
        FunctionArn: functionArn(this.account, fn.name, version),
      };
    },
  };

  /** The function a request names: by name, ARN or partial ARN, with or without a qualifier. */
  private find(input: Input): SimFunction {
    const given = text(input, 'FunctionName');
    if (!given) throw invalid('FunctionName is required.');
    return this.locate(given, text(input, 'Qualifier')).fn;
  }

  /** The function and qualifier a name, ARN or partial ARN gives. */
  private locate(given: string, qualifierParameter?: string): { fn: SimFunction; qualifier?: string } {
    const parts = given.split(':');
    // A name, `name:qualifier`, `123456789012:function:name[:qualifier]` or a full ARN.
    const [name, qualifierInName] = given.startsWith('arn:')
      ? [parts[6], parts[7]]
      : parts.length >= 3
        ? [parts[2], parts[3]]
        : [parts[0], parts[1]];
    const qualifier = qualifierInName ?? qualifierParameter;
    const fn = this.account.functions.find((candidate) => candidate.name === name);
    const knownQualifier =
      qualifier === undefined ||
      qualifier === '$LATEST' ||
      fn?.versions.includes(qualifier) ||
      fn?.aliases.some((alias) => alias.name === qualifier);
    if (!fn || !knownQualifier) {
      throw notFound(`Function not found: ${functionArn(this.account, name ?? given, qualifier)}`);
    }
    return qualifier === undefined ? { fn } : { fn, qualifier };
  }

  private changeReserved(fn: SimFunction, value: number | undefined, now: number): void {
    if (fn.reservedConcurrency === value) return;
    fn.reservedChanges.push({ at: now, before: fn.reservedConcurrency, after: value });
    fn.reservedConcurrency = value;
    this.hooks.settingChanged(fn, now);
  }

  private findMapping(input: Input): { fn: SimFunction; mapping: SimEventSourceMapping } {
    const uuid = text(input, 'UUID');
    if (!uuid) throw invalid('UUID is required.');
    for (const fn of this.account.functions) {
      const mapping = fn.eventSourceMappings.find((candidate) => candidate.uuid === uuid);
      if (mapping) return { fn, mapping };
    }
    throw notFound(
      `The resource you requested does not exist. (Service: Lambda, Event source mapping: ${uuid})`,
    );
  }

  /** Finishes a transition that has had its time: Enabling becomes Enabled, Disabling becomes Disabled. */
  private settle(mapping: SimEventSourceMapping, now: number): void {
    if (now - mapping.lastModified < MAPPING_TRANSITION_MS) return;
    if (mapping.state === 'Enabling') mapping.state = 'Enabled';
    if (mapping.state === 'Disabling') mapping.state = 'Disabled';
  }

  private mappingConfiguration(
    fn: SimFunction,
    mapping: SimEventSourceMapping,
    now: number,
  ): EventSourceMappingConfiguration {
    this.settle(mapping, now);
    return {
      UUID: mapping.uuid,
      EventSourceArn: mapping.eventSourceArn,
      FunctionArn: functionArn(this.account, fn.name, mapping.qualifier),
      State: mapping.state,
      StateTransitionReason: 'USER_INITIATED',
      LastModified: new Date(mapping.lastModified),
      BatchSize: mapping.batchSize,
      MaximumBatchingWindowInSeconds: 0,
      LastProcessingResult: 'OK',
    };
  }

  /**
   * Changes are refused while the function is being created or updated. A call on a function Pending for longer
   * than PENDING_UNBLOCK_MINUTES also cancels the creation, leaving the function Failed (the guide's unblock).
   */
  private refuseWhileBusy(fn: SimFunction, now: number): void {
    const arn = functionArn(this.account, fn.name);
    if (fn.state === 'Pending') {
      if (now - fn.lastModified > PENDING_UNBLOCK_MINUTES * 60_000) {
        fn.state = 'Failed';
        fn.stateReasonCode = 'Creating';
        fn.stateReason = 'The pending operation was cancelled by a later request.';
      }
      throw conflict(
        `The operation cannot be performed at this time. The function is currently in the following state: Pending`,
      );
    }
    if (fn.lastUpdateStatus === 'InProgress') {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`,
      );
    }
  }

  private configuration(fn: SimFunction, withState: boolean): FunctionConfiguration {
    const configuration: FunctionConfiguration = {
      FunctionName: fn.name,
      FunctionArn: functionArn(this.account, fn.name),
      Runtime: fn.runtime as FunctionConfiguration['Runtime'],
      Role: `arn:aws:iam::${this.account.accountId}:role/${fn.name}-role`,
      Handler: 'index.handler',
      CodeSize: 5_242_880,
      Description: '',
      Timeout: fn.timeout,
      MemorySize: fn.memorySize,
      LastModified: lambdaTimestamp(fn.lastModified),
      CodeSha256: Buffer.from(fn.name).toString('base64'),
      Version: '$LATEST',
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: `${fn.name}-${fn.lastModified}`,
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      EphemeralStorage: { Size: 512 },
      ...(fn.kmsKeyArn !== undefined ? { KMSKeyArn: fn.kmsKeyArn } : {}),
      ...(fn.vpc
        ? {
            VpcConfig: {
              SubnetIds: [...fn.vpc.subnetIds],
              SecurityGroupIds: [...fn.vpc.securityGroupIds],
              VpcId: fn.vpc.vpcId,
            },
          }
        : {}),
      ...(fn.fileSystems
        ? {
            FileSystemConfigs: fn.fileSystems.map((fs) => ({
              Arn: fs.arn,
              LocalMountPath: fs.localMountPath,
            })),
          }
        : {}),
    };
    if (!withState) return configuration;
    return {
      ...configuration,
      State: fn.state as FunctionConfiguration['State'],
      ...(fn.stateReason !== undefined ? { StateReason: fn.stateReason } : {}),
      ...(fn.stateReasonCode !== undefined
        ? { StateReasonCode: fn.stateReasonCode as FunctionConfiguration['StateReasonCode'] }
        : {}),
      LastUpdateStatus: fn.lastUpdateStatus as FunctionConfiguration['LastUpdateStatus'],
      ...(fn.lastUpdateStatusReason !== undefined
        ? { LastUpdateStatusReason: fn.lastUpdateStatusReason }
        : {}),
      ...(fn.lastUpdateStatusReasonCode !== undefined
        ? {
            LastUpdateStatusReasonCode:
              fn.lastUpdateStatusReasonCode as FunctionConfiguration['LastUpdateStatusReasonCode'],
          }
        : {}),
    };
  }
}
