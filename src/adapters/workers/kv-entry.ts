/**
 * How one KvStore entry is laid out in Workers KV: the value is the KV value,
 * and the KV metadata (at most 1024 bytes of JSON) carries
 *
 * - `e`: the exact expiry (ms since the epoch) of an entry written with a TTL.
 *   Workers KV's own `expirationTtl` cannot be under 60 s, so it is only the
 *   garbage collector (rounded up to 60 s); reads and lists hide an entry
 *   once `e` has passed, which honours TTLs of any length.
 * - `v`: a copy of the value when it is small, so that `list` (which returns
 *   metadata but not values) needs no extra read per key. Routes, dedupe
 *   markers and schedule records are all this small.
 * - `r`: the entry's version (KvStore.getVersioned), written by the key's
 *   ClaimLock, which checks it against its own record when it reads the
 *   value back; absent on entries written before versions existed.
 */
export interface EntryMeta {
  e?: number;
  v?: string;
  r?: string;
}

export const KV_MIN_EXPIRATION_TTL_S = 60;
/** Metadata must serialize to at most 1024 bytes, `e` and `r` included. */
const INLINE_METADATA_BYTES = 1000;
const encoder = new TextEncoder();

export function isLive(meta: EntryMeta | null | undefined, now: number): boolean {
  return meta?.e === undefined || now < meta.e;
}

export function entryMetadata(value: string, expiresAt: number | undefined, version?: string): EntryMeta {
  const meta: EntryMeta = expiresAt === undefined ? {} : { e: expiresAt };
  if (version !== undefined) meta.r = version;
  // A quick length check first: most large values never get serialized twice.
  if (value.length <= INLINE_METADATA_BYTES) {
    const inline = { ...meta, v: value };
    if (encoder.encode(JSON.stringify(inline)).byteLength <= INLINE_METADATA_BYTES) return inline;
  }
  return meta;
}

/** KV's `expirationTtl` for a TTL in ms: whole seconds, at least KV's 60 s minimum. */
export function kvExpirationTtl(ttlMs: number): number {
  return Math.max(KV_MIN_EXPIRATION_TTL_S, Math.ceil(ttlMs / 1000));
}

/** Writes one entry (see {@link retryRateLimited}). */
export async function writeEntry(
  kv: KVNamespace,
  key: string,
  value: string,
  ttlMs: number | undefined,
  now: number,
  version: string,
): Promise<void> {
  const metadata = entryMetadata(value, ttlMs === undefined ? undefined : now + ttlMs, version);
  const options = ttlMs === undefined ? { metadata } : { metadata, expirationTtl: kvExpirationTtl(ttlMs) };
  await retryRateLimited(() => kv.put(key, value, options));
}

/** Deletes one entry (a delete is a write too, see {@link retryRateLimited}). */
export async function deleteEntry(kv: KVNamespace, key: string): Promise<void> {
  await retryRateLimited(() => kv.delete(key));
}

/**
 * Workers KV allows one write per second to the same key and answers a
 * faster one with "429 Too Many Requests": such a write is retried twice, a
 * little over a second apart, before the error is thrown.
 */
async function retryRateLimited(write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return;
    } catch (error) {
      if (attempt >= 3 || !isRateLimited(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1100 * attempt));
    }
  }
}

/** The value of `key` unless it is missing or past its stored expiry. */
export async function readLive(kv: KVNamespace, key: string, now: number): Promise<string | null> {
  const { value, metadata } = await kv.getWithMetadata<EntryMeta>(key, "text");
  if (value === null || !isLive(metadata, now)) return null;
  return value;
}

function isRateLimited(error: unknown): boolean {
  return error instanceof Error && /\b429\b|too many requests/i.test(error.message);
}
