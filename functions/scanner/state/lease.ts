import type { Clock } from '../model';
import type { RunLease } from './state-model';

/** How one invocation asks for the run lease and how long it waits for it. */
export interface LeaseRequest {
  /** Unique per invocation (Lambda's request id). */
  readonly holder: string;
  /**
   * How long the lease is held unless released, counted from the first ask: the invocation's remaining time, after
   * which it is dead anyway. A lease granted after a wait expires that much sooner, so that an invocation that dies
   * holding it does not keep other runs out past its own timeout.
   */
  readonly holdMs: number;
  /** Time source for the lease's times and the waits between attempts. */
  readonly clock: Clock;
  /**
   * How long to keep asking while another run holds the lease (LEASE_WAIT_MS has the wait for each kind of run).
   * @default LEASE_WAIT_MS.scheduled
   */
  readonly waitMs?: number;
  /**
   * Pause between attempts.
   * @default 2_000
   */
  readonly pollMs?: number;
  /**
   * Writes one structured log record.
   * @default - nothing is logged
   */
  readonly log?: (record: Readonly<Record<string, unknown>>) => void;
}

/** Thrown when another run kept the lease for the whole wait; the work was not started. */
export class LeaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LeaseUnavailableError';
  }
}

/**
 * How long a run waits for the lease, by what started it.
 * - A scheduled scan waits a minute: a scan that still finds the lease taken after that is behind another scan (a
 *   schedule faster than the scans), and failing lets Lambda retry it.
 * - A focused run (an alarm's run, its follow-ups, a state-change check) takes seconds and exists to be quick: it
 *   waits out a whole scan of 10,000 functions, which holds the lease for a minute and a half or more. Given up, an
 *   alarm's run would come back only with Lambda's retry and a queued message after the visibility timeout (5.5
 *   minutes), by when the schedule has run anyway. The scanner's 5-minute timeout leaves the run room after the wait.
 */
export const LEASE_WAIT_MS = { scheduled: 60_000, focused: 150_000 } as const;

const DEFAULT_POLL_MS = 2_000;

/** Asks for the lease until it is granted or the wait is over; true when this invocation holds it. */
export async function acquireLease(lease: RunLease, request: LeaseRequest): Promise<boolean> {
  const { clock, holder, holdMs } = request;
  const waitMs = request.waitMs ?? LEASE_WAIT_MS.scheduled;
  const pollMs = request.pollMs ?? DEFAULT_POLL_MS;
  const askedAt = clock.now();
  const giveUpAt = askedAt + waitMs;
  for (;;) {
    if (await lease.tryAcquireLease({ holder, now: clock.now(), expiresAt: askedAt + holdMs })) return true;
    const left = giveUpAt - clock.now();
    if (left <= 0) return false;
    await clock.sleep(Math.min(pollMs, left));
  }
}

/**
 * Runs `work` while holding the lease and releases it afterwards, whether the work succeeded or not; throws
 * LeaseUnavailableError without running it when the lease stayed taken for the whole wait.
 */
export async function withLease<T>(
  lease: RunLease,
  request: LeaseRequest,
  work: () => Promise<T>,
): Promise<T> {
  const startedWaiting = request.clock.now();
  if (!(await acquireLease(lease, request))) {
    throw new LeaseUnavailableError(
      `another run held the lease for the whole ${Math.round((request.clock.now() - startedWaiting) / 1000)} s wait`,
    );
  }
  request.log?.({ phase: 'lease', acquired: request.holder, waitedMs: request.clock.now() - startedWaiting });
  try {
    return await work();
  } finally {
    // A failed release only delays the next run until the lease expires; it must not hide the work's own outcome.
    const released = await lease.releaseLease(request.holder).catch((error: unknown) => error);
    if (released !== true)
      request.log?.({ phase: 'lease', notReleased: request.holder, reason: describe(released) });
  }
}

function describe(outcome: unknown): string {
  if (outcome === false) return 'another run took the lease over after it expired';
  return outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome);
}
