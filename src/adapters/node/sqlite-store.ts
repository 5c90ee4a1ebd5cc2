import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { systemClock, type Clock, type KvEntry, type KvStore, type KvVersioned } from "../../core/ports.ts";
import {
  type CheckedKvOp,
  checkedStore,
  checkedSyncStore,
  type KvBackend,
  type KvSyncBackend,
  type KvSyncStore,
} from "../../store/checked-store.ts";
import { newVersion } from "../../store/kv-version.ts";
import { compareUtf8, prefixUpperBound } from "../../store/utf8-order.ts";
import { createGroupCommit } from "./sqlite-group-commit.ts";

export interface SqliteStoreOptions {
  /** Database file; `:memory:` for a private in-memory database. Parent directories are created. */
  path: string;
  /** Time source for TTLs; tests inject one they can advance. */
  clock?: Clock;
  /**
   * How long a statement waits for another connection's write lock before it
   * fails with SQLITE_BUSY (`gateway.storeTimeout`, issue #12); default 2 s.
   * better-sqlite3 is synchronous: the process waits that long.
   */
  busyTimeoutMs?: number;
}

/**
 * The KvStore operations, synchronous, for use inside {@link SqliteKvStore.transaction}.
 * Same semantics and argument checks as the async methods.
 */
export type SqliteKvTransaction = KvSyncStore;

export interface SqliteKvStore extends KvStore {
  /**
   * Runs `fn` in one `BEGIN IMMEDIATE` transaction (the write lock is taken up
   * front, so two processes never deadlock upgrading a read lock) and returns
   * its result. `fn` must be synchronous: better-sqlite3 is, and an `await`
   * inside would let other work interleave with an open transaction. If `fn`
   * throws, everything it wrote is rolled back. Nested calls become savepoints.
   */
  transaction<T>(fn: (tx: SqliteKvTransaction) => T): T;
}

// Expired rows nobody reads again (dedupe markers, old claims) are deleted in
// batches, at most this often, from the write path.
const PURGE_INTERVAL_MS = 60_000;
const PURGE_BATCH = 1_000;

/** The committed DDL; docs/storage-schema.md quotes it. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  expires_at INTEGER,
  version    TEXT NOT NULL DEFAULT '0'
);
CREATE INDEX IF NOT EXISTS kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
`;
/**
 * A database created before entries had versions (issue #12) gets the
 * column; its rows read as version '0' (UNVERSIONED) until written again.
 */
const ADD_VERSION = "ALTER TABLE kv ADD COLUMN version TEXT NOT NULL DEFAULT '0'";

const LIVE = "(expires_at IS NULL OR expires_at > @now)";

/**
 * The file holds queued webhook bodies (issue #11): directories the store
 * creates are 0700, and the database is created (or narrowed) to 0600
 * before SQLite opens it. SQLite gives the `-wal` and `-shm` files it
 * creates the mode of the database file; ones left by an earlier version
 * are narrowed too. Existing directories are the operator's and left alone.
 */
