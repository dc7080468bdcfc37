import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  GetEventSourceMappingCommand,
  GetFunctionConcurrencyCommand,
  InvalidParameterValueException,
  ListEventSourceMappingsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PutFunctionConcurrencyCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
  paginateListEventSourceMappings,
  type EventSourceMappingConfiguration,
} from '@aws-sdk/client-lambda';
import { MAPPING_TRANSITION_MS } from '../../sim/lambda-api';
import { loadPattern, type PatternFunction } from '../../sim/pattern';
import { SimulatedAccount } from '../../sim/simulated-account';
import { VirtualClock } from '../../sim/virtual-clock';

function simulation(functions: PatternFunction[], concurrencyLimit = 1000) {
  const model = loadPattern({
    account: { observedAt: '2030-01-15T12:00:20Z', concurrencyLimit },
    functions,
  });
  const clock = new VirtualClock(model.observedAt);
  const account = new SimulatedAccount(model, { clock });
  const lambda = account.clients().lambda;
  const send = <T>(work: () => Promise<T>) => clock.run(work);
  return { model, clock, account, lambda, send };
}

const consumer = (name: string, mappings: number): PatternFunction => ({
  name,
  eventSourceMappings: Array.from({ length: mappings }, (_, index) => ({
    source: 'sqs' as const,
    sourceName: `${name}-queue-${index}`,
    share: 1 / mappings,
  })),
});

