import { describe, expect, it } from "vitest";
import { GatewayError } from "../core/gateway-error.ts";
import { type ChangeFeed, type KvStore, silentLogger } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import { createRouteStore, STORE_UNAVAILABLE } from "./route-store.ts";

const U = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const V = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";

/** A memory store that counts reads and can be made to fail every call. */
function flakyStore() {
  const inner = createMemoryStore();
  const state = { reads: 0, down: false };
  const guard = <T>(call: () => Promise<T>) => (state.down ? Promise.reject(new Error("Command timed out")) : call());
  const store: KvStore = {
    ...inner,
    get: (key) => {
      state.reads++;
      return guard(() => inner.get(key));
    },
    put: (key, value, options) => guard(() => inner.put(key, value, options)),
    delete: (key) => guard(() => inner.delete(key)),
  };
  return { store, inner, state };
}

/** A ChangeFeed whose announcements the test delivers by hand. */
function manualFeed() {
  const published: string[] = [];
  let listener: { changed: (key: string) => void; missed: () => void } | undefined;
  const feed: ChangeFeed = {
    publish: async (key) => void published.push(key),
    subscribe: (changed, missed) => void (listener = { changed, missed }),
  };
  return { feed, published, changed: (key: string) => listener!.changed(key), missed: () => listener!.missed() };
}

const route = (instance: string, server = "B") => ({ instance, discoveredAt: 1, server });

describe("createRouteStore (issue #12, finding 7)", () => {
  const setup = (options: { ttlMs?: number; maxEntries?: number; feed?: ChangeFeed } = {}) => {
    let now = 1_000;
    const flaky = flakyStore();
    const routes = createRouteStore({
      store: flaky.store,
      clock: { now: () => now },
      logger: silentLogger,
      ttlMs: options.ttlMs ?? 30_000,
      maxEntries: options.maxEntries ?? 100,
      changes: options.feed,
    });
    return { ...flaky, routes, advance: (ms: number) => void (now += ms) };
  };

  it("serves a route from memory once read or written, and reads the store again after the TTL", async () => {
    const { routes, inner, state, advance } = setup();
    await inner.put(`route:${U}`, JSON.stringify(route("alpha")));
    expect(await routes.get(U)).toEqual(route("alpha"));
    expect(await routes.get(U)).toEqual(route("alpha"));
    expect(state.reads).toBe(1);
    await routes.put(V, route("beta"));
    expect(await routes.get(V)).toEqual(route("beta"));
    expect(state.reads).toBe(1);
    // Changed behind its back (another process, no feed): seen after the TTL.
    await inner.put(`route:${U}`, JSON.stringify(route("beta")));
    advance(30_000);
    expect(await routes.get(U)).toEqual(route("beta"));
    expect(state.reads).toBe(2);
  });

  it("holds at most maxEntries, dropping the least recently used", async () => {
    const { routes, state } = setup({ maxEntries: 2 });
    await routes.put("a", route("alpha"));
    await routes.put("b", route("alpha"));
    await routes.get("a");
    await routes.put("c", route("alpha"));
    state.reads = 0;
    await routes.get("a");
    await routes.get("c");
    expect(state.reads).toBe(0);
    await routes.get("b");
    expect(state.reads).toBe(1);
  });

  it("goes on what it holds when the store does not answer, however old; with nothing held it says the route could not be read", async () => {
    const { routes, state, advance } = setup();
    await routes.put(U, route("alpha"));
    advance(3_600_000);
    state.down = true;
    expect(await routes.get(U)).toEqual(route("alpha"));
    const error = await routes.get(V).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe(STORE_UNAVAILABLE);
  });

  it("keeps a change it could not store as its own knowledge, and lets the store decide once it answers", async () => {
    const { routes, inner, state } = setup();
    await inner.put(`route:${U}`, JSON.stringify(route("alpha")));
    state.down = true;
    await expect(routes.put(U, route("beta"))).rejects.toThrow(/timed out/);
    expect(await routes.get(U)).toEqual(route("beta"));
    state.down = false;
    expect(await routes.get(U)).toEqual(route("alpha"));
  });

  it("announces its changes, forgets a route another process announced, and reads everything again after missed announcements", async () => {
    const feed = manualFeed();
    const { routes, inner, state } = setup({ feed: feed.feed });
    await routes.put(U, route("alpha"));
    await routes.drop(V);
    expect(feed.published).toEqual([`route:${U}`, `route:${V}`]);

    await inner.put(`route:${U}`, JSON.stringify(route("beta")));
    feed.changed(`route:${U}`);
    expect(await routes.get(U)).toEqual(route("beta"));

    await inner.put(`route:${U}`, JSON.stringify(route("gamma")));
    state.reads = 0;
    feed.missed();
    expect(await routes.get(U)).toEqual(route("gamma"));
    expect(state.reads).toBe(1);
    feed.changed("dedup:whatever");
    expect(await routes.get(U)).toEqual(route("gamma"));
    expect(state.reads).toBe(1);
  });

  it("does not hold a value read while a change happened: it may be older than the change", async () => {
    const { inner, store } = setup();
    await inner.put(`route:${U}`, JSON.stringify(route("alpha")));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = createRouteStore({
      store: {
        ...store,
        get: async (key) => {
          const value = await inner.get(key);
          await gate;
          return value;
        },
      },
      clock: { now: () => 1_000 },
      logger: silentLogger,
      ttlMs: 30_000,
      maxEntries: 10,
    });
    const reading = slow.get(U);
    await slow.put(U, route("beta"));
    release();
    expect(await reading).toEqual(route("alpha"));
    expect(await slow.get(U)).toEqual(route("beta"));
  });
});
