import type { ActionRecord, StoredFinding } from '../../functions/scanner/state/state-model';
import { MemoryStateStore } from '../../sim/memory-state-store';

const FINDING: StoredFinding = {
  fingerprint: 'failed-state:ledger-sync:State=Failed:SubnetOutOfIPAddresses',
  kind: 'failed-state',
  functionName: 'ledger-sync',
  severity: 'critical',
  summary: 'ledger-sync is Failed',
  firstSeenAt: '2030-01-15T12:00:00.000Z',
  lastNotifiedAt: '2030-01-15T12:00:00.000Z',
};

const ACTION: ActionRecord = {
  id: 'a-1',
  kind: 'throttle',
  functionName: 'stream-processor',
  fingerprint: 'recursive-loop:stream-processor:runaway',
  findingKind: 'recursive-loop',
  severity: 'critical',
  reason: 'runaway loop',
  decidedAt: '2030-01-15T12:00:00.000Z',
  applied: false,
  dryRun: true,
  status: 'dry-run',
  revision: 0,
};

describe('MemoryStateStore', () => {
  it('gives the next run what this run saved, and keeps the alert pending until it is marked delivered', async () => {
    const store = new MemoryStateStore();
    const alert = { id: 'alert-1', subject: 's', message: '{}', createdAt: '2030-01-15T12:00:00.000Z' };

    await store.save({
      runAt: '2030-01-15T12:00:00.000Z',
      upsert: [FINDING],
      remove: [],
      watchedFunctions: ['ledger-sync'],
      unsettledFunctions: [
        { functionName: 'ledger-sync', state: 'Failed', since: '2030-01-15T11:55:00.000Z' },
      ],
      alert,
    });
    const beforeDelivery = await store.load();
    await store.markDelivered('alert-1');
    await store.save({
      runAt: '2030-01-15T12:05:00.000Z',
      upsert: [],
      remove: [FINDING.fingerprint],
      watchedFunctions: [],
    });
    const later = await store.load();

    expect(beforeDelivery).toMatchObject({
      lastRunAt: '2030-01-15T12:00:00.000Z',
      openFindings: [FINDING],
      watchedFunctions: ['ledger-sync'],
      unsettledFunctions: [
        { functionName: 'ledger-sync', state: 'Failed', since: '2030-01-15T11:55:00.000Z' },
      ],
      pendingAlerts: [alert],
    });
    expect(later).toMatchObject({
      lastRunAt: '2030-01-15T12:05:00.000Z',
      openFindings: [],
      pendingAlerts: [],
    });
    expect(later.unsettledFunctions).toBeUndefined();
  });

  it('leaves lastRunAt and the spillover probe’s reach alone when a focused check saves, as the DynamoDB store does', async () => {
    const store = new MemoryStateStore();
    await store.save({
      runAt: '2030-01-15T12:00:00.000Z',
      upsert: [],
      remove: [],
      watchedFunctions: [],
      spilloverProbedThrough: '2030-01-15T11:57:00.000Z',
    });

    await store.save({
      runAt: '2030-01-15T12:03:00.000Z',
      upsert: [FINDING],
      remove: [],
      watchedFunctions: ['ledger-sync'],
      keepLastRunAt: true,
    });

    expect(await store.load()).toMatchObject({
      lastRunAt: '2030-01-15T12:00:00.000Z',
      openFindings: [FINDING],
      watchedFunctions: ['ledger-sync'],
      spilloverProbedThrough: '2030-01-15T11:57:00.000Z',
    });
  });

  it('grants the run lease to one holder at a time, and takes over an expired one', async () => {
    const store = new MemoryStateStore();
    const at = Date.parse('2030-01-15T12:00:00.000Z');

    expect(await store.tryAcquireLease({ holder: 'scan', now: at, expiresAt: at + 60_000 })).toBe(true);
    expect(await store.tryAcquireLease({ holder: 'check', now: at + 1_000, expiresAt: at + 61_000 })).toBe(
      false,
    );
    expect(await store.tryAcquireLease({ holder: 'check', now: at + 61_000, expiresAt: at + 121_000 })).toBe(
      true,
    );
    expect(await store.releaseLease('scan')).toBe(false);
    expect(await store.releaseLease('check')).toBe(true);
    expect(await store.tryAcquireLease({ holder: 'scan', now: at + 62_000, expiresAt: at + 122_000 })).toBe(
      true,
    );
  });

  it('updates an action record only at the revision it was read, as the DynamoDB store does', async () => {
    const store = new MemoryStateStore();
    await store.recordAction(ACTION);

    const updated = await store.updateAction({ ...ACTION, status: 'undone' });
    const stale = store.updateAction({ ...ACTION, status: 'applied' });

    expect(updated.revision).toBe(1);
    await expect(stale).rejects.toMatchObject({ name: 'ActionConflictError' });
    await expect(store.recordAction(ACTION)).rejects.toMatchObject({ name: 'ActionConflictError' });
    expect((await store.getAction('a-1'))?.status).toBe('undone');
  });
});
