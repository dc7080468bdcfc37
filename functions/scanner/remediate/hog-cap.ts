/**
 * How much reserved concurrency `cap-hogs` gives a concurrency hog. Reserving N for one function takes N out of
 * the account's unreserved pool, and Lambda refuses any reservation that leaves that pool below its minimum.
 */
import type { AccountConcurrencyLimits } from '../model';

/** Unreserved concurrency Lambda keeps back on an account with the default quota (or more). */
export const NORMAL_UNRESERVED_MINIMUM = 100;

/**
 * The least unreserved concurrency Lambda lets an account keep. 100 on accounts with the usual quotas; accounts
 * with a reduced quota (new accounts get 10 or 50) have their whole limit as the minimum, so no function there
 * can reserve any concurrency at all (Lambda refuses with "... below its minimum value of [10]" or "[50]").
 */
export function unreservedMinimum(accountConcurrencyLimit: number): number {
  return Math.min(NORMAL_UNRESERVED_MINIMUM, accountConcurrencyLimit);
}

/** The numbers a cap is chosen from. */
export interface HogCapInput {
  /** The hog's highest ConcurrentExecutions in the window. */
  readonly peakConcurrentExecutions: number;
  /** The account's limits, with the pool as earlier actions of this run left it. */
  readonly limits: AccountConcurrencyLimits;
  /** The hog's own reserved concurrency now; null when none is set (its concurrency comes from the pool). */
  readonly currentReserved: number | null;
  /** The operator's `hogCap`; undefined to derive one. */
  readonly hogCap: number | undefined;
  /** Provisioned concurrency requested over all the hog's aliases and versions; 0 when it has none. */
  readonly provisionedConcurrency: number;
}

/** The cap to apply, or why there is no safe one. */
export type HogCapChoice =
  { readonly cap: number; readonly unreservedAfter: number } | { readonly skip: string };

/**
 * Chooses the hog's cap. It must be at least 1 (0 would stop the function: that is a throttle, not a cap),
 * below the observed peak (or it would not hold the hog back), above the function's provisioned concurrency
 * (Lambda refuses a reservation below it, and one equal to it leaves nothing for `$LATEST` or the unqualified
 * name), and leave the unreserved pool at or above its minimum. Without `hogCap`, the cap is half the observed
 * peak, lowered if the minimum requires and raised to one above the provisioned concurrency if that is still
 * below the peak and within the pool: the hog keeps enough to go on serving while the rest of what it took goes
 * back to the functions it throttled. An operator's `hogCap` is applied as given or not at all: a different cap
 * than the one asked for is not ours to choose.
 */
export function chooseHogCap(input: HogCapInput): HogCapChoice {
  const { peakConcurrentExecutions: peak, limits, currentReserved, hogCap, provisionedConcurrency } = input;
  const minimum = unreservedMinimum(limits.concurrentExecutions);
  // Whatever the hog reserves now goes back to the pool when its reservation changes. Whether the pool the
  // account reports already excludes provisioned concurrency of a function without a reservation is not
  // counted on: leaving it out can only make the largest cap smaller, never one Lambda would refuse.
  const pool = limits.unreservedConcurrentExecutions + (currentReserved ?? 0);
  const largestAllowed = pool - minimum;
  const poolText =
    `the account's unreserved concurrency is ${limits.unreservedConcurrentExecutions} of ` +
    `${limits.concurrentExecutions} and may not fall below ${minimum}`;
  const provisionedText =
    `its aliases and versions have ${provisionedConcurrency} provisioned concurrency, and a reservation must ` +
    'stay above that (Lambda refuses less, and exactly that leaves nothing for $LATEST or the unqualified name)';

  if (hogCap !== undefined) {
    if (hogCap >= peak) {
      return {
        skip: `hogCap ${hogCap} is not below the observed peak of ${peak}, so it would not hold it back`,
      };
    }
    if (hogCap <= provisionedConcurrency) {
      return { skip: `hogCap ${hogCap} is not above its provisioned concurrency: ${provisionedText}` };
    }
    if (hogCap > largestAllowed) {
      return { skip: `hogCap ${hogCap} is more than can be reserved: ${poolText}` };
    }
    return { cap: hogCap, unreservedAfter: pool - hogCap };
  }

  const lowest = provisionedConcurrency + 1;
  const cap = Math.max(Math.min(Math.floor(peak / 2), largestAllowed), lowest);
  if (cap >= peak) {
    return {
      skip:
        provisionedConcurrency > 0
          ? `no cap is both below the observed peak of ${peak} and above its provisioned concurrency: ${provisionedText}`
          : `the observed peak of ${peak} is too low to cap below`,
    };
  }
  if (cap > largestAllowed) {
    return {
      skip:
        provisionedConcurrency > 0
          ? `a cap above its provisioned concurrency (at least ${lowest}) is more than can be reserved: ${poolText}`
          : `no concurrency can be reserved: ${poolText}; ask AWS to raise the account's concurrency quota`,
    };
  }
  return { cap, unreservedAfter: pool - cap };
}
