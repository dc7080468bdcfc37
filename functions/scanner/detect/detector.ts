import type { AccountSnapshot, Finding, FindingKind } from '../model';
import type { SentinelSettings } from '../settings';

/** What every detector is given: the run's snapshot, the settings, and the time of the run. */
export interface DetectorContext {
  readonly snapshot: AccountSnapshot;
  readonly settings: SentinelSettings;
  /** Epoch milliseconds of the run. */
  readonly now: number;
}

/** What a detector may know of an earlier finding it is asked about: which problem, on which qualifier. */
export interface StoredFindingRef {
  readonly fingerprint: string;
  readonly qualifier?: string;
}

/** One finding kind: a pure check over the snapshot (no I/O, no clock, no randomness). */
export interface Detector {
  readonly kind: FindingKind;
  /** Every problem of this kind the snapshot shows. */
  detect(context: DetectorContext): Finding[];
  /**
   * Whether this run saw enough of `functionName` to say an earlier finding of this kind on it has cleared.
   * False when the evidence was not collected this run (not checked, metrics missing): absence of a
   * finding then proves nothing, and the earlier finding stays open. `stored` says which of the kind's problems
   * the earlier finding was, for kinds whose problems rest on different evidence.
   */
  assessed(context: DetectorContext, functionName: string, stored?: StoredFindingRef): boolean;
}
