import type { KvStore } from "../core/ports.ts";

/**
 * `route:<uuid>` → the CDS instance that owns the webhook UUID and the
 * Bitbucket server whose path its webhooks come through
 * (docs/storage-schema.md). No TTL: a route is dropped when its owner
 * answers 404 (the hook was deleted in CDS).
 */
const routeKey = (uuid: string) => `route:${uuid}`;

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

export async function getRoute(store: KvStore, uuid: string): Promise<RouteRecord | undefined> {
  const raw = await store.get(routeKey(uuid));
  return raw === null ? undefined : (JSON.parse(raw) as RouteRecord);
}

export async function putRoute(store: KvStore, uuid: string, record: RouteRecord): Promise<void> {
  await store.put(routeKey(uuid), JSON.stringify(record));
}

export async function dropRoute(store: KvStore, uuid: string): Promise<void> {
  await store.delete(routeKey(uuid));
}

export async function listRoutes(store: KvStore, limit = 1000): Promise<Array<RouteRecord & { uuid: string }>> {
  const entries = await store.list("route:", { limit });
  return entries.map((e) => ({ uuid: e.key.slice("route:".length), ...(JSON.parse(e.value) as RouteRecord) }));
}
