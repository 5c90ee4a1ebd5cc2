import { describe, expect, it } from "vitest";
import type { KvStore } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import { type BranchDeletion, branchDeletionId, createBranchDeletionStore } from "./branch-deletion-store.ts";

const T0 = Date.parse("2026-11-25T10:00:00Z");
const DAY = 24 * 3_600_000;

async function deletion(branch: string, deletedAt: number, instance = "prod"): Promise<BranchDeletion> {
  const id = await branchDeletionId(instance, "PRJ", "wf", branch);
  return {
    id,
    instance,
    project: "PRJ",
    workflow: "wf",
    branch,
    deletedAt,
    dueAt: deletedAt + DAY,
    nextAttemptAt: deletedAt + DAY,
    attempts: 0,
  };
}

/** The memory store, counting the entries `list` hands back (the cost of a scan). */
function countingStore(clock: { now(): number }): { store: KvStore; listed: () => number } {
  const inner = createMemoryStore({ clock });
  let listed = 0;
  const store: KvStore = {
    ...inner,
    list: async (prefix, options) => {
      const entries = await inner.list(prefix, options);
      listed += entries.length;
      return entries;
    },
  };
  return { store, listed: () => listed };
}

describe("branchDeletionId", () => {
  it("is 32 hex digits, the same for the same tuple, different for any other", async () => {
    const a = await branchDeletionId("prod", "PRJ", "wf", "feature/wip");
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(await branchDeletionId("prod", "PRJ", "wf", "feature/wip")).toBe(a);
    const others = await Promise.all([
      branchDeletionId("other", "PRJ", "wf", "feature/wip"),
      branchDeletionId("prod", "PRJ2", "wf", "feature/wip"),
      branchDeletionId("prod", "PRJ", "wf2", "feature/wip"),
      branchDeletionId("prod", "PRJ", "wf", "feature/wip2"),
      // No separator ambiguity: ("a:b","c") is not ("a","b:c").
      branchDeletionId("prod", "PRJ:wf", "", "feature/wip"),
    ]);
    expect(new Set([a, ...others]).size).toBe(6);
  });
});

