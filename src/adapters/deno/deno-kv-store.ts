import { systemClock, type Clock, type KvCheck, type KvCommit, type KvEntry, type KvStore, type KvVersioned } from "../../core/ports.ts";
import { type CheckedKvOp, checkedStore } from "../../store/checked-store.ts";
import { compareUtf8, prefixUpperBound } from "../../store/utf8-order.ts";

/**
 * What is stored under the Deno KV key `[key]`: the value inline, or the id
 * and count of its chunks; and the exact expiry of an entry with a TTL.
 */
interface Header {
  /** The value, when it is small enough to be stored inline. */
  v?: string;
  /** Id of the chunk set holding the value's UTF-8 bytes, and how many chunks. */
  id?: string;
  c?: number;
  /** Expiry, ms since the epoch (store clock). */
  e?: number;
}

/**
 * Internal keys start with a number, so they sort after every `[string]`
 * key (Deno KV orders key parts by type: bytes < string < number < …) and
 * no listing of the store's keys meets them. `[0]` itself is the exclusive
 * end of the string keys.
 */
const INTERNAL = 0;
const END_OF_STRINGS: Deno.KvKey = [INTERNAL];
const chunkPrefix = (key: string, id: string): Deno.KvKey => [INTERNAL, "chunk", key, id];

/**
 * Deno KV refuses values over 64 KiB and atomic operations over 800 KiB.
 * A value whose UTF-8 form is at most INLINE_BYTES is stored in its header
 * (V8 may store a string as UTF-16: 2 × 30 KiB still fits); a larger one is
 * split into chunks of CHUNK_BYTES, written CHUNKS_PER_WRITE to an atomic
 * operation, before the header that points to them.
 */
const INLINE_BYTES = 30 * 1024;
const CHUNK_BYTES = 60 * 1024;
const CHUNKS_PER_WRITE = 10;
/** Deno KV's getMany reads at most 10 keys. */
const GET_MANY = 10;
/** Attempts of a write whose version checks keep failing because of concurrent writers. */
const MAX_ATTEMPTS = 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Attempts of a commit that finds a local database file locked by another handle or process. */
const LOCKED_ATTEMPTS = 100;

/**
 * Commits `op`. Local Deno KV is a SQLite file: a second handle or process
 * writing it at the same moment makes a commit fail with "database is
 * locked" instead of waiting; such a commit changed nothing and is tried
 * again after a short random pause.
 */
async function commitRetryingLocked(op: Deno.AtomicOperation): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op.commit();
    } catch (error) {
      if (attempt >= LOCKED_ATTEMPTS || !(error instanceof Error) || !/database is locked/i.test(error.message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 10 * Math.min(attempt, 10)));
    }
  }
}

export interface DenoKvStoreOptions {
  kv: Deno.Kv;
  clock?: Clock;
  /** Close `kv` in `close()` (default true). */
  closeKv?: boolean;
}

/** Opens Deno KV at `path` (Deno's default location when undefined) and wraps it. */
export async function openDenoKvStore(path?: string, clock?: Clock): Promise<KvStore> {
  return createDenoKvStore({ kv: await Deno.openKv(path), clock });
}

/**
 * KvStore on Deno KV (Deno's SQLite-backed KV locally, FoundationDB-backed
 * on Deno Deploy). Every operation is strongly consistent.
 *
 * - Keys: the store key `k` is the Deno KV key `[k]`, a one-string tuple, so
 *   Deno KV's order is the store's (UTF-8 bytes). A prefix scan is a range
 *   `[prefix] … [successor of prefix]` (the prefix with its last code point
 *   incremented; to the end of the string keys when it ends in U+10FFFF).
 *   Keys are at most 2 KiB once encoded (Deno KV's limit).
 * - TTL: `expireIn` lets Deno KV delete the entry, but only lazily, some time
 *   after it is due; the exact expiry is also kept in the header and checked
 *   on every read, so an entry is invisible from `t + ttlMs` on.
 * - Large values: chunked (see INLINE_BYTES), so values of any size work; a
 *   reader never sees a header whose chunks are gone (chunks are written
 *   before their header and deleted only with a header change that replaces
 *   it, under a version check).
 * - putIfAbsent: one atomic operation checking the versionstamp of what was
 *   read (null when absent, the expired entry's own otherwise): of concurrent
 *   claims exactly one commits, the others see its entry when they retry.
 * - batch: all ops, after the checks, in one atomic operation — all or none.
 *   The last op on each key wins. Deno KV limits an atomic operation to 100
 *   version checks (so 100 distinct keys) and 1000 mutations.
 * - Versions are Deno KV's versionstamps of the header entry `[key]`: a new
 *   one with every commit that writes it. batchIf is the same atomic
 *   operation as batch with one more check, on the versionstamp of the
 *   checked key as read: the live state it was compared with.
 */
