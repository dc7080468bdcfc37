import type { UnsettledSighting } from '../functions/scanner/model';
import {
  ActionConflictError,
  type ActionLog,
  type ActionRecord,
  type LeaseClaim,
  type PendingAlert,
  type PreviousState,
  type RunLease,
  type StateChange,
  type StateStore,
  type StoredFinding,
} from '../functions/scanner/state/state-model';

/**
 * The sentinel's memory kept in this process instead of DynamoDB: for the demo, the benchmark and laptop scans,
 * which alert nobody and leave nothing behind. It keeps the same promises as the DynamoDB store: an alert saved
 * with its run stays pending until marked delivered, and an action record changes only at the revision read.
 */
export class MemoryStateStore implements StateStore, ActionLog, RunLease {
  private lastRunAt: string | undefined;
  private readonly findings = new Map<string, StoredFinding>();
  private watched: readonly string[] = [];
  private unsettled: readonly UnsettledSighting[] = [];
  private spilloverProbedThrough: string | undefined;
  private readonly alerts = new Map<string, PendingAlert>();
  private readonly actions = new Map<string, ActionRecord>();
  private lease: { readonly holder: string; readonly expiresAt: number } | undefined;

  /** What earlier runs in this process left. */
  load(): Promise<PreviousState> {
    return Promise.resolve({
      ...(this.lastRunAt !== undefined ? { lastRunAt: this.lastRunAt } : {}),
      openFindings: [...this.findings.values()],
      watchedFunctions: [...this.watched],
      ...(this.unsettled.length > 0 ? { unsettledFunctions: [...this.unsettled] } : {}),
      pendingAlerts: [...this.alerts.values()],
      actions: [...this.actions.values()],
      ...(this.spilloverProbedThrough !== undefined
        ? { spilloverProbedThrough: this.spilloverProbedThrough }
        : {}),
    });
  }

  /** Applies one run's change; a focused check's leaves lastRunAt and the spillover probe's reach alone. */
  save(change: StateChange): Promise<void> {
    if (!change.keepLastRunAt) this.lastRunAt = change.runAt;
    for (const finding of change.upsert) this.findings.set(finding.fingerprint, finding);
    for (const fingerprint of change.remove) this.findings.delete(fingerprint);
    this.watched = [...change.watchedFunctions];
    this.unsettled = [...(change.unsettledFunctions ?? [])];
    this.spilloverProbedThrough = change.spilloverProbedThrough ?? this.spilloverProbedThrough;
    if (change.alert) this.alerts.set(change.alert.id, change.alert);
    return Promise.resolve();
  }

  /** Forgets a published alert. */
  markDelivered(alertId: string): Promise<void> {
    this.alerts.delete(alertId);
    return Promise.resolve();
  }

  /** Takes the lease if it is free, expired, or already the claimant's. */
  tryAcquireLease(claim: LeaseClaim): Promise<boolean> {
    const free = !this.lease || this.lease.expiresAt < claim.now || this.lease.holder === claim.holder;
    if (free) this.lease = { holder: claim.holder, expiresAt: claim.expiresAt };
    return Promise.resolve(free);
  }

  /** Frees the lease if `holder` still holds it. */
  releaseLease(holder: string): Promise<boolean> {
    const held = this.lease?.holder === holder;
    if (held) this.lease = undefined;
    return Promise.resolve(held);
  }

  /** Keeps a new action record. */
  recordAction(record: ActionRecord): Promise<void> {
    if (this.actions.has(record.id)) {
      return Promise.reject(new ActionConflictError(`Action ${record.id} is already recorded`));
    }
    this.actions.set(record.id, record);
    return Promise.resolve();
  }

  /** Replaces an action record read at `record.revision`. */
  updateAction(record: ActionRecord): Promise<ActionRecord> {
    const current = this.actions.get(record.id);
    if (!current || current.revision !== record.revision) {
      return Promise.reject(new ActionConflictError(`Action ${record.id} changed since it was read`));
    }
    const next = { ...record, revision: record.revision + 1 };
    this.actions.set(record.id, next);
    return Promise.resolve(next);
  }

  /** The action record with `id`, if kept. */
  getAction(id: string): Promise<ActionRecord | undefined> {
    return Promise.resolve(this.actions.get(id));
  }
}
