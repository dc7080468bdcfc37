import { stuckPending } from '../../../../functions/scanner/detect/stuck-pending';
import {
  RUN_AT,
  checkedFunction,
  detectorContext,
  lambdaTimeMinutesAgo,
  listedFunction,
} from '../../../support/snapshot-builders';

const creating = (minutes: number) =>
  checkedFunction(
    'orders-api',
    {
      state: 'Pending',
      stateReasonCode: 'Creating',
      stateReason: 'The function is being created.',
      lastUpdateStatus: 'InProgress',
    },
    { lastModified: lambdaTimeMinutesAgo(minutes) },
  );

const updating = (minutes: number, reasonCode?: string) =>
  checkedFunction(
    'billing-worker',
    {
      state: 'Active',
      lastUpdateStatus: 'InProgress',
      ...(reasonCode ? { lastUpdateStatusReasonCode: reasonCode } : {}),
    },
    { lastModified: lambdaTimeMinutesAgo(minutes) },
  );

// Reactivated after going idle: LastModified is a month old, and the sentinel first saw it restoring `minutes` ago.
const restoring = (minutes: number | undefined) =>
  checkedFunction(
    'nightly-report',
    {
      state: 'Pending',
      stateReasonCode: 'Restoring',
      stateReason: 'The function is being restored.',
      lastUpdateStatus: 'Successful',
    },
    {
      lastModified: lambdaTimeMinutesAgo(60 * 24 * 30),
      ...(minutes !== undefined ? { unsettledSince: new Date(RUN_AT - minutes * 60_000).toISOString() } : {}),
    },
  );

