/**
 * The ports the core owns. Every runtime adapter (Node, Workers, Deno) provides
 * these; nothing in the core reaches for a runtime API directly.
 */

/** One write of a {@link KvStore.batch}. */
export type KvOp = { type: "put"; key: string; value: string; ttlMs?: number } | { type: "delete"; key: string };

/** An entry with its version, as {@link KvStore.getVersioned} returns it. */
export interface KvVersioned {
  value: string;
  /**
   * Opaque; a new one with every write of the entry (put, putIfAbsent,
   * batch, batchIf), never one the key had before, even after a delete.
   */
  version: string;
}

/** The condition of a {@link KvStore.batchIf}: `key` is at `version`; `null`: it has no live entry. */
export interface KvCheck {
  key: string;
  version: string | null;
}

/** What {@link KvStore.batchIf} did: nothing (`ok: false`), or everything, leaving the checked key at `version` (`null`: absent). */
export type KvCommit = { ok: true; version: string | null } | { ok: false };

/** One entry returned by {@link KvStore.list}. */
export interface KvEntry {
  key: string;
  value: string;
}

export interface KvPutOptions {
  /** Time to live in milliseconds; the entry disappears afterwards. */
  ttlMs?: number;
}

export interface KvListOptions {
  /** At most this many entries (default: all). */
  limit?: number;
  /** Only keys strictly greater than this one (for paging / time-ordered scans). */
  after?: string;
  /** Only keys strictly lower than this one (upper bound of a range scan). */
  before?: string;
}

/**
 * A small key-value store. Keys are compared as strings (byte order of their
 * UTF-8 form for ASCII keys), `list` returns entries in ascending key order.
 * All backends use UTF-8 byte order (= code point order) for non-ASCII keys
 * too, which is not JavaScript's `<` (UTF-16 code units); strings with lone
 * surrogates are rejected. TTLs: an entry put with `ttlMs` at `t` is live
 * while `now < t + ttlMs`; a `put` without `ttlMs` removes any earlier TTL.
 * The contract and the documented key layout are in docs/storage-schema.md.
 */
export interface KvStore {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: KvPutOptions): Promise<void>;
  /**
   * Writes only when no live entry exists under `key`; true when it wrote.
   * This is the atomic claim used where two processes must not both act
   * (due branch deletions, queued deliveries).
   */
  putIfAbsent(key: string, value: string, options?: KvPutOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  list(prefix: string, options?: KvListOptions): Promise<KvEntry[]>;
  /**
   * Applies the operations in order, all or none where the backend has
   * transactions (memory, SQLite, Redis MULTI, Deno KV atomic). Workers KV
   * has none: there they run in order, and callers order their writes so
   * that a partial batch is recoverable (docs/storage-schema.md).
   */
  batch(ops: readonly KvOp[]): Promise<void>;
  /** The live value of `key` with its version, or `null`. */
  getVersioned(key: string): Promise<KvVersioned | null>;
  /**
   * The conditional write (compare-and-set, issue #12): applies `ops` as
   * {@link batch} does, only if `check.key` is still at `check.version`
   * (null: has no live entry); otherwise writes nothing. Of concurrent calls
   * expecting the same version, across processes sharing the store, at most
   * one succeeds. The ops may write other keys than the checked one (a
   * record and its index entries): all or none where the backend has
   * transactions; on Workers they are applied in order under the checked
   * key's lock (docs/storage-schema.md).
   */
  batchIf(check: KvCheck, ops: readonly KvOp[]): Promise<KvCommit>;
  /** Releases connections / file handles. Idempotent. */
  close(): Promise<void>;
}

/**
 * Announces changed keys to the other processes sharing a store, so what
 * each holds in memory stays right (issue #12; the routes, see
 * createRouteStore). Node provides it with Redis pub/sub when the store is
 * Redis; a store one process uses alone needs none, and without one a
 * process re-reads what it holds after `gateway.routeCacheTtl`.
 */
export interface ChangeFeed {
  /** Tells the other processes that `key` changed. Best effort: may reject. */
  publish(key: string): Promise<void>;
  /**
   * `changed(key)` for each key another process announced; `missed()` when
   * announcements may have been lost (the feed's connection was made again),
   * so everything held must be read again.
   */
  subscribe(changed: (key: string) => void, missed: () => void): void;
}

/** Milliseconds since the Unix epoch. Injected so validators and schedulers can be tested with a fixed `now`. */
export interface Clock {
  now(): number;
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Structured logger. Callers never pass secrets; fields are plain values. */
export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

/**
 * The subset of WHATWG `fetch` the core uses for upstream calls: a URL string
 * and an init with method, headers, body (bytes or text), an abort signal
 * and `redirect: "manual"`. Workers and Deno pass `globalThis.fetch`; Node
 * passes an undici-based forwarder that is about three times faster than
 * Node 20's global fetch.
 */
export type FetchFn = ((url: string, init: FetchInit) => Promise<Response>) & {
  /**
   * True when the function ends a call itself once `init.timeoutMs` has
   * passed, failing it with lib/with-timeout.ts's TimeoutError (the Node
   * forwarder: a timer, no AbortSignal). Others are given an abort signal
   * instead (lib/fetch-within.ts).
   */
  readonly enforcesTimeout?: boolean;
};

export interface FetchInit {
  method: string;
  headers?: Record<string, string> | Headers;
  body?: Uint8Array | string | null;
  signal?: AbortSignal;
  /** For a FetchFn that `enforcesTimeout`: how long the call may take, in ms (lib/fetch-within.ts). */
  timeoutMs?: number;
  /**
   * Every upstream call sets `"manual"` and gets a 3xx back as it is: a
   * followed 307/308 would send the body and the credentials again, to
   * wherever `Location` points (issue #11). Node's undici `request` never
   * follows; `fetch` does unless told so.
   */
  redirect?: "manual";
}

/**
 * Passes a request on to `target` as it came (issue #10): the same method,
 * every end-to-end header including `Authorization`, `Date` and the `Host`
 * it arrived with, the body streamed; resolves to the upstream answer as it
 * is (status, headers, body; redirects are not followed). Node provides it
 * with undici, which sends the Host it is given; Workers' and Deno's fetch
 * replace Host with the target's, so they have none.
 */
export type PassThroughFn = (request: Request, target: string) => Promise<Response>;

export const systemClock: Clock = { now: () => Date.now() };

export const silentLogger: Logger = { log() {} };

/**
 * HMAC-SHA256 of `data` under `key`, computed before returning. The Node and
 * Deno adapters give node:crypto's; without one, WebCrypto is used. For
 * webhook signatures of small bodies, where WebCrypto's hand-off to another
 * thread costs more than the hash (issue #13).
 */
export type HmacSha256 = (key: Uint8Array, data: Uint8Array) => Uint8Array;
