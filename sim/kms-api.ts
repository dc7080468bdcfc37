/**
 * KMS of a simulated account: DescribeKey by key id or key ARN, with AWS's response shape and NotFoundException.
 */
import { NotFoundException, type KeyMetadata } from '@aws-sdk/client-kms';
import type { SimAccountModel } from './account-model';
import { NO_RESOURCES } from './account-resources';

type Input = Readonly<Record<string, unknown>>;

/** Answers KMS requests from the account's keys. */
export class KmsApi {
  constructor(private readonly account: SimAccountModel) {}

  /** Answers one request; throws the SDK's exception classes as AWS would. */
  answer(operation: string, input: Input): object {
    if (operation !== 'DescribeKey') throw new Error(`The simulated KMS does not answer ${operation}`);
    const given = typeof input.KeyId === 'string' ? input.KeyId : '';
    const key = (this.account.resources ?? NO_RESOURCES).kmsKeys.find(
      (candidate) => candidate.arn === given || candidate.arn.endsWith(`:key/${given}`),
    );
    if (!key) {
      throw new NotFoundException({
        message: `Key '${given}' does not exist`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    const metadata: KeyMetadata = {
      AWSAccountId: key.arn.split(':')[4],
      KeyId: key.arn.split('/').at(-1),
      Arn: key.arn,
      CreationDate: new Date(this.account.observedAt - 400 * 86_400_000),
      Enabled: key.keyState === 'Enabled',
      Description: '',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: key.keyState as KeyMetadata['KeyState'],
      ...(key.deletionDate !== undefined ? { DeletionDate: new Date(key.deletionDate) } : {}),
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    };
    return { KeyMetadata: metadata, $metadata: { httpStatusCode: 200 } };
  }
}
