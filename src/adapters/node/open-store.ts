import { resolve } from "node:path";
import { GatewayError } from "../../core/gateway-error.ts";
import type { Clock, KvStore } from "../../core/ports.ts";
import { createMemoryStore } from "../../store/memory-store.ts";

/**
 * Opens the store named by `gateway.store`: `sqlite:PATH` (default; a
 * relative PATH is taken from the working directory, like any server's data
 * directory), `redis://HOST:PORT/DB` for several processes, or `memory`.
 * Every call is bounded by `timeoutMs` (`gateway.storeTimeout`, issue #12).
 * Each driver (better-sqlite3, ioredis) is loaded only when its store is
 * the one configured (issue #15).
 */
export async function openStore(spec: string, options: { clock?: Clock; timeoutMs?: number } = {}): Promise<KvStore> {
  const { clock, timeoutMs } = options;
  if (spec === "memory") return createMemoryStore({ clock });
  if (spec.startsWith("sqlite:")) {
    const { createSqliteStore } = await import("./sqlite-store.ts");
    return createSqliteStore({ path: resolve(spec.slice("sqlite:".length)), clock, busyTimeoutMs: timeoutMs });
  }
  if (isRedisStore(spec)) {
    const { createRedisStore } = await import("./redis-store.ts");
    return createRedisStore({ url: spec, timeoutMs });
  }
  throw new GatewayError(
    "ERR_STORE",
    `gateway.store: unknown store "${spec.split(":")[0]}" (use sqlite:PATH, redis://HOST:PORT/DB or memory)`,
  );
}

/** A `redis://` or `rediss://` store: shared by several processes. */
export function isRedisStore(spec: string): boolean {
  return spec.startsWith("redis://") || spec.startsWith("rediss://");
}
