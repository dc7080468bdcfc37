import {
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  type GetMetricStatisticsCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  InvalidParameterValueException,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateEventSourceMappingCommand,
  UpdateFunctionConfigurationCommand,
  paginateListFunctions,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { ScanClients } from '../../functions/scanner/run-scan';
import { quietAccount, troubledAccount } from '../../sim/generators';
import { loadPattern } from '../../sim/pattern';
import { SimulatedAccount } from '../../sim/simulated-account';
import { VirtualClock } from '../../sim/virtual-clock';

const STATE_FIELDS = [
  'State',
  'StateReason',
  'StateReasonCode',
  'LastUpdateStatus',
  'LastUpdateStatusReason',
  'LastUpdateStatusReasonCode',
] as const;

function simulation(model = troubledAccount(120)) {
  const clock = new VirtualClock(model.observedAt);
  const account = new SimulatedAccount(model, { clock });
  const clients: ScanClients = account.clients();
  return { model, clock, account, clients };
}

/** Settles every request of `sends`, all sent at the same virtual moment. */
async function allAtOnce<T>(clock: VirtualClock, sends: (() => Promise<T>)[]) {
  return clock.run(() => Promise.allSettled(sends.map((send) => send())));
}

describe('SimulatedAccount: the Lambda API through a real LambdaClient', () => {
  it('pages ListFunctions 50 at a time with NextMarker, and the SDK paginator reads every function once', async () => {
    const { clock, clients, model } = simulation(quietAccount(120));

    const first = await clock.run(() => clients.lambda.send(new ListFunctionsCommand({})));
    const names: string[] = [];
    await clock.run(async () => {
      for await (const page of paginateListFunctions({ client: clients.lambda }, {})) {
        names.push(...(page.Functions ?? []).map((fn) => fn.FunctionName ?? ''));
      }
    });

    expect(first.Functions).toHaveLength(50);
    expect(first.NextMarker).toEqual(expect.any(String));
    expect(names).toHaveLength(120);
    expect(new Set(names).size).toBe(120);
    expect(names.sort()).toEqual(model.functions.map((fn) => fn.name).sort());
  });

  it('caps a page at 50 even when MaxItems asks for more, and rejects a marker it did not issue', async () => {
    const { clock, clients } = simulation(quietAccount(80));

    const page = await clock.run(() => clients.lambda.send(new ListFunctionsCommand({ MaxItems: 1000 })));
    const bad = clock.run(() => clients.lambda.send(new ListFunctionsCommand({ Marker: 'not-a-marker' })));

    expect(page.Functions).toHaveLength(50);
    await expect(bad).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('omits every state field from ListFunctions, as AWS does, while GetFunction returns them', async () => {
    const { clock, clients } = simulation();

    const listed = await clock.run(() => clients.lambda.send(new ListFunctionsCommand({ MaxItems: 50 })));
    const pending = await clock.run(() =>
      clients.lambda.send(new GetFunctionCommand({ FunctionName: 'report-builder' })),
    );

    for (const fn of listed.Functions ?? []) {
      for (const field of STATE_FIELDS) expect(fn).not.toHaveProperty(field);
      expect(fn.LastModified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    }
    expect(pending.Configuration).toMatchObject({
      FunctionName: 'report-builder',
      State: 'Pending',
      StateReasonCode: 'Creating',
      LastUpdateStatus: 'Successful',
    });
  });

  it('answers GetFunction with Concurrency only when reserved concurrency is set, and with the tags', async () => {
    const { clock, clients, model } = simulation();
    const reserved = model.functions.find((fn) => fn.name === 'checkout-api');
    if (reserved) reserved.reservedConcurrency = 25;

    const [withReservation, without] = await clock.run(() =>
      Promise.all([
        clients.lambda.send(new GetFunctionCommand({ FunctionName: 'checkout-api' })),
        clients.lambda.send(new GetFunctionCommand({ FunctionName: 'image-resizer' })),
      ]),
    );

    expect(withReservation.Concurrency).toEqual({ ReservedConcurrentExecutions: 25 });
    expect(without.Concurrency).toBeUndefined();
    expect(without.Tags).toEqual({ team: 'platform' });
  });

  it('finds a function by name, by ARN and by name with an alias, and throws ResourceNotFoundException otherwise', async () => {
    const { clock, clients, model } = simulation();
    const arn = `arn:aws:lambda:${model.region}:${model.accountId}:function:quote-api`;

    const [byArn, byAlias] = await clock.run(() =>
      Promise.all([
        clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: arn })),
        clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'quote-api:live' })),
      ]),
    );
    const missing = clock.run(() =>
      clients.lambda.send(new GetFunctionCommand({ FunctionName: 'no-such-fn' })),
    );

    expect(byArn.FunctionName).toBe('quote-api');
    expect(byAlias.FunctionName).toBe('quote-api');
    await expect(missing).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(missing).rejects.toMatchObject({
      message: expect.stringContaining('function:no-such-fn'),
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('answers ListAliases with the routing weights and GetPolicy with the policy document, or not found', async () => {
    const { clock, clients } = simulation();

    const [aliases, policy] = await clock.run(() =>
      Promise.all([
        clients.lambda.send(new ListAliasesCommand({ FunctionName: 'quote-api' })),
        clients.lambda.send(new GetPolicyCommand({ FunctionName: 'quote-api' })),
      ]),
    );
    const none = clock.run(() =>
      clients.lambda.send(new GetPolicyCommand({ FunctionName: 'stream-processor' })),
    );

    expect(aliases.Aliases?.[0]).toMatchObject({
      Name: 'live',
      FunctionVersion: '7',
      RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } },
    });
    expect(JSON.parse(policy.Policy ?? '{}')).toMatchObject({
      Statement: [{ Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'lambda:InvokeFunction' }],
    });
    await expect(none).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('SimulatedAccount: Lambda quotas', () => {
  it('admits 15 requests in one second on the shared control-plane bucket and throttles the rest with TooManyRequestsException', async () => {
    const { clock, clients, account } = simulation();

    const results = await allAtOnce(
      clock,
      Array.from({ length: 20 }, () => () => clients.lambda.send(new GetAccountSettingsCommand({}))),
    );

    const rejected = results.filter((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(15);
    expect(rejected).toHaveLength(5);
    const [first] = rejected;
    expect(first?.status === 'rejected' && first.reason).toBeInstanceOf(TooManyRequestsException);
    expect(first?.status === 'rejected' && first.reason).toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'CallerRateLimitExceeded',
      retryAfterSeconds: '1',
      $metadata: { httpStatusCode: 429 },
    });
    expect(account.usage.throttled).toEqual({ GetAccountSettings: 5 });
    expect(account.usage.peakControlPlaneRps).toBe(20);
  });

  it('shares one bucket between ListFunctions and ListAliases, while GetFunction and GetPolicy have their own', async () => {
    const { clock, clients } = simulation();
    const lambda = clients.lambda;
    const shared = [
      ...Array.from({ length: 8 }, () => () => lambda.send(new ListFunctionsCommand({}))),
      ...Array.from(
        { length: 8 },
        () => () => lambda.send(new ListAliasesCommand({ FunctionName: 'quote-api' })),
      ),
    ];
    const ownBuckets = [
      ...Array.from(
        { length: 100 },
        () => () => lambda.send(new GetFunctionCommand({ FunctionName: 'quote-api' })),
      ),
      ...Array.from(
        { length: 15 },
        () => () => lambda.send(new GetPolicyCommand({ FunctionName: 'quote-api' })),
      ),
    ];

    const results = await allAtOnce<unknown>(clock, [...shared, ...ownBuckets]);

    const throttled = results.flatMap((result, index) =>
      result.status === 'rejected' && result.reason instanceof TooManyRequestsException ? [index] : [],
    );
    // 16 shared-bucket requests against 15 tokens: exactly one refused, and none of GetFunction's or GetPolicy's.
    expect(throttled).toHaveLength(1);
    expect(throttled[0]).toBeLessThan(shared.length);
  });

  it('refills the bucket over time: 15 more requests a virtual second later all pass', async () => {
    const { clock, clients } = simulation();
    const burst = () =>
      Array.from({ length: 15 }, () => () => clients.lambda.send(new GetAccountSettingsCommand({})));

    await allAtOnce(clock, burst());
    await clock.run(() => clock.sleep(1_000));
    const later = await allAtOnce(clock, burst());

    expect(later.every((result) => result.status === 'fulfilled')).toBe(true);
  });

  it('throttles GetFunction beyond 100 in a second', async () => {
    const { clock, clients } = simulation();

    const results = await allAtOnce(
      clock,
      Array.from(
        { length: 110 },
        () => () => clients.lambda.send(new GetFunctionCommand({ FunctionName: 'quote-api' })),
      ),
    );

    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(10);
  });

  it('takes 20-80 ms of virtual time per Lambda request and none of real time', async () => {
    const { clock, clients } = simulation();
    const start = clock.now();

    await clock.run(() => clients.lambda.send(new GetFunctionCommand({ FunctionName: 'quote-api' })));

    expect(clock.now() - start).toBeGreaterThanOrEqual(20);
    expect(clock.now() - start).toBeLessThan(80);
  });
});

describe('SimulatedAccount: changes Lambda makes', () => {
  it('applies PutFunctionConcurrency, and refuses one that leaves less than 100 unreserved', async () => {
    const { clock, clients, model } = simulation();
    const send = <T>(work: () => Promise<T>) => clock.run(work);

    await send(() =>
      clients.lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: 'image-resizer',
          ReservedConcurrentExecutions: 400,
        }),
      ),
    );
    const settings = await send(() => clients.lambda.send(new GetAccountSettingsCommand({})));
    const tooMuch = send(() =>
      clients.lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: 'checkout-api',
          ReservedConcurrentExecutions: 550,
        }),
      ),
    );

    expect(settings.AccountLimit).toMatchObject({
      ConcurrentExecutions: model.concurrencyLimit,
      UnreservedConcurrentExecutions: model.concurrencyLimit - 400,
    });
    await expect(tooMuch).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(tooMuch).rejects.toThrow('below its minimum value of [100]');
  });

  it('refuses changes to a Pending function with ResourceConflictException; past six minutes the call also fails it', async () => {
    const { clock, clients, model } = simulation();
    const pending = model.functions.find((fn) => fn.name === 'report-builder');
    const update = new UpdateFunctionConfigurationCommand({ FunctionName: 'report-builder', Timeout: 30 });
    if (pending) pending.lastModified = clock.now() - 2 * 60_000;

    const early = clock.run(() => clients.lambda.send(update));
    await expect(early).rejects.toBeInstanceOf(ResourceConflictException);
    const stateAfterEarly = pending?.state;
    if (pending) pending.lastModified = clock.now() - 14 * 60_000;
    const late = clock.run(() =>
      clients.lambda.send(new PublishVersionCommand({ FunctionName: 'report-builder' })),
    );
    await expect(late).rejects.toThrow('currently in the following state: Pending');
    const after = await clock.run(() =>
      clients.lambda.send(new GetFunctionCommand({ FunctionName: 'report-builder' })),
    );

    expect(stateAfterEarly).toBe('Pending');
    expect(after.Configuration?.State).toBe('Failed');
  });

  it('refuses an update while another is in progress', async () => {
    const { clock, clients } = simulation();

    const update = clock.run(() =>
      clients.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: 'vpc-migrator', Timeout: 60 }),
      ),
    );

    await expect(update).rejects.toThrow('An update is in progress');
  });
});

