import {
  GetFunctionCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { DeleteFileSystemCommand } from '@aws-sdk/client-efs';
import { PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { ListSubscriptionsCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { accessProblem, awsSession, enabledRegions, ReadOnlyError } from '../../cli/aws-session';
import { NO_CREDENTIALS_ENV, withEnvironment } from './cli-io';

describe('awsSession (real AWS clients for laptop commands)', () => {
  it('refuses any Lambda operation that changes something, before it is signed or sent', async () => {
    const { clients } = awsSession({ region: 'eu-west-1' });

    await expect(
      clients.lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'f', ReservedConcurrentExecutions: 0 }),
      ),
    ).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(
      clients.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f' })),
    ).rejects.toThrow('refused UpdateFunctionConfiguration: this command only reads');
  });

  it('lets reads through to the SDK (which then needs credentials)', async () => {
    await withEnvironment(NO_CREDENTIALS_ENV, async () => {
      const { clients } = awsSession({ region: 'eu-west-1' });

      const read = clients.lambda.send(new GetFunctionCommand({ FunctionName: 'f' }));

      await expect(read).rejects.not.toBeInstanceOf(ReadOnlyError);
      await expect(read).rejects.toMatchObject({ name: 'CredentialsProviderError' });
    });
  });

  it('refuses changes on every other service diagnose reads too (EventBridge, KMS, EFS, SNS)', async () => {
    const { clients } = awsSession({ region: 'eu-west-1' });

    await expect(
      clients.eventbridge.send(new PutRuleCommand({ Name: 'r', ScheduleExpression: 'rate(1 hour)' })),
    ).rejects.toThrow('refused PutRule');
    await expect(
      clients.kms.send(new ScheduleKeyDeletionCommand({ KeyId: 'k', PendingWindowInDays: 7 })),
    ).rejects.toThrow('refused ScheduleKeyDeletion');
    await expect(clients.efs.send(new DeleteFileSystemCommand({ FileSystemId: 'fs-1' }))).rejects.toThrow(
      'refused DeleteFileSystem',
    );
    await expect(
      clients.sns.send(new SubscribeCommand({ TopicArn: 'arn:aws:sns:eu-west-1:1:t', Protocol: 'email' })),
    ).rejects.toBeInstanceOf(ReadOnlyError);
  });

  it('lets Describe and List calls of those services through to AWS, the SNS listing included', async () => {
    await withEnvironment(NO_CREDENTIALS_ENV, async () => {
      const { clients } = awsSession({ region: 'eu-west-1' });

      await expect(clients.kms.send(new DescribeKeyCommand({ KeyId: 'k' }))).rejects.toMatchObject({
        name: 'CredentialsProviderError',
      });
      await expect(clients.sns.send(new ListSubscriptionsCommand({}))).rejects.toMatchObject({
        name: 'CredentialsProviderError',
      });
    });
  });

  it('publishes alerts nowhere: a laptop scan alerts nobody', async () => {
    const { clients } = awsSession({ region: 'eu-west-1' });

    const output = await clients.sns.send(
      new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:1:t', Message: 'x' }),
    );

    expect(output.MessageId).toBe('not-sent');
  });
});

describe('accessProblem', () => {
  it('turns credential, region, network and permission errors into one line with what to do', () => {
    const named = (name: string, message: string, extra: object = {}) =>
      Object.assign(new Error(message), { name }, extra);

    expect(
      accessProblem(named('CredentialsProviderError', 'Could not load credentials from any providers')),
    ).toMatch(/^no AWS credentials found \(Could not load credentials from any providers\); pass --profile/);
    expect(accessProblem(new Error('Region is missing'))).toBe(
      'no AWS region given; pass --region or set AWS_REGION',
    );
    expect(
      accessProblem(
        named('AccessDeniedException', 'User: x is not authorized to perform: lambda:ListFunctions\nmore'),
      ),
    ).toBe('access denied: User: x is not authorized to perform: lambda:ListFunctions');
    expect(
      accessProblem(
        named('Error', 'getaddrinfo ENOTFOUND lambda.eu-west-1.amazonaws.com', { code: 'ENOTFOUND' }),
      ),
    ).toMatch(/^could not reach AWS \(getaddrinfo ENOTFOUND/);
    expect(accessProblem(new Error('something else'))).toBeUndefined();
  });

  it('looks through wrapping errors to the AWS error that caused them', () => {
    const wrapped = new Error('could not scan', {
      cause: Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredTokenException',
      }),
    });

    expect(accessProblem(wrapped)).toMatch(/^the AWS credentials have expired/);
  });
});

describe('awsSession across accounts and regions', () => {
  const sts = mockClient(STSClient);
  const account = mockClient(AccountClient);
  beforeEach(() => {
    sts.reset();
    account.reset();
  });

  it('assumes the role once and signs every client with its credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAASSUMED',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    const { clients } = awsSession({
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::222222222222:role/SentinelReadOnly',
    });

    const lambda = await clients.lambda.config.credentials();
    const cloudwatch = await clients.cloudwatch.config.credentials();

    expect(lambda).toMatchObject({ accessKeyId: 'ASIAASSUMED', sessionToken: 'token' });
    expect(cloudwatch).toMatchObject({ accessKeyId: 'ASIAASSUMED' });
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([
      { RoleArn: 'arn:aws:iam::222222222222:role/SentinelReadOnly', RoleSessionName: 'lambda-sentinel-cli' },
    ]);
  });

  it('lists the regions enabled for the account, every page', async () => {
    account
      .on(ListRegionsCommand)
      .resolvesOnce({
        Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'eu-west-1' }],
        NextToken: 'more',
      })
      .resolves({ Regions: [{ RegionName: 'ap-southeast-2' }] });

    const regions = await enabledRegions({ region: 'us-east-1' });

    expect(regions).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1']);
    expect(account.commandCalls(ListRegionsCommand)[0]?.args[0].input).toEqual({
      RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'],
    });
  });
});
