import type { KvCheck, KvCommit, KvEntry, KvListOptions, KvOp, KvStore, KvVersioned } from "../core/ports.ts";
import { compareUtf8 } from "./utf8-order.ts";

/**
 * The KvStore every backend is (memory, SQLite, Redis, Deno KV, Workers KV):
 * checkedStore checks the arguments, refuses calls once the store is
 * closed and answers empty ranges, once for all of them, so every backend
 * rejects the same inputs with the same errors (the contract suite in
 * test/support/kv-store-contract.ts runs them all); a backend implements
 * only its raw operations (KvBackend), on arguments already checked.
 */

/** What `list` asks a backend for: `after` at or above the prefix (else left out), `limit` at least 1 (Infinity: all). */
export interface KvRange {
  after?: string;
  before?: string;
  limit: number;
}

/** The raw operations of a KvStore backend: arguments checked, the store open, TTLs whole milliseconds. */
export interface KvBackend {
  get(key: string): Promise<string | null>;
  getVersioned(key: string): Promise<KvVersioned | null>;
  put(key: string, value: string, ttlMs: number | undefined): Promise<void>;
  putIfAbsent(key: string, value: string, ttlMs: number | undefined): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Entries under `prefix` within `range`, in key order. */
  list(prefix: string, range: KvRange): Promise<KvEntry[]>;
  /** At least one op. */
  batch(ops: CheckedKvOp[]): Promise<void>;
  batchIf(check: KvCheck, ops: CheckedKvOp[]): Promise<KvCommit>;
  /** Called once, whatever the number of `close()` calls. */
  close(): Promise<void>;
}

/** Lets an extension of a store (SQLite's synchronous transactions) refuse work once the store is closed. */
export interface StoreGuard {
  assertOpen(): void;
}

/**
 * The KvStore on `backend`, with `extend`'s methods besides (given the
 * store's closed state).
 */
export function checkedStore<X extends object = object>(backend: KvBackend, extend?: (guard: StoreGuard) => X): KvStore & X {
  let closing: Promise<void> | undefined;
  const guard: StoreGuard = {
    assertOpen() {
      if (closing !== undefined) throw closedError();
    },
  };
  const { assertOpen } = guard;
  const store: KvStore = {
    async get(key) {
      assertOpen();
      checkKey(key);
      return backend.get(key);
    },
    async getVersioned(key) {
      assertOpen();
      checkKey(key);
      return backend.getVersioned(key);
    },
    async put(key, value, options) {
      assertOpen();
      checkKey(key);
      checkValue(value);
      await backend.put(key, value, checkTtlMs(options?.ttlMs));
    },
    async putIfAbsent(key, value, options) {
      assertOpen();
      checkKey(key);
      checkValue(value);
      return backend.putIfAbsent(key, value, checkTtlMs(options?.ttlMs));
    },
    async delete(key) {
      assertOpen();
      checkKey(key);
      await backend.delete(key);
    },
    async list(prefix, options) {
      assertOpen();
      const range = listRange(prefix, options);
      return range === undefined ? [] : backend.list(prefix, range);
    },
    async batch(ops) {
      assertOpen();
      const checked = checkOps(ops);
      if (checked.length > 0) await backend.batch(checked);
    },
    async batchIf(check, ops) {
      assertOpen();
      const condition = checkCondition(check);
      return backend.batchIf(condition, checkOps(ops));
    },
    close() {
      closing ??= backend.close();
      return closing;
    },
  };
  return Object.assign(store, extend?.(guard));
}

/** The synchronous operations of a transaction (SQLite's), on checked arguments. */
export interface KvSyncBackend {
  get(key: string): string | null;
  getVersioned(key: string): KvVersioned | null;
  put(key: string, value: string, ttlMs: number | undefined): void;
  putIfAbsent(key: string, value: string, ttlMs: number | undefined): boolean;
  delete(key: string): void;
  list(prefix: string, range: KvRange): KvEntry[];
}

/** The KvStore operations, synchronous, as a transaction offers them: same checks as checkedStore. */
export interface KvSyncStore {
  get(key: string): string | null;
  getVersioned(key: string): KvVersioned | null;
  put(key: string, value: string, options?: { ttlMs?: number }): void;
  putIfAbsent(key: string, value: string, options?: { ttlMs?: number }): boolean;
  delete(key: string): void;
  list(prefix: string, options?: KvListOptions): KvEntry[];
}

