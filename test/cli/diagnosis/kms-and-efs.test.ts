import {
  DescribeAccessPointsCommand,
  DescribeFileSystemsCommand,
  DescribeMountTargetsCommand,
  type AccessPointDescription,
  type FileSystemDescription,
  type MountTargetDescription,
} from '@aws-sdk/client-efs';
import { DescribeKeyCommand, NotFoundException, type KeyMetadata } from '@aws-sdk/client-kms';
import { GetFunctionCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { accessDenied, configuration, healthyFunction, lineOn, mocks } from './diagnosis-fixture';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ACCESS_POINT = 'arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-015cxmplb72b405fd';

function withFunction(overrides: Partial<FunctionConfiguration>) {
  mocks.lambda.on(GetFunctionCommand).resolves({ Configuration: configuration(overrides) });
}

function withKey(metadata: Partial<KeyMetadata>) {
  withFunction({ KMSKeyArn: KEY_ARN });
  mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN, ...metadata } });
}

const mounted = {
  FileSystemConfigs: [{ Arn: ACCESS_POINT, LocalMountPath: '/mnt/media' }],
  VpcConfig: { SubnetIds: ['subnet-a'], SecurityGroupIds: ['sg-1'], VpcId: 'vpc-1' },
};

function withFileSystem(
  point: Partial<AccessPointDescription> = {},
  fileSystem: Partial<FileSystemDescription> = {},
  targets: Partial<MountTargetDescription>[] = [{}],
) {
  mocks.efs.on(DescribeAccessPointsCommand).resolves({
    AccessPoints: [
      {
        AccessPointId: 'fsap-015cxmplb72b405fd',
        FileSystemId: 'fs-1',
        LifeCycleState: 'available',
        ...point,
      },
    ],
  });
  mocks.efs.on(DescribeFileSystemsCommand).resolves({
    FileSystems: [
      {
        FileSystemId: 'fs-1',
        LifeCycleState: 'available',
        ThroughputMode: 'elastic',
        CreationToken: 't',
        CreationTime: new Date(0),
        NumberOfMountTargets: 1,
        OwnerId: '123456789012',
        PerformanceMode: 'generalPurpose',
        SizeInBytes: { Value: 1 },
        Tags: [],
        ...fileSystem,
      },
    ],
  });
  mocks.efs.on(DescribeMountTargetsCommand).resolves({
    MountTargets: targets.map((target) => ({
      MountTargetId: 'fsmt-1',
      FileSystemId: 'fs-1',
      SubnetId: 'subnet-a',
      VpcId: 'vpc-1',
      AvailabilityZoneName: 'eu-west-1a',
      LifeCycleState: 'available',
      ...target,
    })),
  });
}

