import {
  GetFunctionCommand,
  type LambdaClient,
  ListFunctionsCommand,
  ResourceNotFoundException,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** The account and region the fake account's ARNs name. */
export const FAKE_ACCOUNT = { accountId: '123456789012', region: 'eu-west-1' } as const;

/** One function of a fake account, as GetFunction would describe it. */
export interface FakeFunction {
  configuration: FunctionConfiguration;
  tags?: Record<string, string>;
}

/** Lambda's timestamp format, e.g. 2030-01-01T00:00:00.000+0000. */
export function lambdaTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}

/** A function last modified at `modifiedAt`, Active and Successful unless `state` says otherwise. */
export function fakeFunction(
  name: string,
  modifiedAt: number,
  state: Partial<FunctionConfiguration>,
): FakeFunction {
  return {
    configuration: {
      FunctionName: name,
      FunctionArn: `arn:aws:lambda:${FAKE_ACCOUNT.region}:${FAKE_ACCOUNT.accountId}:function:${name}`,
      LastModified: lambdaTime(modifiedAt),
      Runtime: 'nodejs22.x',
      State: 'Active',
      LastUpdateStatus: 'Successful',
      ...state,
    },
  };
}

/**
 * Answers ListFunctions (without state fields, as AWS does) and GetFunction from `account`, read at call time so a
 * test can change a function between runs; a function not in it is not found.
 */
export function serveAccount(
  lambdaMock: AwsClientStub<LambdaClient>,
  account: Map<string, FakeFunction>,
): void {
  lambdaMock.on(ListFunctionsCommand).callsFake(() => ({
    Functions: [...account.values()].map(({ configuration }) => ({
      FunctionName: configuration.FunctionName,
      FunctionArn: configuration.FunctionArn,
      LastModified: configuration.LastModified,
      Runtime: configuration.Runtime,
    })),
  }));
  lambdaMock.on(GetFunctionCommand).callsFake(({ FunctionName }: { FunctionName: string }) => {
    const fn = account.get(FunctionName);
    if (!fn)
      throw new ResourceNotFoundException({ message: `Function not found: ${FunctionName}`, $metadata: {} });
    return { Configuration: fn.configuration, Tags: fn.tags ?? {} };
  });
}
