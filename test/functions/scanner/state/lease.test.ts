import { LEASE_WAIT_MS, LeaseUnavailableError, withLease } from '../../../../functions/scanner/state/lease';
import { DynamoStateStore } from '../../../../functions/scanner/state/state-store';
import { startDynalite, type LocalDynamo } from '../../../support/dynalite';
import { VirtualClock } from '../../../support/virtual-clock';

const HOLD_MS = 300_000;

describe('withLease (DynamoStateStore against dynalite, virtual clock)', () => {
  let dynamo: LocalDynamo;
  let clock: VirtualClock;
  let store: DynamoStateStore;
  let start: number;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(() => dynamo.stop());

  beforeEach(async () => {
    clock = new VirtualClock(Date.parse('2030-01-01T12:00:00.000Z'), true);
    start = clock.now();
    store = new DynamoStateStore(dynamo.client, await dynamo.createStateTable(), { clock });
  });

  const request = (holder: string) => ({ holder, holdMs: HOLD_MS, clock });

  test('a second run waits while the first holds the lease, and starts within one poll of its release', async () => {
    const timeline: string[] = [];
    let scanEndedAt = 0;
    let checkStartedAt = 0;
    let scanHoldsLease!: () => void;
    const scanStarted = new Promise<void>((resolve) => (scanHoldsLease = resolve));

    await clock.run(() =>
      Promise.all([
        withLease(store, request('scan'), async () => {
          scanHoldsLease();
          timeline.push('scan starts');
          await clock.sleep(10_000);
          timeline.push('scan ends');
          scanEndedAt = clock.now();
        }),
        scanStarted.then(() =>
          withLease(store, request('check'), async () => {
            timeline.push('check starts');
            checkStartedAt = clock.now();
          }),
        ),
      ]),
    );

    expect(timeline).toEqual(['scan starts', 'scan ends', 'check starts']);
    expect(scanEndedAt - start).toBe(10_000);
    expect(checkStartedAt - scanEndedAt).toBeLessThanOrEqual(2_000);
  });

  test('a lease whose holder died is taken over once it expires', async () => {
    await store.tryAcquireLease({ holder: 'crashed', now: start, expiresAt: start + 5_000 });

    const startedAt = await clock.run(() => withLease(store, request('check'), async () => clock.now()));

    expect(startedAt - start).toBeGreaterThan(5_000);
    expect(startedAt - start).toBeLessThanOrEqual(8_000);
  });

  test('gives up after a minute of waiting without running the work', async () => {
    await store.tryAcquireLease({ holder: 'scan', now: start, expiresAt: start + HOLD_MS });
    const work = jest.fn(async () => 'ran');

    const outcome = clock.run(() => withLease(store, request('check'), work));

    await expect(outcome).rejects.toBeInstanceOf(LeaseUnavailableError);
    await expect(outcome).rejects.toThrow('another run held the lease for the whole 60 s wait');
    expect(work).not.toHaveBeenCalled();
    expect(clock.now() - start).toBe(60_000);
  });

  test('a lease granted after a wait expires when its invocation times out, not a full hold after the grant', async () => {
    await store.tryAcquireLease({ holder: 'scan', now: start, expiresAt: start + 40_000 });
    const claims: { now: number; expiresAt: number }[] = [];
    const recorded = {
      tryAcquireLease: async (claim: { holder: string; now: number; expiresAt: number }) => {
        const taken = await store.tryAcquireLease(claim);
        claims.push({ now: claim.now, expiresAt: claim.expiresAt });
        return taken;
      },
      releaseLease: (holder: string) => store.releaseLease(holder),
    };

    const grantedAt = await clock.run(() =>
      withLease(recorded, { ...request('check'), waitMs: LEASE_WAIT_MS.focused }, async () => clock.now()),
    );

    expect(grantedAt - start).toBeGreaterThan(40_000);
    expect(claims.length).toBeGreaterThan(1);
    // Every ask, the granted one included, claims the lease only until the asking invocation's own end.
    expect(new Set(claims.map((claim) => claim.expiresAt))).toEqual(new Set([start + HOLD_MS]));
  });

  test('releases the lease when the work fails, so the next run need not wait for it to expire', async () => {
    const failed = clock.run(() =>
      withLease(store, request('scan'), () => Promise.reject(new Error('could not publish'))),
    );
    await expect(failed).rejects.toThrow('could not publish');

    expect(
      await store.tryAcquireLease({ holder: 'check', now: clock.now(), expiresAt: clock.now() + 1 }),
    ).toBe(true);
  });
});
