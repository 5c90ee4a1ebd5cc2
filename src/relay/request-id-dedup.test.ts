import { describe, expect, it } from "vitest";
import type { KvStore } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import { claimRequestId, releaseRequestId, usableRequestId } from "./request-id-dedup.ts";

const A = { server: "Bitbucket", uuid: "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f" };

describe("claimRequestId", () => {
  it("is new once, then names the delivery that holds it; released, it is new again", async () => {
    const store = createMemoryStore();
    expect(await claimRequestId(store, A, "req-1", "d1")).toBeUndefined();
    expect(await claimRequestId(store, A, "req-1", "d2")).toEqual({ delivery: "d1" });
    await releaseRequestId(store, A, "req-1");
    expect(await claimRequestId(store, A, "req-1", "d3")).toBeUndefined();
  });

  it("is scoped to the server and the webhook UUID (issue #11): the same id on another webhook or server is new", async () => {
    const store = createMemoryStore();
    expect(await claimRequestId(store, A, "req-1", "d1")).toBeUndefined();
    expect(await claimRequestId(store, { ...A, uuid: "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d" }, "req-1", "d2")).toBeUndefined();
    expect(await claimRequestId(store, { ...A, server: "Other" }, "req-1", "d3")).toBeUndefined();
    // A ":" in a server name cannot make two scopes share a key.
    expect(await claimRequestId(store, { server: "B:x", uuid: "u" }, "y", "d4")).toBeUndefined();
    expect(await claimRequestId(store, { server: "B", uuid: "x:u" }, "y", "d5")).toBeUndefined();
    expect(await claimRequestId(store, A, "req-1", "d6")).toEqual({ delivery: "d1" });
  });

  it("still reports a duplicate when the store cannot show the holder yet (eventual consistency)", async () => {
    const memory = createMemoryStore();
    // Workers KV in another location: the claim is refused, but the read is stale.
    const stale: KvStore = { ...memory, putIfAbsent: async () => false, get: async () => null };
    expect(await claimRequestId(stale, A, "req-2", "d1")).toEqual({ delivery: undefined });
  });
  it("is a duplicate when the claim is refused, even if the holder cannot be read then (issue #12)", async () => {
    const memory = createMemoryStore();
    expect(await claimRequestId(memory, A, "req-3", "d1")).toBeUndefined();
    const failing: KvStore = {
      ...memory,
      get: async () => {
        throw new Error("Command timed out");
      },
    };
    expect(await claimRequestId(failing, A, "req-3", "d2")).toEqual({ delivery: undefined });
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
