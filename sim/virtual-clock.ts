import type { Clock } from '../functions/scanner/model';

interface Sleeper {
  readonly wakeAt: number;
  readonly order: number;
  readonly wake: () => void;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock whose time moves only when every piece of work is asleep on it: `run` jumps straight to the
 * next wake-up, so tests of rates and backoff take virtual seconds and no real ones.
 */
export class VirtualClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];
  private sleeps = 0;

  /**
   * @param start virtual epoch milliseconds at creation
   * @param realIo true when the work also waits on real I/O (e.g. dynalite over HTTP): with nobody asleep on
   *   the clock, `run` then waits a real millisecond for that I/O instead of calling the work stuck.
   */
  constructor(
    start = Date.parse('2030-01-01T00:00:00.000Z'),
    private readonly realIo = false,
  ) {
    this.current = start;
  }

  /** The current virtual time in epoch milliseconds. */
  now(): number {
    return this.current;
  }

  /** Resolves when `run` has moved virtual time `ms` ahead. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((wake) => {
      this.sleepers.push({ wakeAt: this.current + ms, order: this.sleeps++, wake });
    });
  }

  /** Runs `work` to the end, advancing virtual time to each wake-up whenever nothing else can proceed. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    let done = false;
    const result = work().finally(() => {
      done = true;
    });
    result.catch(() => undefined);
    while (!done) {
      await settle();
      if (done) break;
      this.sleepers.sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order);
      const next = this.sleepers.shift();
      if (!next && this.realIo) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      if (!next) throw new Error('work is stuck on something other than the virtual clock');
      this.current = Math.max(this.current, next.wakeAt);
      next.wake();
    }
    return result;
  }
}
