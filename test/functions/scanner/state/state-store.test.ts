import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock } from '../../../../functions/scanner/model';
import {
  ActionConflictError,
  type PendingAlert,
  type StateChange,
} from '../../../../functions/scanner/state/state-model';
import { DynamoStateStore, StateStoreError } from '../../../../functions/scanner/state/state-store';
import { actionRecord, throttleAction } from '../../../support/action-builders';
import { ALERT_NOW, hoursAgo, storedFinding } from '../../../support/finding-builders';
import { type LocalDynamo, startDynalite } from '../../../support/dynalite';
import { VirtualClock } from '../../../support/virtual-clock';

const DAY_SECONDS = 86_400;

/** A clock the test moves by hand; sleeping is instant. */
function manualClock(start = ALERT_NOW): Clock & { set(time: number): void } {
  let time = start;
  return { now: () => time, sleep: async () => undefined, set: (next) => (time = next) };
}

function alert(id: string, createdAt: string, message = '{"default":"2 new findings"}'): PendingAlert {
  return { id, subject: `lambda-sentinel 123456789012 eu-west-1: alert ${id}`, message, createdAt };
}

function change(runAt: string, parts: Partial<StateChange> = {}): StateChange {
  return { runAt, upsert: [], remove: [], watchedFunctions: [], ...parts };
}

const byFingerprint = (a: { fingerprint: string }, b: { fingerprint: string }) =>
  a.fingerprint.localeCompare(b.fingerprint);