describe('SimulatedAccount: CloudWatch and SNS', () => {
  it('answers GetMetricStatistics for one function and bills one metric per request', async () => {
    const { clock, clients, account, model } = simulation();
    const end = Math.floor(model.observedAt / 60_000) * 60_000 - 3 * 60_000;

    const output: GetMetricStatisticsCommandOutput = await clock.run(() =>
      clients.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/Lambda',
          MetricName: 'Throttles',
          Dimensions: [{ Name: 'FunctionName', Value: 'search-indexer' }],
          StartTime: new Date(end - 15 * 60_000),
          EndTime: new Date(end),
          Period: 60,
          Statistics: ['Sum'],
        }),
      ),
    );

    // The hog has held the pool for half an hour: every minute of the window has throttles.
    expect(output.Datapoints).toHaveLength(15);
    expect(output.Datapoints?.every((point) => (point.Sum ?? 0) > 0)).toBe(true);
    expect(account.usage.metricsRequested).toBe(1);
  }, 30_000);

  it('rejects a GetMetricStatistics request for more than 1,440 datapoints, as CloudWatch does', async () => {
    const { clock, clients, model } = simulation();

    const tooMany = clock.run(() =>
      clients.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'AWS/Lambda',
          MetricName: 'Invocations',
          StartTime: new Date(model.observedAt - 25 * 3_600_000),
          EndTime: new Date(model.observedAt),
          Period: 60,
          Statistics: ['Sum'],
        }),
      ),
    );

    await expect(tooMany).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  });

  it('rejects a GetMetricData call with more than 500 queries', async () => {
    const { clock, clients } = simulation();
    const queries = Array.from({ length: 501 }, (_, index) => ({
      Id: `q${index}`,
      MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations' }, Period: 60, Stat: 'Sum' },
    }));

    const call = clock.run(() =>
      clients.cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(0),
          EndTime: new Date(60_000),
        }),
      ),
    );

    await expect(call).rejects.toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
  });

  it('keeps what is published to SNS and refuses a JSON message without a default entry', async () => {
    const { clock, clients, account } = simulation();
    const topic = 'arn:aws:sns:eu-west-1:123456789012:alerts';

    const accepted = await clock.run(() =>
      clients.sns.send(
        new PublishCommand({
          TopicArn: topic,
          Subject: 'lambda-sentinel: 1 new',
          Message: JSON.stringify({ default: '{}', email: 'hello' }),
          MessageStructure: 'json',
        }),
      ),
    );
    const refused = clock.run(() =>
      clients.sns.send(
        new PublishCommand({
          TopicArn: topic,
          Message: JSON.stringify({ email: 'x' }),
          MessageStructure: 'json',
        }),
      ),
    );

    expect(accepted.MessageId).toEqual(expect.any(String));
    await expect(refused).rejects.toThrow('No default entry');
    expect(account.usage.published.map((input) => input.Subject)).toEqual(['lambda-sentinel: 1 new']);
  });
});

