import { systemClock, type Clock, type KvEntry, type KvStore } from "../core/ports.ts";
import { type CheckedKvOp, checkedStore, type KvBackend } from "./checked-store.ts";
import { compareUtf8 } from "./utf8-order.ts";
import { newVersion } from "./kv-version.ts";

export interface MemoryStoreOptions {
  /** Time source for TTLs; tests inject one they can advance. */
  clock?: Clock;
}

interface Entry {
  value: string;
  version: string;
  /** Absolute expiry in clock milliseconds; the entry is dead once `now >= expiresAt`. */
  expiresAt: number | undefined;
}

// A full pass over the keys to drop expired entries nobody reads again (e.g.
// dedupe markers) at most this often; reads drop the ones they meet anyway.
const SWEEP_INTERVAL_MS = 60_000;

/**
 * A process-local KvStore: nothing survives a restart and nothing is shared
 * between processes. Keys are kept in one sorted array (plus a Map for the
 * values) so `list` is a binary search followed by a walk over the results.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): KvStore {
  const clock = options.clock ?? systemClock;
  const sortedKeys: string[] = [];
  const entries = new Map<string, Entry>();
  let nextSweepAt = clock.now() + SWEEP_INTERVAL_MS;

  const isLive = (entry: Entry, now: number): boolean => entry.expiresAt === undefined || now < entry.expiresAt;

  /** Index of the first key that is >= `key` (or > `key` when `exclusive`). */
  function searchFrom(key: string, exclusive: boolean): number {
    let lo = 0;
    let hi = sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareUtf8(sortedKeys[mid] as string, key);
      if (c < 0 || (exclusive && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function remove(key: string): void {
    if (!entries.delete(key)) return;
    const i = searchFrom(key, false);
    if (sortedKeys[i] === key) sortedKeys.splice(i, 1);
  }

  function set(key: string, value: string, ttlMs: number | undefined, now: number): void {
    const expiresAt = ttlMs === undefined ? undefined : now + ttlMs;
    if (!entries.has(key)) sortedKeys.splice(searchFrom(key, false), 0, key);
    entries.set(key, { value, version: newVersion(), expiresAt });
  }

  /** The live entry under `key`, dropping an expired one. */
  function live(key: string, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (isLive(entry, now)) return entry;
    remove(key);
    return undefined;
  }

  function apply(ops: readonly CheckedKvOp[], now: number): void {
    for (const op of ops) {
      if (op.type === "put") set(op.key, op.value, op.ttlMs, now);
      else remove(op.key);
    }
  }

  function sweepIfDue(now: number): void {
    if (now < nextSweepAt) return;
    nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const [key, entry] of entries) if (!isLive(entry, now)) remove(key);
  }

  const backend: KvBackend = {
    async get(key) {
      return live(key, clock.now())?.value ?? null;
    },

    async getVersioned(key) {
      const entry = live(key, clock.now());
      return entry === undefined ? null : { value: entry.value, version: entry.version };
    },

    async put(key, value, ttlMs) {
      const now = clock.now();
      sweepIfDue(now);
      set(key, value, ttlMs, now);
    },

    async putIfAbsent(key, value, ttlMs) {
      const now = clock.now();
      sweepIfDue(now);
      // No await between the check and the write: atomic within the process.
      const existing = entries.get(key);
      if (existing !== undefined && isLive(existing, now)) return false;
      set(key, value, ttlMs, now);
      return true;
    },

    async delete(key) {
      remove(key);
    },

    async list(prefix, { after, before, limit }) {
      const now = clock.now();
      const result: KvEntry[] = [];
      const expired: string[] = [];
      // Keys sharing a prefix form one contiguous run starting at the prefix.
      let i = after !== undefined ? searchFrom(after, true) : searchFrom(prefix, false);
      for (; i < sortedKeys.length && result.length < limit; i++) {
        const key = sortedKeys[i] as string;
        if (!key.startsWith(prefix)) break;
        if (before !== undefined && compareUtf8(key, before) >= 0) break;
        const entry = entries.get(key) as Entry;
        if (isLive(entry, now)) result.push({ key, value: entry.value });
        else expired.push(key);
      }
      for (const key of expired) remove(key);
      return result;
    },

    async batch(ops) {
      const now = clock.now();
      sweepIfDue(now);
      // Synchronous from here on: no other call can observe half a batch.
      apply(ops, now);
    },

    async batchIf({ key, version }, ops) {
      const now = clock.now();
      sweepIfDue(now);
      // No await between the check and the writes: atomic within the process.
      if ((live(key, now)?.version ?? null) !== version) return { ok: false };
      apply(ops, now);
      return { ok: true, version: entries.get(key)?.version ?? null };
    },

    async close() {
      sortedKeys.length = 0;
      entries.clear();
    },
  };
  return checkedStore(backend);
}
