import {
  AccessPointNotFound,
  DescribeAccessPointsCommand,
  DescribeMountTargetsCommand,
  FileSystemNotFound,
  DescribeFileSystemsCommand,
} from '@aws-sdk/client-efs';
import {
  DescribeRuleCommand,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, NotFoundException } from '@aws-sdk/client-kms';
import { ListSubscriptionsCommand, PublishCommand } from '@aws-sdk/client-sns';
import type { SimAccountModel } from '../../sim/account-model';
import type { SimAccountResources } from '../../sim/account-resources';
import { quietAccount } from '../../sim/generators';
import { SimulatedAccount } from '../../sim/simulated-account';
import { VirtualClock } from '../../sim/virtual-clock';

const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function accountWith(resources: SimAccountResources) {
  const model: SimAccountModel = { ...quietAccount(3), resources };
  const clock = new VirtualClock(model.observedAt);
  const account = new SimulatedAccount(model, { clock });
  return { clients: account.clients(), run: <T>(work: () => Promise<T>) => clock.run(work) };
}

const NONE: SimAccountResources = { rules: [], subscriptions: [], kmsKeys: [], fileSystems: [] };

describe('simulated EventBridge', () => {
  const { clients, run } = accountWith({
    ...NONE,
    eventBuses: ['orders'],
    rules: [
      ...Array.from({ length: 150 }, (_, index) => ({
        name: `rule-${String(index).padStart(3, '0')}`,
        state: 'ENABLED',
        targets: [{ id: 't', arn: FUNCTION }],
      })),
      {
        name: 'order-placed',
        eventBusName: 'orders',
        state: 'DISABLED',
        targets: [{ id: 't', arn: FUNCTION, roleArn: 'arn:aws:iam::123456789012:role/r' }],
      },
    ],
  });

  it('lists the default bus and the custom ones', async () => {
    const output = await run(() => clients.eventbridge.send(new ListEventBusesCommand({})));

    expect(output.EventBuses?.map((bus) => bus.Name)).toEqual(['default', 'orders']);
  });

  it('lists the rules of one bus that target an ARN, 100 a page', async () => {
    const first = await run(() =>
      clients.eventbridge.send(new ListRuleNamesByTargetCommand({ TargetArn: FUNCTION })),
    );
    const second = await run(() =>
      clients.eventbridge.send(
        new ListRuleNamesByTargetCommand({ TargetArn: FUNCTION, NextToken: first.NextToken }),
      ),
    );
    const onOrders = await run(() =>
      clients.eventbridge.send(
        new ListRuleNamesByTargetCommand({ TargetArn: FUNCTION, EventBusName: 'orders' }),
      ),
    );

    expect(first.RuleNames).toHaveLength(100);
    expect(second.RuleNames).toHaveLength(50);
    expect(second.NextToken).toBeUndefined();
    expect(onOrders.RuleNames).toEqual(['order-placed']);
  });

  it('describes a rule of a custom bus with its ARN, state and targets', async () => {
    const rule = await run(() =>
      clients.eventbridge.send(new DescribeRuleCommand({ Name: 'order-placed', EventBusName: 'orders' })),
    );
    const targets = await run(() =>
      clients.eventbridge.send(
        new ListTargetsByRuleCommand({ Rule: 'order-placed', EventBusName: 'orders' }),
      ),
    );

    expect(rule).toMatchObject({
      Arn: 'arn:aws:events:eu-west-1:123456789012:rule/orders/order-placed',
      State: 'DISABLED',
    });
    expect(targets.Targets).toEqual([
      { Id: 't', Arn: FUNCTION, RoleArn: 'arn:aws:iam::123456789012:role/r' },
    ]);
  });

  it('refuses a rule that is not on the bus with ResourceNotFoundException', async () => {
    await expect(
      run(() => clients.eventbridge.send(new DescribeRuleCommand({ Name: 'order-placed' }))),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('simulated SNS subscriptions', () => {
  const { clients, run } = accountWith({
    ...NONE,
    subscriptions: Array.from({ length: 130 }, (_, index) => ({
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:orders',
      protocol: index === 0 ? 'lambda' : 'email',
      endpoint: index === 0 ? FUNCTION : `person${index}@example.com`,
      id: `sub-${index}`,
    })),
  });

  it("lists the account's subscriptions 100 a page", async () => {
    const first = await run(() => clients.sns.send(new ListSubscriptionsCommand({})));
    const second = await run(() =>
      clients.sns.send(new ListSubscriptionsCommand({ NextToken: first.NextToken })),
    );

    expect(first.Subscriptions).toHaveLength(100);
    expect(first.Subscriptions?.[0]).toMatchObject({
      Protocol: 'lambda',
      Endpoint: FUNCTION,
      SubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:orders:sub-0',
    });
    expect(second.Subscriptions).toHaveLength(30);
    expect(second.NextToken).toBeUndefined();
  });

  it('still takes Publish', async () => {
    const output = await run(() =>
      clients.sns.send(
        new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:a', Message: 'x' }),
      ),
    );

    expect(output.MessageId).toBeDefined();
  });
});

describe('simulated KMS and EFS', () => {
  const { clients, run } = accountWith({
    ...NONE,
    kmsKeys: [{ arn: KEY, keyState: 'PendingDeletion', deletionDate: Date.parse('2030-01-22T00:00:00Z') }],
    fileSystems: [
      {
        id: 'fs-1',
        lifeCycleState: 'available',
        throughputMode: 'bursting',
        accessPoints: [{ id: 'fsap-1', lifeCycleState: 'available' }],
        mountTargets: [
          {
            id: 'fsmt-1',
            subnetId: 'subnet-a',
            vpcId: 'vpc-1',
            availabilityZone: 'eu-west-1a',
            lifeCycleState: 'available',
          },
        ],
      },
    ],
  });

  it('describes a key by ARN or id, and refuses an unknown one with NotFoundException', async () => {
    const byArn = await run(() => clients.kms.send(new DescribeKeyCommand({ KeyId: KEY })));
    const byId = await run(() =>
      clients.kms.send(new DescribeKeyCommand({ KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })),
    );

    expect(byArn.KeyMetadata).toMatchObject({
      Arn: KEY,
      KeyState: 'PendingDeletion',
      Enabled: false,
      KeyManager: 'CUSTOMER',
    });
    expect(byArn.KeyMetadata?.DeletionDate).toEqual(new Date('2030-01-22T00:00:00Z'));
    expect(byId.KeyMetadata?.Arn).toBe(KEY);
    await expect(
      run(() => clients.kms.send(new DescribeKeyCommand({ KeyId: 'nope' }))),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('describes access points, file systems and mount targets, and refuses unknown ones with their errors', async () => {
    const points = await run(() =>
      clients.efs.send(new DescribeAccessPointsCommand({ AccessPointId: 'fsap-1' })),
    );
    const fileSystems = await run(() =>
      clients.efs.send(new DescribeFileSystemsCommand({ FileSystemId: 'fs-1' })),
    );
    const targets = await run(() =>
      clients.efs.send(new DescribeMountTargetsCommand({ FileSystemId: 'fs-1' })),
    );

    expect(points.AccessPoints).toEqual([
      expect.objectContaining({ FileSystemId: 'fs-1', LifeCycleState: 'available' }),
    ]);
    expect(fileSystems.FileSystems?.[0]).toMatchObject({
      ThroughputMode: 'bursting',
      NumberOfMountTargets: 1,
    });
    expect(targets.MountTargets?.[0]).toMatchObject({ VpcId: 'vpc-1', AvailabilityZoneName: 'eu-west-1a' });
    await expect(
      run(() => clients.efs.send(new DescribeAccessPointsCommand({ AccessPointId: 'fsap-gone' }))),
    ).rejects.toBeInstanceOf(AccessPointNotFound);
    await expect(
      run(() => clients.efs.send(new DescribeFileSystemsCommand({ FileSystemId: 'fs-gone' }))),
    ).rejects.toBeInstanceOf(FileSystemNotFound);
  });
});
