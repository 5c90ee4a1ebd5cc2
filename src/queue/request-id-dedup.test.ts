import { describe, expect, it } from "vitest";
import type { KvStore } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import { claimRequestId, releaseRequestId, usableRequestId } from "./request-id-dedup.ts";

describe("claimRequestId", () => {
  it("is new once, then names the delivery that holds it; released, it is new again", async () => {
    const store = createMemoryStore();
    expect(await claimRequestId(store, "req-1", "d1")).toBeUndefined();
    expect(await claimRequestId(store, "req-1", "d2")).toEqual({ delivery: "d1" });
    await releaseRequestId(store, "req-1");
    expect(await claimRequestId(store, "req-1", "d3")).toBeUndefined();
  });

  it("still reports a duplicate when the store cannot show the holder yet (eventual consistency)", async () => {
    const memory = createMemoryStore();
    // Workers KV in another location: the claim is refused, but the read is stale.
    const stale: KvStore = { ...memory, putIfAbsent: async () => false, get: async () => null };
    expect(await claimRequestId(stale, "req-2", "d1")).toEqual({ delivery: undefined });
  });
});

describe("usableRequestId", () => {
  it.each([
    ["a4a9f3a1-0000-4000-8000-000000000001", "a4a9f3a1-0000-4000-8000-000000000001"],
    ["req.1:2_3", "req.1:2_3"],
    [null, undefined],
    ["", undefined],
    ["has space", undefined],
    ["x".repeat(129), undefined],
  ])("%s → %s", (input, expected) => {
    expect(usableRequestId(input)).toBe(expected);
  });
});
