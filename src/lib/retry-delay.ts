export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 10 * 60_000;
/** After this long in the queue a delivery becomes a dead letter (docs/RELIABILITY.md). */
export const MAX_QUEUE_AGE_MS = 24 * 60 * 60_000;

/**
 * Exponential backoff with full jitter: a random delay in
 * [0, min(10 min, 1 s × 2^(attempts-1))], but never sooner than the upstream's
 * Retry-After. Full jitter spreads retries of a burst queued during an outage
 * so a recovering CDS is not hit by all of them at once.
 */
export function retryDelay(attempts: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_MS));
}
