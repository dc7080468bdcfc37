import type { AccountSnapshot, Finding, FindingKind } from '../model';
import type { SentinelSettings } from '../settings';

/** What every detector is given: the run's snapshot, the settings, and the time of the run. */
export interface DetectorContext {
  readonly snapshot: AccountSnapshot;
  readonly settings: SentinelSettings;
  /** Epoch milliseconds of the run. */
  readonly now: number;
}

/** One finding kind: a pure check over the snapshot (no I/O, no clock, no randomness). */
export interface Detector {
  readonly kind: FindingKind;
  /** Every problem of this kind the snapshot shows. */
  detect(context: DetectorContext): Finding[];
  /**
   * Whether this run saw enough of `functionName` to say an earlier finding of this kind on it has cleared.
   * False when the evidence was not collected this run (not checked, metrics missing): absence of a
   * finding then proves nothing, and the earlier finding stays open.
   */
  assessed(context: DetectorContext, functionName: string): boolean;
}
