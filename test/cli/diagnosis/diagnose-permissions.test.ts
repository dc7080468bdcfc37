import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeAccessPointsCommand,
  DescribeFileSystemsCommand,
  DescribeMountTargetsCommand,
} from '@aws-sdk/client-efs';
import {
  DescribeRuleCommand,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { DIAGNOSE_PERMISSIONS } from '../../../cli/diagnosis/diagnose-permissions';
import { ARN, configuration, diagnose, healthyFunction, metrics, mocks } from './diagnosis-fixture';

/** The IAM service prefix of each mocked client's actions. */
const PREFIXES = {
  lambda: 'lambda',
  cloudwatch: 'cloudwatch',
  sns: 'sns',
  eventbridge: 'events',
  kms: 'kms',
  efs: 'elasticfilesystem',
} as const;

describe('the permissions diagnose lists', () => {
  beforeEach(healthyFunction);

  it('are exactly the actions of the calls a diagnosis sends, when every check has something to read', async () => {
    mocks.lambda.on(GetFunctionCommand).resolves({
      Configuration: configuration({
        KMSKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k',
        FileSystemConfigs: [
          {
            Arn: 'arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-1',
            LocalMountPath: '/mnt/x',
          },
        ],
        VpcConfig: { SubnetIds: ['subnet-a'], VpcId: 'vpc-1' },
      }),
    });
    mocks.lambda
      .on(GetFunctionCommand, { FunctionName: 'image-resizer' })
      .resolves({ Configuration: configuration({ FunctionName: 'image-resizer' }) });
    metrics({
      throttles: [[3, 10]],
      acct_throttles: [[3, 10]],
      acct_unreserved: [[3, 990]],
      'top_concurrency/image-resizer': [[3, 950]],
      'top_throttles/orders-api': [[3, 10]],
    });
    mocks.eventbridge
      .on(ListRuleNamesByTargetCommand, { TargetArn: ARN })
      .resolves({ RuleNames: ['nightly'] });
    mocks.eventbridge.on(DescribeRuleCommand).resolves({ Name: 'nightly', State: 'ENABLED' });
    mocks.eventbridge.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 't', Arn: ARN }] });
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyState: 'Enabled' } });
    mocks.efs.on(DescribeAccessPointsCommand).resolves({
      AccessPoints: [{ AccessPointId: 'fsap-1', FileSystemId: 'fs-1', LifeCycleState: 'available' }],
    });
    mocks.efs.on(DescribeFileSystemsCommand).resolves({ FileSystems: [] });
    mocks.efs.on(DescribeMountTargetsCommand).resolves({ MountTargets: [] });

    await diagnose();

    const sent = Object.entries(mocks).flatMap(([client, mock]) =>
      mock.calls().map((call) => {
        const command = (call.args[0] as { constructor: { name: string } }).constructor.name;
        return `${PREFIXES[client as keyof typeof PREFIXES]}:${command.replace(/Command$/, '')}`;
      }),
    );
    expect([...new Set(sent)].sort()).toEqual(
      DIAGNOSE_PERMISSIONS.map((permission) => permission.action).sort(),
    );
  });

  it('are all named in the README', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

    for (const { action } of DIAGNOSE_PERMISSIONS) {
      const [service = '', name = ''] = action.split(':');
      expect(readme).toMatch(new RegExp(`\`(${service}:)?${name}\``));
    }
  });
});