describe('LambdaApi: event source mappings', () => {
  it("lists a function's mappings with UUID, source, function ARN and state, 100 a page with NextMarker", async () => {
    const { lambda, send } = simulation([consumer('busy', 130), consumer('other', 1)]);

    const first = await send(() => lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'busy' })));
    const all: EventSourceMappingConfiguration[] = [];
    await send(async () => {
      for await (const page of paginateListEventSourceMappings(
        { client: lambda },
        { FunctionName: 'busy' },
      )) {
        all.push(...(page.EventSourceMappings ?? []));
      }
    });

    expect(first.EventSourceMappings).toHaveLength(100);
    expect(first.NextMarker).toEqual(expect.any(String));
    expect(all).toHaveLength(130);
    expect(new Set(all.map((mapping) => mapping.UUID)).size).toBe(130);
    expect(all[0]).toMatchObject({
      UUID: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/),
      EventSourceArn: expect.stringMatching(/^arn:aws:sqs:eu-west-1:123456789012:busy-queue-\d+$/),
      FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:busy',
      State: 'Enabled',
    });
  });

  it('disables a mapping through Disabling to Disabled, and enables it back through Enabling', async () => {
    const { lambda, send, clock } = simulation([consumer('orders', 1)]);
    const [mapping] =
      (await send(() => lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'orders' }))))
        .EventSourceMappings ?? [];
    const UUID = mapping?.UUID ?? '';

    const disabling = await send(() =>
      lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: false })),
    );
    const tooSoon = send(() => lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: true })));
    await expect(tooSoon).rejects.toBeInstanceOf(ResourceInUseException);
    await clock.run(() => clock.sleep(MAPPING_TRANSITION_MS));
    const disabled = await send(() => lambda.send(new GetEventSourceMappingCommand({ UUID })));
    const enabling = await send(() =>
      lambda.send(new UpdateEventSourceMappingCommand({ UUID, Enabled: true })),
    );
    await clock.run(() => clock.sleep(MAPPING_TRANSITION_MS));
    const enabled = await send(() => lambda.send(new GetEventSourceMappingCommand({ UUID })));

    expect([disabling.State, disabled.State, enabling.State, enabled.State]).toEqual([
      'Disabling',
      'Disabled',
      'Enabling',
      'Enabled',
    ]);
  });

  it('answers an unknown UUID with ResourceNotFoundException', async () => {
    const { lambda, send } = simulation([consumer('orders', 1)]);

    const update = send(() =>
      lambda.send(
        new UpdateEventSourceMappingCommand({ UUID: '00000000-0000-4000-8000-000000000000', Enabled: false }),
      ),
    );

    await expect(update).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('LambdaApi: reserved concurrency', () => {
  it('reports the unreserved pool as the limit less every reservation', async () => {
    const { lambda, send } = simulation([
      { name: 'a', reservedConcurrency: 300 },
      { name: 'b', reservedConcurrency: 200 },
      { name: 'c' },
    ]);

    const settings = await send(() => lambda.send(new GetAccountSettingsCommand({})));

    expect(settings.AccountLimit).toMatchObject({
      ConcurrentExecutions: 1000,
      UnreservedConcurrentExecutions: 500,
    });
  });

  it('gets, sets and deletes a reservation, and GetFunctionConcurrency answers nothing without one', async () => {
    const { lambda, send } = simulation([{ name: 'worker' }]);

    const before = await send(() =>
      lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'worker' })),
    );
    await send(() =>
      lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'worker', ReservedConcurrentExecutions: 40 }),
      ),
    );
    const during = await send(() =>
      lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'worker' })),
    );
    await send(() => lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'worker' })));
    const after = await send(() =>
      lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'worker' })),
    );

    expect(before.ReservedConcurrentExecutions).toBeUndefined();
    expect(during.ReservedConcurrentExecutions).toBe(40);
    expect(after.ReservedConcurrentExecutions).toBeUndefined();
  });

  it("refuses a reservation below the function's provisioned concurrency", async () => {
    const { lambda, send } = simulation([
      {
        name: 'api',
        versions: ['1'],
        aliases: [{ name: 'live', version: '1' }],
        provisioned: [{ qualifier: 'live', requested: 25 }],
      },
    ]);

    const put = send(() =>
      lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'api', ReservedConcurrentExecutions: 10 }),
      ),
    );

    await expect(put).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(put).rejects.toThrow('provisioned concurrency [25]');
  });

  it.each([10, 50])(
    'refuses any reservation above 0 on an account limited to %i, whose minimum is the whole limit, but allows 0',
    async (limit) => {
      const { lambda, send } = simulation([{ name: 'worker' }], limit);

      const one = send(() =>
        lambda.send(
          new PutFunctionConcurrencyCommand({ FunctionName: 'worker', ReservedConcurrentExecutions: 1 }),
        ),
      );
      await expect(one).rejects.toThrow(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${limit}].`,
      );
      const zero = await send(() =>
        lambda.send(
          new PutFunctionConcurrencyCommand({ FunctionName: 'worker', ReservedConcurrentExecutions: 0 }),
        ),
      );
      expect(zero.ReservedConcurrentExecutions).toBe(0);
    },
  );
});

describe('LambdaApi: provisioned concurrency configs', () => {
  it('lists each config with its status, reason and allocation', async () => {
    const { lambda, send } = simulation([
      {
        name: 'api',
        versions: ['1', '2', '3'],
        aliases: [
          { name: 'live', version: '3' },
          { name: 'beta', version: '2' },
        ],
        provisioned: [
          { qualifier: 'live', requested: 20, allocated: 20, status: 'READY' },
          { qualifier: 'beta', requested: 10, allocated: 4, status: 'IN_PROGRESS' },
          {
            qualifier: '1',
            requested: 5,
            status: 'FAILED',
            statusReason: 'FUNCTION_ERROR_INIT_FAILURE: the init phase of version 1 failed.',
          },
        ],
      },
    ]);

    const listed = await send(() =>
      lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'api' })),
    );

    const byArn = Object.fromEntries(
      (listed.ProvisionedConcurrencyConfigs ?? []).map((config) => [
        config.FunctionArn?.split(':').at(-1),
        config,
      ]),
    );
    expect(byArn.live).toMatchObject({ Status: 'READY', AllocatedProvisionedConcurrentExecutions: 20 });
    expect(byArn.beta).toMatchObject({
      Status: 'IN_PROGRESS',
      RequestedProvisionedConcurrentExecutions: 10,
      AllocatedProvisionedConcurrentExecutions: 4,
      AvailableProvisionedConcurrentExecutions: 0,
    });
    expect(byArn['1']).toMatchObject({
      Status: 'FAILED',
      StatusReason: expect.stringContaining('init phase'),
    });
  });

  it("reports when each config last changed, in Lambda's format, the function's own time by default", async () => {
    const { lambda, send } = simulation([
      {
        name: 'api',
        lastModified: '-3d',
        versions: ['1', '2'],
        aliases: [{ name: 'live', version: '2' }],
        provisioned: [
          { qualifier: 'live', requested: 20, status: 'IN_PROGRESS', lastModified: '-7m' },
          { qualifier: '1', requested: 5 },
        ],
      },
    ]);

    const listed = await send(() =>
      lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'api' })),
    );

    expect(
      (listed.ProvisionedConcurrencyConfigs ?? []).map((config) => [
        config.FunctionArn?.split(':').at(-1),
        config.LastModified,
      ]),
    ).toEqual([
      ['1', '2030-01-12T12:00:20.000+0000'],
      ['live', '2030-01-15T11:53:20.000+0000'],
    ]);
  });
});

describe('LambdaApi: function URLs and resource-based policies', () => {
  const api: PatternFunction = {
    name: 'api',
    versions: ['1'],
    aliases: [{ name: 'live', version: '1' }],
    functionUrls: [{ authType: 'NONE' }, { qualifier: 'live', authType: 'AWS_IAM' }],
    policy: [
      {
        sid: 'apigw-bare',
        service: 'apigateway.amazonaws.com',
        sourceArn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/*',
      },
      { sid: 'partner-live', account: '111122223333', qualifier: 'live' },
    ],
  };

  it('answers the URL of the bare function without a qualifier, and of an alias with one', async () => {
    const { lambda, send } = simulation([api]);

    const bare = await send(() => lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'api' })));
    const live = await send(() =>
      lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'api', Qualifier: 'live' })),
    );

    expect(bare).toMatchObject({
      FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:api',
      AuthType: 'NONE',
      FunctionUrl: expect.stringMatching(/^https:\/\/[0-9a-f]{32}\.lambda-url\.eu-west-1\.on\.aws\/$/),
    });
    expect(live).toMatchObject({
      FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:api:live',
      AuthType: 'AWS_IAM',
    });
    expect(live.FunctionUrl).not.toBe(bare.FunctionUrl);
  });

  it('answers ResourceNotFoundException for a function or qualifier without a URL', async () => {
    const { lambda, send } = simulation([{ name: 'plain' }, api]);

    await expect(
      send(() => lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'plain' }))),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("keeps each qualifier's policy apart: the bare function's statements name the bare ARN", async () => {
    const { lambda, send } = simulation([api]);

    const bare = await send(() => lambda.send(new GetPolicyCommand({ FunctionName: 'api' })));
    const live = await send(() =>
      lambda.send(new GetPolicyCommand({ FunctionName: 'api', Qualifier: 'live' })),
    );

    const statements = (output: { Policy?: string }) =>
      (JSON.parse(output.Policy ?? '{}') as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements(bare)).toEqual([
      {
        Sid: 'apigw-bare',
        Effect: 'Allow',
        Principal: { Service: 'apigateway.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:api',
        Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/*' } },
      },
    ]);
    expect(statements(live)).toEqual([
      expect.objectContaining({
        Sid: 'partner-live',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:api:live',
      }),
    ]);
  });
});