function keepPrivate(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, "a", 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

/**
 * KvStore on one SQLite file (better-sqlite3). Keys compare with SQLite's
 * BINARY collation, i.e. by UTF-8 bytes. `expires_at` is absolute clock
 * milliseconds; a row whose `expires_at <= now` is treated as absent
 * everywhere, and removed by an occasional batched purge.
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteKvStore {
  const clock = options.clock ?? systemClock;
  const { path } = options;
  if (path !== ":memory:" && path !== "") keepPrivate(path);

  // Several gateway processes may share one file: a writer waits for the others' lock, boundedly.
  const busyTimeoutMs = options.busyTimeoutMs ?? 2_000;
  const db = new Database(path, { timeout: busyTimeoutMs });
  db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
  // WAL: readers do not block the writer, and other processes on the same
  // file see committed writes. FULL: a commit survives power loss, because
  // an accepted webhook must never be lost.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  // One process at a time: two opening an old file together would both add the column.
  db.transaction(() => {
    db.exec(SCHEMA);
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('kv')").all();
    if (!columns.some((c) => c.name === "version")) db.exec(ADD_VERSION);
  }).immediate();

  const getStmt = db.prepare<{ key: string; now: number }, KvVersioned>(`SELECT value, version FROM kv WHERE key = @key AND ${LIVE}`);
  const putStmt = db.prepare(
    `INSERT INTO kv (key, value, expires_at, version) VALUES (@key, @value, @expiresAt, @version)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, version = excluded.version`,
  );
  // One statement, so atomic: insert, or take over a row only if it is expired.
  // `changes` is 1 when this call wrote, 0 when a live row was already there.
  const putIfAbsentStmt = db.prepare(
    `INSERT INTO kv (key, value, expires_at, version) VALUES (@key, @value, @expiresAt, @version)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, version = excluded.version
     WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= @now`,
  );
  const deleteStmt = db.prepare("DELETE FROM kv WHERE key = ?");
  const purgeStmt = db.prepare(
    `DELETE FROM kv WHERE rowid IN
       (SELECT rowid FROM kv WHERE expires_at <= ? LIMIT ${PURGE_BATCH})`,
  );

  // The list query has a lower bound that is inclusive (the prefix) or
  // exclusive (`after`), and an upper bound or none (empty prefix, no
  // `before`): four shapes, each a range scan of the primary-key index.
  type ListParams = { lower: string; upper?: string; now: number; limit: number };
  const listStmts = new Map<string, Database.Statement<ListParams, KvEntry>>();
  function listStmt(lowerExclusive: boolean, hasUpper: boolean) {
    const id = `${lowerExclusive}/${hasUpper}`;
    let stmt = listStmts.get(id);
    if (stmt === undefined) {
      stmt = db.prepare<ListParams, KvEntry>(
        `SELECT key, value FROM kv
         WHERE key ${lowerExclusive ? ">" : ">="} @lower ${hasUpper ? "AND key < @upper" : ""}
           AND ${LIVE}
         ORDER BY key LIMIT @limit`,
      );
      listStmts.set(id, stmt);
    }
    return stmt;
  }

  let nextPurgeAt = 0;

  function purgeIfDue(now: number): void {
    if (now < nextPurgeAt) return;
    nextPurgeAt = now + PURGE_INTERVAL_MS;
    purgeStmt.run(now);
  }

  function write(key: string, value: string, ttlMs: number | undefined, now: number): void {
    putStmt.run({ key, value, expiresAt: ttlMs === undefined ? null : now + ttlMs, version: newVersion() });
  }

  function apply(checked: readonly CheckedKvOp[]): void {
    const now = clock.now();
    purgeIfDue(now);
    for (const op of checked) {
      if (op.type === "put") write(op.key, op.value, op.ttlMs, now);
      else deleteStmt.run(op.key);
    }
  }

  const ops: KvSyncBackend = {
    get(key) {
      return getStmt.get({ key, now: clock.now() })?.value ?? null;
    },

    getVersioned(key) {
      return getStmt.get({ key, now: clock.now() }) ?? null;
    },

    put(key, value, ttlMs) {
      const now = clock.now();
      purgeIfDue(now);
      write(key, value, ttlMs, now);
    },

    putIfAbsent(key, value, ttlMs) {
      const now = clock.now();
      purgeIfDue(now);
      const expiresAt = ttlMs === undefined ? null : now + ttlMs;
      return putIfAbsentStmt.run({ key, value, expiresAt, now, version: newVersion() }).changes === 1;
    },

    delete(key) {
      deleteStmt.run(key);
    },

    list(prefix, { after, before, limit: checkedLimit }) {
      const limit = checkedLimit === Infinity ? -1 : checkedLimit; // LIMIT -1: no limit
      const lowerExclusive = after !== undefined;
      const lower = after ?? prefix;
      let upper = prefixUpperBound(prefix);
      if (before !== undefined && (upper === undefined || compareUtf8(before, upper) < 0)) {
        upper = before;
      }
      const params: ListParams = { lower, now: clock.now(), limit };
      if (upper !== undefined) params.upper = upper;
      return listStmt(lowerExclusive, upper !== undefined).all(params);
    },
  };

  const runInTransaction = db.transaction((fn: () => unknown) => fn());
  const runBatch = db.transaction(apply);
  // The check and the writes in one transaction, the write lock taken first (BEGIN IMMEDIATE):
  // no other connection or process can write between them.
  const runBatchIf = db.transaction((key: string, version: string | null, checked: CheckedKvOp[]) => {
    if ((ops.getVersioned(key)?.version ?? null) !== version) return { ok: false as const };
    apply(checked);
    return { ok: true as const, version: ops.getVersioned(key)?.version ?? null };
  });

  const commits = createGroupCommit(db);
  const backend: KvBackend = {
    get: async (key) => ops.get(key),
    getVersioned: async (key) => ops.getVersioned(key),
    put: (key, value, ttlMs) => commits.run(() => ops.put(key, value, ttlMs)),
    putIfAbsent: (key, value, ttlMs) => commits.run(() => ops.putIfAbsent(key, value, ttlMs)),
    delete: (key) => commits.run(() => ops.delete(key)),
    list: async (prefix, range) => ops.list(prefix, range),
    batch: (checked) => commits.run(() => void runBatch(checked)),
    batchIf: ({ key, version }, checked) => commits.run(() => runBatchIf(key, version, checked)),
    close: async () => {
      commits.flush();
      db.close();
    },
  };
  return checkedStore(backend, (guard) => {
    const tx = checkedSyncStore(ops, guard);
    return {
      transaction<T>(fn: (tx: SqliteKvTransaction) => T): T {
        guard.assertOpen();
        return runInTransaction.immediate(() => fn(tx)) as T;
      },
    };
  });
}