export function checkedSyncStore(backend: KvSyncBackend, guard: StoreGuard): KvSyncStore {
  const { assertOpen } = guard;
  return {
    get(key) {
      assertOpen();
      checkKey(key);
      return backend.get(key);
    },
    getVersioned(key) {
      assertOpen();
      checkKey(key);
      return backend.getVersioned(key);
    },
    put(key, value, options) {
      assertOpen();
      checkKey(key);
      checkValue(value);
      backend.put(key, value, checkTtlMs(options?.ttlMs));
    },
    putIfAbsent(key, value, options) {
      assertOpen();
      checkKey(key);
      checkValue(value);
      return backend.putIfAbsent(key, value, checkTtlMs(options?.ttlMs));
    },
    delete(key) {
      assertOpen();
      checkKey(key);
      backend.delete(key);
    },
    list(prefix, options) {
      assertOpen();
      const range = listRange(prefix, options);
      return range === undefined ? [] : backend.list(prefix, range);
    },
  };
}

/**
 * The checked range of a `list`, or undefined when it can hold nothing: a
 * limit of 0, an upper bound at or below the prefix, or a lower bound past
 * every key starting with it. A lower bound below the prefix bounds nothing.
 */
function listRange(prefix: string, options?: KvListOptions): KvRange | undefined {
  const { after, before, limit } = checkListArgs(prefix, options);
  if (limit === 0) return undefined;
  if (before !== undefined && compareUtf8(before, prefix) <= 0) return undefined;
  if (after !== undefined && compareUtf8(after, prefix) > 0 && !after.startsWith(prefix)) return undefined;
  const range: KvRange = { limit };
  if (after !== undefined && compareUtf8(after, prefix) >= 0) range.after = after;
  if (before !== undefined) range.before = before;
  return range;
}

// A lone surrogate has no UTF-8 form: SQLite and Redis would silently store
// U+FFFD instead, so the key would no longer be the one the caller used.
const LONE_SURROGATE = /\p{Cs}/u;

function checkKey(key: string, what = "key"): void {
  if (typeof key !== "string") throw new TypeError(`${what} must be a string`);
  if (LONE_SURROGATE.test(key)) throw new TypeError(`${what} contains a lone UTF-16 surrogate`);
}

function checkValue(value: string): void {
  if (typeof value !== "string") throw new TypeError("value must be a string");
  if (LONE_SURROGATE.test(value)) throw new TypeError("value contains a lone UTF-16 surrogate");
}

/**
 * Returns the TTL as a whole number of milliseconds (rounded up, because Redis
 * PX takes integers and "at least ttlMs" is the safe reading), or undefined.
 */
function checkTtlMs(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive finite number, got ${String(ttlMs)}`);
  }
  return Math.ceil(ttlMs);
}

function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}

/**
 * The arguments of `KvStore.list`, checked: the prefix and bounds are keys,
 * the limit a non-negative integer (`Infinity` when absent).
 */
function checkListArgs(prefix: string, options: KvListOptions = {}): { after?: string; before?: string; limit: number } {
  checkKey(prefix, "prefix");
  const { after, before } = options;
  if (after !== undefined) checkKey(after, "after");
  if (before !== undefined) checkKey(before, "before");
  return { after, before, limit: checkLimit(options.limit) ?? Infinity };
}

/** A {@link KvOp} after its checks; `ttlMs` as returned by {@link checkTtlMs}. */
export type CheckedKvOp = { type: "put"; key: string; value: string; ttlMs: number | undefined } | { type: "delete"; key: string };

/**
 * Checks every op of a batch before any is applied, so a bad op anywhere
 * leaves the store untouched (Redis MULTI would not roll back a failed
 * command; the others would, but then all backends behave alike).
 */
function checkOps(ops: readonly KvOp[]): CheckedKvOp[] {
  if (!Array.isArray(ops)) throw new TypeError("batch ops must be an array");
  return ops.map((op, i): CheckedKvOp => {
    switch (op?.type) {
      case "put":
        checkKey(op.key, `ops[${i}].key`);
        checkValue(op.value);
        return { type: "put", key: op.key, value: op.value, ttlMs: checkTtlMs(op.ttlMs) };
      case "delete":
        checkKey(op.key, `ops[${i}].key`);
        return { type: "delete", key: op.key };
      default:
        throw new TypeError(`ops[${i}].type must be "put" or "delete"`);
    }
  });
}

/** The condition of a batchIf: a key, and a version string or null. */
function checkCondition(check: KvCheck): KvCheck {
  if (typeof check !== "object" || check === null) throw new TypeError("check must be an object");
  checkKey(check.key, "check.key");
  if (check.version !== null && typeof check.version !== "string") throw new TypeError("check.version must be a string or null");
  return { key: check.key, version: check.version };
}

/** The last op of each key, in the order of those last ops (a later op on a key wins). */
export function lastOpPerKey(ops: readonly CheckedKvOp[]): CheckedKvOp[] {
  const last = new Map<string, CheckedKvOp>();
  // Map order is first insertion: delete and re-add to order by last occurrence.
  for (const op of ops) {
    last.delete(op.key);
    last.set(op.key, op);
  }
  return [...last.values()];
}

function closedError(): Error {
  return new Error("KvStore is closed");
}
