import { LastUpdateStatusReasonCode, StateReasonCode } from '@aws-sdk/client-lambda';
import { guidanceFor, guidanceText } from '../../../../functions/scanner/detect/reason-guidance';

const everyReasonCode = [
  ...new Set([...Object.values(StateReasonCode), ...Object.values(LastUpdateStatusReasonCode)]),
];

describe('guidanceFor', () => {
  test.each(everyReasonCode)('%s maps to a specific cause class with a title and advice', (code) => {
    const guidance = guidanceFor(code);

    expect(guidance.causeClass).not.toBe('unknown');
    expect(guidance.title.length).toBeGreaterThan(10);
    expect(guidance.advice.length).toBeGreaterThan(20);
  });

  test.each([
    ['kms-key', 'KMS key', ['DisabledKMSKey', 'KMSKeyNotFound', 'KMSKeyAccessDenied', 'InvalidStateKMSKey']],
    [
      'efs',
      'EFS file system',
      ['EFSMountFailure', 'EFSMountConnectivityError', 'EFSMountTimeout', 'EFSIOError'],
    ],
    [
      'vpc-network',
      'VPC networking',
      ['EniLimitExceeded', 'SubnetOutOfIPAddresses', 'InvalidSubnet', 'InvalidSecurityGroup'],
    ],
    ['role-permissions', 'execution role', ['InsufficientRolePermissions']],
    ['container-image', 'container image', ['ImageDeleted', 'ImageAccessDenied', 'InvalidImage']],
    ['code-package', 'code package or runtime', ['InvalidRuntime', 'InvalidZipFileException']],
    ['function-init', 'function initialization', ['FunctionError', 'FunctionError.InvalidEntryPoint']],
    ['lambda-internal', 'Lambda service', ['InternalError']],
    ['lifecycle', 'normal lifecycle', ['Idle', 'Creating', 'Restoring']],
  ])('%s codes are grouped under "%s"', (causeClass, cause, codes) => {
    for (const code of codes) {
      expect(guidanceFor(code)).toMatchObject({ causeClass, cause });
    }
  });

  test.each([
    ['DisabledKMSKey', 'set the custom key again so that Lambda creates a new grant'],
    ['KMSKeyAccessDenied', 'point the function at a different key'],
    ['EFSMountFailure', 'access point exist and are available'],
    ['EFSMountConnectivityError', 'TCP port 2049'],
    ['EFSMountTimeout', "cap the function's reserved concurrency"],
    ['EFSIOError', 'burst credits'],
    ['EniLimitExceeded', 'network interface quota'],
  ])('%s advice tells the on-call engineer what the guide says to do', (code, advice) => {
    expect(guidanceFor(code).advice).toContain(advice);
  });

  test('an unknown code falls back to generic advice that names the code', () => {
    expect(guidanceFor('BrandNewReason')).toMatchObject({
      causeClass: 'unknown',
      cause: 'unrecognised reason',
      title: 'Lambda reported BrandNewReason',
    });
  });

  test('no reason code at all also falls back', () => {
    expect(guidanceFor(undefined)).toMatchObject({
      causeClass: 'unknown',
      title: 'Lambda gave no reason code',
    });
  });

  test('a name inherited from Object is not mistaken for a reason code', () => {
    expect(guidanceFor('toString').causeClass).toBe('unknown');
  });
});

describe('guidanceText', () => {
  test('puts the cause first, then what went wrong, then the advice', () => {
    expect(guidanceText(guidanceFor('ImageDeleted'))).toBe(
      "container image: the function's container image was deleted from ECR. " +
        'Push the image again, or deploy the function with an image URI that exists.',
    );
  });
});
