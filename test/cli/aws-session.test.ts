import {
  GetFunctionCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { DeleteFileSystemCommand } from '@aws-sdk/client-efs';
import { PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { ListSubscriptionsCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { accessProblem, awsSession, ReadOnlyError } from '../../cli/aws-session';
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