describe('DynamoStateStore (against dynalite)', () => {
  let local: LocalDynamo;
  let tableName: string;
  let clock: ReturnType<typeof manualClock>;
  let store: DynamoStateStore;

  beforeAll(async () => {
    local = await startDynalite();
  });
  afterAll(async () => {
    await local.stop();
  });
  beforeEach(async () => {
    tableName = await local.createStateTable();
    clock = manualClock();
    store = new DynamoStateStore(local.client, tableName, { clock });
  });

  /** A client for the same server that records each operation sent, and fails every call after `failAfter`. */
  function instrumentedStore(failAfter = Infinity): {
    store: DynamoStateStore;
    sent: string[];
    destroy(): void;
  } {
    const client = local.newClient();
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (sent.length >= failAfter) throw new Error('Lambda timed out mid-save');
        sent.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize' },
    );
    return {
      store: new DynamoStateStore(client, tableName, { clock }),
      sent,
      destroy: () => client.destroy(),
    };
  }

  async function rawItems(): Promise<Record<string, { S?: string; N?: string }>[]> {
    const items: Record<string, { S?: string; N?: string }>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await local.client.send(
        new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }),
      );
      items.push(...((page.Items ?? []) as Record<string, { S?: string; N?: string }>[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  it('gives a first run an empty state', async () => {
    const state = await store.load();

    expect(state).toEqual({ openFindings: [], watchedFunctions: [], pendingAlerts: [], actions: [] });
    expect(state.lastRunAt).toBeUndefined();
  });

  it('loads back the findings, watched functions and pending alert a run saved', async () => {
    const orders = storedFinding('orders-api');
    const billing = storedFinding('billing', 2, {
      qualifier: 'live',
      severity: 'critical',
      since: hoursAgo(30),
    });
    const firstAlert = alert('run-1', hoursAgo(0));

    await store.save(
      change(hoursAgo(0), {
        upsert: [orders, billing],
        watchedFunctions: ['orders-api', 'billing'],
        alert: firstAlert,
      }),
    );
    const state = await store.load();

    expect(state.lastRunAt).toBe(hoursAgo(0));
    expect([...state.openFindings].sort(byFingerprint)).toEqual([billing, orders].sort(byFingerprint));
    expect(state.watchedFunctions).toEqual(['orders-api', 'billing']);
    expect(state.pendingAlerts).toEqual([firstAlert]);
  });

  it('keeps, beside the watch list, since when each watched function has been unsettled', async () => {
    const restoring = {
      functionName: 'nightly-report',
      state: 'Pending',
      stateReasonCode: 'Restoring',
      lastUpdateStatus: 'Successful',
      since: hoursAgo(0.5),
    };
    const updating = { functionName: 'orders-api', lastUpdateStatus: 'InProgress', since: hoursAgo(0.2) };
    await store.save(
      change(hoursAgo(0), {
        watchedFunctions: ['nightly-report', 'orders-api'],
        unsettledFunctions: [restoring, updating],
      }),
    );

    expect(await store.load()).toMatchObject({
      watchedFunctions: ['nightly-report', 'orders-api'],
      unsettledFunctions: [restoring, updating],
    });

    await store.save(change(hoursAgo(-0.1), { watchedFunctions: [] }));
    expect((await store.load()).unsettledFunctions).toBeUndefined();
  });

  it('remembers how far the spillover probe reached until a scan saves a later reach', async () => {
    const probedThrough = '2026-11-26T14:12:00.000Z';
    await store.save(change(hoursAgo(1), { spilloverProbedThrough: probedThrough }));
    // A scan whose probe was skipped or failed, and a focused check, save no reach of their own.
    await store.save(change(hoursAgo(0.9), { watchedFunctions: ['orders-api'] }));
    await store.save(change(hoursAgo(0.8), { keepLastRunAt: true }));

    expect((await store.load()).spilloverProbedThrough).toBe(probedThrough);

    await store.save(change(hoursAgo(0.7), { spilloverProbedThrough: '2026-11-26T14:22:00.000Z' }));
    expect((await store.load()).spilloverProbedThrough).toBe('2026-11-26T14:22:00.000Z');
  });

  it('finishes a save that died before its run item with the spillover probe’s reach in it', async () => {
    await store.save(change(hoursAgo(1), { spilloverProbedThrough: '2026-11-26T13:12:00.000Z' }));
    const dying = instrumentedStore(1);
    const save = dying.store.save(
      change(hoursAgo(0), {
        spilloverProbedThrough: '2026-11-26T14:12:00.000Z',
        alert: alert('run-2', hoursAgo(0)),
      }),
    );
    await expect(save).rejects.toThrow(StateStoreError);
    dying.destroy();

    expect((await store.load()).spilloverProbedThrough).toBe('2026-11-26T14:12:00.000Z');
  });

  it('returns pending alerts oldest first and forgets one once it is marked delivered', async () => {
    const older = alert('run-1', hoursAgo(1));
    const newer = alert('run-2', hoursAgo(0));
    await store.save(change(hoursAgo(1), { upsert: [storedFinding('orders-api')], alert: older }));
    await store.save(change(hoursAgo(0), { alert: newer }));

    expect((await store.load()).pendingAlerts.map((pending) => pending.id)).toEqual(['run-1', 'run-2']);

    await store.markDelivered('run-1');
    const state = await store.load();

    expect(state.pendingAlerts.map((pending) => pending.id)).toEqual(['run-2']);
    expect(state.openFindings.map((stored) => stored.functionName)).toEqual(['orders-api']);
  });

  it('deletes resolved findings and, when nothing changed, writes only the run item', async () => {
    await store.save(
      change(hoursAgo(1), { upsert: [storedFinding('orders-api'), storedFinding('billing')] }),
    );
    await store.save(change(hoursAgo(0.5), { remove: ['stuck-pending:orders-api'] }));

    expect((await store.load()).openFindings.map((stored) => stored.functionName)).toEqual(['billing']);

    const quiet = instrumentedStore();
    await quiet.store.save(change(hoursAgo(0), { watchedFunctions: ['billing'] }));
    quiet.destroy();

    expect(quiet.sent).toEqual(['UpdateItemCommand']);
    expect((await store.load()).lastRunAt).toBe(hoursAgo(0));
  });

  it('gives every item a TTL and ignores items past it that DynamoDB has not deleted yet', async () => {
    const runAt = new Date(ALERT_NOW).toISOString();
    const notified = storedFinding('orders-api', 0);
    await store.save(change(runAt, { upsert: [notified], alert: alert('run-1', runAt) }));

    const expiresAt = Object.fromEntries(
      (await rawItems()).map((item) => [item.pk?.S, Number(item.expiresAt?.N)]),
    );
    const nowSeconds = ALERT_NOW / 1000;
    // 30 days after the next reminder (renotifyHours 24) would have rewritten it.
    expect(expiresAt['finding#stuck-pending:orders-api']).toBe(nowSeconds + DAY_SECONDS + 30 * DAY_SECONDS);
    expect(expiresAt['alert#run-1']).toBe(nowSeconds + 7 * DAY_SECONDS);
    expect(expiresAt['run']).toBe(nowSeconds + 30 * DAY_SECONDS);

    clock.set(ALERT_NOW + (7 * DAY_SECONDS + 1) * 1000);
    const weekLater = await store.load();
    expect(weekLater.pendingAlerts).toEqual([]);
    expect(weekLater.openFindings).toEqual([notified]);

    clock.set(ALERT_NOW + (31 * DAY_SECONDS + 1) * 1000);
    expect(await store.load()).toEqual({
      openFindings: [],
      watchedFunctions: [],
      pendingAlerts: [],
      actions: [],
    });
  });

  it('takes renotifyHours into the finding TTL, so a finding outlives the gap between reminders', async () => {
    const weekly = new DynamoStateStore(local.client, tableName, { clock, renotifyHours: 24 * 60 });
    await weekly.save(change(hoursAgo(0), { upsert: [storedFinding('orders-api', 0)] }));

    const [item] = (await rawItems()).filter((candidate) => candidate.pk?.S?.startsWith('finding#'));
    expect(Number(item?.expiresAt?.N)).toBe(ALERT_NOW / 1000 + 90 * DAY_SECONDS);
  });

  describe('when a save dies half-way', () => {
    const runOne = hoursAgo(1);
    const runTwo = hoursAgo(0);
    const resolvedOne = storedFinding('orders-api', 1);
    const notifiedTwo = storedFinding('billing', 0, { firstSeenAt: runTwo, lastNotifiedAt: runTwo });
    const alertTwo = alert('run-2', runTwo);

    beforeEach(async () => {
      await store.save(change(runOne, { upsert: [resolvedOne], watchedFunctions: ['orders-api'] }));
      const dying = instrumentedStore(1);
      const save = dying.store.save(
        change(runTwo, {
          upsert: [notifiedTwo],
          remove: [resolvedOne.fingerprint],
          watchedFunctions: ['billing'],
          alert: alertTwo,
        }),
      );
      await expect(save).rejects.toThrow(StateStoreError);
      dying.destroy();
      // Only the alert record made it.
      expect(dying.sent).toEqual(['PutItemCommand']);
    });

    it('still counts the alert’s findings as notified and returns the alert to publish', async () => {
      const state = await store.load();

      expect(state).toEqual({
        lastRunAt: runTwo,
        openFindings: [notifiedTwo],
        watchedFunctions: ['billing'],
        pendingAlerts: [alertTwo],
        actions: [],
      });
    });

    it('finishes the save, so the change survives the alert being marked delivered', async () => {
      await store.load();
      await store.markDelivered(alertTwo.id);

      expect(await store.load()).toEqual({
        lastRunAt: runTwo,
        openFindings: [notifiedTwo],
        watchedFunctions: ['billing'],
        pendingAlerts: [],
        actions: [],
      });
    });
  });

  it('does not replay an undelivered alert over the newer state of a later run', async () => {
    const first = storedFinding('orders-api', 1);
    await store.save(change(hoursAgo(1), { upsert: [first], alert: alert('run-1', hoursAgo(1)) }));
    await store.save(change(hoursAgo(0), { remove: [first.fingerprint] }));

    const state = await store.load();

    expect(state.openFindings).toEqual([]);
    expect(state.lastRunAt).toBe(hoursAgo(0));
    expect(state.pendingAlerts.map((pending) => pending.id)).toEqual(['run-1']);
  });

  describe('a focused check’s save', () => {
    const scanAt = hoursAgo(1);
    const checkAt = hoursAgo(0.5);
    const stuck = storedFinding('vpc-ingest', 0.5);

    beforeEach(async () => {
      await store.save(change(scanAt, { watchedFunctions: ['orders-api'] }));
    });

    it('keeps its findings and watch list but leaves lastRunAt where the scheduled scan put it', async () => {
      await store.save(
        change(checkAt, {
          upsert: [stuck],
          watchedFunctions: ['orders-api', 'vpc-ingest'],
          keepLastRunAt: true,
        }),
      );

      expect(await store.load()).toMatchObject({
        lastRunAt: scanAt,
        openFindings: [stuck],
        watchedFunctions: ['orders-api', 'vpc-ingest'],
      });
    });

    it('is finished from its alert record after dying half-way, still without moving lastRunAt', async () => {
      const dying = instrumentedStore(1);
      const save = dying.store.save(
        change(checkAt, {
          upsert: [stuck],
          watchedFunctions: ['orders-api', 'vpc-ingest'],
          alert: alert('check-1', checkAt),
          keepLastRunAt: true,
        }),
      );
      await expect(save).rejects.toThrow(StateStoreError);
      dying.destroy();

      expect(await store.load()).toMatchObject({
        lastRunAt: scanAt,
        openFindings: [stuck],
        watchedFunctions: ['orders-api', 'vpc-ingest'],
        pendingAlerts: [{ id: 'check-1' }],
      });
    });

    it('is not replayed from its undelivered alert over the newer state of a later check', async () => {
      await store.save(
        change(checkAt, { upsert: [stuck], alert: alert('check-1', checkAt), keepLastRunAt: true }),
      );
      await store.save(change(hoursAgo(0.25), { remove: [stuck.fingerprint], keepLastRunAt: true }));

      expect(await store.load()).toMatchObject({
        lastRunAt: scanAt,
        openFindings: [],
        pendingAlerts: [{ id: 'check-1' }],
      });
    });
  });

  it('reads a run item written before focused checks existed (lastRunAt only) as the last save', async () => {
    const older = storedFinding('orders-api', 1);
    await store.save(change(hoursAgo(1), { upsert: [older], alert: alert('run-1', hoursAgo(1)) }));
    await store.save(change(hoursAgo(0), { remove: [older.fingerprint] }));
    await local.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'run' }, lastRunAt: { S: hoursAgo(0) }, watchedFunctions: { L: [] } },
      }),
    );

    const state = await store.load();

    expect(state.lastRunAt).toBe(hoursAgo(0));
    expect(state.openFindings).toEqual([]);
  });

  // Five thousand findings and a large message through dynalite: seconds on a loaded machine, hence its timeout.
  it('splits an alert record too large for one 400 KB item and reads it back whole', async () => {
    // Random text barely compresses, so this message and 5,000 findings need several items.
    const message = JSON.stringify({ default: randomBytes(180_000).toString('base64') });
    const findings = Array.from({ length: 5000 }, (_, index) =>
      storedFinding(`fn-${index}-${randomBytes(16).toString('hex')}`, 0),
    );
    const big = alert('big', hoursAgo(0), message);
    const interrupted = instrumentedStore(2);

    await expect(
      interrupted.store.save(change(hoursAgo(0), { upsert: findings, alert: big })),
    ).rejects.toThrow(StateStoreError);
    interrupted.destroy();
    const state = await store.load();

    expect(interrupted.sent).toEqual(['BatchWriteItemCommand', 'PutItemCommand']);
    expect(state.pendingAlerts).toEqual([big]);
    expect(state.openFindings).toHaveLength(5000);

    await store.markDelivered('big');
    expect((await rawItems()).filter((item) => item.pk?.S?.startsWith('alert'))).toEqual([]);
  }, 60_000);

  it('names the table and keeps the cause when the table cannot be read', async () => {
    const missing = new DynamoStateStore(local.client, 'no-such-table', { clock });

    const error = await missing.load().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StateStoreError);
    expect((error as StateStoreError).message).toContain('no-such-table');
    expect(((error as StateStoreError).cause as Error).name).toBe('ResourceNotFoundException');
  });
});

