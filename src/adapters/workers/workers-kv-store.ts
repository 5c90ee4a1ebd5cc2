import { systemClock, type Clock, type KvEntry, type KvStore } from "../../core/ports.ts";
import { checkedStore, lastOpPerKey } from "../../store/checked-store.ts";
import { compareUtf8 } from "../../store/utf8-order.ts";
import type { ClaimLock } from "./claim-lock.ts";
import { type EntryMeta, isLive, readLive } from "./kv-entry.ts";

export interface WorkersKvStoreOptions {
  /** The KV namespace (`env.GATEWAY_KV`). */
  kv: KVNamespace;
  /** The ClaimLock Durable Object namespace (`env.CLAIM_LOCK`): every write, and what depends on the current state. */
  claims: DurableObjectNamespace<ClaimLock>;
  clock?: Clock;
}

/** Keys per KV `list()` call (KV's maximum). */
const LIST_PAGE = 1000;
/** Keys per bulk `get()` call (KV's maximum). */
const BULK_GET = 100;

/**
 * KvStore on Workers KV, with a ClaimLock Durable Object per key through
 * which every write of that key goes (claim-lock.ts).
 *
 * - Consistency: KV is eventually consistent. A write is seen at once where
 *   it was made and within about 60 s elsewhere; `get` and `list` in another
 *   location may return older data meanwhile. What depends on the current
 *   state does not read KV here: `putIfAbsent`, `getVersioned` and `batchIf`
 *   are decided by the key's ClaimLock, which keeps the version of the last
 *   write in its own storage. Of concurrent claims exactly one wins, of
 *   concurrent batchIf expecting one version at most one, and a claim right
 *   after a delete succeeds.
 * - Writes: `put`, `delete` and each op of a `batch` are one Durable Object
 *   request each (the object writes KV and records the version). KV takes
 *   one write per second per key (faster ones are retried, see writeEntry).
 *   The gateway's keys fit: routes change when an owner changes, markers and
 *   records get a key of their own.
 * - TTL: exact, to the millisecond, through the expiry kept in the entry's
 *   metadata (KV's own expiration, 60 s at least, only reclaims the space).
 * - list: KV lists keys in UTF-8 byte order, 1000 per call, with a prefix
 *   but no start key, so `after` is applied by skipping: a listing that starts
 *   deep inside a large prefix pays one list call per 1000 keys skipped.
 *   Small values come with the listing (metadata copy); others are read with
 *   bulk gets of up to 100 keys. A Worker invocation may make at most 1000
 *   KV calls.
 * - batch: KV has no transactions. The ops are all checked first (one bad
 *   op: nothing is written), then applied one after the other, not
 *   atomically: a failure leaves the earlier ones applied. Only the last op
 *   of each key is applied (the result is the same, and a key is not
 *   written twice within the second KV allows), in the order of those last
 *   ops.
 * - batchIf: the checked key's ClaimLock compares and, in the same critical
 *   section, applies the ops as batch does (in order, not atomically),
 *   writing other keys through their own ClaimLocks.
 * - Keys: at most 512 bytes, and not "", "." or ".." (KV's rules; KV throws).
 *   Values: at most 25 MiB.
 */
export function createWorkersKvStore(options: WorkersKvStoreOptions): KvStore {
  const { kv, claims } = options;
  const clock = options.clock ?? systemClock;
  const lockFor = (key: string) => claims.get(claims.idFromName(key));

  return checkedStore({
    async get(key) {
      return readLive(kv, key, clock.now());
    },

    async getVersioned(key) {
      return lockFor(key).read(key);
    },

    async put(key, value, ttlMs) {
      await lockFor(key).write(key, value, ttlMs ?? null);
    },

    async putIfAbsent(key, value, ttlMs) {
      // Decided by the key's ClaimLock alone: a KV read here could be up to a
      // minute old in this location, and refuse a claim that was just released.
      return lockFor(key).claim(key, value, ttlMs ?? null);
    },

    async delete(key) {
      await lockFor(key).release(key);
    },

    async list(prefix, { after, before, limit }) {
      // Ranges that hold nothing never get here (checkedStore): every key listed is under `prefix`.
      const now = clock.now();
      const found: Array<KVNamespaceListKey<EntryMeta>> = [];
      let cursor: string | undefined;
      scan: do {
        const page = await kv.list<EntryMeta>({ prefix: prefix === "" ? undefined : prefix, cursor, limit: LIST_PAGE });
        for (const key of page.keys) {
          if (after !== undefined && compareUtf8(key.name, after) <= 0) continue;
          if (before !== undefined && compareUtf8(key.name, before) >= 0) break scan;
          if (!isLive(key.metadata, now)) continue;
          found.push(key);
          if (found.length >= limit) break scan;
        }
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor !== undefined);

      const values = await readValues(
        kv,
        found.filter((k) => k.metadata?.v === undefined).map((k) => k.name),
      );
      const entries: KvEntry[] = [];
      for (const key of found) {
        const value = key.metadata?.v ?? values.get(key.name);
        // null: deleted between the list and the read.
        if (typeof value === "string") entries.push({ key: key.name, value });
      }
      return entries;
    },

    async batch(ops) {
      for (const op of lastOpPerKey(ops)) {
        if (op.type === "put") await lockFor(op.key).write(op.key, op.value, op.ttlMs ?? null);
        else await lockFor(op.key).release(op.key);
      }
    },

    async batchIf({ key, version }, ops) {
      return lockFor(key).commit(key, version, ops);
    },

    async close() {
      // Bindings hold no connection of ours; closing only refuses later calls.
    },
  });
}

/**
 * Values of `keys`, read with bulk gets. A bulk get fails when its values
 * add up to more than 25 MiB: such a group is read one key at a time.
 */
async function readValues(kv: KVNamespace, keys: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for (let i = 0; i < keys.length; i += BULK_GET) {
    const group = keys.slice(i, i + BULK_GET);
    let values: Map<string, string | null>;
    try {
      values = await kv.get(group, "text");
    } catch {
      values = new Map(await Promise.all(group.map(async (key) => [key, await kv.get(key, "text")] as const)));
    }
    for (const [key, value] of values) out.set(key, value);
  }
  return out;
}
