/**
 * What one run leaves for the next, in a small DynamoDB table (partition key `pk`, TTL attribute `expiresAt`).
 *
 * Items: `run` (when the last scheduled scan and the last save of any run happened, which functions to re-check
 * and since when each has been unsettled, how far the spillover probe has looked),
 * `lease` (which invocation may run now, until when), `finding#<fingerprint>` (one open finding),
 * `alert#<id>` (an alert not yet confirmed published, with the state change it belongs to),
 * `alert-part#<id>#<n>` (the rest of a record too large for one item) and `action#<id>` (one remediation's audit
 * record: what was changed, from what to what, and its undo; written before the change is made).
 *
 * No duplicate alert, no lost alert, without transactions: `save` writes the alert record first, then the
 * finding items, then the `run` item, which marks the change as complete. A save that dies half-way leaves an
 * alert record newer than the `run` item; `load` finishes that save from the record before returning. The alert
 * itself stays pending until the caller publishes it and calls `markDelivered`.
 * One window remains: a crash after SNS accepted the Publish but before `markDelivered` removed the record makes
 * the next run publish that alert again (one duplicate; never a lost alert).
 *
 * Runs do not interleave: each holds the `lease` item (a conditional put, taken over once expired) while it reads,
 * alerts and saves, so two runs never both see one finding as new.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  type CallBudget,
  type Clock,
  type FindingKind,
  type Severity,
  systemClock,
  type UnsettledSighting,
} from '../model';
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
} from './state-model';

/** Thrown when the state table cannot be read or written; `cause` holds the underlying error. */
export class StateStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateStoreError';
  }
}

/** How the store reaches time and the request budget, and how long it keeps what it writes. */
export interface StateStoreOptions {
  /**
   * Source of time for TTLs, for ignoring expired items and for backoff.
   * @default systemClock
   */
  readonly clock?: Clock;
  /**
   * Sends (and counts) every DynamoDB call.
   * @default - calls go straight to the client
   */
  readonly budget?: CallBudget;
  /**
   * The operator's `renotifyHours`: an open finding is rewritten only when it is re-notified, so its item must
   * outlive that gap.
   * @default 24
   */
  readonly renotifyHours?: number;
  /**
   * BatchWriteItem attempts for writes that keep coming back in `UnprocessedItems`.
   * @default 8
   */
  readonly maxBatchAttempts?: number;
}

/** The state change an alert record carries, so that an interrupted save can be finished. */
type RecordedChange = Omit<StateChange, 'alert'>;

interface AlertRecord {
  readonly alert: PendingAlert;
  readonly change: RecordedChange;
}

type Item = Record<string, AttributeValue>;

const RUN_KEY = 'run';
const LEASE_KEY = 'lease';
const findingKey = (fingerprint: string): string => `finding#${fingerprint}`;
const alertKey = (alertId: string): string => `alert#${alertId}`;
const alertPartKey = (alertId: string, part: number): string => `alert-part#${alertId}#${part}`;
const actionKey = (actionId: string): string => `action#${actionId}`;

const HOUR_SECONDS = 3600;
const DAY_SECONDS = 24 * HOUR_SECONDS;
// A stopped sentinel leaves nothing behind for good: every item expires unless a later run rewrites it.
const RUN_RETENTION_SECONDS = 30 * DAY_SECONDS;
const FINDING_RETENTION_SECONDS = 30 * DAY_SECONDS;
const ALERT_RETENTION_SECONDS = 7 * DAY_SECONDS;
// How long an action can be undone with `lambda-sentinel undo`, and how long an undone one is not repeated.
const ACTION_RETENTION_SECONDS = 90 * DAY_SECONDS;
// BatchWriteItem takes at most 25 requests.
const BATCH_SIZE = 25;
// An item may hold 400 KB including attribute names; a record of thousands of findings is split below that.
const RECORD_CHUNK_BYTES = 300_000;
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 5_000;

const passThrough: CallBudget = { call: (_operation, send) => send() };

