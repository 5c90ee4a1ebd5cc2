import type { KvStore } from "../core/ports.ts";

/** A lease held by this caller: its key, and the token the key holds while it is this caller's. */
export interface Lease {
  key: string;
  token: string;
}

/**
 * Takes the lease `key` for `ttlMs` if nobody holds it (putIfAbsent, so of
 * several processes sharing the store one wins); the key holds a token of
 * this claim (`<now>:<random UUID>`). Undefined when it is held.
 */
export async function takeLease(store: KvStore, key: string, ttlMs: number, now: number): Promise<Lease | undefined> {
  const token = `${now}:${crypto.randomUUID()}`;
  return (await store.putIfAbsent(key, token, { ttlMs })) ? { key, token } : undefined;
}

/** Extends a lease still held by this claim to `ttlMs` from now; false when it has passed to another. */
export async function renewLease(store: KvStore, lease: Lease, ttlMs: number): Promise<boolean> {
  const current = await store.getVersioned(lease.key);
  if (current?.value !== lease.token) return false;
  return (await store.batchIf({ key: lease.key, version: current.version }, [{ type: "put", key: lease.key, value: lease.token, ttlMs }]))
    .ok;
}

/**
 * Ends a lease early, only while it holds this claim's token (a
 * compare-and-set): a release after the lease expired never frees the
 * lease another process has taken since.
 */
export async function releaseLease(store: KvStore, lease: Lease): Promise<void> {
  const current = await store.getVersioned(lease.key);
  if (current?.value !== lease.token) return;
  await store.batchIf({ key: lease.key, version: current.version }, [{ type: "delete", key: lease.key }]);
}
