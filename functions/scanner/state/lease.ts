import type { Clock } from '../model';
import type { RunLease } from './state-model';

/** How one invocation asks for the run lease and how long it waits for it. */
export interface LeaseRequest {
  /** Unique per invocation (Lambda's request id). */
  readonly holder: string;
  /** How long the lease is held unless released: the invocation's remaining time, after which it is dead anyway. */
  readonly holdMs: number;
  /** Time source for the lease's times and the waits between attempts. */
  readonly clock: Clock;
  /**
   * How long to keep asking while another run holds the lease.
   * @default 60_000 - a focused check takes seconds, a scan of 10,000 functions about two minutes
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

const DEFAULT_WAIT_MS = 60_000;
const DEFAULT_POLL_MS = 2_000;

/** Asks for the lease until it is granted or the wait is over; true when this invocation holds it. */
export async function acquireLease(lease: RunLease, request: LeaseRequest): Promise<boolean> {
  const { clock, holder, holdMs } = request;
  const waitMs = request.waitMs ?? DEFAULT_WAIT_MS;
  const pollMs = request.pollMs ?? DEFAULT_POLL_MS;
  const giveUpAt = clock.now() + waitMs;
  for (;;) {
    const now = clock.now();
    if (await lease.tryAcquireLease({ holder, now, expiresAt: now + holdMs })) return true;
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
