import type Database from "better-sqlite3";

/** At most this many writes share one commit; the rest go into the next. */
const MAX_GROUP = 1_000;

interface Pending {
  write: () => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommit {
  /** Runs `write` in the next group's transaction; resolves with its result once that group is committed. */
  run<T>(write: () => T): Promise<T>;
  /** Commits what waits now, synchronously (before closing). */
  flush(): void;
}

/**
 * Group commit (issue #13): the writes asked for while the event loop does
 * other work are run together, at the next turn, in one `BEGIN IMMEDIATE`
 * transaction, each in its own savepoint (better-sqlite3 turns a nested
 * transaction into one), so one write that throws undoes only itself. Each
 * promise settles once the transaction is committed: with `synchronous =
 * FULL` that is after the fsync, so what a caller was told is written
 * survives a crash or a power loss as before, and fifty webhooks queued at
 * once cost one fsync instead of fifty (docs/BENCHMARKS.md). A commit that
 * fails (SQLITE_BUSY past busy_timeout, a full disk) fails every write of
 * its group; none of them is then in the file.
 */
export function createGroupCommit(db: Database.Database): GroupCommit {
  let waiting: Pending[] = [];
  let scheduled = false;
  const savepoint = db.transaction((write: () => unknown) => write());

  const flush = () => {
    scheduled = false;
    while (waiting.length > 0) {
      const group = waiting.slice(0, MAX_GROUP);
      waiting = waiting.slice(group.length);
      const results: { ok: boolean; value: unknown }[] = [];
      try {
        db.transaction(() => {
          for (const pending of group) {
            try {
              results.push({ ok: true, value: savepoint(pending.write) });
            } catch (error) {
              results.push({ ok: false, value: error });
            }
          }
        }).immediate();
      } catch (error) {
        for (const pending of group) pending.reject(error);
        continue;
      }
      group.forEach((pending, i) => {
        const result = results[i]!;
        if (result.ok) pending.resolve(result.value as never);
        else pending.reject(result.value);
      });
    }
  };

  return {
    run<T>(write: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push({ write, resolve: resolve as (value: never) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flush,
  };
}
