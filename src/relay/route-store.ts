import { GatewayError } from "../core/gateway-error.ts";
import type { ChangeFeed, Clock, KvStore, Logger } from "../core/ports.ts";

/**
 * `route:<uuid>` → the CDS instance that owns the webhook UUID and the
 * Bitbucket server whose path its webhooks come through
 * (docs/storage-schema.md). No TTL: a route is dropped when its owner
 * answers 404 (the hook was deleted in CDS).
 */
const ROUTE_PREFIX = "route:";
const routeKey = (uuid: string) => `${ROUTE_PREFIX}${uuid}`;

export interface RouteRecord {
  instance: string;
  /** When the owner was discovered (ms since epoch). */
  discoveredAt: number;
  /**
   * The `vcs.servers` name whose path the UUID's webhooks came through
   * (issue #11); absent in routes written before routes had one.
   */
  server?: string;
}

/** The code of the error `RouteStore.get` throws when neither the store nor memory can say. */
export const STORE_UNAVAILABLE = "ERR_STORE_UNAVAILABLE";

export interface RouteStore {
  /**
   * The route of `uuid`. Read from memory while it was read or written less
   * than `ttlMs` ago (and no change was announced for it), else from the
   * store, and kept. When the store cannot be read, the route held in
   * memory, however old; with none, a GatewayError {@link STORE_UNAVAILABLE}.
   */
  get(uuid: string): Promise<RouteRecord | undefined>;
  /** Holds it in memory, writes it to the store, announces the change. Rejects when the store write fails. */
  put(uuid: string, record: RouteRecord): Promise<void>;
  /** Forgets it in memory and in the store, announces the change. */
  drop(uuid: string): Promise<void>;
  /** From the store (the admin API). */
  list(limit?: number): Promise<Array<RouteRecord & { uuid: string }>>;
}

export interface RouteStoreOptions {
  store: KvStore;
  clock: Clock;
  logger: Logger;
  /** `gateway.routeCacheTtl`. */
  ttlMs: number;
  /** `gateway.routeCacheSize`: routes held at most; the least recently used go first. */
  maxEntries: number;
  /** Changes announced by the other processes sharing the store (Redis); without it, `ttlMs` bounds how long they go unseen. */
  changes?: ChangeFeed;
}

interface Held {
  record: RouteRecord;
  /** When it was last read from or written to the store; -Infinity once it must be read again. */
  readAt: number;
  /** The feed's generation it was read in: a `missed()` starts a new one. */
  generation: number;
}

/**
 * Routes, served from memory (issue #12; issue #13 relies on it): every
 * webhook needs its route, and a route changes when a hook is created,
 * moved or deleted in CDS. The store stays the truth shared by processes;
 * this process holds a bounded set of what it read and wrote, kept right by
 * its own writes, by the changes other processes announce (`changes`), and
 * by reading it again after `ttlMs`. When the store does not answer, what
 * is held is what the relay goes on (docs/RELIABILITY.md).
 */
export function createRouteStore(options: RouteStoreOptions): RouteStore {
  const { store, clock, logger, ttlMs, maxEntries, changes } = options;
  const held = new Map<string, Held>();
  let generation = 0;
  // Any change since a read started: the value read may be older than it, so it is not held.
  let mutations = 0;

  const hold = (uuid: string, record: RouteRecord, readAt: number) => {
    held.delete(uuid);
    held.set(uuid, { record, readAt, generation });
    // A Map iterates in insertion order: the first key is the least recently used.
    if (held.size > maxEntries) held.delete(held.keys().next().value!);
  };
  const forget = (uuid: string) => {
    mutations++;
    held.delete(uuid);
  };
  const announce = async (uuid: string) => {
    try {
      await changes?.publish(routeKey(uuid));
    } catch (error) {
      logger.log("warn", "route change not announced to other processes", {
        uuid,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  changes?.subscribe(
    (key) => {
      if (!key.startsWith(ROUTE_PREFIX)) return;
      const uuid = key.slice(ROUTE_PREFIX.length);
      forget(uuid);
      logger.log("debug", "route changed in another process", { uuid });
    },
    () => {
      mutations++;
      generation++;
    },
  );

  return {
    async get(uuid) {
      const entry = held.get(uuid);
      const now = clock.now();
      if (entry && entry.generation === generation && now - entry.readAt < ttlMs) {
        hold(uuid, entry.record, entry.readAt);
        return entry.record;
      }
      const before = mutations;
      let raw: string | null;
      try {
        raw = await store.get(routeKey(uuid));
      } catch (error) {
        const fallback = held.get(uuid);
        if (fallback) {
          logger.log("debug", "route held in memory used: the store did not answer", { uuid });
          return fallback.record;
        }
        throw new GatewayError(STORE_UNAVAILABLE, "the route of this webhook could not be read", { cause: error });
      }
      if (raw === null) {
        if (mutations === before) held.delete(uuid);
        return undefined;
      }
      const record = JSON.parse(raw) as RouteRecord;
      if (mutations === before) hold(uuid, record, now);
      return record;
    },

    async put(uuid, record) {
      mutations++;
      hold(uuid, record, clock.now());
      try {
        await store.put(routeKey(uuid), JSON.stringify(record));
      } catch (error) {
        // This process's best knowledge until the store can be read again, which then decides.
        const entry = held.get(uuid);
        if (entry?.record === record) entry.readAt = -Infinity;
        throw error;
      }
      await announce(uuid);
    },

    async drop(uuid) {
      forget(uuid);
      await store.delete(routeKey(uuid));
      await announce(uuid);
    },

    async list(limit = 1000) {
      const entries = await store.list(ROUTE_PREFIX, { limit });
      return entries.map((e) => ({ uuid: e.key.slice(ROUTE_PREFIX.length), ...(JSON.parse(e.value) as RouteRecord) }));
    },
  };
}
