import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { KvStore } from "../../core/ports.ts";
import { describeDueWorkContract } from "../../../test/support/due-work-contract.ts";
import { describeKvStoreContract, type KvStoreHarness } from "../../../test/support/kv-store-contract.ts";
import { startRedisServer, type RedisServerHandle } from "../../../test/support/redis-server.ts";
import { createRedisStore } from "./redis-store.ts";

// One real redis-server for the whole file; each test works under its own
// key prefix, so tests never see each other's keys.
let server: RedisServerHandle | undefined;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

function serverUrl(): string {
  if (server === undefined) throw new Error("redis-server did not start (see the beforeAll error)");
  return server.url;
}

const freshPrefix = () => `test:${randomUUID()}:`;

/** Two clients under one key prefix, as two gateway processes on one Redis have. */
const redisStores = async (): Promise<KvStoreHarness> => {
  const keyPrefix = freshPrefix();
  const store = createRedisStore({ url: serverUrl(), keyPrefix });
  const other = createRedisStore({ url: serverUrl(), keyPrefix });
  return {
    store,
    other,
    cleanup: async () => {
      await store.close();
      await other.close();
    },
  };
};

describeKvStoreContract("redis store", redisStores);
describeDueWorkContract("redis store", redisStores);

describe("redis store on a shared server", () => {
  const opened: KvStore[] = [];
  const raw: Redis[] = [];
  const open = (keyPrefix: string): KvStore => {
    const store = createRedisStore({ url: serverUrl(), keyPrefix });
    opened.push(store);
    return store;
  };
  const rawClient = (): Redis => {
    const client = new Redis(serverUrl());
    raw.push(client);
    return client;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const client of raw.splice(0)) await client.quit();
  });

  it("lets only one of two clients win a concurrent claim", async () => {
    const prefix = freshPrefix();
    const a = open(prefix);
    const b = open(prefix);
    const results = await Promise.all([a.putIfAbsent("claim", "a"), b.putIfAbsent("claim", "b")]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await b.get("claim")).toBe(results[0] ? "a" : "b");
  });

  it("lets exactly one of 20 claims spread over 4 clients win", async () => {
    const prefix = freshPrefix();
    const clients = Array.from({ length: 4 }, () => open(prefix));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => clients[i % 4]!.putIfAbsent("race", String(i), { ttlMs: 60_000 })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("shares writes between clients and keeps key prefixes apart", async () => {
    const prefix = freshPrefix();
    const a = open(prefix);
    const b = open(prefix);
    const other = open(freshPrefix());
    await a.put("k", "1");
    expect(await b.get("k")).toBe("1");
    expect(await b.list("")).toEqual([{ key: "k", value: "1" }]);
    expect(await other.get("k")).toBeNull();
    expect(await other.list("")).toEqual([]);
  });

  it("uses the documented layout: value keys, a lex index, an expiry index", async () => {
    const prefix = freshPrefix();
    const store = open(prefix);
    const redis = rawClient();
    await store.put("b", "2");
    await store.put("a", "1", { ttlMs: 60_000 });
    expect(await redis.get(`${prefix}v:a`)).toBe("1");
    expect(await redis.pttl(`${prefix}v:a`)).toBeGreaterThan(0);
    expect(await redis.pttl(`${prefix}v:b`)).toBe(-1);
    expect(await redis.zrange(`${prefix}index`, "0", "-1", "WITHSCORES")).toEqual(["a", "0", "b", "0"]);
    expect(await redis.zrange(`${prefix}expiry`, "0", "-1")).toEqual(["a"]);
    await store.delete("a");
    expect(await redis.zrange(`${prefix}index`, "0", "-1")).toEqual(["b"]);
    expect(await redis.zrange(`${prefix}expiry`, "0", "-1")).toEqual([]);
  });

  it("keeps each entry's version beside its value, with the same expiry; a value without one reads as version 0 (issue #12)", async () => {
    const prefix = freshPrefix();
    const store = open(prefix);
    const redis = rawClient();
    await store.put("a", "1", { ttlMs: 60_000 });
    const { version } = (await store.getVersioned("a"))!;
    expect(await redis.get(`${prefix}r:a`)).toBe(version);
    expect(await redis.pttl(`${prefix}r:a`)).toBeGreaterThan(0);
    // Written before versions existed.
    await redis.set(`${prefix}v:old`, "record");
    await redis.zadd(`${prefix}index`, 0, "old");
    expect(await store.getVersioned("old")).toEqual({ value: "record", version: "0" });
    expect((await store.batchIf({ key: "old", version: "0" }, [{ type: "delete", key: "old" }])).ok).toBe(true);
    expect(await redis.exists(`${prefix}v:old`, `${prefix}r:old`)).toBe(0);
  });

  it("drops index members of expired values when list meets them", async () => {
    const prefix = freshPrefix();
    const store = open(prefix);
    const redis = rawClient();
    await store.put("gone:1", "x");
    await store.put("gone:2", "y");
    await store.put("kept", "z");
    // Stands in for expiry or eviction: the value key vanishes behind the store's back.
    await redis.del(`${prefix}v:gone:1`, `${prefix}v:gone:2`);
    expect(await store.list("")).toEqual([{ key: "kept", value: "z" }]);
    expect(await redis.zrange(`${prefix}index`, "0", "-1")).toEqual(["kept"]);
  });

  it("still fills `limit` when expired members sit in the way", async () => {
    const prefix = freshPrefix();
    const store = open(prefix);
    const redis = rawClient();
    for (let i = 0; i < 250; i++) await store.put(`k:${String(i).padStart(3, "0")}`, "dead");
    await store.put("k:999", "alive-1");
    await store.put("k:9999", "alive-2");
    const dead = Array.from({ length: 250 }, (_, i) => `${prefix}v:k:${String(i).padStart(3, "0")}`);
    await redis.del(...dead);
    expect(await store.list("k:", { limit: 2 })).toEqual([
      { key: "k:999", value: "alive-1" },
      { key: "k:9999", value: "alive-2" },
    ]);
    expect(await redis.zcard(`${prefix}index`)).toBe(2);
  });

  it("purges index members of expired values that nobody lists", async () => {
    const prefix = freshPrefix();
    const redis = rawClient();
    await open(prefix).put("marker", "x", { ttlMs: 200 });
    const deadline = Date.now() + 5_000;
    while ((await redis.exists(`${prefix}v:marker`)) === 1) {
      if (Date.now() > deadline) throw new Error("Redis did not expire the value within 5 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A new client purges on its first write (then at most once a minute).
    await open(prefix).put("other", "y");
    expect(await redis.zrange(`${prefix}index`, "0", "-1")).toEqual(["other"]);
    expect(await redis.zrange(`${prefix}expiry`, "0", "-1")).toEqual([]);
  });

  it("reports a closed store after the server connection is quit", async () => {
    const store = open(freshPrefix());
    await store.put("a", "1");
    await store.close();
    await expect(store.list("")).rejects.toThrow(/closed/);
  });
});
