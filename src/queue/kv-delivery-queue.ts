import { type Clock, type KvOp, type KvStore, systemClock } from "../core/ports.ts";
import { createDueWork } from "../store/due-work.ts";
import type { DeliveryQueue, StoredDelivery } from "./delivery-queue.ts";
import { compareState, type DeliveryRecord, type DeliveryStatus, type DeliverySummary, summarizeRecord } from "./delivery-record.ts";

/** Delivered records are kept this long for the admin API, then expire. */
export const DELIVERED_TTL_MS = 7 * 24 * 60 * 60_000;

const STATUSES: readonly DeliveryStatus[] = ["queued", "delivered", "dead"];
/** The record, body included, whatever its status: the key every change is conditional on. */
const recordKey = (id: string) => `delivery-record:${id}`;
/** The listing index: one summary (no body, no headers) per record, under its status. */
const summaryPrefix = (status: DeliveryStatus) => `delivery-summary:${status}:`;
const summaryKey = (status: DeliveryStatus, id: string) => `${summaryPrefix(status)}${id}`;
/** The index of queued deliveries by the instances they wait for (`unreached`), oldest first (issue #12, finding 6). */
const waitingPrefix = (instance: string) => `delivery-waiting:${encodeURIComponent(instance)}:`;
const waitingKey = (instance: string, id: string) => `${waitingPrefix(instance)}${id}`;
/** The instances a record has waiting entries under. */
const waitingOf = (record: DeliveryRecord) => (record.status === "queued" ? (record.unreached ?? []) : []);
/** The ops that move delivery `id`'s waiting entries from the instances `from` to `to`: new ones first, as due entries. */
function moveWaitingOps(id: string, from: readonly string[], to: readonly string[]): KvOp[] {
  return [
    ...to.filter((i) => !from.includes(i)).map((i): KvOp => ({ type: "put", key: waitingKey(i, id), value: id })),
    ...from.filter((i) => !to.includes(i)).map((i): KvOp => ({ type: "delete", key: waitingKey(i, id) })),
  ];
}
/** Where records were kept before issue #12 (one key per status, the record as listed). */
const legacyPrefix = (status: DeliveryStatus) => `delivery:${status}:`;
const legacyKey = (status: DeliveryStatus, id: string) => `${legacyPrefix(status)}${id}`;

export interface KvDeliveryQueueOptions {
  clock?: Clock;
  /**
   * Whether a queued record of delivery `id` gets a `queue:` due entry, for
   * the sweep (`claimDue`) to find. Default: always. Workers brings due
   * records back with Queue messages and indexes only those whose message
   * could not be sent.
   */
  indexDue?: (id: string) => boolean;
}

export interface KvDeliveryQueue extends DeliveryQueue {
  migrate(limit: number): Promise<number>;
  /** Gives a stored queued record its due entry, on condition that it is unchanged; false when it had changed. */
  addDueEntry(stored: StoredDelivery): Promise<boolean>;
}

/**
 * The durable queue on any KvStore (docs/storage-schema.md, "Deliveries").
 * A delivery is one record key, its summary under its status (what listings
 * read), and while queued its due entry; every state change writes them in
 * one batchIf conditional on the record's version: a transaction on SQLite,
 * a script on Redis, an atomic operation on Deno KV, the record's ClaimLock
 * on Workers. Due records are claimed through the shared due-work module
 * (leases, paging past what other processes hold).
 *
 * Records of the previous layout (`delivery:<status>:<id>`) are read where
 * they are, listed with the others, and moved to this layout by `migrate`
 * (run with the scheduled work) or by the first change of the record.
 */
