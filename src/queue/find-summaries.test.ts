import { describe, expect, it } from "vitest";
import { createMemoryStore } from "../store/memory-store.ts";
import type { DeliveryRecord } from "./delivery-record.ts";
import { findSummaries, SCAN_LIMIT } from "./find-summaries.ts";
import { createKvDeliveryQueue } from "./kv-delivery-queue.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const record = (n: number, instance: string): DeliveryRecord => ({
  id: `0190${String(n).padStart(8, "0")}`,
  uuid: "u",
  server: "B",
  search: "",
  headers: {},
  body: "",
  receivedAt: NOW + n,
  status: "queued",
  attempts: 1,
  nextAttemptAt: NOW + 60_000,
  queuedSince: NOW + n,
  instance,
});

describe("findSummaries", () => {
  it("pages through the index with a filter, stopping at the limit, and says where to go on", async () => {
    const queue = createKvDeliveryQueue(createMemoryStore({ clock: { now: () => NOW } }));
    for (let n = 0; n < 30; n++) await queue.enqueue(record(n, n % 3 === 0 ? "alpha" : "beta"));
    const first = await findSummaries(queue, "queued", { limit: 4, match: (s) => s.instance === "alpha" });
    expect(first.deliveries.map((s) => s.receivedAt - NOW)).toEqual([0, 3, 6, 9]);
    const second = await findSummaries(queue, "queued", { limit: 100, after: first.next, match: (s) => s.instance === "alpha" });
    expect(second.deliveries.map((s) => s.receivedAt - NOW)).toEqual([12, 15, 18, 21, 24, 27]);
    expect(second.next).toBeUndefined();
    // Without a filter: one page, as the listing was.
    expect((await findSummaries(queue, "queued", { limit: 30 })).next).toBe(record(29, "").id);
  });

  it("reads at most SCAN_LIMIT summaries for a filter that matches nothing, and hands back where it stopped", async () => {
    const queue = createKvDeliveryQueue(createMemoryStore({ clock: { now: () => NOW } }));
    for (let n = 0; n < SCAN_LIMIT + 5; n++) await queue.enqueue(record(n, "beta"));
    let listed = 0;
    const counting = {
      ...queue,
      list: async (...args: Parameters<typeof queue.list>) => {
        const page = await queue.list(...args);
        listed += page.length;
        return page;
      },
    };
    const found = await findSummaries(counting, "queued", { limit: 10, match: (s) => s.instance === "alpha" });
    expect(found.deliveries).toEqual([]);
    expect(listed).toBe(SCAN_LIMIT);
    expect(found.next).toBe(record(SCAN_LIMIT - 1, "").id);
    expect(
      (await findSummaries(counting, "queued", { limit: 10, after: found.next, match: (s) => s.instance === "alpha" })).next,
    ).toBeUndefined();
  });
});