describe('diagnose: the KMS key of the environment variables', () => {
  beforeEach(healthyFunction);

  it('passes a function on the AWS managed key, without asking KMS', async () => {
    expect(await lineOn('KMS key')).toMatchObject({
      status: 'ok',
      summary: 'environment variables use the AWS managed key',
    });
    expect(mocks.kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });

  it('passes an enabled key, and says a revoked grant cannot be seen from here', async () => {
    withKey({ KeyState: 'Enabled' });

    const line = await lineOn('KMS key');

    expect(line.status).toBe('ok');
    expect(line.summary).toContain(
      'which is enabled; whether Lambda still holds its grant on the key cannot be read here',
    );
  });

  it('reports a disabled key: invocations fail with KMSDisabledException', async () => {
    withKey({ KeyState: 'Disabled' });

    const line = await lineOn('KMS key');

    expect(line.status).toBe('problem');
    expect(line.summary).toContain(
      'is disabled: Lambda cannot decrypt them, and invocations fail with KMSDisabledException',
    );
    expect(line.advice).toContain(`aws kms enable-key --key-id ${KEY_ARN}`);
    expect(line.advice).toContain('setting the key creates a new grant');
  });

  it('reports a key pending deletion, with its date and how to cancel', async () => {
    withKey({ KeyState: 'PendingDeletion', DeletionDate: new Date('2030-01-22T00:00:00Z') });

    const line = await lineOn('KMS key');

    expect(line.status).toBe('problem');
    expect(line.summary).toContain('is scheduled for deletion on 2030-01-22');
    expect(line.advice).toContain('aws kms cancel-key-deletion');
  });

  it('reports a key that does not exist', async () => {
    withFunction({ KMSKeyArn: KEY_ARN });
    mocks.kms
      .on(DescribeKeyCommand)
      .rejects(new NotFoundException({ message: 'Key does not exist', $metadata: {} }));

    expect((await lineOn('KMS key')).summary).toContain('which does not exist: Lambda cannot decrypt them');
  });

  it('is UNKNOWN when DescribeKey is denied', async () => {
    withFunction({ KMSKeyArn: KEY_ARN });
    mocks.kms.on(DescribeKeyCommand).rejects(accessDenied('kms:DescribeKey'));

    const line = await lineOn('KMS key');

    expect(line.status).toBe('unknown');
    expect(line.summary).toMatch(/: DescribeKey failed: AccessDeniedException: User: .* kms:DescribeKey$/);
  });

  it("adds the key's state to Lambda's own KMS reason code", async () => {
    withKey({ KeyState: 'Enabled' });
    withFunction({ KMSKeyArn: KEY_ARN, State: 'Failed', StateReasonCode: 'KMSKeyAccessDenied' });

    const line = await lineOn('KMS key');

    expect(line.status).toBe('problem');
    expect(line.summary).toMatch(/^Lambda reports KMSKeyAccessDenied: .* the key .* is Enabled$/);
    expect(line.advice).toMatch(
      /^The key itself is enabled, so its key policy or Lambda's grant is the cause/,
    );
  });
});

describe('diagnose: the four EFS sections', () => {
  beforeEach(healthyFunction);

  it('passes each section for a function that mounts no file system', async () => {
    for (const topic of ['EFS mount', 'EFS connection', 'EFS mount timeout', 'EFS IO']) {
      expect(await lineOn(topic)).toMatchObject({ status: 'ok', summary: 'no file system mounted' });
    }
  });

  it('passes an available access point, file system and mount target in its VPC, saying what it cannot see', async () => {
    withFunction(mounted);
    withFileSystem();

    expect(await lineOn('EFS mount')).toMatchObject({
      status: 'ok',
      summary: expect.stringMatching(
        /^access point fsap-015cxmplb72b405fd \(available\) of file system fs-1 \(available\)/,
      ),
    });
    expect(await lineOn('EFS connection')).toMatchObject({
      status: 'ok',
      summary: expect.stringContaining(
        'mount targets available in eu-west-1a; whether its security groups and routes let NFS (TCP 2049)',
      ),
    });
    expect(await lineOn('EFS mount timeout')).toMatchObject({
      status: 'info',
      summary: expect.stringContaining(
        'a timeout happens when the function is invoked and leaves no state to read',
      ),
    });
    expect(await lineOn('EFS IO')).toMatchObject({
      status: 'info',
      summary: expect.stringContaining('fs-1 uses elastic throughput'),
    });
  });

  it('reports an access point that does not exist', async () => {
    withFunction(mounted);
    mocks.efs
      .on(DescribeAccessPointsCommand)
      .rejects(Object.assign(new Error('Access point does not exist'), { name: 'AccessPointNotFound' }));

    expect(await lineOn('EFS mount')).toMatchObject({
      status: 'problem',
      summary: `the access point ${ACCESS_POINT} it mounts does not exist: every mount is refused`,
    });
  });

  it('warns of an access point still being created, and reports a file system being deleted', async () => {
    withFunction(mounted);
    withFileSystem({ LifeCycleState: 'creating' });
    expect(await lineOn('EFS mount')).toMatchObject({
      status: 'warning',
      summary: expect.stringContaining('is creating, not available'),
    });

    withFileSystem({}, { LifeCycleState: 'deleting' });
    expect(await lineOn('EFS mount')).toMatchObject({
      status: 'problem',
      summary: 'the file system fs-1 is deleting, not available',
    });
  });

  it("reports a file system with no mount target in the function's VPC", async () => {
    withFunction(mounted);
    withFileSystem({}, {}, [{ VpcId: 'vpc-other' }]);

    expect(await lineOn('EFS connection')).toMatchObject({
      status: 'problem',
      summary: "the file system has mount targets only in vpc-other, not in the function's VPC vpc-1",
    });
  });

  it('reports a function that mounts a file system but is not in a VPC', async () => {
    withFunction({ FileSystemConfigs: mounted.FileSystemConfigs });
    withFileSystem();

    expect(await lineOn('EFS mount')).toMatchObject({
      status: 'problem',
      summary: expect.stringContaining('is not connected to a VPC'),
    });
  });

  it("repeats Lambda's reason code on its own EFS section", async () => {
    withFunction({ ...mounted, LastUpdateStatus: 'Failed', LastUpdateStatusReasonCode: 'EFSMountTimeout' });
    withFileSystem();

    expect(await lineOn('EFS mount timeout')).toMatchObject({
      status: 'warning',
      summary: 'Lambda reports EFSMountTimeout: mounting the file system timed out',
    });
    expect((await lineOn('EFS mount')).status).toBe('ok');
  });

  it('tells of bursting throughput, whose credits running out cause IO errors', async () => {
    withFunction({ ...mounted, State: 'Failed', StateReasonCode: 'EFSIOError' });
    withFileSystem({}, { ThroughputMode: 'bursting' });
    expect(await lineOn('EFS IO')).toMatchObject({
      status: 'problem',
      summary: expect.stringMatching(/^Lambda reports EFSIOError/),
    });

    withFunction(mounted);
    expect(await lineOn('EFS IO')).toMatchObject({
      status: 'info',
      summary: expect.stringContaining(
        'fs-1 uses bursting throughput, which slows when its burst credits run out',
      ),
    });
  });

  it('is UNKNOWN when DescribeAccessPoints is denied', async () => {
    withFunction(mounted);
    mocks.efs.on(DescribeAccessPointsCommand).rejects(accessDenied('elasticfilesystem:DescribeAccessPoints'));

    expect(await lineOn('EFS mount')).toMatchObject({
      status: 'unknown',
      summary: expect.stringMatching(
        /^the access point fsap-015cxmplb72b405fd: DescribeAccessPoints failed: AccessDeniedException/,
      ),
    });
  });

  it('is UNKNOWN for an access point of another account, which EFS describes only to that account', async () => {
    withFunction({
      ...mounted,
      FileSystemConfigs: [
        { Arn: ACCESS_POINT.replace('123456789012', '444455556666'), LocalMountPath: '/mnt/x' },
      ],
    });

    expect(await lineOn('EFS mount')).toMatchObject({
      status: 'unknown',
      summary: expect.stringContaining('the access point belongs to account 444455556666'),
    });
    expect(mocks.efs.commandCalls(DescribeAccessPointsCommand)).toHaveLength(0);
  });
});
