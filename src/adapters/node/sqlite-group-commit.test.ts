import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createGroupCommit } from "./sqlite-group-commit.ts";

function table() {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  const insert = db.prepare("INSERT INTO t (k) VALUES (?)");
  const keys = () =>
    db
      .prepare<[], { k: string }>("SELECT k FROM t ORDER BY k")
      .all()
      .map((r) => r.k);
  return { db, insert, keys };
}

describe("createGroupCommit", () => {
  it("runs the writes asked for in one turn in one transaction, and resolves each with its result once committed", async () => {
    const { db, insert, keys } = table();
    const commits = createGroupCommit(db);
    const inTransaction: boolean[] = [];
    const write = (key: string) => () => {
      inTransaction.push(db.inTransaction);
      return insert.run(key).changes;
    };
    const results = [commits.run(write("a")), commits.run(write("b"))];
    // Nothing is written before the turn ends.
    expect(keys()).toEqual([]);
    expect(await Promise.all(results)).toEqual([1, 1]);
    expect(keys()).toEqual(["a", "b"]);
    expect(inTransaction).toEqual([true, true]);
  });

  it("undoes only the write that threw: the others of its group are committed", async () => {
    const { db, insert, keys } = table();
    const commits = createGroupCommit(db);
    const ok = commits.run(() => insert.run("a"));
    const failing = commits.run(() => {
      insert.run("half");
      throw new Error("refused");
    });
    const after = commits.run(() => insert.run("c"));
    await expect(failing).rejects.toThrow("refused");
    await ok;
    await after;
    expect(keys()).toEqual(["a", "c"]);
  });

  it("fails every write of a group whose commit fails, and none of them is in the file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "group-commit-")), "kv.db");
    const db = new Database(file, { timeout: 0 });
    db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
    const insert = db.prepare("INSERT INTO t (k) VALUES (?)");
    // Another process holds the write lock: the group's BEGIN IMMEDIATE fails with SQLITE_BUSY.
    const other = new Database(file, { timeout: 0 });
    other.exec("BEGIN IMMEDIATE");
    const commits = createGroupCommit(db);
    const settled = await Promise.allSettled([commits.run(() => insert.run("a")), commits.run(() => insert.run("b"))]);
    other.exec("ROLLBACK");
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
    expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 0 });
    other.close();
    db.close();
  });

  it("flush() commits what waits at once", () => {
    const { db, insert, keys } = table();
    const commits = createGroupCommit(db);
    void commits.run(() => insert.run("a"));
    commits.flush();
    expect(keys()).toEqual(["a"]);
  });
});