describe("the branch-deletion store", () => {
  it("creates, gets, lists in id order, replaces and removes, each change only from the version it was read at", async () => {
    const now = T0;
    const deletions = createBranchDeletionStore(createMemoryStore({ clock: { now: () => now } }));
    const a = await deletion("a", T0);
    const b = await deletion("b", T0 + 1000);
    expect(await deletions.create(a)).toBe(true);
    expect(await deletions.create(b)).toBe(true);
    // A second DELETE of a pending branch keeps the first record.
    expect(await deletions.create({ ...a, deletedAt: T0 + 5 })).toBe(false);
    expect(await deletions.get(a.id)).toEqual(a);
    const listed = await deletions.list();
    expect(listed.map((r) => r.id)).toEqual([a.id, b.id].sort());
    expect(await deletions.list({ after: listed[0]!.id })).toEqual([listed[1]]);

    const first = (await deletions.read(a.id))!;
    const later = { ...a, attempts: 1, nextAttemptAt: a.nextAttemptAt + 5000, lastError: "DELETE runs: HTTP 500" };
    expect(await deletions.replace(first, later)).toBe(true);
    expect(await deletions.get(a.id)).toEqual(later);
    expect(await deletions.replace(first, { ...later, attempts: 9 })).toBe(false);

    expect(await deletions.remove(first)).toBe(false); // not the stored one any more
    expect(await deletions.remove((await deletions.read(a.id))!)).toBe(true);
    expect(await deletions.cancel(a.id)).toBe(false);
    expect(await deletions.cancel(b.id)).toBe(true);
    expect(await deletions.list()).toEqual([]);
    expect(await deletions.get("not-an-id")).toBeUndefined();
    expect(await deletions.cancel("../../etc")).toBe(false);
  });

  it("claims only what is due, at a cost that grows with what is due, not with what is pending", async () => {
    const now = T0 + DAY;
    const { store, listed } = countingStore({ now: () => now });
    const deletions = createBranchDeletionStore(store);
    const due = [await deletion("due-1", T0 - 1), await deletion("due-2", T0)];
    for (const r of due) await deletions.create(r);
    for (let i = 0; i < 300; i++) await deletions.create(await deletion(`later-${i}`, T0 + 1 + i));

    const before = listed();
    const claimed = await deletions.claimDue(now, 20, 60_000);
    expect(claimed.map((c) => c.item.branch)).toEqual(["due-1", "due-2"]);
    expect(listed() - before).toBe(2);
  });

  it("a claimed record is not claimed again until released or its lease expired", async () => {
    let now = T0 + DAY;
    const store = createMemoryStore({ clock: { now: () => now } });
    // Two processes sharing one store: two store objects over the same KV.
    const first = createBranchDeletionStore(store);
    const second = createBranchDeletionStore(store);
    const r = await deletion("x", T0);
    await first.create(r);
    const [claim] = await first.claimDue(now, 10, 60_000);
    expect(claim?.item).toEqual(r);
    expect(await second.claimDue(now, 10, 60_000)).toEqual([]);
    await first.release(claim!);
    expect((await second.claimDue(now, 10, 60_000)).map((c) => c.item)).toEqual([r]);
    now += 60_000; // the holder died: the lease runs out
    expect((await first.claimDue(now, 10, 60_000)).map((c) => c.item)).toEqual([r]);
  });

  it("a sweep's result never overwrites or erases a deletion cancelled and recorded again during its attempt (issue #12)", async () => {
    const now = T0 + DAY;
    const store = createMemoryStore({ clock: { now: () => now } });
    const sweep = createBranchDeletionStore(store);
    const webhooks = createBranchDeletionStore(store);
    const r = await deletion("topic", T0);
    await webhooks.create(r);
    const [claim] = await sweep.claimDue(now, 1, 60_000);
    // While CDS is being asked: the branch is pushed again (cancel), then deleted again.
    expect(await webhooks.cancel(r.id)).toBe(true);
    const again = { ...r, deletedAt: now, dueAt: now + DAY, nextAttemptAt: now + DAY };
    expect(await webhooks.create(again)).toBe(true);
    const claimed = { record: claim!.item, version: claim!.version };
    expect(await sweep.replace(claimed, { ...r, attempts: 1, nextAttemptAt: now + 1000, lastError: "DELETE runs: HTTP 500" })).toBe(false);
    expect(await sweep.remove(claimed)).toBe(false);
    expect(await sweep.get(r.id)).toEqual(again);
    expect((await store.list("branchdel-due:")).map((e) => e.key)).toEqual([
      `branchdel-due:${String(now + DAY).padStart(15, "0")}:${r.id}`,
    ]);
  });

  it("drops due entries left over by a removed or rescheduled record", async () => {
    const now = T0 + DAY;
    const store = createMemoryStore({ clock: { now: () => now } });
    const deletions = createBranchDeletionStore(store);
    const r = await deletion("gone", T0);
    const moved = await deletion("moved", T0);
    // Leftovers as a store without transactions could leave them: a due entry without its record, and a stale one.
    await store.put(`branchdel-due:${String(r.nextAttemptAt).padStart(15, "0")}:${r.id}`, r.id);
    await deletions.create({ ...moved, nextAttemptAt: now + 60_000 });
    await store.put(`branchdel-due:${String(moved.nextAttemptAt).padStart(15, "0")}:${moved.id}`, moved.id);

    expect(await deletions.claimDue(now, 10, 60_000)).toEqual([]);
    expect((await store.list("branchdel-due:")).map((e) => e.value)).toEqual([moved.id]);
    expect(await store.list("lease:")).toEqual([]);
  });
});
