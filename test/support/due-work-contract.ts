import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KvStore } from "../../src/core/ports.ts";
import { createDueWork, type DueClaim, type DueWork } from "../../src/store/due-work.ts";
import type { KvStoreHarness } from "./kv-store-contract.ts";

/** An item of the suite: due at `due`, or done. */
interface Job {
  due?: number;
  done?: boolean;
}

const NOW = Date.now();
const HOUR = 3_600_000;
const SHORT_LEASE_MS = 300;
const EXPIRY_DEADLINE_MS = 5_000;

/**
 * The "due work with leases" module (src/store/due-work.ts) on one backend,
 * with two clients where the backend has them (two processes sharing the
 * store): the contract of issue #12, finding 5. Each test gets a fresh store
 * from `factory`.
 */
export function describeDueWorkContract(name: string, factory: () => Promise<KvStoreHarness>): void {
  describe(`${name}: due work contract`, () => {
    let h: KvStoreHarness;
    let a: DueWork<Job>;
    let b: DueWork<Job>;

    const work = (store: KvStore): DueWork<Job> =>
      createDueWork<Job>({
        store,
        duePrefix: "due:",
        leasePrefix: "lease:job:",
        itemKey: (id) => `job:${id}`,
        read: async (id) => {
          const found = await store.getVersioned(`job:${id}`);
          return found === null ? undefined : { item: JSON.parse(found.value) as Job, version: found.version };
        },
        dueAt: (job) => (job.done ? undefined : job.due),
      });

    beforeEach(async () => {
      h = await factory();
      a = work(h.store);
      b = work(h.other ?? h.store);
    });
    afterEach(async () => {
      await h.cleanup();
    });

    const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `j${String(from + i).padStart(3, "0")}`);

    async function addJobs(jobIds: string[], due: number): Promise<void> {
      for (const id of jobIds) {
        const written = await h.store.batchIf({ key: `job:${id}`, version: null }, [
          { type: "put", key: `job:${id}`, value: JSON.stringify({ due }) },
          ...a.moveOps(id, undefined, due),
        ]);
        expect(written.ok).toBe(true);
      }
    }

    /** What a worker does with a claim: marks the job done, on condition of the version it claimed. */
    async function finish(worker: DueWork<Job>, store: KvStore, claim: DueClaim<Job>): Promise<boolean> {
      const written = await store.batchIf({ key: `job:${claim.id}`, version: claim.version }, [
        { type: "put", key: `job:${claim.id}`, value: JSON.stringify({ done: true }) },
        ...worker.moveOps(claim.id, claim.item.due, undefined),
      ]);
      await worker.release(claim);
      return written.ok;
    }

    it("lets two processes split a backlog: each item is done once", async () => {
      const backlog = ids(24);
      await addJobs(backlog, NOW - 1_000);
      const done = new Map<string, number>();
      const byProcess = [0, 0];
      const run = async (worker: DueWork<Job>, store: KvStore, p: number) => {
        for (;;) {
          const claims = await worker.claim(NOW, 4, 60_000);
          if (claims.length === 0) return;
          for (const claim of claims) {
            done.set(claim.id, (done.get(claim.id) ?? 0) + 1);
            byProcess[p]! += 1;
            expect(await finish(worker, store, claim)).toBe(true);
          }
        }
      };
      await Promise.all([run(a, h.store, 0), run(b, h.other ?? h.store, 1)]);
      expect([...done.keys()].sort()).toEqual(backlog);
      expect([...done.values()].filter((n) => n !== 1)).toEqual([]);
      expect(byProcess[0]! + byProcess[1]!).toBe(backlog.length);
      expect(await h.store.list("due:")).toEqual([]);
    });

    it("claims the free items behind a first page that another process holds", async () => {
      await addJobs(ids(60), NOW - 1_000);
      const first = await a.claim(NOW, 55, 60_000);
      expect(first.map((c) => c.id)).toEqual(ids(55));
      // All of the oldest 55 are held: the other process pages past them to the 5 behind.
      const second = await b.claim(NOW, 20, 60_000);
      expect(second.map((c) => c.id)).toEqual(ids(5, 55));
      expect(await b.claim(NOW, 20, 60_000)).toEqual([]);
    });

    it("claims only what is due, oldest first, each once until released", async () => {
      await addJobs(ids(2, 10), NOW + 1);
      await addJobs(ids(1, 5), NOW);
      await addJobs(ids(1, 0), NOW - HOUR);
      const claims = await a.claim(NOW, 10, 60_000);
      expect(claims.map((c) => c.id)).toEqual(["j000", "j005"]);
      expect(claims[1]!.item).toEqual({ due: NOW });
      expect(await b.claim(NOW, 10, 60_000)).toEqual([]);
      await a.release(claims[1]!);
      expect((await b.claim(NOW, 10, 60_000)).map((c) => c.id)).toEqual(["j005"]);
      expect((await b.claim(NOW + 1, 10, 60_000)).map((c) => c.id)).toEqual(["j010", "j011"]);
    });

    it("re-checks under the lease: drops the entry of an item that is gone, done or rescheduled", async () => {
      await addJobs(["gone", "done", "later"], NOW - 1_000);
      await h.store.delete("job:gone");
      await h.store.put("job:done", JSON.stringify({ done: true }));
      const later = (await h.store.getVersioned("job:later"))!;
      await h.store.batchIf({ key: "job:later", version: later.version }, [
        { type: "put", key: "job:later", value: JSON.stringify({ due: NOW + HOUR }) },
        { type: "put", key: `due:${String(NOW + HOUR).padStart(15, "0")}:later`, value: "later" },
      ]);
      expect(await a.claim(NOW, 10, 60_000)).toEqual([]);
      expect((await h.store.list("due:")).map((e) => e.key)).toEqual([`due:${String(NOW + HOUR).padStart(15, "0")}:later`]);
      // Their leases were given back.
      expect(await h.store.list("lease:")).toEqual([]);
    });

    it("releases only its own lease: a release after the lease expired leaves the next holder's", async () => {
      await addJobs(["slow"], NOW - 1_000);
      const [stale] = await a.claim(NOW, 1, SHORT_LEASE_MS);
      expect(stale?.id).toBe("slow");
      await waitForLeaseEnd(h, "lease:job:slow");
      const [taken] = await b.claim(NOW, 1, 60_000);
      expect(taken?.id).toBe("slow");
      await a.release(stale!);
      // The late release did not free the lease the other process holds now.
      expect(await a.claim(NOW, 1, 60_000)).toEqual([]);
      // And the work of the expired claim can no longer be written: its version is the one the other holds too,
      // but only one state change based on it succeeds.
      expect(await finish(b, h.other ?? h.store, taken!)).toBe(true);
      expect(await finish(a, h.store, stale!)).toBe(false);
      expect(await h.store.list("due:")).toEqual([]);
    });
  });
}

/** Lets a lease written with SHORT_LEASE_MS run out: the clock is moved when the store has one, else polled. */
async function waitForLeaseEnd(h: KvStoreHarness, key: string): Promise<void> {
  if (h.advance) {
    h.advance(SHORT_LEASE_MS);
    expect(await h.store.get(key)).toBeNull();
    return;
  }
  const deadline = Date.now() + EXPIRY_DEADLINE_MS;
  while ((await h.store.get(key)) !== null) {
    if (Date.now() > deadline) throw new Error(`${key} still held ${EXPIRY_DEADLINE_MS} ms after a lease of ${SHORT_LEASE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
