import type { Clock } from '../functions/scanner/model';

/**
 * One request quota as AWS enforces it: a bucket of `ratePerSecond` tokens (a burst of one second's worth)
 * refilled continuously on the clock; a request that finds no token is throttled.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly ratePerSecond: number,
    private readonly clock: Clock,
    private readonly capacity = ratePerSecond,
  ) {
    this.tokens = capacity;
    this.refilledAt = clock.now();
  }

  /** Takes a token and answers 0, or answers the seconds until one will be there (the request is throttled). */
  take(): number {
    const now = this.clock.now();
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond,
    );
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / this.ratePerSecond;
  }
}

/** The most requests seen in any one second (a sliding window on the clock), as a quota's owner would chart it. */
export class PeakRate {
  private readonly recent: number[] = [];
  private highest = 0;

  constructor(private readonly clock: Clock) {}

  /** Counts one request now. */
  record(): void {
    const now = this.clock.now();
    this.recent.push(now);
    // Window (now - 1 s, now]: a call exactly one second after another starts a new second.
    while ((this.recent[0] ?? now) <= now - 1000) this.recent.shift();
    this.highest = Math.max(this.highest, this.recent.length);
  }

  /** Requests in the busiest second so far. */
  get peak(): number {
    return this.highest;
  }
}