/** The sentinel's memory between runs, kept in the stack's DynamoDB state table. */
export class DynamoStateStore implements StateStore, ActionLog, RunLease {
  private readonly clock: Clock;
  private readonly budget: CallBudget;
  private readonly findingRetentionSeconds: number;
  private readonly maxBatchAttempts: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: StateStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.budget = options.budget ?? passThrough;
    this.findingRetentionSeconds = (options.renotifyHours ?? 24) * HOUR_SECONDS + FINDING_RETENTION_SECONDS;
    this.maxBatchAttempts = options.maxBatchAttempts ?? 8;
  }

  /** Reads what earlier runs left, finishing any save that died half-way, with pending alerts oldest first. */
  async load(): Promise<PreviousState> {
    return this.guard('load the state', async () => {
      const items = await this.scanUnexpired();
      const findings = new Map<string, StoredFinding>();
      const headers: Item[] = [];
      const parts = new Map<string, Uint8Array>();
      const actions: ActionRecord[] = [];
      let runItem: Item | undefined;
      for (const item of items) {
        const key = text(item, 'pk');
        if (key === RUN_KEY) runItem = item;
        else if (key.startsWith('finding#'))
          findings.set(text(item, 'fingerprint'), storedFindingFromItem(item));
        else if (key.startsWith('alert#')) headers.push(item);
        else if (key.startsWith('alert-part#')) parts.set(key, binary(item, 'body'));
        else if (key.startsWith('action#')) actions.push(toActionRecord(item));
      }
      let lastRunAt = runItem?.lastRunAt?.S;
      // Items written before focused checks existed have no lastSavedAt: their last save was a scan.
      let lastSavedAt = runItem?.lastSavedAt?.S ?? lastRunAt;
      let watchedFunctions = runItem?.watchedFunctions?.L?.map((name) => name.S ?? '') ?? [];
      let spilloverProbedThrough = runItem?.spilloverProbedThrough?.S;
      let unsettledFunctions = (runItem?.unsettledFunctions?.L ?? []).flatMap(unsettledSightingFromItem);

      const records = headers.map((header) => readRecord(header, parts)).sort(oldestFirst);
      for (const { change } of records) {
        if (lastSavedAt !== undefined && Date.parse(lastSavedAt) >= Date.parse(change.runAt)) continue;
        // The save of this change died before its `run` item: finish it, so its findings count as notified.
        await this.applyChange(change);
        for (const fingerprint of change.remove) findings.delete(fingerprint);
        for (const finding of change.upsert) findings.set(finding.fingerprint, finding);
        if (!change.keepLastRunAt) lastRunAt = change.runAt;
        lastSavedAt = change.runAt;
        watchedFunctions = [...change.watchedFunctions];
        unsettledFunctions = [...(change.unsettledFunctions ?? [])];
        spilloverProbedThrough = change.spilloverProbedThrough ?? spilloverProbedThrough;
      }
      return {
        ...(lastRunAt !== undefined ? { lastRunAt } : {}),
        openFindings: [...findings.values()],
        watchedFunctions,
        ...(unsettledFunctions.length > 0 ? { unsettledFunctions } : {}),
        pendingAlerts: records.map((record) => record.alert),
        actions: actions.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt) || a.id.localeCompare(b.id)),
        ...(spilloverProbedThrough !== undefined ? { spilloverProbedThrough } : {}),
      };
    });
  }

  /** Writes a new action record, refusing to overwrite one with the same id. */
  async recordAction(record: ActionRecord): Promise<void> {
    await this.guard(`record action ${record.id}`, () =>
      this.conditionalPut(actionItem({ ...record, revision: 0 }), 'attribute_not_exists(pk)', {}),
    );
  }

  /** Replaces an action record that is still at the revision the caller read, bumping its revision. */
  async updateAction(record: ActionRecord): Promise<ActionRecord> {
    const next = { ...record, revision: record.revision + 1 };
    await this.guard(`update action ${record.id}`, () =>
      this.conditionalPut(actionItem(next), 'revision = :read', { ':read': { N: String(record.revision) } }),
    );
    return next;
  }

  /** The action record with `id`, read consistently; undefined when there is none or it has expired. */
  async getAction(id: string): Promise<ActionRecord | undefined> {
    return this.guard(`read action ${id}`, async () => {
      const { Item: item } = await this.budget.call('GetItem', () =>
        this.client.send(
          new GetItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: actionKey(id) } },
            ConsistentRead: true,
          }),
        ),
      );
      if (!item || Number(item.expiresAt?.N ?? Infinity) <= this.clock.now() / 1000) return undefined;
      return toActionRecord(item);
    });
  }

  private async conditionalPut(
    item: Item,
    condition: string,
    values: Record<string, AttributeValue>,
  ): Promise<void> {
    try {
      await this.budget.call('PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: condition,
            ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new ActionConflictError(
        `action record ${item.pk?.S ?? '?'} was written by someone else since it was read`,
        { cause: error },
      );
    }
  }

  /** Writes what this run changed: its alert record first, then the findings, then the run metadata. */
  async save(change: StateChange): Promise<void> {
    await this.guard(`save the state of the run at ${change.runAt}`, async () => {
      const { alert, ...recorded } = change;
      if (alert) await this.writeRecord({ alert, change: recorded });
      await this.applyChange(recorded);
    });
  }

  /** Forgets a pending alert once SNS has accepted it, so no later run publishes it again. */
  async markDelivered(alertId: string): Promise<void> {
    await this.guard(`mark alert ${alertId} delivered`, async () => {
      const deleted = await this.budget.call('DeleteItem', () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: alertKey(alertId) } },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      const partCount = Number(deleted.Attributes?.parts?.N ?? '1');
      const partKeys = Array.from({ length: partCount - 1 }, (_, index) => alertPartKey(alertId, index + 1));
      await this.batchWrite(partKeys.map(deleteRequest));
    });
  }

  /**
   * Takes the `lease` item for `claim.holder` if nobody holds it, its holder's time ran out, or the holder asks
   * again (a retried call whose first answer was lost). Its `expiresAt` doubles as the item's TTL.
   */
  async tryAcquireLease(claim: LeaseClaim): Promise<boolean> {
    return this.guard(`take the run lease for ${claim.holder}`, async () => {
      try {
        await this.budget.call('PutItem', () =>
          this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: {
                pk: { S: LEASE_KEY },
                holder: { S: claim.holder },
                expiresAt: { N: String(Math.ceil(claim.expiresAt / 1000)) },
              },
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR holder = :holder',
              ExpressionAttributeValues: {
                ':now': { N: String(Math.floor(claim.now / 1000)) },
                ':holder': { S: claim.holder },
              },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    });
  }

  /** Deletes the `lease` item if `holder` still holds it; false when it expired and another run took it over. */
  async releaseLease(holder: string): Promise<boolean> {
    return this.guard(`release the run lease of ${holder}`, async () => {
      try {
        await this.budget.call('DeleteItem', () =>
          this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: LEASE_KEY } },
              ConditionExpression: 'holder = :holder',
              ExpressionAttributeValues: { ':holder': { S: holder } },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    });
  }

  /**
   * Writes a change's finding items, then its `run` item, which marks the change complete. The `run` item is
   * updated rather than replaced so that a focused check can leave `lastRunAt` as the scheduled scan wrote it.
   */
  private async applyChange(change: RecordedChange): Promise<void> {
    const writes = new Map<string, WriteRequest>();
    for (const fingerprint of change.remove) writes.set(fingerprint, deleteRequest(findingKey(fingerprint)));
    for (const finding of change.upsert) {
      // Only new and re-notified findings are written, so each write carries the TTL until the next one is due.
      const expiresAt = epochSeconds(finding.lastNotifiedAt) + this.findingRetentionSeconds;
      writes.set(finding.fingerprint, { PutRequest: { Item: findingItem(finding, expiresAt) } });
    }
    await this.batchWrite([...writes.values()]);
    const assignments = [
      'lastSavedAt = :runAt',
      'watchedFunctions = :watched',
      'unsettledFunctions = :unsettled',
      'expiresAt = :expiresAt',
    ];
    const values: Record<string, AttributeValue> = {
      ':runAt': { S: change.runAt },
      ':watched': { L: change.watchedFunctions.map((name) => ({ S: name })) },
      ':unsettled': { L: (change.unsettledFunctions ?? []).map(unsettledSightingItem) },
      ':expiresAt': { N: String(epochSeconds(change.runAt) + RUN_RETENTION_SECONDS) },
    };
    if (!change.keepLastRunAt) assignments.push('lastRunAt = :runAt');
    if (change.spilloverProbedThrough !== undefined) {
      assignments.push('spilloverProbedThrough = :probedThrough');
      values[':probedThrough'] = { S: change.spilloverProbedThrough };
    }
    await this.budget.call('UpdateItem', () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: RUN_KEY } },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /** Writes an alert record: the extra parts first, the `alert#` item last, so a record that exists is whole. */
  private async writeRecord(record: AlertRecord): Promise<void> {
    const { alert } = record;
    const body = gzipSync(JSON.stringify(record));
    const chunks: Uint8Array[] = [];
    for (let start = 0; start < body.length; start += RECORD_CHUNK_BYTES) {
      chunks.push(body.subarray(start, start + RECORD_CHUNK_BYTES));
    }
    const expiresAt = { N: String(epochSeconds(alert.createdAt) + ALERT_RETENTION_SECONDS) };
    await this.batchWrite(
      chunks.slice(1).map((chunk, index) => ({
        PutRequest: { Item: { pk: { S: alertPartKey(alert.id, index + 1) }, body: { B: chunk }, expiresAt } },
      })),
    );
    await this.put({
      pk: { S: alertKey(alert.id) },
      alertId: { S: alert.id },
      createdAt: { S: alert.createdAt },
      subject: { S: alert.subject },
      parts: { N: String(chunks.length) },
      body: { B: chunks[0] ?? new Uint8Array() },
      expiresAt,
    });
  }

  private async put(item: Item): Promise<void> {
    await this.budget.call('PutItem', () =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item })),
    );
  }

  /** Sends writes 25 at a time, resending `UnprocessedItems` with exponential backoff as DynamoDB asks. */
  private async batchWrite(requests: readonly WriteRequest[]): Promise<void> {
    for (let start = 0; start < requests.length; start += BATCH_SIZE) {
      let pending = requests.slice(start, start + BATCH_SIZE);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        if (attempt > this.maxBatchAttempts) {
          throw new StateStoreError(
            `${pending.length} writes to ${this.tableName} were still unprocessed after ${this.maxBatchAttempts} BatchWriteItem attempts`,
          );
        }
        if (attempt > 1) {
          const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 2));
          await this.clock.sleep(ceiling / 2 + (Math.random() * ceiling) / 2);
        }
        const output = await this.budget.call('BatchWriteItem', () =>
          this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } })),
        );
        pending = output.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  /** Every item in the table except those past their TTL, which DynamoDB may take days to delete. */
  private async scanUnexpired(): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.budget.call('Scan', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            // A retried run may start seconds after the failed one wrote; it must see those writes.
            ConsistentRead: true,
            FilterExpression: 'attribute_not_exists(expiresAt) OR expiresAt > :now',
            ExpressionAttributeValues: { ':now': { N: String(Math.floor(this.clock.now() / 1000)) } },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof StateStoreError || error instanceof ActionConflictError) throw error;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new StateStoreError(`Could not ${what} in DynamoDB table ${this.tableName} (${reason})`, {
        cause: error,
      });
    }
  }
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}

