import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KvStore } from "../../src/core/ports.ts";

export interface KvStoreHarness {
  store: KvStore;
  /**
   * A second client of the same backend (another connection, another Deno
   * KV handle, another store over the same bindings), as a second process
   * would have. The memory store has none: it is never shared.
   */
  other?: KvStore;
  /**
   * Moves the store's clock forward. Given for stores with an injected clock;
   * without it (Redis, whose TTLs run on the server) expiry is observed by
   * polling with a bounded deadline.
   */
  advance?: (ms: number) => void;
  /** Closes what the factory opened and removes its data; must tolerate a store already closed. */
  cleanup(): Promise<void>;
}

/** Short enough for real-time expiry (Redis PX), long enough not to expire between two commands. */
const SHORT_TTL_MS = 200;
const EXPIRY_DEADLINE_MS = 5_000;

/**
 * The behaviour every KvStore backend must share. Each test gets a fresh,
 * empty store from `factory`.
 */
export function describeKvStoreContract(name: string, factory: () => Promise<KvStoreHarness>): void {
  describe(`${name}: KvStore contract`, () => {
    let h: KvStoreHarness;
    let store: KvStore;

    beforeEach(async () => {
      h = await factory();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    /** Lets an entry written with SHORT_TTL_MS expire, then checks it is gone. */
    async function expectExpires(key: string): Promise<void> {
      if (h.advance) {
        h.advance(SHORT_TTL_MS - 1);
        expect(await store.get(key)).not.toBeNull();
        h.advance(1);
        expect(await store.get(key)).toBeNull();
        return;
      }
      const deadline = Date.now() + EXPIRY_DEADLINE_MS;
      while ((await store.get(key)) !== null) {
        if (Date.now() > deadline) {
          throw new Error(`${key} written with ttlMs ${SHORT_TTL_MS} still present after ${EXPIRY_DEADLINE_MS} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    async function putAll(keys: string[]): Promise<void> {
      // Written in an order unrelated to the sorted one.
      for (const key of [...keys].reverse()) await store.put(key, `v:${key}`);
    }

    const keysOf = async (prefix: string, options?: Parameters<KvStore["list"]>[1]) =>
      (await store.list(prefix, options)).map((entry) => entry.key);

    describe("get / put / delete", () => {
      it("returns null for a missing key", async () => {
        expect(await store.get("nope")).toBeNull();
      });

      it("returns what was put", async () => {
        await store.put("a", "1");
        expect(await store.get("a")).toBe("1");
      });

      it("overwrites", async () => {
        await store.put("a", "1");
        await store.put("a", "2");
        expect(await store.get("a")).toBe("2");
        expect(await store.list("a")).toEqual([{ key: "a", value: "2" }]);
      });

      it("keeps the empty string as a value", async () => {
        await store.put("empty", "");
        expect(await store.get("empty")).toBe("");
      });

      it("deletes, and deleting a missing key is fine", async () => {
        await store.put("a", "1");
        await store.delete("a");
        expect(await store.get("a")).toBeNull();
        expect(await store.list("")).toEqual([]);
        await store.delete("a");
        await store.delete("never-there");
      });

      it("round-trips unicode values", async () => {
        const value = "é 日本語 😀 \u0000 \uFFFD \u{10FFFF} \r\n\t \"quoted\" 'single' \\";
        await store.put("u", value);
        expect(await store.get("u")).toBe(value);
        expect(await store.list("u")).toEqual([{ key: "u", value }]);
      });

      it("round-trips a 1 MiB value", async () => {
        const ascii = "x".repeat(1024 * 1024);
        // 1 MiB of UTF-8 in two-byte characters, with an astral one at the end.
        const multiByte = "é".repeat(512 * 1024 - 2) + "😀";
        await store.put("big:ascii", ascii);
        await store.put("big:multi", multiByte);
        expect(await store.get("big:ascii")).toBe(ascii);
        expect(await store.get("big:multi")).toBe(multiByte);
        const listed = await store.list("big:");
        expect(listed.map((entry) => entry.value.length)).toEqual([ascii.length, multiByte.length]);
        expect(listed[1]?.value).toBe(multiByte);
      });

      it("rejects bad arguments instead of storing something else", async () => {
        await expect(store.put("t", "v", { ttlMs: 0 })).rejects.toThrow(RangeError);
        await expect(store.put("t", "v", { ttlMs: -5 })).rejects.toThrow(RangeError);
        await expect(store.put("t", "v", { ttlMs: Number.NaN })).rejects.toThrow(RangeError);
        await expect(store.putIfAbsent("t", "v", { ttlMs: Infinity })).rejects.toThrow(RangeError);
        await expect(store.list("", { limit: -1 })).rejects.toThrow(RangeError);
        await expect(store.list("", { limit: 1.5 })).rejects.toThrow(RangeError);
        // A lone surrogate has no UTF-8 form; SQLite and Redis would store U+FFFD.
        await expect(store.put("bad\uD800", "v")).rejects.toThrow(TypeError);
        await expect(store.put("k", "bad\uDC00")).rejects.toThrow(TypeError);
        expect(await store.list("")).toEqual([]);
      });
    });

    describe("list", () => {
      // Expected ascending order: UTF-8 byte order ('/' < ':' < '~' < é <
      // 日 < U+FFFD < 😀). The last two are in the other order in UTF-16.
      const routeKeys = ["route:", "route:a", "route:b/c", "route:b:d", "route:~", "route:é", "route:日本", "route:\uFFFD", "route:😀"];
      const neighbours = ["roud", "rout", "route", "route;", "route9", "routes:x", "routf", "s"];

      beforeEach(async () => {
        await putAll([...neighbours, ...routeKeys]);
      });

      it("returns the keys under a prefix in ascending order, with their values", async () => {
        const entries = await store.list("route:");
        expect(entries.map((entry) => entry.key)).toEqual(routeKeys);
        expect(entries.map((entry) => entry.value)).toEqual(routeKeys.map((key) => `v:${key}`));
      });

      it("does not leak neighbouring prefixes", async () => {
        expect(await keysOf("routes:")).toEqual(["routes:x"]);
        expect(await keysOf("route;")).toEqual(["route;"]);
        expect(await keysOf("route")).toEqual(["route", "route9", ...routeKeys, "route;", "routes:x"]);
        expect(await keysOf("route:b")).toEqual(["route:b/c", "route:b:d"]);
        expect(await keysOf("route:日")).toEqual(["route:日本"]);
        expect(await keysOf("route:\uFFFD")).toEqual(["route:\uFFFD"]);
        expect(await keysOf("nothing")).toEqual([]);
      });

      it("lists everything, in UTF-8 byte order, for the empty prefix", async () => {
        const all = [...neighbours, ...routeKeys].sort(compareUtf8);
        expect(await keysOf("")).toEqual(all);
      });

      it("bounds prefixes that end at the edges of Unicode", async () => {
        await putAll(["p\uD7FF", "p\uD7FFa", "p\uE000", "p\u{10FFFF}", "p\u{10FFFF}a", "p\u{10FFFF}\u{10FFFF}", "q"]);
        expect(await keysOf("p\uD7FF")).toEqual(["p\uD7FF", "p\uD7FFa"]);
        expect(await keysOf("p\u{10FFFF}")).toEqual(["p\u{10FFFF}", "p\u{10FFFF}a", "p\u{10FFFF}\u{10FFFF}"]);
        expect(await keysOf("p")).toEqual(["p\uD7FF", "p\uD7FFa", "p\uE000", "p\u{10FFFF}", "p\u{10FFFF}a", "p\u{10FFFF}\u{10FFFF}"]);
      });

      it("honours limit", async () => {
        expect(await keysOf("route:", { limit: 2 })).toEqual(routeKeys.slice(0, 2));
        expect(await keysOf("route:", { limit: 100 })).toEqual(routeKeys);
        expect(await keysOf("route:", { limit: 0 })).toEqual([]);
      });

      it("honours after and before as strict bounds inside the prefix", async () => {
        expect(await keysOf("route:", { after: "route:b/c" })).toEqual(routeKeys.slice(3));
        expect(await keysOf("route:", { before: "route:é" })).toEqual(routeKeys.slice(0, 5));
        expect(await keysOf("route:", { after: "route:a", before: "route:日本" })).toEqual(routeKeys.slice(2, 6));
        // Bounds that are not keys themselves.
        expect(await keysOf("route:", { after: "route:b", before: "route:c" })).toEqual(["route:b/c", "route:b:d"]);
        // Bounds outside the prefix change nothing.
        expect(await keysOf("route:", { after: "a", before: "z" })).toEqual(routeKeys);
        expect(await keysOf("route:", { after: "route", before: "route;" })).toEqual(routeKeys);
        // An empty range.
        expect(await keysOf("route:", { after: "route:é", before: "route:é" })).toEqual([]);
        expect(await keysOf("route:", { after: "route:z", before: "route:a" })).toEqual([]);
        expect(await keysOf("route:", { after: "routes" })).toEqual([]);
        expect(await keysOf("", { after: "route;", before: "routf" })).toEqual(["routes:x"]);
        expect(await keysOf("route:", { after: "route:b/c", limit: 2 })).toEqual(routeKeys.slice(3, 5));
      });

      it("pages through a prefix with limit and after", async () => {
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await keysOf("route:", after === undefined ? { limit: 2 } : { limit: 2, after });
          if (page.length === 0) break;
          seen.push(...page);
          after = page[page.length - 1];
        }
        expect(seen).toEqual(routeKeys);
      });
    });

    describe("TTL", () => {
      it("hides an entry once its TTL has passed, from get and list", async () => {
        await store.put("ttl:short", "gone soon", { ttlMs: SHORT_TTL_MS });
        await store.put("ttl:long", "stays", { ttlMs: 3_600_000 });
        await store.put("ttl:none", "stays");
        expect(await store.get("ttl:short")).toBe("gone soon");
        await expectExpires("ttl:short");
        expect(await keysOf("ttl:")).toEqual(["ttl:long", "ttl:none"]);
        expect(await store.get("ttl:long")).toBe("stays");
        expect(await store.get("ttl:none")).toBe("stays");
      });

      it("drops the TTL when the key is put again without one", async () => {
        await store.put("k", "1", { ttlMs: SHORT_TTL_MS });
        await store.put("k", "2");
        await store.put("marker", "m", { ttlMs: SHORT_TTL_MS });
        await expectExpires("marker");
        expect(await store.get("k")).toBe("2");
      });

      it("lets a key be put again after it expired", async () => {
        await store.put("k", "1", { ttlMs: SHORT_TTL_MS });
        await expectExpires("k");
        await store.put("k", "2");
        expect(await store.get("k")).toBe("2");
        expect(await store.list("k")).toEqual([{ key: "k", value: "2" }]);
      });
    });

    describe("putIfAbsent", () => {
      it("claims once, then refuses while the entry lives, then claims again after delete", async () => {
        expect(await store.putIfAbsent("claim", "first")).toBe(true);
        expect(await store.putIfAbsent("claim", "second")).toBe(false);
        expect(await store.get("claim")).toBe("first");
        await store.delete("claim");
        expect(await store.putIfAbsent("claim", "third")).toBe(true);
        expect(await store.get("claim")).toBe("third");
        expect(await store.list("claim")).toEqual([{ key: "claim", value: "third" }]);
      });

      it("refuses over an entry written with put", async () => {
        await store.put("claim", "put");
        expect(await store.putIfAbsent("claim", "mine")).toBe(false);
        expect(await store.get("claim")).toBe("put");
      });

      it("treats an expired entry as absent", async () => {
        expect(await store.putIfAbsent("claim", "first", { ttlMs: SHORT_TTL_MS })).toBe(true);
        expect(await store.putIfAbsent("claim", "second", { ttlMs: SHORT_TTL_MS })).toBe(false);
        await expectExpires("claim");
        expect(await store.putIfAbsent("claim", "third")).toBe(true);
        expect(await store.get("claim")).toBe("third");
        expect(await store.list("claim")).toEqual([{ key: "claim", value: "third" }]);
      });

      it("lets exactly one of 20 concurrent claims win", async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.putIfAbsent("race", `contender-${i}`, { ttlMs: 60_000 })),
        );
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await store.get("race")).toBe(`contender-${winners[0]}`);
      });
    });

    describe("versions and batchIf (compare-and-set, issue #12)", () => {
      const other = () => h.other ?? store;

      it("reads a live entry with its version; null for a missing or deleted one", async () => {
        expect(await store.getVersioned("k")).toBeNull();
        await store.put("k", "1");
        const first = await store.getVersioned("k");
        expect(first?.value).toBe("1");
        expect(typeof first?.version).toBe("string");
        expect(await other().getVersioned("k")).toEqual(first);
        await store.delete("k");
        expect(await store.getVersioned("k")).toBeNull();
      });

      it("gives every write a new version, even of the same value, and never one the key had before", async () => {
        const seen: string[] = [];
        const version = async () => (await store.getVersioned("k"))!.version;
        await store.put("k", "same");
        seen.push(await version());
        await store.put("k", "same");
        seen.push(await version());
        await store.batch([{ type: "put", key: "k", value: "same" }]);
        seen.push(await version());
        await store.delete("k");
        expect(await store.putIfAbsent("k", "same")).toBe(true);
        seen.push(await version());
        const written = await store.batchIf({ key: "k", version: seen[3]! }, [{ type: "put", key: "k", value: "same" }]);
        expect(written.ok).toBe(true);
        seen.push(await version());
        expect(new Set(seen).size).toBe(seen.length);
        expect(written).toEqual({ ok: true, version: seen[4] });
      });

      it("applies a batch only while the checked key is at the version read, all of it, and answers the new version", async () => {
        await store.put("rec", "v1");
        const read = (await store.getVersioned("rec"))!;
        const result = await store.batchIf({ key: "rec", version: read.version }, [
          { type: "put", key: "rec", value: "v2" },
          { type: "put", key: "idx:b", value: "rec" },
          { type: "delete", key: "idx:a" },
        ]);
        expect(result.ok).toBe(true);
        const now = (await store.getVersioned("rec"))!;
        expect(now.value).toBe("v2");
        expect(result).toEqual({ ok: true, version: now.version });
        expect(await store.list("idx:")).toEqual([{ key: "idx:b", value: "rec" }]);

        // The same old version again: refused, and nothing of the batch is written.
        const stale = await store.batchIf({ key: "rec", version: read.version }, [
          { type: "put", key: "rec", value: "v3" },
          { type: "put", key: "idx:c", value: "rec" },
        ]);
        expect(stale).toEqual({ ok: false });
        expect(await store.get("rec")).toBe("v2");
        expect(await keysOf("idx:")).toEqual(["idx:b"]);
      });

      it("checks absence with version null; an expired entry is absent", async () => {
        expect(
          (await store.batchIf({ key: "new", version: null }, [{ type: "put", key: "new", value: "1", ttlMs: SHORT_TTL_MS }])).ok,
        ).toBe(true);
        expect(await store.batchIf({ key: "new", version: null }, [{ type: "put", key: "new", value: "2" }])).toEqual({ ok: false });
        expect(await store.get("new")).toBe("1");
        await expectExpires("new");
        expect(await store.getVersioned("new")).toBeNull();
        expect((await store.batchIf({ key: "new", version: null }, [{ type: "put", key: "new", value: "3" }])).ok).toBe(true);
        expect(await store.get("new")).toBe("3");
      });

      it("refuses a version from before a delete and a re-creation (no ABA)", async () => {
        await store.put("k", "same");
        const before = (await store.getVersioned("k"))!.version;
        await store.delete("k");
        await store.put("k", "same");
        expect(await store.batchIf({ key: "k", version: before }, [{ type: "delete", key: "k" }])).toEqual({ ok: false });
        expect(await store.get("k")).toBe("same");
      });

      it("can delete the checked key, or leave it as it is", async () => {
        await store.put("k", "1");
        const { version } = (await store.getVersioned("k"))!;
        expect(await store.batchIf({ key: "k", version }, [{ type: "put", key: "other", value: "x" }])).toEqual({ ok: true, version });
        expect(
          await store.batchIf({ key: "k", version }, [
            { type: "delete", key: "k" },
            { type: "delete", key: "other" },
          ]),
        ).toEqual({ ok: true, version: null });
        expect(await store.list("")).toEqual([]);
      });

      it("refuses bad arguments before comparing anything", async () => {
        await store.put("k", "1");
        const { version } = (await store.getVersioned("k"))!;
        await expect(store.batchIf({ key: "k", version }, [{ type: "put", key: "k", value: "2", ttlMs: 0 }])).rejects.toThrow(RangeError);
        await expect(store.batchIf({ key: "bad\uD800", version: null }, [])).rejects.toThrow(TypeError);
        await expect(store.batchIf({ key: "k", version: 5 as never }, [])).rejects.toThrow(TypeError);
        expect(await store.getVersioned("k")).toEqual({ value: "1", version });
      });

      it("lets exactly one of concurrent compare-and-sets from two clients win", async () => {
        await store.put("counter", "0");
        const { version } = (await store.getVersioned("counter"))!;
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? store : other()).batchIf({ key: "counter", version }, [
              { type: "put", key: "counter", value: `winner-${i}` },
              { type: "put", key: `log:${i}`, value: "x" },
            ]),
          ),
        );
        const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await other().get("counter")).toBe(`winner-${winners[0]}`);
        expect(await keysOf("log:")).toEqual([`log:${winners[0]}`]);
      });

      it("serialises read-modify-write loops from two clients: no increment is lost", async () => {
        await store.put("n", "0");
        const increment = async (client: KvStore) => {
          for (;;) {
            const read = (await client.getVersioned("n"))!;
            const next = String(Number(read.value) + 1);
            if ((await client.batchIf({ key: "n", version: read.version }, [{ type: "put", key: "n", value: next }])).ok) return;
          }
        };
        await Promise.all(Array.from({ length: 8 }, (_, i) => increment(i % 2 === 0 ? store : other())));
        expect(await store.get("n")).toBe("8");
      });
    });

    describe("batch", () => {
      it("applies puts and deletes in order", async () => {
        await store.put("gone", "x");
        await store.put("replaced", "old");
        await store.batch([
          { type: "put", key: "a", value: "1" },
          { type: "delete", key: "gone" },
          { type: "put", key: "replaced", value: "new" },
          { type: "put", key: "twice", value: "first" },
          { type: "put", key: "twice", value: "second" },
          { type: "put", key: "put-then-deleted", value: "x" },
          { type: "delete", key: "put-then-deleted" },
          { type: "delete", key: "deleted-then-put" },
          { type: "put", key: "deleted-then-put", value: "back" },
          { type: "delete", key: "never-there" },
        ]);
        expect(await store.list("")).toEqual([
          { key: "a", value: "1" },
          { key: "deleted-then-put", value: "back" },
          { key: "replaced", value: "new" },
          { key: "twice", value: "second" },
        ]);
      });

      it("applies TTLs of its puts", async () => {
        await store.put("k", "kept", { ttlMs: SHORT_TTL_MS });
        await store.batch([
          { type: "put", key: "short", value: "x", ttlMs: SHORT_TTL_MS },
          { type: "put", key: "k", value: "no ttl now" },
        ]);
        await expectExpires("short");
        expect(await store.get("k")).toBe("no ttl now");
        expect(await keysOf("")).toEqual(["k"]);
      });

      it("accepts an empty batch", async () => {
        await store.batch([]);
        expect(await store.list("")).toEqual([]);
      });

      it("writes nothing when any op is invalid", async () => {
        await store.put("a", "before");
        const bad: Parameters<KvStore["batch"]>[0][] = [
          [
            { type: "put", key: "a", value: "after" },
            { type: "put", key: "b", value: "x", ttlMs: 0 },
          ],
          [
            { type: "delete", key: "a" },
            { type: "put", key: "bad\uD800", value: "x" },
          ],
          [{ type: "put", key: "a", value: "after" }, { type: "nope", key: "a" } as never],
        ];
        for (const ops of bad) await expect(store.batch(ops)).rejects.toThrow();
        expect(await store.list("")).toEqual([{ key: "a", value: "before" }]);
      });
    });

    describe("close", () => {
      it("is idempotent, and the store refuses work afterwards", async () => {
        await store.put("a", "1");
        await Promise.all([store.close(), store.close()]);
        await store.close();
        await expect(store.get("a")).rejects.toThrow();
        await expect(store.put("a", "2")).rejects.toThrow();
        await expect(store.batch([{ type: "delete", key: "a" }])).rejects.toThrow();
        await expect(store.getVersioned("a")).rejects.toThrow();
        await expect(store.batchIf({ key: "a", version: null }, [])).rejects.toThrow();
      });
    });
  });
}

/** UTF-8 byte order, computed independently of any store. */
export function compareUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}