describe('DynamoStateStore BatchWriteItem retries', () => {
  const client = new DynamoDBClient({ region: 'eu-west-1' });
  const dynamo = mockClient(client);
  const table = 'state';
  const findings = [storedFinding('orders-api', 0), storedFinding('billing', 0)];

  beforeEach(() => {
    dynamo.reset();
    dynamo.on(PutItemCommand).resolves({});
    dynamo.on(UpdateItemCommand).resolves({});
  });

  it('resends only the UnprocessedItems, after a backoff', async () => {
    let unprocessed: WriteRequest[] = [];
    dynamo
      .on(BatchWriteItemCommand)
      .callsFakeOnce((input: { RequestItems: Record<string, WriteRequest[]> }) => {
        unprocessed = (input.RequestItems[table] ?? []).slice(1);
        return { UnprocessedItems: { [table]: unprocessed } };
      })
      .resolves({});
    const clock = new VirtualClock(ALERT_NOW);
    const store = new DynamoStateStore(client, table, { clock });

    await clock.run(() => store.save(change(hoursAgo(0), { upsert: findings })));

    const calls = dynamo.commandCalls(BatchWriteItemCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.RequestItems?.[table]).toEqual(unprocessed);
    expect(unprocessed).toHaveLength(1);
    expect(clock.now()).toBeGreaterThan(ALERT_NOW);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('gives up with a StateStoreError, before writing the run item, when writes stay unprocessed', async () => {
    dynamo.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, WriteRequest[]> }) => ({
      UnprocessedItems: input.RequestItems,
    }));
    const clock = new VirtualClock(ALERT_NOW);
    const store = new DynamoStateStore(client, table, { clock, maxBatchAttempts: 3 });

    const saved = clock.run(() => store.save(change(hoursAgo(0), { upsert: findings })));

    await expect(saved).rejects.toThrow(
      /2 writes to state were still unprocessed after 3 BatchWriteItem attempts/,
    );
    expect(dynamo.commandCalls(BatchWriteItemCommand)).toHaveLength(3);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });
});