function deleteRequest(key: string): WriteRequest {
  return { DeleteRequest: { Key: { pk: { S: key } } } };
}

function findingItem(finding: StoredFinding, expiresAt: number): Item {
  return {
    pk: { S: findingKey(finding.fingerprint) },
    fingerprint: { S: finding.fingerprint },
    kind: { S: finding.kind },
    functionName: { S: finding.functionName },
    ...(finding.qualifier !== undefined ? { qualifier: { S: finding.qualifier } } : {}),
    severity: { S: finding.severity },
    summary: { S: finding.summary },
    firstSeenAt: { S: finding.firstSeenAt },
    lastNotifiedAt: { S: finding.lastNotifiedAt },
    ...(finding.since !== undefined ? { since: { S: finding.since } } : {}),
    expiresAt: { N: String(expiresAt) },
  };
}

function storedFindingFromItem(item: Item): StoredFinding {
  const qualifier = item.qualifier?.S;
  const since = item.since?.S;
  return {
    fingerprint: text(item, 'fingerprint'),
    kind: text(item, 'kind') as FindingKind,
    functionName: text(item, 'functionName'),
    ...(qualifier !== undefined ? { qualifier } : {}),
    severity: text(item, 'severity') as Severity,
    summary: text(item, 'summary'),
    firstSeenAt: text(item, 'firstSeenAt'),
    lastNotifiedAt: text(item, 'lastNotifiedAt'),
    ...(since !== undefined ? { since } : {}),
  };
}

