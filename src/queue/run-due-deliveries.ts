import type { Invocation } from "../lib/pending-work.ts";
import { type QueueDeps, attemptQueuedDelivery } from "./attempt-queued-delivery.ts";
import type { ClaimedDelivery } from "./delivery-queue.ts";

/**
 * Claims the deliveries that are due and attempts them, up to `batch` at a
 * time, claiming more as attempts end, until none is due (or `batch ×
 * maxBatches` were claimed in this run). An attempt holds its place until
 * CDS answered or forwardTimeout passed (issue #12, finding 2), so one slow
 * answer never holds back the others; answers still awaited after that count
 * against `batch` too: a slow CDS has at most `batch` requests of this
 * process's sweep in flight.
 *
 * The lease outlives the part of an attempt the sweep waits for (the
 * in-flight mark, then forwardTimeout); the in-flight mark keeps every other
 * process away for the rest (attemptQueuedDelivery).
 */
export async function runDueDeliveries(
  deps: QueueDeps,
  options: { batch?: number; maxBatches?: number; invocation?: Invocation } = {},
): Promise<number> {
  const concurrency = options.batch ?? 20;
  const maxClaims = concurrency * (options.maxBatches ?? 50);
  const leaseMs = deps.config.gateway.forwardTimeoutMs * 2 + 30_000;
  const running = new Set<Promise<void>>();
  let claims = 0;
  let done = 0;

  const attemptOne = async (claim: ClaimedDelivery) => {
    try {
      await attemptQueuedDelivery(deps, claim.item, options.invocation);
      done++;
    } catch (error) {
      deps.logger.log("error", "queued delivery attempt failed", {
        delivery: claim.id,
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      await deps.queue.release(claim).catch(() => undefined);
    }
  };

  while (claims < maxClaims) {
    const room = Math.min(concurrency - running.size - deps.pending.size, maxClaims - claims);
    if (room > 0) {
      const claimed = await deps.queue.claimDue(deps.clock.now(), room, leaseMs);
      claims += claimed.length;
      for (const claim of claimed) {
        const run: Promise<void> = attemptOne(claim).finally(() => running.delete(run));
        running.add(run);
      }
      // Fewer than asked for: nothing more is due and free.
      if (claimed.length < room) break;
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  await Promise.all(running);
  return done;
}
