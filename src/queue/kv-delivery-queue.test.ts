import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../store/memory-store.ts";
import type { DeliveryRecord } from "./delivery-record.ts";
import { createKvDeliveryQueue } from "./kv-delivery-queue.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");

function queued(n: number): DeliveryRecord {
  const id = `0190c0de-0000-7000-8000-${String(n).padStart(12, "0")}`;
  return {
    id,
    uuid: "u",
    server: "B",
    search: "",
    headers: {},
    body: "",
    receivedAt: NOW - 60_000 + n,
    status: "queued",
    attempts: 1,
    nextAttemptAt: NOW - 1_000,
    queuedSince: NOW - 60_000 + n,
  };
}

describe("the durable queue on a shared store", () => {
  it("a second process claims the free due deliveries behind those the first one holds (issue #12, finding 5)", async () => {
    const store = createMemoryStore({ clock: { now: () => NOW } });
    const first = createKvDeliveryQueue(store);
    const second = createKvDeliveryQueue(store);
    for (let n = 0; n < 40; n++) await first.enqueue(queued(n));
    expect(await first.claimDue(NOW, 20, 60_000)).toHaveLength(20);
    const behind = await second.claimDue(NOW, 20, 60_000);
    expect(behind.map((c) => c.id)).toEqual(Array.from({ length: 20 }, (_, i) => queued(20 + i).id));
  });
});

describe("the durable queue's records", () => {
  it("changes a record only from the version it was read at: a stale change writes nothing", async () => {
    const store = createMemoryStore({ clock: { now: () => NOW } });
    const queue = createKvDeliveryQueue(store, { clock: { now: () => NOW } });
    const first = await queue.enqueue(queued(1));
    await expect(queue.enqueue(queued(1))).rejects.toThrow(/already exists/);
    const delivered = await queue.replace(first, {
      ...first.record,
      status: "delivered",
      attempts: 2,
      nextAttemptAt: undefined,
      deliveredAt: NOW,
    });
    expect(delivered?.record.status).toBe("delivered");
    // An operator's change computed from the first read: refused, the delivery stays delivered.
    expect(await queue.replace(first, { ...first.record, nextAttemptAt: NOW })).toBeUndefined();
    expect(await queue.remove(first)).toBe(false);
    expect((await queue.get(first.record.id))?.status).toBe("delivered");
    expect(await queue.list("queued")).toEqual([]);
    expect((await store.list("queue:")).length).toBe(0);
    expect(await queue.remove(delivered!)).toBe(true);
    expect(await store.list("")).toEqual([]);
  });

  it("reads, lists and claims records of the previous layout, and moves them (docs/storage-schema.md, schema changes)", async () => {
    const store = createMemoryStore({ clock: { now: () => NOW } });
    const queue = createKvDeliveryQueue(store, { clock: { now: () => NOW } });
    const old = [queued(1), queued(2), { ...queued(3), status: "dead" as const, nextAttemptAt: undefined, deadAt: NOW - 1 }];
    for (const r of old) await store.put(`delivery:${r.status}:${r.id}`, JSON.stringify(r));
    for (const r of old.slice(0, 2)) await store.put(`queue:${String(r.nextAttemptAt).padStart(15, "0")}:${r.id}`, r.id);
    await queue.enqueue(queued(4));

    // Listed with the current ones, in id order, without being moved.
    expect((await queue.list("queued")).map((s) => s.id)).toEqual([queued(1).id, queued(2).id, queued(4).id]);
    expect((await queue.list("queued", { after: queued(1).id, limit: 2 })).map((s) => s.id)).toEqual([queued(2).id, queued(4).id]);
    expect((await queue.list("dead")).map((s) => s.id)).toEqual([queued(3).id]);
    expect(await queue.get(queued(3).id)).toEqual(old[2]);

    // The sweep meets the first through its old due entry: moved under the lease, then claimed.
    const claims = await queue.claimDue(NOW, 1, 60_000);
    expect(claims.map((c) => c.item)).toEqual([old[0]]);
    expect(await store.get(`delivery:queued:${queued(1).id}`)).toBeNull();

    // The housekeeping moves the rest, then finds none.
    expect(await queue.migrate(100)).toBe(2);
    expect(await queue.migrate(100)).toBe(0);
    expect((await store.list("delivery:")).map((e) => e.key)).toEqual([]);
    expect((await queue.list("queued")).map((s) => s.id)).toEqual([queued(1).id, queued(2).id, queued(4).id]);
    expect((await queue.read(queued(3).id))?.record).toEqual(old[2]);
    expect((await queue.claimDue(NOW, 10, 60_000)).map((c) => c.id)).toEqual([queued(2).id, queued(4).id]);
  });
});

describe("the index of deliveries by the instances they wait for (issue #12, finding 6)", () => {
  it("follows every change of a record: written with it, moved with `unreached`, gone once it is no longer queued", async () => {
    const store = createMemoryStore({ clock: { now: () => NOW } });
    const queue = createKvDeliveryQueue(store, { clock: { now: () => NOW } });
    const a = await queue.enqueue({ ...queued(1), unreached: ["alpha", "beta"] });
    const b = await queue.enqueue({ ...queued(2), unreached: ["alpha"] });
    await queue.enqueue(queued(3)); // written before the index existed: waits for no one in particular
    expect(await queue.listWaiting("alpha")).toEqual([a.record.id, b.record.id]);
    expect(await queue.listWaiting("alpha", { after: a.record.id })).toEqual([b.record.id]);
    expect(await queue.listWaiting("beta", { limit: 1 })).toEqual([a.record.id]);

    // Alpha answered 404, beta is still down: a waits for beta only.
    const a2 = await queue.replace(a, { ...a.record, attempts: 2, unreached: ["beta"] });
    expect(await queue.listWaiting("alpha")).toEqual([b.record.id]);
    expect(await queue.listWaiting("beta")).toEqual([a.record.id]);
    // In flight, it still waits: its attempt's result decides.
    const a3 = await queue.replace(a2!, { ...a2!.record, inFlightUntil: NOW + 70_000, nextAttemptAt: NOW + 70_000 });
    expect(await queue.listWaiting("beta")).toEqual([a.record.id]);
    await queue.replace(a3!, {
      ...a3!.record,
      status: "delivered",
      inFlightUntil: undefined,
      nextAttemptAt: undefined,
      unreached: undefined,
      deliveredAt: NOW,
    });
    expect(await queue.listWaiting("beta")).toEqual([]);
    expect(await queue.remove(b)).toBe(true);
    expect(await store.list("delivery-waiting:")).toEqual([]);
  });

  it("keys an instance name that holds `:` apart from its neighbours; a leftover entry is erased only while its record is as read", async () => {
    const store = createMemoryStore({ clock: { now: () => NOW } });
    const queue = createKvDeliveryQueue(store, { clock: { now: () => NOW } });
    const a = await queue.enqueue({ ...queued(1), unreached: ["eu:1"] });
    expect(await queue.listWaiting("eu")).toEqual([]);
    expect(await queue.listWaiting("eu:1")).toEqual([a.record.id]);
    // A leftover (a batch Workers KV applied in part): the entry without a record to justify it.
    await store.put(`delivery-waiting:eu%3A1:${queued(9).id}`, queued(9).id);
    await queue.dropWaiting("eu:1", a.record.id, "stale-version");
    await queue.dropWaiting("eu:1", queued(9).id, null);
    expect(await queue.listWaiting("eu:1")).toEqual([a.record.id]);
  });
});
