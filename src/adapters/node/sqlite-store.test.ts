import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeDueWorkContract } from "../../../test/support/due-work-contract.ts";
import { describeKvStoreContract, type KvStoreHarness } from "../../../test/support/kv-store-contract.ts";
import { createSqliteStore, type SqliteKvStore } from "./sqlite-store.ts";

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "kv-sqlite-"));
}

/** Two connections to one file, as two processes on one host have. */
const sqliteFile = async (): Promise<KvStoreHarness> => {
  const dir = await tempDir();
  let now = 1_700_000_000_000;
  // A nested path: the store creates the parent directories.
  const path = join(dir, "nested", "data", "kv.db");
  const store = createSqliteStore({ path, clock: { now: () => now } });
  // A second connection to the same file, as a second process has.
  const other = createSqliteStore({ path, clock: { now: () => now } });
  return {
    store,
    other,
    advance: (ms) => {
      now += ms;
    },
    cleanup: async () => {
      await store.close();
      await other.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

describeKvStoreContract("sqlite store (file)", sqliteFile);
describeDueWorkContract("sqlite store (file)", sqliteFile);

describeKvStoreContract("sqlite store (:memory:)", async () => {
  let now = 1_700_000_000_000;
  const store = createSqliteStore({ path: ":memory:", clock: { now: () => now } });
  return {
    store,
    advance: (ms) => {
      now += ms;
    },
    cleanup: () => store.close(),
  };
});

describe("sqlite store on a file", () => {
  let dir: string;
  let path: string;
  const opened: SqliteKvStore[] = [];
  const open = (clockNow?: () => number): SqliteKvStore => {
    const store = createSqliteStore(clockNow ? { path, clock: { now: clockNow } } : { path });
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await tempDir();
    path = join(dir, "kv.db");
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the file in WAL mode", async () => {
    const store = open();
    await store.put("a", "1");
    expect(existsSync(path)).toBe(true);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
  });

  it("keeps queued bodies private: the directories it creates are 0700, the database, WAL and shared-memory files 0600 (issue #11)", async () => {
    const nested = join(dir, "private", "data", "kv.db");
    const store = createSqliteStore({ path: nested });
    opened.push(store);
    await store.put("delivery:queued:x", "a webhook body");
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(join(dir, "private"))).toBe(0o700);
    expect(mode(join(dir, "private", "data"))).toBe(0o700);
    for (const file of [nested, `${nested}-wal`, `${nested}-shm`]) expect(mode(file), file).toBe(0o600);
  });

  it("narrows an existing database file (and its WAL) readable by others to 0600", async () => {
    const first = open();
    await first.put("a", "1");
    await first.close();
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) await chmod(file, 0o644);
    const again = open();
    expect(await again.get("a")).toBe("1");
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) expect(statSync(file).mode & 0o777, file).toBe(0o600);
  });

  it("keeps data across closing and reopening the file", async () => {
    const first = open();
    await first.put("keep", "me");
    await first.put("claim", "x", { ttlMs: 3_600_000 });
    await first.close();

    const second = open();
    expect(await second.get("keep")).toBe("me");
    expect(await second.putIfAbsent("claim", "y")).toBe(false);
    expect(await second.list("")).toEqual([
      { key: "claim", value: "x" },
      { key: "keep", value: "me" },
    ]);
  });

  it("shares writes between two stores on the same file", async () => {
    const a = open();
    const b = open();
    await a.put("from-a", "1");
    expect(await b.get("from-a")).toBe("1");
    await b.put("from-b", "2");
    await b.delete("from-a");
    expect(await a.list("from-")).toEqual([{ key: "from-b", value: "2" }]);
  });

  it("lets only one of two stores on the same file win a concurrent claim", async () => {
    const a = open();
    const b = open();
    const results = await Promise.all([a.putIfAbsent("claim", "a"), b.putIfAbsent("claim", "b")]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.get("claim")).toBe(results[0] ? "a" : "b");
  });

  it("lets only one of several processes win a claim on the same file", async () => {
    open(); // creates the schema up front, so the children only race on the claim
    const script = join(dir, "claim.mts"); // .mts: ESM (top-level await) outside any package.json
    const storeModule = pathToFileURL(resolve(import.meta.dirname, "sqlite-store.ts")).href;
    const startAt = Date.now() + 1_500;
    await writeFile(
      script,
      `import { createSqliteStore } from ${JSON.stringify(storeModule)};
       const store = createSqliteStore({ path: ${JSON.stringify(path)} });
       while (Date.now() < ${startAt}) await new Promise((r) => setTimeout(r, 1));
       const won = await store.putIfAbsent("claim", String(process.pid));
       await store.close();
       process.stdout.write(JSON.stringify({ pid: process.pid, won }));`,
    );
    const tsx = resolve(import.meta.dirname, "../../../node_modules/.bin/tsx");
    const results = await Promise.all(Array.from({ length: 4 }, () => runNode(tsx, [script])));
    const outcomes = results.map((out) => JSON.parse(out) as { pid: number; won: boolean });
    const winners = outcomes.filter((outcome) => outcome.won);
    expect(winners).toHaveLength(1);
    expect(await open().get("claim")).toBe(String(winners[0]?.pid));
  });

  it("purges expired rows from the file, not only hides them", async () => {
    let now = 1_700_000_000_000;
    const store = open(() => now);
    await store.put("old", "x", { ttlMs: 1_000 });
    await store.put("kept", "y");
    now += 120_000;
    await store.put("trigger", "z"); // the purge runs from the write path
    const db = new Database(path, { readonly: true });
    try {
      const keys = db.prepare("SELECT key FROM kv ORDER BY key").pluck().all();
      expect(keys).toEqual(["kept", "trigger"]);
    } finally {
      db.close();
    }
  });

  it("opens a database written before entries had versions: its rows read as version 0 until written again (issue #12)", async () => {
    const old = new Database(path);
    old.exec("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)");
    old.prepare("INSERT INTO kv (key, value, expires_at) VALUES (?, ?, NULL)").run("delivery:queued:x", "old record");
    old.close();
    const a = open();
    const b = open();
    expect(await a.getVersioned("delivery:queued:x")).toEqual({ value: "old record", version: "0" });
    const results = await Promise.all(
      [a, b].map((s) =>
        s.batchIf({ key: "delivery:queued:x", version: "0" }, [
          { type: "delete", key: "delivery:queued:x" },
          { type: "put", key: "moved", value: "x" },
        ]),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await a.list("")).toEqual([{ key: "moved", value: "x" }]);
    expect((await a.getVersioned("moved"))?.version).not.toBe("0");
  });

  describe("transaction", () => {
    it("commits every write of the function together and returns its result", async () => {
      const store = open();
      const result = store.transaction((tx) => {
        expect(tx.putIfAbsent("job:1", "claimed")).toBe(true);
        tx.put("queue:1", "payload");
        tx.delete("pending:1");
        return tx.list("");
      });
      expect(result.map((entry) => entry.key)).toEqual(["job:1", "queue:1"]);
      expect(await open().list("")).toEqual(result);
    });

    it("rolls every write back when the function throws", async () => {
      const store = open();
      await store.put("state", "before");
      expect(() =>
        store.transaction((tx) => {
          tx.put("state", "after");
          tx.put("other", "x");
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect(await store.get("state")).toBe("before");
      expect(await store.get("other")).toBeNull();
    });

    it("refuses after close", async () => {
      const store = open();
      await store.close();
      expect(() => store.transaction(() => 1)).toThrow(/closed/);
    });
  });
});

function runNode(command: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolvePromise(stdout) : reject(new Error(`child exited with ${code}: ${stderr}`))));
  });
}
