import type { KvStore } from "../core/ports.ts";

/** A repeated X-Request-Id within this window is acknowledged and not delivered again (docs/DECISIONS.md, "Durable queue"). */
export const DEDUP_WINDOW_MS = 24 * 60 * 60_000;

/** Whose request ids a claim is among: one webhook of one Bitbucket server. */
export interface DedupScope {
  /** The `vcs.servers` name of the server whose path the webhook came in on. */
  server: string;
  uuid: string;
}

/**
 * Scoped to the server and the webhook UUID (issue #11): anyone can send any
 * X-Request-Id, and a global key would let an id sent to one webhook drop
 * another webhook's delivery. The server name is URI-encoded so a `:` in it
 * cannot make two scopes collide; the UUID is fixed-format.
 */
const dedupKey = (scope: DedupScope, requestId: string) => `dedup:${encodeURIComponent(scope.server)}:${scope.uuid}:${requestId}`;

/** The claim was already held: by `delivery`, or by a delivery whose id this store cannot see yet. */
export interface EarlierClaim {
  delivery: string | undefined;
}

/**
 * Claims a Bitbucket request id for a delivery. Returns undefined when the
 * claim is new, or the earlier claim. The claim is taken before the forward
 * so two copies arriving together are not both delivered; it is released
 * when the gateway did not accept the webhook. On an eventually consistent
 * store (Workers KV) the holder's id may not be readable yet right after the
 * claim was refused: it is still a duplicate.
 */
export async function claimRequestId(
  store: KvStore,
  scope: DedupScope,
  requestId: string,
  deliveryId: string,
): Promise<EarlierClaim | undefined> {
  const key = dedupKey(scope, requestId);
  if (await store.putIfAbsent(key, deliveryId, { ttlMs: DEDUP_WINDOW_MS })) return undefined;
  // Refused: a duplicate, even when the holder cannot be read (issue #12: a store failing now).
  return { delivery: (await store.get(key).catch(() => null)) ?? undefined };
}

export async function releaseRequestId(store: KvStore, scope: DedupScope, requestId: string): Promise<void> {
  await store.delete(dedupKey(scope, requestId));
}

/** Bitbucket sends a UUID; anything else is still usable as long as it is a sane token. */
export function usableRequestId(value: string | null): string | undefined {
  return value !== null && /^[\w.:-]{1,128}$/.test(value) ? value : undefined;
}