describe('DynamoStateStore run lease (against dynalite)', () => {
  let local: LocalDynamo;
  let store: DynamoStateStore;
  const now = ALERT_NOW;
  const claim = (holder: string, at = now, holdMs = 300_000) => ({ holder, now: at, expiresAt: at + holdMs });

  beforeAll(async () => {
    local = await startDynalite();
  });
  afterAll(async () => {
    await local.stop();
  });
  beforeEach(async () => {
    store = new DynamoStateStore(local.client, await local.createStateTable(), { clock: manualClock() });
  });

  it('grants the lease to one holder at a time, and to the next once it is released', async () => {
    expect(await store.tryAcquireLease(claim('scan'))).toBe(true);
    expect(await store.tryAcquireLease(claim('check', now + 1_000))).toBe(false);

    expect(await store.releaseLease('scan')).toBe(true);
    expect(await store.tryAcquireLease(claim('check', now + 2_000))).toBe(true);
  });

  it('lets a claimant take over a lease whose holder outlived its timeout', async () => {
    await store.tryAcquireLease(claim('crashed', now, 60_000));

    expect(await store.tryAcquireLease(claim('check', now + 59_000))).toBe(false);
    expect(await store.tryAcquireLease(claim('check', now + 62_000))).toBe(true);
    // The crashed holder, back late, cannot free the lease it lost.
    expect(await store.releaseLease('crashed')).toBe(false);
    expect(await store.tryAcquireLease(claim('scan', now + 63_000))).toBe(false);
  });

  it('gives the lease again to the holder that has it (a retried call whose answer was lost)', async () => {
    await store.tryAcquireLease(claim('scan'));

    expect(await store.tryAcquireLease(claim('scan', now + 500))).toBe(true);
  });

  it('keeps the lease out of the state a run loads', async () => {
    await store.tryAcquireLease(claim('scan'));

    expect(await store.load()).toEqual({
      openFindings: [],
      watchedFunctions: [],
      pendingAlerts: [],
      actions: [],
    });
  });
});

