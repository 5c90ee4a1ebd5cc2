import type { KvStore } from "../core/ports.ts";

/** A repeated X-Request-Id within this window is acknowledged and not delivered again (SPEC step 8). */
export const DEDUP_WINDOW_MS = 24 * 60 * 60_000;

const dedupKey = (requestId: string) => `dedup:${requestId}`;

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
export async function claimRequestId(store: KvStore, requestId: string, deliveryId: string): Promise<EarlierClaim | undefined> {
  if (await store.putIfAbsent(dedupKey(requestId), deliveryId, { ttlMs: DEDUP_WINDOW_MS })) return undefined;
  return { delivery: (await store.get(dedupKey(requestId))) ?? undefined };
}

export async function releaseRequestId(store: KvStore, requestId: string): Promise<void> {
  await store.delete(dedupKey(requestId));
}

/** Bitbucket sends a UUID; anything else is still usable as long as it is a sane token. */
export function usableRequestId(value: string | null): string | undefined {
  return value !== null && /^[\w.:-]{1,128}$/.test(value) ? value : undefined;
}
