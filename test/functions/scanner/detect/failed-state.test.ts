import { failedState } from '../../../../functions/scanner/detect/failed-state';
import type { FunctionDetail } from '../../../../functions/scanner/model';
import { checkedFunction, detectorContext, listedFunction } from '../../../support/snapshot-builders';

const LAST_MODIFIED = '2026-11-26T13:00:00.000+0000';

const detectOne = (detail: Partial<FunctionDetail>) =>
  failedState.detect(
    detectorContext([checkedFunction('orders-api', detail, { lastModified: LAST_MODIFIED })]),
  );

describe('failed-state', () => {
  describe('compliant', () => {
    test.each<[string, Partial<FunctionDetail>]>([
      ['Active, last update Successful', {}],
      ['Inactive because it was idle', { state: 'Inactive', stateReasonCode: 'Idle' }],
      ['ActiveNonInvocable ($LATEST of a Managed Instances function)', { state: 'ActiveNonInvocable' }],
      ['Deactivated', { state: 'Deactivated' }],
      ['Deleting', { state: 'Deleting', lastUpdateStatus: 'InProgress' }],
    ])('%s is not a finding', (_label, detail) => {
      expect(detectOne(detail)).toEqual([]);
    });

    test('a function not checked this run produces nothing', () => {
      expect(failedState.detect(detectorContext([listedFunction('orders-api')]))).toEqual([]);
    });
  });

  describe('non-compliant', () => {
    test('1: State Failed with a disabled KMS key is critical, with the reason and the grant advice', () => {
      const [finding, ...others] = detectOne({
        state: 'Failed',
        stateReasonCode: 'DisabledKMSKey',
        stateReason:
          'Lambda was unable to decrypt the environment variables because the KMS key is disabled.',
        lastUpdateStatus: 'Failed',
        lastUpdateStatusReasonCode: 'DisabledKMSKey',
      });

      expect(others).toEqual([]);
      expect(finding).toMatchObject({
        kind: 'failed-state',
        functionName: 'orders-api',
        severity: 'critical',
        since: '2026-11-26T13:00:00.000Z',
        evidence: {
          state: 'Failed',
          lastUpdateStatus: 'Failed',
          reasonCode: 'DisabledKMSKey',
          reason: 'Lambda was unable to decrypt the environment variables because the KMS key is disabled.',
          cause: 'KMS key',
          lastModified: LAST_MODIFIED,
        },
      });
      expect(finding?.summary).toBe('orders-api is Failed (DisabledKMSKey): it cannot be invoked');
      expect(finding?.guidance).toMatch(/^KMS key: /);
      expect(finding?.guidance).toContain('set the custom key again so that Lambda creates a new grant');
      expect(finding?.links?.[0]?.url).toBe(
        'https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/orders-api',
      );
    });

    test('2: a failed update with an EFS connectivity error is a warning: the previous version still runs', () => {
      const [finding] = detectOne({
        lastUpdateStatus: 'Failed',
        lastUpdateStatusReasonCode: 'EFSMountConnectivityError',
        lastUpdateStatusReason: 'The function could not connect to the EFS file system.',
      });

      expect(finding).toMatchObject({
        severity: 'warning',
        evidence: {
          state: 'Active',
          lastUpdateStatus: 'Failed',
          reasonCode: 'EFSMountConnectivityError',
          cause: 'EFS file system',
        },
      });
      expect(finding?.summary).toContain('The last update of orders-api failed (EFSMountConnectivityError)');
      expect(finding?.summary).toContain('still runs its previous code and configuration');
      expect(finding?.guidance).toContain('TCP port 2049');
    });

    test.each([
      ['3', 'VPC networking', 'SubnetOutOfIPAddresses', 'free IP addresses'],
      ['4', 'execution role', 'InsufficientRolePermissions', 'ec2:CreateNetworkInterface'],
      ['5', 'container image', 'ImageDeleted', 'Push the image again'],
      ['6', 'container image', 'ImageAccessDenied', 'ecr:BatchGetImage'],
      ['7', 'function initialization', 'FunctionError.InitTimeout', 'raise the function'],
    ])('%s: State Failed for %s (%s) names that cause in the guidance', (_n, cause, reasonCode, advice) => {
      const [finding] = detectOne({ state: 'Failed', stateReasonCode: reasonCode });

      expect(finding?.evidence).toMatchObject({ state: 'Failed', reasonCode, cause });
      expect(finding?.guidance).toMatch(new RegExp(`^${cause}: `));
      expect(finding?.guidance).toContain(advice);
    });

    test('8: Inactive for a reason other than Idle is critical, and does not claim it began at lastModified', () => {
      const [finding] = detectOne({ state: 'Inactive', stateReasonCode: 'EniLimitExceeded' });

      expect(finding).toMatchObject({
        severity: 'critical',
        evidence: { state: 'Inactive', reasonCode: 'EniLimitExceeded', cause: 'VPC networking' },
      });
      expect(finding?.summary).toContain('could not restore its resources');
      expect(finding?.since).toBeUndefined();
    });

    test('9: an unknown reason code still alerts, with the generic advice', () => {
      const [finding] = detectOne({ state: 'Failed', stateReasonCode: 'SomethingNew' });

      expect(finding?.evidence.cause).toBe('unrecognised reason');
      expect(finding?.guidance).toContain('Lambda reported SomethingNew');
    });
  });

  describe('fingerprint', () => {
    test('stays the same for the same failure on a later run', () => {
      const fn = checkedFunction('orders-api', { state: 'Failed', stateReasonCode: 'KMSKeyNotFound' });
      const [first] = failedState.detect(detectorContext([fn]));
      const [second] = failedState.detect(detectorContext([fn], { now: Date.parse('2026-11-27T09:00:00Z') }));
      expect(second?.fingerprint).toBe(first?.fingerprint);
    });

    test('changes with the reason code and with the field that failed', () => {
      const fingerprints = [
        detectOne({ state: 'Failed', stateReasonCode: 'KMSKeyNotFound' }),
        detectOne({ state: 'Failed', stateReasonCode: 'DisabledKMSKey' }),
        detectOne({ lastUpdateStatus: 'Failed', lastUpdateStatusReasonCode: 'KMSKeyNotFound' }),
        detectOne({ state: 'Inactive', stateReasonCode: 'KMSKeyNotFound' }),
      ].map(([finding]) => finding?.fingerprint);

      expect(fingerprints.every((fingerprint) => fingerprint !== undefined)).toBe(true);
      expect(new Set(fingerprints).size).toBe(4);
    });
  });

  describe('assessed', () => {
    test('a function checked this run is assessed, one only listed is not', () => {
      const context = detectorContext([checkedFunction('checked'), listedFunction('listed-only')]);
      expect(failedState.assessed(context, 'checked')).toBe(true);
      expect(failedState.assessed(context, 'listed-only')).toBe(false);
    });

    test('a deleted function is assessed only when the inventory is complete', () => {
      expect(failedState.assessed(detectorContext([]), 'gone')).toBe(true);
      expect(
        failedState.assessed(detectorContext([], { snapshot: { inventoryComplete: false } }), 'gone'),
      ).toBe(false);
    });
  });
});