describe('DynamoStateStore action records (against dynalite)', () => {
  let local: LocalDynamo;
  let tableName: string;
  let clock: ReturnType<typeof manualClock>;
  let store: DynamoStateStore;
  const throttle = throttleAction('order-events', { decidedAt: new Date(ALERT_NOW).toISOString() });
  const pending = actionRecord(throttle, { status: 'pending', applied: false, revision: 0 });

  beforeAll(async () => {
    local = await startDynalite();
  });
  afterAll(async () => {
    await local.stop();
  });
  beforeEach(async () => {
    tableName = await local.createStateTable();
    clock = manualClock();
    store = new DynamoStateStore(local.client, tableName, { clock });
  });

  it('keeps a recorded action for undo and hands it to the next run', async () => {
    await store.recordAction(pending);

    expect(await store.getAction(throttle.id)).toEqual(pending);
    expect((await store.load()).actions).toEqual([pending]);
  });

  it('never overwrites an action with the same id', async () => {
    await store.recordAction(pending);

    await expect(store.recordAction({ ...pending, next: 5 })).rejects.toBeInstanceOf(ActionConflictError);
    expect((await store.getAction(throttle.id))?.next).toBe(0);
  });

  it('updates only the revision that was read, so of two writers one loses', async () => {
    await store.recordAction(pending);
    const read = await store.getAction(throttle.id);
    if (!read) throw new Error('fixture');

    const applied = await store.updateAction({ ...read, status: 'applied', applied: true });
    const late = store.updateAction({ ...read, status: 'failed' });

    expect(applied.revision).toBe(1);
    await expect(late).rejects.toBeInstanceOf(ActionConflictError);
    expect((await store.getAction(throttle.id))?.status).toBe('applied');
  });

  it('keeps an action 90 days from its decision, then forgets it', async () => {
    await store.recordAction(pending);

    clock.set(ALERT_NOW + (90 * DAY_SECONDS - 1) * 1000);
    expect(await store.getAction(throttle.id)).toBeDefined();
    clock.set(ALERT_NOW + (90 * DAY_SECONDS + 1) * 1000);
    expect(await store.getAction(throttle.id)).toBeUndefined();
    expect((await store.load()).actions).toEqual([]);
  });

  it('answers undefined for an id it never recorded', async () => {
    expect(await store.getAction('no-such-action')).toBeUndefined();
  });
});