export function createKvDeliveryQueue(store: KvStore, options: KvDeliveryQueueOptions = {}): KvDeliveryQueue {
  const clock = options.clock ?? systemClock;
  const indexDue = options.indexDue ?? (() => true);
  const parse = (value: string) => JSON.parse(value) as DeliveryRecord;
  const due = createDueWork<DeliveryRecord>({
    store,
    duePrefix: "queue:",
    leasePrefix: "lease:delivery:",
    itemKey: recordKey,
    read: (id) => read(id).then((found) => found && { item: found.record, version: found.version }),
    dueAt: (record) => (record.status === "queued" ? (record.nextAttemptAt ?? 0) : undefined),
  });
  /** The due time a record's due entry has (or gets), if any. */
  const dueOf = (record: DeliveryRecord) => (record.status === "queued" && indexDue(record.id) ? (record.nextAttemptAt ?? 0) : undefined);

  /** The record and its summary, under TTL once delivered (their remaining lifetime, for a record moved from the old layout). */
  function writeOps(record: DeliveryRecord): KvOp[] | undefined {
    let ttlMs: number | undefined;
    if (record.status === "delivered") {
      ttlMs = (record.deliveredAt ?? clock.now()) + DELIVERED_TTL_MS - clock.now();
      if (ttlMs <= 0) return undefined;
    }
    return [
      { type: "put", key: recordKey(record.id), value: JSON.stringify(record), ttlMs },
      { type: "put", key: summaryKey(record.status, record.id), value: JSON.stringify(summarizeRecord(record)), ttlMs },
    ];
  }

  async function readLegacy(id: string): Promise<DeliveryRecord[]> {
    const values = await Promise.all(STATUSES.map((status) => store.get(legacyKey(status, id))));
    return values.filter((v): v is string => v !== null).map(parse);
  }

  /** The newest of several states of the old layout (an interrupted update on Workers could leave two). */
  const newest = (records: DeliveryRecord[]) =>
    records.reduce<DeliveryRecord | undefined>((a, b) => (a === undefined || compareState(b, a) > 0 ? b : a), undefined);

  /**
   * Moves delivery `id` from the old layout, on condition that the new
   * record does not exist yet (two processes moving it: one wins). True
   * when there was something to move.
   */
  async function migrateOne(id: string): Promise<boolean> {
    const legacy = await readLegacy(id);
    const record = newest(legacy);
    if (record === undefined) return false;
    const erase: KvOp[] = legacy.map((r) => ({ type: "delete", key: legacyKey(r.status, id) }));
    // Written before its due entry, erased after: on Workers, where this is not atomic, a partial move leaves both.
    const write = writeOps(record) ?? [];
    const moved = await store.batchIf({ key: recordKey(id), version: null }, [
      ...write,
      ...due.moveOps(id, undefined, dueOf(record)),
      ...moveWaitingOps(id, [], waitingOf(record)),
      ...erase,
    ]);
    // Moved by someone else first: what is left of the old layout is stale.
    if (!moved.ok) await store.batch(erase);
    return true;
  }

  async function read(id: string): Promise<StoredDelivery | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await store.getVersioned(recordKey(id));
      if (found !== null) return { record: parse(found.value), version: found.version };
      if (!(await migrateOne(id))) return undefined;
    }
    throw new Error(`delivery ${id} kept changing while it was moved to the current layout`);
  }

  /** Writes `ops` if delivery `next.id` is at `version` (null: absent); the stored `next`, or undefined. */
  async function writeIf(version: string | null, next: DeliveryRecord, ops: KvOp[]): Promise<StoredDelivery | undefined> {
    const result = await store.batchIf({ key: recordKey(next.id), version }, ops);
    return result.ok && result.version !== null ? { record: next, version: result.version } : undefined;
  }

  return {
    async enqueue(record) {
      const stored = await writeIf(null, record, [
        ...(writeOps(record) ?? []),
        ...due.moveOps(record.id, undefined, dueOf(record)),
        ...moveWaitingOps(record.id, [], waitingOf(record)),
      ]);
      if (stored === undefined) throw new Error(`delivery ${record.id} already exists`);
      return stored;
    },

    read,

    async get(id) {
      const value = await store.get(recordKey(id));
      return value !== null ? parse(value) : newest(await readLegacy(id));
    },

    async replace(current, next) {
      const previous = current.record;
      const ops: KvOp[] = [...(writeOps(next) ?? [{ type: "delete", key: recordKey(next.id) }])];
      if (previous.status !== next.status) ops.push({ type: "delete", key: summaryKey(previous.status, previous.id) });
      ops.push(...due.moveOps(next.id, dueOf(previous), dueOf(next)), ...moveWaitingOps(next.id, waitingOf(previous), waitingOf(next)));
      return writeIf(current.version, next, ops);
    },

    async remove(current) {
      const { record } = current;
      const ops: KvOp[] = [
        { type: "delete", key: recordKey(record.id) },
        { type: "delete", key: summaryKey(record.status, record.id) },
        ...due.moveOps(record.id, dueOf(record), undefined),
        ...moveWaitingOps(record.id, waitingOf(record), []),
      ];
      return (await store.batchIf({ key: recordKey(record.id), version: current.version }, ops)).ok;
    },

    async list(status, listOptions = {}) {
      const limit = listOptions.limit ?? 100;
      const { after } = listOptions;
      const entries = await store.list(summaryPrefix(status), {
        limit,
        after: after === undefined ? undefined : summaryKey(status, after),
      });
      const summaries = entries.map((e) => JSON.parse(e.value) as DeliverySummary);
      // Records of the old layout not moved yet: listed alongside, in id order.
      const legacy = await store.list(legacyPrefix(status), { limit, after: after === undefined ? undefined : legacyKey(status, after) });
      if (legacy.length === 0) return summaries;
      const byId = new Map(legacy.map((e) => summarizeRecord(parse(e.value))).map((summary) => [summary.id, summary] as const));
      for (const summary of summaries) byId.set(summary.id, summary);
      return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit);
    },

    async listWaiting(instance, listOptions = {}) {
      const { after } = listOptions;
      const entries = await store.list(waitingPrefix(instance), {
        limit: listOptions.limit ?? 100,
        after: after === undefined ? undefined : waitingKey(instance, after),
      });
      return entries.map((e) => e.value);
    },

    async dropWaiting(instance, id, version) {
      await store.batchIf({ key: recordKey(id), version }, [{ type: "delete", key: waitingKey(instance, id) }]);
    },

    claimDue: (now, limit, leaseMs) => due.claim(now, limit, leaseMs),
    release: (claim) => due.release(claim),

    async migrate(limit) {
      let moved = 0;
      for (const status of STATUSES) {
        const prefix = legacyPrefix(status);
        for (const entry of await store.list(prefix, { limit: limit - moved })) {
          if (await migrateOne(entry.key.slice(prefix.length))) moved++;
        }
        if (moved >= limit) break;
      }
      return moved;
    },

    async addDueEntry(stored) {
      const at = stored.record.status === "queued" ? (stored.record.nextAttemptAt ?? 0) : undefined;
      if (at === undefined) return true;
      return (
        await store.batchIf({ key: recordKey(stored.record.id), version: stored.version }, due.moveOps(stored.record.id, undefined, at))
      ).ok;
    },
  };
}
