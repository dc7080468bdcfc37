/**
 * The KMS part of the guide's "Cold starts with new versions" (KMSDisabledException): the customer managed key
 * that encrypts the function's environment variables must be enabled, and Lambda must still hold its grant on it.
 * DescribeKey shows the key's state; a revoked grant shows only in Lambda's own reason code. Pure.
 */
import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { FunctionSnapshot } from '../../functions/scanner/model';
import { unknownCheck, type CheckStatus, type DiagnosisCheck, type Topic } from './diagnosis-check';
import { wasRead, type Read } from './reading';
import { reasonLine } from './reason-line';

const TOPIC: Topic = { topic: 'KMS key', section: 'newversion' };

const KMS_REASON_CODES = ['DisabledKMSKey', 'KMSKeyNotFound', 'KMSKeyAccessDenied', 'InvalidStateKMSKey'];

const REASSIGN =
  'If the key is enabled but Lambda lost its grant on it, configure the function with a different key and then ' +
  'with this one again: setting the key creates a new grant.';

/** The KMS key line for the function; `key` is absent when the function uses the AWS managed key. */
export function kmsCheck(
  fn: FunctionSnapshot,
  key: Read<KeyMetadata | undefined> | undefined,
  stateStatus: CheckStatus,
): DiagnosisCheck {
  const keyArn = fn.kmsKeyArn;
  if (keyArn === undefined || key === undefined) {
    return { ...TOPIC, status: 'ok', summary: 'environment variables use the AWS managed key' };
  }
  const state = wasRead(key)
    ? key.value === undefined
      ? 'does not exist'
      : `is ${key.value.KeyState}`
    : undefined;
  const blamed = reasonLine(
    TOPIC,
    fn,
    KMS_REASON_CODES,
    stateStatus,
    state === undefined ? '' : `; the key ${keyArn} ${state}`,
  );
  if (blamed) {
    return state === 'is Enabled'
      ? {
          ...blamed,
          advice:
            `The key itself is enabled, so its key policy or Lambda's grant is the cause. ${blamed.advice ?? ''}`.trim(),
        }
      : blamed;
  }
  if (!wasRead(key))
    return unknownCheck(TOPIC, key, `the state of the key ${keyArn} that encrypts its environment variables`);
  const metadata = key.value;
  if (metadata === undefined) {
    return {
      ...TOPIC,
      status: 'problem',
      summary: `its environment variables are encrypted with ${keyArn}, which does not exist: Lambda cannot decrypt them`,
      advice:
        'Configure the function with an existing key (or the AWS managed key) and set its environment variables again.',
    };
  }
  switch (metadata.KeyState) {
    case 'Enabled':
      return {
        ...TOPIC,
        status: 'ok',
        summary:
          `environment variables are encrypted with ${keyArn}, which is enabled; whether Lambda still holds its grant ` +
          "on the key cannot be read here (a revoked grant shows as KMSKeyAccessDenied in the function's state)",
      };
    case 'Disabled':
      return {
        ...TOPIC,
        status: 'problem',
        summary: `the key ${keyArn} that encrypts its environment variables is disabled: Lambda cannot decrypt them, and invocations fail with KMSDisabledException`,
        advice: `Enable the key (aws kms enable-key --key-id ${keyArn}), or configure the function with another key. ${REASSIGN}`,
      };
    case 'PendingDeletion':
    case 'PendingReplicaDeletion':
      return {
        ...TOPIC,
        status: 'problem',
        summary:
          `the key ${keyArn} that encrypts its environment variables is scheduled for deletion` +
          `${metadata.DeletionDate ? ` on ${new Date(metadata.DeletionDate).toISOString().slice(0, 10)}` : ''}: ` +
          'Lambda cannot use it, and once deleted the variables cannot be decrypted at all',
        advice: `Cancel the deletion (aws kms cancel-key-deletion --key-id ${keyArn}) and enable the key, or move the function to another key and set its variables again.`,
      };
    case 'Creating':
    case 'Updating':
      return {
        ...TOPIC,
        status: 'warning',
        summary: `the key ${keyArn} is ${metadata.KeyState}: Lambda may not be able to use it until it is Enabled`,
      };
    default:
      return {
        ...TOPIC,
        status: 'problem',
        summary: `the key ${keyArn} that encrypts its environment variables is ${metadata.KeyState ?? 'in an unknown state'}, not Enabled: Lambda cannot decrypt them`,
        advice: `Make the key usable again in AWS KMS, or configure the function with another key. ${REASSIGN}`,
      };
  }
}