describe('SimulatedAccount: ListFunctions configuration fields', () => {
  it('lists KMS, VPC and EFS settings, which the scanner reads without GetFunction', async () => {
    const { clock, clients } = simulation();
    const all: FunctionConfiguration[] = [];
    await clock.run(async () => {
      for await (const page of paginateListFunctions({ client: clients.lambda }, {}))
        all.push(...(page.Functions ?? []));
    });

    const byName = new Map(all.map((fn) => [fn.FunctionName, fn]));
    expect(byName.get('secrets-rotator')?.KMSKeyArn).toContain(':key/');
    expect(byName.get('media-transcoder')?.FileSystemConfigs?.[0]?.LocalMountPath).toBe('/mnt/media');
    expect(byName.get('ledger-sync')?.VpcConfig?.SubnetIds).toEqual(['subnet-0dd44ee55ff66aa77']);
  });
});

describe('SimulatedAccount: settings change the metrics from the minute they change', () => {
  const MINUTE = 60_000;
  const loopingAccount = () => {
    const model = loadPattern({
      account: { observedAt: '2030-01-15T12:00:20Z' },
      functions: [
        {
          name: 'rule-handler',
          traffic: {
            shape: [{ kind: 'loop', from: '-1h', perMinute: 600 }],
            durationSeconds: 0.5,
            loopTransport: 'eventbridge',
          },
        },
        {
          name: 'stream-writer',
          eventSourceMappings: [{ source: 'dynamodb', sourceName: 'orders', share: 1, carriesLoop: true }],
          traffic: {
            shape: [{ kind: 'loop', from: '-1h', perMinute: 300 }],
            durationSeconds: 0.5,
            loopTransport: 'dynamodb',
          },
        },
      ],
    });
    const clock = new VirtualClock(model.observedAt);
    const account = new SimulatedAccount(model, { clock });
    return { model, clock, account, clients: account.clients() };
  };
  const minuteOf = (account: SimulatedAccount, metricName: string, functionName: string, minute: number) =>
    account.metrics.getMetricStatistics({
      Namespace: 'AWS/Lambda',
      MetricName: metricName,
      Dimensions: [{ Name: 'FunctionName', Value: functionName }],
      StartTime: new Date(minute),
      EndTime: new Date(minute + MINUTE),
      Period: 60,
      Statistics: ['Sum'],
    }).Datapoints?.[0]?.Sum;

  it("stops a loop's invocations once the function is throttled to 0, and leaves earlier minutes as published", async () => {
    const { model, clock, account, clients } = loopingAccount();
    const observedMinute = Math.floor(model.observedAt / MINUTE) * MINUTE;
    const earlier = observedMinute - 5 * MINUTE;
    const before = minuteOf(account, 'Invocations', 'rule-handler', earlier);

    await clock.run(() =>
      clients.lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'rule-handler', ReservedConcurrentExecutions: 0 }),
      ),
    );
    await clock.run(() => clock.sleep(10 * MINUTE));
    const later = observedMinute + 5 * MINUTE;

    expect(before).toBe(600);
    expect(minuteOf(account, 'Invocations', 'rule-handler', earlier)).toBe(600);
    expect(minuteOf(account, 'Invocations', 'rule-handler', later)).toBeUndefined();
    expect(minuteOf(account, 'Throttles', 'rule-handler', later)).toBe(600);
    expect(minuteOf(account, 'AsyncEventsDropped', 'rule-handler', later)).toBe(600);
  });

  it('makes a function throttle at a cap, and serves it again once the cap is lifted', async () => {
    const { model, clock, account, clients } = loopingAccount();
    const observedMinute = Math.floor(model.observedAt / MINUTE) * MINUTE;
    const cap = (value: number) =>
      clock.run(() =>
        clients.lambda.send(
          new PutFunctionConcurrencyCommand({
            FunctionName: 'rule-handler',
            ReservedConcurrentExecutions: value,
          }),
        ),
      );

    await cap(1);
    await clock.run(() => clock.sleep(10 * MINUTE));
    await clock.run(() =>
      clients.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'rule-handler' })),
    );
    await clock.run(() => clock.sleep(10 * MINUTE));

    // 600 a minute of half a second need 5 concurrent executions; the cap allows 1.
    expect(minuteOf(account, 'Invocations', 'rule-handler', observedMinute + 5 * MINUTE)).toBe(120);
    expect(minuteOf(account, 'Throttles', 'rule-handler', observedMinute + 5 * MINUTE)).toBe(480);
    expect(minuteOf(account, 'Invocations', 'rule-handler', observedMinute + 15 * MINUTE)).toBe(600);
    expect(minuteOf(account, 'Throttles', 'rule-handler', observedMinute + 15 * MINUTE)).toBeUndefined();
  });

  it('stops the demand that arrives through a mapping from the minute it is disabled', async () => {
    const { model, clock, account, clients } = loopingAccount();
    const observedMinute = Math.floor(model.observedAt / MINUTE) * MINUTE;
    const [mapping] =
      (
        await clock.run(() =>
          clients.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'stream-writer' })),
        )
      ).EventSourceMappings ?? [];

    await clock.run(() =>
      clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping?.UUID, Enabled: false })),
    );
    await clock.run(() => clock.sleep(10 * MINUTE));

    expect(minuteOf(account, 'Invocations', 'stream-writer', observedMinute - 5 * MINUTE)).toBe(300);
    expect(minuteOf(account, 'Invocations', 'stream-writer', observedMinute + 5 * MINUTE)).toBeUndefined();
    expect(minuteOf(account, 'Throttles', 'stream-writer', observedMinute + 5 * MINUTE)).toBeUndefined();
  });

  it("delivers a minute's datapoints two minutes after it ends, and none sooner", async () => {
    const { model, clock, account } = loopingAccount();
    const observedMinute = Math.floor(model.observedAt / MINUTE) * MINUTE;
    const lastMinute = observedMinute - MINUTE;

    const atObservation = minuteOf(account, 'Invocations', 'rule-handler', lastMinute);
    await clock.run(() => clock.sleep(2 * MINUTE));

    expect(atObservation).toBeUndefined();
    expect(minuteOf(account, 'Invocations', 'rule-handler', observedMinute - 3 * MINUTE)).toBe(600);
    expect(minuteOf(account, 'Invocations', 'rule-handler', lastMinute)).toBe(600);
  });
});