function unsettledSightingItem(sighting: UnsettledSighting): AttributeValue {
  const optional = (name: 'state' | 'stateReasonCode' | 'lastUpdateStatus') => {
    const value = sighting[name];
    return value !== undefined ? { [name]: { S: value } } : {};
  };
  return {
    M: {
      functionName: { S: sighting.functionName },
      ...optional('state'),
      ...optional('stateReasonCode'),
      ...optional('lastUpdateStatus'),
      since: { S: sighting.since },
    },
  };
}

// A sighting without a name or a time tells nothing: it is dropped, and the function is timed afresh.
function unsettledSightingFromItem(value: AttributeValue): UnsettledSighting[] {
  const fields = value.M ?? {};
  const functionName = fields.functionName?.S;
  const since = fields.since?.S;
  if (functionName === undefined || since === undefined) return [];
  const optional = (name: 'state' | 'stateReasonCode' | 'lastUpdateStatus') => {
    const text = fields[name]?.S;
    return text !== undefined ? { [name]: text } : {};
  };
  return [
    {
      functionName,
      ...optional('state'),
      ...optional('stateReasonCode'),
      ...optional('lastUpdateStatus'),
      since,
    },
  ];
}

// The record travels as one JSON document; status and revision sit beside it so that writes can be conditional.
function actionItem(record: ActionRecord): Item {
  return {
    pk: { S: actionKey(record.id) },
    record: { S: JSON.stringify(record) },
    status: { S: record.status },
    revision: { N: String(record.revision) },
    expiresAt: { N: String(epochSeconds(record.decidedAt) + ACTION_RETENTION_SECONDS) },
  };
}

