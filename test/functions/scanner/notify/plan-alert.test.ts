import type { Finding } from '../../../../functions/scanner/model';
import { type AlertPlan, planAlert } from '../../../../functions/scanner/notify/plan-alert';
import type { StoredFinding } from '../../../../functions/scanner/state/state-model';
import { ALERT_NOW, hoursAgo, pendingFinding, storedFinding } from '../../../support/finding-builders';

const settings = { renotifyHours: 24 };
const nowIso = new Date(ALERT_NOW).toISOString();

function plan(
  findings: readonly Finding[],
  openFindings: readonly StoredFinding[],
  isAssessed: (stored: StoredFinding) => boolean = () => true,
  now = ALERT_NOW,
): AlertPlan {
  return planAlert({ findings, previous: { openFindings }, isAssessed, now, settings });
}

const names = (findings: readonly { functionName: string }[]) =>
  findings.map((finding) => finding.functionName);

describe('planAlert', () => {
  it('reports a finding not open before as new and remembers it as notified now', () => {
    const result = plan([pendingFinding('orders-api')], []);

    expect(names(result.newFindings)).toEqual(['orders-api']);
    expect(result.upsert).toEqual([
      expect.objectContaining({
        fingerprint: 'stuck-pending:orders-api',
        firstSeenAt: nowIso,
        lastNotifiedAt: nowIso,
      }),
    ]);
    expect(result.reminders).toEqual([]);
    expect(result.resolved).toEqual([]);
  });

  it('reminds at exactly renotifyHours, keeping when it was first seen', () => {
    const open = storedFinding('orders-api', 24);

    const result = plan([pendingFinding('orders-api')], [open]);

    expect(result.reminders.map((reminder) => reminder.previous)).toEqual([open]);
    expect(result.upsert).toEqual([
      expect.objectContaining({ firstSeenAt: open.firstSeenAt, lastNotifiedAt: nowIso }),
    ]);
    expect(result.newFindings).toEqual([]);
  });

  it('remembers since when the problem began: its evidence time, else when first seen, and the earliest on a reminder', () => {
    const evidenced = pendingFinding('orders-api', { since: hoursAgo(3) });
    const undated = pendingFinding('billing', { since: undefined });
    const firstRun = plan([evidenced, undated], []);

    expect(firstRun.upsert.map((stored) => [stored.functionName, stored.since])).toEqual([
      ['orders-api', hoursAgo(3)],
      ['billing', nowIso],
    ]);

    // A day later the evidence window has moved on; the reminder and what is saved keep the beginning.
    const dayLater = ALERT_NOW + 24 * 3_600_000;
    const slid = pendingFinding('orders-api', { since: hoursAgo(0.2, dayLater) });
    const reminded = plan([slid], firstRun.upsert.slice(0, 1), () => true, dayLater);

    expect(reminded.reminders.map((reminder) => reminder.since)).toEqual([hoursAgo(3)]);
    expect(reminded.upsert.map((stored) => stored.since)).toEqual([hoursAgo(3)]);
  });

  it('alerts at once when an open finding got worse (a level loop that now grows), and not when it eased', () => {
    const open = storedFinding('orders-api', 1);

    const worse = plan([pendingFinding('orders-api', { severity: 'critical' })], [open]);
    const eased = plan([pendingFinding('orders-api', { severity: 'info' })], [open]);

    expect(worse.reminders).toEqual([expect.objectContaining({ escalatedFrom: 'warning' })]);
    expect(worse.upsert).toEqual([expect.objectContaining({ severity: 'critical', lastNotifiedAt: nowIso })]);
    expect(eased.reminders).toEqual([]);
    expect(eased.stillOpen).toEqual([open]);
  });

  it('stays quiet a millisecond before renotifyHours and writes nothing for the finding', () => {
    const open = storedFinding('orders-api', 24);

    const result = plan([pendingFinding('orders-api')], [open], () => true, ALERT_NOW - 1);

    expect(result.reminders).toEqual([]);
    expect(result.stillOpen).toEqual([open]);
    expect(result.upsert).toEqual([]);
  });

  it('resolves an open finding this run assessed and no longer sees', () => {
    const open = storedFinding('orders-api', 2);

    const result = plan([], [open]);

    expect(result.resolved).toEqual([open]);
    expect(result.remove).toEqual(['stuck-pending:orders-api']);
  });

  it('keeps a finding open, silently, when this run could not assess its function', () => {
    const unchecked = storedFinding('orders-api', 2);
    const checked = storedFinding('billing', 2);

    const result = plan([], [unchecked, checked], (stored) => stored.functionName === 'billing');

    expect(names(result.resolved)).toEqual(['billing']);
    expect(result.stillOpen).toEqual([unchecked]);
    expect(result.remove).toEqual(['stuck-pending:billing']);
  });

  it('reports each transition of a flapping finding once: new, quiet, resolved, quiet, new again', () => {
    const finding = pendingFinding('orders-api');
    const seenInRun = [true, true, false, false, true];
    let open: readonly StoredFinding[] = [];
    const said: string[] = [];

    seenInRun.forEach((seen, run) => {
      const now = ALERT_NOW + run * 5 * 60_000;
      const result = plan(seen ? [finding] : [], open, () => true, now);
      said.push(result.newFindings.length > 0 ? 'new' : result.resolved.length > 0 ? 'resolved' : 'quiet');
      // What the state store would keep: everything still open, with the upserts applied.
      open = [...result.stillOpen, ...result.upsert];
    });

    expect(said).toEqual(['new', 'quiet', 'resolved', 'quiet', 'new']);
    expect(open.map((stored) => stored.firstSeenAt)).toEqual([
      new Date(ALERT_NOW + 4 * 5 * 60_000).toISOString(),
    ]);
  });

  it('counts a fingerprint reported twice in one run once', () => {
    const result = plan([pendingFinding('orders-api'), pendingFinding('orders-api')], []);

    expect(result.newFindings).toHaveLength(1);
    expect(result.upsert).toHaveLength(1);
  });

  it('sends a reminder when the remembered notification time cannot be read', () => {
    const result = plan(
      [pendingFinding('orders-api')],
      [storedFinding('orders-api', 1, { lastNotifiedAt: 'garbled' })],
    );

    expect(names(result.reminders.map((reminder) => reminder.finding))).toEqual(['orders-api']);
    expect(result.upsert[0]?.lastNotifiedAt).toBe(nowIso);
  });
});
