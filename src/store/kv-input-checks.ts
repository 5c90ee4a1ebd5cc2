import type { KvCheck, KvOp, KvListOptions } from "../core/ports.ts";

/**
 * Argument checks shared by every KvStore backend, so that the memory, SQLite
 * and Redis stores reject the same inputs with the same errors (the contract
 * suite in test/support/kv-store-contract.ts runs them all against this).
 */

// A lone surrogate has no UTF-8 form: SQLite and Redis would silently store
// U+FFFD instead, so the key would no longer be the one the caller used.
const LONE_SURROGATE = /\p{Cs}/u;

export function checkKey(key: string, what = "key"): void {
  if (typeof key !== "string") throw new TypeError(`${what} must be a string`);
  if (LONE_SURROGATE.test(key)) throw new TypeError(`${what} contains a lone UTF-16 surrogate`);
}

export function checkValue(value: string): void {
  if (typeof value !== "string") throw new TypeError("value must be a string");
  if (LONE_SURROGATE.test(value)) throw new TypeError("value contains a lone UTF-16 surrogate");
}

/**
 * Returns the TTL as a whole number of milliseconds (rounded up, because Redis
 * PX takes integers and "at least ttlMs" is the safe reading), or undefined.
 */
export function checkTtlMs(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive finite number, got ${String(ttlMs)}`);
  }
  return Math.ceil(ttlMs);
}

export function checkLimit(limit: number | undefined): number | undefined {
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
export function checkListArgs(prefix: string, options: KvListOptions = {}): { after?: string; before?: string; limit: number } {
  checkKey(prefix, "prefix");
  const { after, before } = options;
  if (after !== undefined) checkKey(after, "after");
  if (before !== undefined) checkKey(before, "before");
  return { after, before, limit: checkLimit(options.limit) ?? Infinity };
}

/** A {@link KvOp} after its checks; `ttlMs` as returned by {@link checkTtlMs}. */
export type CheckedKvOp =
  | { type: "put"; key: string; value: string; ttlMs: number | undefined }
  | { type: "delete"; key: string };

/**
 * Checks every op of a batch before any is applied, so a bad op anywhere
 * leaves the store untouched (Redis MULTI would not roll back a failed
 * command; the others would, but then all backends behave alike).
 */
export function checkOps(ops: readonly KvOp[]): CheckedKvOp[] {
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
export function checkCondition(check: KvCheck): KvCheck {
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

export function closedError(): Error {
  return new Error("KvStore is closed");
}
