/**
 * Puts a run's events on its EventBridge bus (the account's default bus unless `eventBusArn` names another), ten
 * entries a PutEvents call within its 256 KB limit. Delivery is best effort: an event EventBridge refuses, or a
 * call that fails, is returned as a ScanError; it never stops the e-mail, which is the sentinel's own channel.
 */
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { CallBudget, ScanError } from '../model';
import { EVENT_SOURCE, type SentinelEvent } from './sentinel-events';

/** PutEvents takes at most this many entries a call. */
const ENTRIES_PER_CALL = 10;

/** PutEvents refuses a call whose entries add up to more than this, as EventBridge counts them. */
export const PUT_EVENTS_LIMIT_BYTES = 262_144;

/** How EventBridge sizes an entry: its time (14 bytes), source, detail-type, detail and resources, in UTF-8. */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  return (
    (entry.Time ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((total, resource) => total + bytes(resource), 0)
  );
}

/**
 * The entry for an event, made to fit PutEvents: an event too large (a finding with hundreds of evidence lines,
 * a digest of hundreds of findings) keeps its identity and loses its bulk, and says so with `truncated: true`.
 */
export function toEntry(event: SentinelEvent, busArn: string | undefined): PutEventsRequestEntry {
  const entry = (detail: Readonly<Record<string, unknown>>): PutEventsRequestEntry => ({
    Source: EVENT_SOURCE,
    DetailType: event.detailType,
    Time: new Date(event.time),
    Resources: [...event.resources],
    Detail: JSON.stringify(detail),
    ...(busArn !== undefined ? { EventBusName: busArn } : {}),
  });
  const whole = entry(event.detail);
  if (entrySize(whole) <= PUT_EVENTS_LIMIT_BYTES) return whole;
  const { finding, digest, ...rest } = event.detail as { finding?: object; digest?: string };
  const slim = {
    ...rest,
    truncated: true,
    ...(finding !== undefined ? { finding: { ...finding, evidence: {}, guidance: '', links: [] } } : {}),
    ...(digest !== undefined ? { digest: digest.slice(0, 100_000) } : {}),
  };
  return entry(slim);
}

/** Groups entries into PutEvents calls: at most ENTRIES_PER_CALL each, within PUT_EVENTS_LIMIT_BYTES. */
export function batchEntries(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let size = 0;
  for (const entry of entries) {
    const bytes = entrySize(entry);
    if (
      current.length === ENTRIES_PER_CALL ||
      (current.length > 0 && size + bytes > PUT_EVENTS_LIMIT_BYTES)
    ) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Puts every event; answers how many EventBridge accepted and what went wrong with the others. */
export async function putSentinelEvents(
  client: EventBridgeClient,
  busArn: string | undefined,
  events: readonly SentinelEvent[],
  budget: CallBudget,
): Promise<{ put: number; errors: ScanError[] }> {
  const errors: ScanError[] = [];
  let put = 0;
  const bus = busArn ?? 'the default bus';
  for (const batch of batchEntries(events.map((event) => toEntry(event, busArn)))) {
    try {
      const output = await budget.call('PutEvents', () =>
        client.send(new PutEventsCommand({ Entries: batch })),
      );
      (output.Entries ?? []).forEach((result, index) => {
        if (result.ErrorCode === undefined) {
          put += 1;
          return;
        }
        errors.push({
          phase: 'notify',
          source: 'PutEvents',
          code: result.ErrorCode,
          message: `${batch[index]?.DetailType ?? 'event'} refused by ${bus}: ${result.ErrorMessage ?? result.ErrorCode}`,
        });
      });
    } catch (error) {
      errors.push({
        phase: 'notify',
        source: 'PutEvents',
        code: error instanceof Error ? error.name : 'Error',
        message: `${batch.length} events not put on ${bus}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return { put, errors };
}
