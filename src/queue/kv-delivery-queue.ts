import type { KvOp, KvStore } from "../core/ports.ts";
import type { DeliveryQueue } from "./delivery-queue.ts";
import type { DeliveryRecord, DeliveryStatus } from "./delivery-record.ts";

/** Delivered records are kept this long for the admin API, then expire. */
export const DELIVERED_TTL_MS = 7 * 24 * 60 * 60_000;
const STATUSES: DeliveryStatus[] = ["queued", "delivered", "dead"];

const recordKey = (status: DeliveryStatus, id: string) => `delivery:${status}:${id}`;
/** Time-ordered: listing `queue:` up to now yields only what is due, so a sweep costs what is due. */
const dueKey = (at: number, id: string) => `queue:${String(Math.max(0, Math.floor(at))).padStart(15, "0")}:${id}`;
const leaseKey = (id: string) => `lease:delivery:${id}`;

/**
 * The durable queue on any KvStore (docs/storage-schema.md, "Deliveries").
 * Every state change is one `batch`: a transaction on SQLite, MULTI on Redis,
 * an atomic operation on Deno KV. Claims use `putIfAbsent`, so several
 * processes sharing one Redis never attempt the same delivery at once.
 */
export function createKvDeliveryQueue(store: KvStore): DeliveryQueue {
  const writeOps = (record: DeliveryRecord): KvOp[] => {
    const ops: KvOp[] = [{
      type: "put",
      key: recordKey(record.status, record.id),
      value: JSON.stringify(record),
      ttlMs: record.status === "delivered" ? DELIVERED_TTL_MS : undefined,
    }];
    if (record.status === "queued") ops.push({ type: "put", key: dueKey(record.nextAttemptAt ?? 0, record.id), value: record.id });
    return ops;
  };
  const eraseOps = (record: DeliveryRecord): KvOp[] => {
    const ops: KvOp[] = [{ type: "delete", key: recordKey(record.status, record.id) }];
    if (record.status === "queued") ops.push({ type: "delete", key: dueKey(record.nextAttemptAt ?? 0, record.id) });
    return ops;
  };
  const get = async (id: string): Promise<DeliveryRecord | undefined> => {
    const values = await Promise.all(STATUSES.map((s) => store.get(recordKey(s, id))));
    const found = values.find((v) => v !== null);
    return found ? (JSON.parse(found) as DeliveryRecord) : undefined;
  };

  return {
    enqueue: (record) => store.batch(writeOps(record)),
    // Erase first, write second: the same key may be in both when the status does not change.
    update: (previous, next) => store.batch([...eraseOps(previous), ...writeOps(next)]),
    get,
    async list(status, options = {}) {
      const entries = await store.list(`delivery:${status}:`, {
        limit: options.limit ?? 100,
        after: options.after === undefined ? undefined : recordKey(status, options.after),
      });
      return entries.map((e) => JSON.parse(e.value) as DeliveryRecord);
    },
    async remove(id) {
      const record = await get(id);
      if (!record) return false;
      await store.batch(eraseOps(record));
      return true;
    },
    async claimDue(now, limit, leaseMs) {
      const due = await store.list("queue:", { before: dueKey(now + 1, ""), limit });
      const claimed: DeliveryRecord[] = [];
      for (const entry of due) {
        const id = entry.value;
        if (!(await store.putIfAbsent(leaseKey(id), String(now), { ttlMs: leaseMs }))) continue;
        const raw = await store.get(recordKey("queued", id));
        const record = raw === null ? undefined : (JSON.parse(raw) as DeliveryRecord);
        // The index entry may be stale when another process changed the record meanwhile.
        if (!record || dueKey(record.nextAttemptAt ?? 0, id) !== entry.key) {
          if (!record) await store.delete(entry.key);
          await store.delete(leaseKey(id));
          continue;
        }
        claimed.push(record);
      }
      return claimed;
    },
    release: (id) => store.delete(leaseKey(id)),
  };
}