function toActionRecord(item: Item): ActionRecord {
  return JSON.parse(text(item, 'record')) as ActionRecord;
}

function readRecord(header: Item, parts: ReadonlyMap<string, Uint8Array>): AlertRecord {
  const alertId = text(header, 'alertId');
  const chunks = [binary(header, 'body')];
  for (let part = 1; part < Number(header.parts?.N ?? '1'); part += 1) {
    const chunk = parts.get(alertPartKey(alertId, part));
    if (!chunk) {
      throw new StateStoreError(
        `Pending alert ${alertId} is missing part ${part}; delete item ${alertKey(alertId)} to discard the alert`,
      );
    }
    chunks.push(chunk);
  }
  return JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as AlertRecord;
}

function oldestFirst(a: AlertRecord, b: AlertRecord): number {
  return (
    Date.parse(a.alert.createdAt) - Date.parse(b.alert.createdAt) || a.alert.id.localeCompare(b.alert.id)
  );
}

function text(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new StateStoreError(`State item ${item.pk?.S ?? '?'} has no string ${name}`);
  return value;
}

function binary(item: Item, name: string): Uint8Array {
  const value = item[name]?.B;
  if (value === undefined) throw new StateStoreError(`State item ${item.pk?.S ?? '?'} has no binary ${name}`);
  return value;
}

function epochSeconds(isoTime: string): number {
  return Math.floor(Date.parse(isoTime) / 1000);
}