describe('stuck-pending', () => {
  describe('compliant', () => {
    test('an Active function whose last update succeeded is fine', () => {
      expect(stuckPending.detect(detectorContext([checkedFunction('orders-api')]))).toEqual([]);
    });

    test('Pending for 5 minutes is not yet stuck (threshold 6)', () => {
      expect(stuckPending.detect(detectorContext([creating(5)]))).toEqual([]);
    });

    test('the threshold comes from pendingMinutes', () => {
      expect(
        stuckPending.detect(detectorContext([creating(7)], { settings: { pendingMinutes: 10 } })),
      ).toEqual([]);
    });

    test('a function restoring after being idle is not measured from its old lastModified', () => {
      expect(stuckPending.detect(detectorContext([restoring(undefined)]))).toEqual([]);
    });

    test('a function first seen restoring 6 minutes ago is not yet stuck (threshold 6)', () => {
      expect(stuckPending.detect(detectorContext([restoring(6)]))).toEqual([]);
    });

    test('a Pending function not checked this run produces nothing', () => {
      const unchecked = listedFunction('orders-api', { lastModified: lambdaTimeMinutesAgo(30) });
      expect(stuckPending.detect(detectorContext([unchecked]))).toEqual([]);
    });
  });

  describe('non-compliant', () => {
    test('1: Pending for 7 minutes since creation is critical and names the function and minutes', () => {
      const fn = creating(7);
      const [finding, ...others] = stuckPending.detect(detectorContext([fn]));

      expect(others).toEqual([]);
      expect(finding).toMatchObject({
        kind: 'stuck-pending',
        functionName: 'orders-api',
        severity: 'critical',
        since: new Date(RUN_AT - 7 * 60_000).toISOString(),
        evidence: {
          minutesPending: 7,
          thresholdMinutes: 6,
          phase: 'create',
          state: 'Pending',
          reasonCode: 'Creating',
          reason: 'The function is being created.',
          lastModified: fn.lastModified,
        },
      });
      expect(finding?.summary).toBe(
        'orders-api has been Pending for 7 minutes since it was created; it cannot be invoked or changed',
      );
      expect(finding?.guidance).toContain(
        'UpdateFunctionConfiguration, UpdateFunctionCode or PublishVersion',
      );
      expect(finding?.links).toEqual([
        {
          label: 'Function in the Lambda console',
          url: 'https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions/orders-api',
        },
      ]);
    });

    test('2: an update in progress for 9 minutes is a warning: the previous configuration still runs', () => {
      const [finding] = stuckPending.detect(detectorContext([updating(9)]));

      expect(finding).toMatchObject({
        functionName: 'billing-worker',
        severity: 'warning',
        evidence: { minutesPending: 9, phase: 'update', lastUpdateStatus: 'InProgress' },
      });
      expect(finding?.summary).toContain('still runs its previous code and configuration');
    });

    test('3: a fault reason code adds its cause to the guidance', () => {
      const [finding] = stuckPending.detect(detectorContext([updating(12, 'SubnetOutOfIPAddresses')]));

      expect(finding?.evidence.reasonCode).toBe('SubnetOutOfIPAddresses');
      expect(finding?.guidance).toContain(
        'Likely cause: VPC networking: a subnet of the function has no free IP',
      );
    });

    test('5: restoring for longer than pendingMinutes by the sentinel’s clock is critical, and says "at least"', () => {
      const fn = restoring(20);
      const firstSeen = new Date(RUN_AT - 20 * 60_000).toISOString();
      const [finding, ...others] = stuckPending.detect(detectorContext([fn]));

      expect(others).toEqual([]);
      expect(finding).toMatchObject({
        kind: 'stuck-pending',
        functionName: 'nightly-report',
        severity: 'critical',
        since: firstSeen,
        evidence: {
          minutesPendingAtLeast: 20,
          firstSeenRestoringAt: firstSeen,
          thresholdMinutes: 6,
          phase: 'restore',
          state: 'Pending',
          reasonCode: 'Restoring',
          lastModified: fn.lastModified,
        },
      });
      expect(finding?.evidence).not.toHaveProperty('minutesPending');
      expect(finding?.summary).toBe(
        `nightly-report has been restoring (Pending after going inactive) for at least 20 minutes, first seen ` +
          `restoring at ${firstSeen}; every invocation fails until the restore is done`,
      );
      expect(finding?.guidance).toContain('subnets');
      expect(finding?.guidance).toContain('unblock-pending remediation is for stuck creations');
    });

    test('4: LastModified with a colon in the offset is read the same way', () => {
      const fn = checkedFunction(
        'orders-api',
        { state: 'Pending' },
        { lastModified: '2026-11-26T15:20:00.000+01:00' }, // 14:20Z, ten minutes before the run
      );
      expect(stuckPending.detect(detectorContext([fn]))[0]?.evidence.minutesPending).toBe(10);
    });
  });

  describe('fingerprint', () => {
    test('stays the same while the same operation is pending, and changes with a new deployment', () => {
      const fn = creating(7);
      const [now] = stuckPending.detect(detectorContext([fn]));
      const [later] = stuckPending.detect(detectorContext([fn], { now: RUN_AT + 10 * 60_000 }));
      const halfAnHourLater = RUN_AT + 30 * 60_000;
      const recreated = checkedFunction(
        'orders-api',
        { state: 'Pending' },
        { lastModified: lambdaTimeMinutesAgo(7, halfAnHourLater) },
      );
      const [redeployed] = stuckPending.detect(detectorContext([recreated], { now: halfAnHourLater }));

      expect(later?.evidence.minutesPending).toBe(17);
      expect(later?.fingerprint).toBe(now?.fingerprint);
      expect(redeployed?.fingerprint).not.toBe(now?.fingerprint);
    });

    test('differs between the create, update and restore phases of the same function', () => {
      const lastModified = lambdaTimeMinutesAgo(20);
      const unsettledSince = new Date(RUN_AT - 20 * 60_000).toISOString();
      const create = checkedFunction('svc', { state: 'Pending' }, { lastModified, unsettledSince });
      const update = checkedFunction(
        'svc',
        { lastUpdateStatus: 'InProgress' },
        { lastModified, unsettledSince },
      );
      const restore = checkedFunction(
        'svc',
        { state: 'Pending', stateReasonCode: 'Restoring' },
        { lastModified, unsettledSince },
      );
      const fingerprints = [create, update, restore].map(
        (fn) => stuckPending.detect(detectorContext([fn]))[0]?.fingerprint,
      );
      expect(fingerprints).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
      expect(new Set(fingerprints).size).toBe(3);
    });

    test('stays the same while a restore lasts', () => {
      const [now] = stuckPending.detect(detectorContext([restoring(20)]));
      const [later] = stuckPending.detect(detectorContext([restoring(20)], { now: RUN_AT + 10 * 60_000 }));
      expect(later?.evidence.minutesPendingAtLeast).toBe(30);
      expect(later?.fingerprint).toBe(now?.fingerprint);
    });
  });

  describe('assessed', () => {
    test('a function checked this run is assessed', () => {
      expect(stuckPending.assessed(detectorContext([checkedFunction('orders-api')]), 'orders-api')).toBe(
        true,
      );
    });

    test('a function listed but not checked this run is not assessed', () => {
      expect(stuckPending.assessed(detectorContext([listedFunction('orders-api')]), 'orders-api')).toBe(
        false,
      );
    });

    test('a function missing from a complete inventory was deleted, so it is assessed', () => {
      expect(stuckPending.assessed(detectorContext([]), 'orders-api')).toBe(true);
    });

    test('a function missing from an incomplete inventory is not assessed', () => {
      const context = detectorContext([], { snapshot: { inventoryComplete: false } });
      expect(stuckPending.assessed(context, 'orders-api')).toBe(false);
    });

    test('a restoring function the sentinel has not timed yet is not assessed', () => {
      expect(stuckPending.assessed(detectorContext([restoring(undefined)]), 'nightly-report')).toBe(false);
      expect(stuckPending.assessed(detectorContext([restoring(2)]), 'nightly-report')).toBe(true);
    });

    test('a Pending function whose lastModified cannot be read yields no finding and is not assessed', () => {
      const fn = checkedFunction('orders-api', { state: 'Pending' }, { lastModified: 'yesterday' });
      const context = detectorContext([fn]);
      expect(stuckPending.detect(context)).toEqual([]);
      expect(stuckPending.assessed(context, 'orders-api')).toBe(false);
    });
  });
});