export function createDenoKvStore(options: DenoKvStoreOptions): KvStore {
  const { kv } = options;
  const clock = options.clock ?? systemClock;
  const closeKv = options.closeKv ?? true;
  const isLive = (header: Header | null, now: number): header is Header => header !== null && (header.e === undefined || now < header.e);

  /** The value a live header stands for; undefined when its chunks are gone (a concurrent overwrite: read again). */
  async function valueOf(key: string, header: Header): Promise<string | undefined> {
    if (header.v !== undefined) return header.v;
    if (header.id === undefined || header.c === undefined) return "";
    const chunks: Uint8Array[] = [];
    for await (const entry of kv.list<Uint8Array>({ prefix: chunkPrefix(key, header.id) })) chunks.push(entry.value);
    if (chunks.length !== header.c) return undefined;
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return decoder.decode(bytes);
  }

  /** Reads the live value of `key` and its versionstamp, following its chunks. */
  async function readVersioned(key: string): Promise<KvVersioned | null> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { value: header, versionstamp } = await kv.get<Header>([key]);
      if (!isLive(header, clock.now())) return null;
      const value = await valueOf(key, header);
      if (value !== undefined) return { value, version: versionstamp as string };
    }
    throw new Error(`Deno KV: ${JSON.stringify(key)} kept changing while being read`);
  }

  const read = async (key: string): Promise<string | null> => (await readVersioned(key))?.value ?? null;

  interface Prepared {
    header: Header;
    ttlMs: number | undefined;
    /** The chunk keys written for this value (to delete if the write does not happen). */
    chunkKeys: Deno.KvKey[];
  }

  /** Builds the header of a new value, writing its chunks first when it is large. */
  async function prepare(key: string, value: string, ttlMs: number | undefined, now: number): Promise<Prepared> {
    const header: Header = ttlMs === undefined ? {} : { e: now + ttlMs };
    const bytes = encoder.encode(value);
    if (bytes.byteLength <= INLINE_BYTES) return { header: { ...header, v: value }, ttlMs, chunkKeys: [] };
    const id = crypto.randomUUID();
    const chunkKeys: Deno.KvKey[] = [];
    for (let i = 0, offset = 0; offset < bytes.byteLength; i++, offset += CHUNK_BYTES) chunkKeys.push([...chunkPrefix(key, id), i]);
    // Chunks of an entry with a TTL go with it; a little later, so they never go first.
    const expireIn = ttlMs === undefined ? undefined : ttlMs + 60_000;
    for (let i = 0; i < chunkKeys.length; i += CHUNKS_PER_WRITE) {
      const op = kv.atomic();
      for (let j = i; j < Math.min(i + CHUNKS_PER_WRITE, chunkKeys.length); j++) {
        op.set(chunkKeys[j]!, bytes.slice(j * CHUNK_BYTES, (j + 1) * CHUNK_BYTES), expireIn === undefined ? undefined : { expireIn });
      }
      await commitRetryingLocked(op);
    }
    return { header: { ...header, id, c: chunkKeys.length }, ttlMs, chunkKeys };
  }

  async function discard(prepared: Iterable<Prepared>): Promise<void> {
    const keys = [...prepared].flatMap((p) => p.chunkKeys);
    for (let i = 0; i < keys.length; i += 100) {
      const op = kv.atomic();
      for (const k of keys.slice(i, i + 100)) op.delete(k);
      await commitRetryingLocked(op);
    }
  }

  /** Deletes of the chunks an existing header points to. */
  function dropChunks(op: Deno.AtomicOperation, key: string, old: Header | null): void {
    if (old?.id === undefined || old.c === undefined) return;
    for (let i = 0; i < old.c; i++) op.delete([...chunkPrefix(key, old.id), i]);
  }

  async function getHeaders(keys: string[]): Promise<Deno.KvEntryMaybe<Header>[]> {
    const out: Deno.KvEntryMaybe<Header>[] = [];
    for (let i = 0; i < keys.length; i += GET_MANY) {
      out.push(...(await kv.getMany<Header[]>(keys.slice(i, i + GET_MANY).map((k) => [k]))));
    }
    return out;
  }

  /**
   * Applies the last op of each key in one atomic operation, with a version
   * check on each key so that the old chunks it deletes are the current
   * ones; retried while concurrent writers win those checks. With
   * `condition`, only while its key's live version is the expected one:
   * that versionstamp is checked too, so the comparison holds at commit.
   */
  async function commit(ops: CheckedKvOp[], condition?: KvCheck): Promise<KvCommit> {
    const last = new Map<string, CheckedKvOp>();
    for (const op of ops) last.set(op.key, op);
    if (last.size === 0 && condition === undefined) return { ok: true, version: null };
    const now = clock.now();
    const prepared = new Map<string, Prepared>();
    try {
      for (const op of last.values()) {
        if (op.type === "put") prepared.set(op.key, await prepare(op.key, op.value, op.ttlMs, now));
      }
      const keys = [...last.keys()];
      const checked = condition === undefined || last.has(condition.key) ? keys : [...keys, condition.key];
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await getHeaders(checked);
        if (condition !== undefined) {
          const entry = current[checked.indexOf(condition.key)]!;
          const live = isLive(entry.value, clock.now()) ? entry.versionstamp : null;
          if (live !== condition.version) return { ok: false };
        }
        const op = kv.atomic();
        checked.forEach((key, i) => {
          const entry = current[i]!;
          op.check({ key: entry.key, versionstamp: entry.versionstamp });
          if (!last.has(key)) return;
          dropChunks(op, key, entry.value);
          const next = prepared.get(key);
          if (next === undefined) op.delete([key]);
          else op.set([key], next.header, next.ttlMs === undefined ? undefined : { expireIn: next.ttlMs });
        });
        const result = await commitRetryingLocked(op);
        if (result.ok) {
          prepared.clear();
          if (condition === undefined) return { ok: true, version: null };
          const written = last.get(condition.key);
          const unchanged = current[checked.indexOf(condition.key)]!.versionstamp;
          return { ok: true, version: written === undefined ? unchanged : written.type === "put" ? result.versionstamp : null };
        }
      }
      throw new Error("Deno KV: concurrent writes to the same keys kept winning; nothing was written");
    } finally {
      if (prepared.size > 0) await discard(prepared.values()).catch(() => undefined);
    }
  }

  return checkedStore({
    get: read,

    getVersioned: readVersioned,

    async batchIf(check, ops) {
      return commit(ops, check);
    },

    async put(key, value, ttlMs) {
      await commit([{ type: "put", key, value, ttlMs }]);
    },

    async putIfAbsent(key, value, ttlMs) {
      let next: Prepared | undefined;
      try {
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          const current = await kv.get<Header>([key]);
          const now = clock.now();
          if (isLive(current.value, now)) return false;
          next ??= await prepare(key, value, ttlMs, now);
          if (next.header.e !== undefined && ttlMs !== undefined) next.header.e = now + ttlMs;
          // versionstamp null: absent; otherwise the expired entry Deno KV has not removed yet.
          const op = kv.atomic().check(current);
          dropChunks(op, key, current.value);
          op.set([key], next.header, ttlMs === undefined ? undefined : { expireIn: ttlMs });
          if ((await commitRetryingLocked(op)).ok) {
            next = undefined;
            return true;
          }
        }
        throw new Error(`Deno KV: the claim of ${JSON.stringify(key)} kept conflicting`);
      } finally {
        if (next !== undefined) await discard([next]).catch(() => undefined);
      }
    },

    async delete(key) {
      await commit([{ type: "delete", key }]);
    },

    async list(prefix, { after, before, limit }) {
      const start = after ?? prefix;
      const upper = prefixUpperBound(prefix);
      let end: Deno.KvKey = upper === undefined ? END_OF_STRINGS : [upper];
      if (before !== undefined && (upper === undefined || compareUtf8(before, upper) < 0)) end = [before];
      if (end !== END_OF_STRINGS && compareUtf8(start, end[0] as string) >= 0) return [];

      const now = clock.now();
      const out: KvEntry[] = [];
      const batchSize = Number.isFinite(limit) ? Math.min(limit + 1, 500) : 500;
      for await (const entry of kv.list<Header>({ start: [start], end }, { batchSize })) {
        const key = entry.key[0];
        if (entry.key.length !== 1 || typeof key !== "string") continue;
        if (key === after || !isLive(entry.value, now)) continue;
        let value = await valueOf(key, entry.value);
        // Its chunks went with a concurrent overwrite: the current value, if any.
        if (value === undefined) value = (await read(key)) ?? undefined;
        if (value === undefined) continue;
        out.push({ key, value });
        if (out.length >= limit) break;
      }
      return out;
    },

    async batch(ops) {
      await commit(ops);
    },

    async close() {
      if (closeKv) kv.close();
    },
  });
}