describe("SimulatedAccount: CloudWatch's limits, when a simulation asks for them", () => {
  it('returns 500 series for a SEARCH that matches more, and says so in Messages', async () => {
    const model = loadPattern({
      account: { observedAt: '2030-01-15T12:00:20Z' },
      profiles: { busy: { shape: [{ kind: 'steady', perMinute: 5 }], durationSeconds: 0.2 } },
      fleet: [{ profile: 'busy', count: 620 }],
      functions: [],
    });
    const clock = new VirtualClock(model.observedAt);
    const account = new SimulatedAccount(model, { clock, cloudWatchLimits: 'aws' });
    const end = Math.floor(model.observedAt / 60_000) * 60_000 - 3 * 60_000;

    const output = await clock.run(() =>
      account.clients().cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: 'all',
              Expression: `SEARCH('{AWS/Lambda,FunctionName} MetricName="Invocations"', 'Sum', 60)`,
              Label: "${PROP('Dim.FunctionName')}",
            },
          ],
          StartTime: new Date(end - 15 * 60_000),
          EndTime: new Date(end),
        }),
      ),
    );

    expect(output.MetricDataResults).toHaveLength(500);
    expect(output.Messages).toEqual([expect.objectContaining({ Code: 'MaxMetricsExceeded' })]);
    expect(account.usage.metricsRequested).toBe(500);
  });
});
