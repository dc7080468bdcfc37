/**
 * The customer managed KMS key that encrypts a function's environment variables: DescribeKey, by the key ARN the
 * function names (which also works for a key in another account whose key policy lets the caller describe it).
 */
import { DescribeKeyCommand, type KeyMetadata, type KMSClient } from '@aws-sdk/client-kms';
import type { CallBudget } from '../../functions/scanner/model';
import { attempt, wasRead, type Read } from './reading';

/** The key's metadata; undefined when KMS says the key does not exist (NotFoundException). */
export async function readKey(
  kms: KMSClient,
  budget: CallBudget,
  keyArn: string,
): Promise<Read<KeyMetadata | undefined>> {
  const read = await attempt(budget, 'DescribeKey', () =>
    kms.send(new DescribeKeyCommand({ KeyId: keyArn })),
  );
  if (!wasRead(read)) return read.errorName === 'NotFoundException' ? { value: undefined } : read;
  return { value: read.value.KeyMetadata };
}
