import type { KvOp, KvStore } from "../core/ports.ts";
import { releaseLease, takeLease } from "./lease.ts";

/**
 * Due work with leases (issue #12, finding 5): the one implementation behind
 * the durable queue's retries (src/queue/kv-delivery-queue.ts) and the
 * branch deletions (src/branches/branch-deletion-store.ts). Several
 * processes may share the store; each due item is worked on by one at a
 * time.
 *
 * - Items live under keys of their own, each with a version (KvStore's).
 *   An item waiting for work has one due entry `<duePrefix><due ms, 15
 *   digits>:<id>`, written and erased in the same batchIf as the item
 *   (`moveOps`), so a scan of the due entries up to now costs what is due.
 * - `claim` lists the due entries up to now, oldest first, and takes a lease
 *   on each (`<leasePrefix><id>`, putIfAbsent with a TTL, holding a token of
 *   this claim). An entry whose lease another process holds is passed over,
 *   and the scan pages on behind it: fewer than `limit` claims means nothing
 *   more is due and free.
 * - Under the lease the item is read again: it may have been done,
 *   rescheduled or deleted since the entry was listed. Such an entry is a
 *   leftover; it is erased on condition that the item is still as read.
 * - `release` deletes the lease only if it still holds this claim's token
 *   (a compare-and-set): a release after the lease expired never frees the
 *   lease another process has taken since.
 * - A claim hands out the item with its version: the caller's state change
 *   is a batchIf on that version, so even a process whose lease expired in
 *   the middle of its work cannot overwrite what another did meanwhile.
 */
export interface DueWorkOptions<T> {
  store: KvStore;
  /** Prefix of the due entries, e.g. `queue:`; nothing else may live under it. */
  duePrefix: string;
  /** Prefix of the lease keys, e.g. `lease:delivery:`. */
  leasePrefix: string;
  /** The store key of item `id`: the key a leftover due entry is erased on condition of. */
  itemKey(id: string): string;
  /** Reads item `id` and its version; undefined when there is none. */
  read(id: string): Promise<{ item: T; version: string } | undefined>;
  /** When `item` is due; undefined when it waits for nothing (done, or scheduled otherwise). */
  dueAt(item: T): number | undefined;
}

/** An item claimed by this process, until `release` or the lease's end. */
export interface DueClaim<T> {
  id: string;
  item: T;
  /** The item's version when it was read under the lease. */
  version: string;
  /** What the lease key holds while it is this claim's. */
  token: string;
}

export interface DueWork<T> {
  /** Up to `limit` items due at `now`, oldest first, each leased for `leaseMs`. */
  claim(now: number, limit: number, leaseMs: number): Promise<DueClaim<T>[]>;
  /** Ends a claim early; does nothing once its lease has passed to another claim. */
  release(claim: DueClaim<T>): Promise<void>;
  /** The ops that move item `id`'s due entry from `from` to `to` (undefined: none), for the item's own batch: the new entry, then the old one erased. */
  moveOps(id: string, from: number | undefined, to: number | undefined): KvOp[];
}

/** Due entries listed per round trip; more than one claim wants, so a page of held ones is passed quickly. */
const PAGE = 50;

/** `<prefix><at, 15 digits>:<id>`: time-ordered, so listing up to now yields what is due. */
export function dueKey(prefix: string, at: number, id: string): string {
  return `${prefix}${String(Math.max(0, Math.floor(at))).padStart(15, "0")}:${id}`;
}

export function createDueWork<T>(options: DueWorkOptions<T>): DueWork<T> {
  const { store, duePrefix, leasePrefix } = options;
  const leaseKey = (id: string) => `${leasePrefix}${id}`;
  const idOf = (entryKey: string) => entryKey.slice(duePrefix.length + 16);
  const release = (id: string, token: string) => releaseLease(store, { key: leaseKey(id), token });

  /** Under the lease: the item if this entry is still its due entry; else the entry is erased, on condition. */
  async function recheck(entryKey: string, id: string): Promise<{ item: T; version: string } | undefined> {
    const found = await options.read(id);
    const at = found === undefined ? undefined : options.dueAt(found.item);
    if (found !== undefined && at !== undefined && dueKey(duePrefix, at, id) === entryKey) return found;
    await store.batchIf({ key: options.itemKey(id), version: found?.version ?? null }, [{ type: "delete", key: entryKey }]);
    return undefined;
  }

  return {
    async claim(now, limit, leaseMs) {
      const claimed: DueClaim<T>[] = [];
      const before = dueKey(duePrefix, now + 1, "");
      let after: string | undefined;
      while (claimed.length < limit) {
        const page = await store.list(duePrefix, { after, before, limit: Math.max(PAGE, limit) });
        for (const entry of page) {
          if (claimed.length >= limit) break;
          const id = idOf(entry.key);
          // Held by another process: passed over, the scan goes on behind it.
          const lease = await takeLease(store, leaseKey(id), leaseMs, now);
          if (lease === undefined) continue;
          const found = await recheck(entry.key, id);
          if (found === undefined) await release(id, lease.token);
          else claimed.push({ id, item: found.item, version: found.version, token: lease.token });
        }
        if (page.length < Math.max(PAGE, limit)) break;
        after = page[page.length - 1]!.key;
      }
      return claimed;
    },

    release: (claim) => release(claim.id, claim.token),

    moveOps(id, from, to) {
      const ops: KvOp[] = [];
      const old = from === undefined ? undefined : dueKey(duePrefix, from, id);
      const next = to === undefined ? undefined : dueKey(duePrefix, to, id);
      // The new entry first: where a batch is not atomic (Workers), a partial one leaves an extra
      // entry, which a claim's re-check drops, never an item without its entry.
      if (next !== undefined && next !== old) ops.push({ type: "put", key: next, value: id });
      if (old !== undefined && old !== next) ops.push({ type: "delete", key: old });
      return ops;
    },
  };
}
