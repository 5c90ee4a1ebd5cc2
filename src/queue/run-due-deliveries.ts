import type { Invocation } from "../core/pending-work.ts";
import { type QueueDeps, attemptQueuedDelivery } from "./attempt-queued-delivery.ts";

/**
 * Claims the deliveries that are due and attempts them, a batch at a time,
 * until none is due. The lease outlives the part of an attempt the sweep
 * waits for (the in-flight mark, then forwardTimeout); the in-flight mark
 * keeps every other process away for the rest (attemptQueuedDelivery).
 * Attempts whose answer is still awaited count against the batch: a slow
 * CDS has at most `batch` requests of this process's sweep in flight.
 */
export async function runDueDeliveries(deps: QueueDeps, options: { batch?: number; maxBatches?: number; invocation?: Invocation } = {}): Promise<number> {
  const batch = options.batch ?? 20;
  const leaseMs = deps.config.gateway.forwardTimeoutMs * 2 + 30_000;
  let done = 0;
  for (let round = 0; round < (options.maxBatches ?? 50); round++) {
    const room = batch - deps.pending.size;
    if (room <= 0) break;
    const claimed = await deps.queue.claimDue(deps.clock.now(), room, leaseMs);
    await Promise.all(
      claimed.map(async (claim) => {
        try {
          await attemptQueuedDelivery(deps, claim.item, options.invocation);
          done++;
        } catch (error) {
          deps.logger.log("error", "queued delivery attempt failed", { delivery: claim.id, error: error instanceof Error ? error.message : String(error) });
        } finally {
          await deps.queue.release(claim).catch(() => undefined);
        }
      }),
    );
    if (claimed.length < room) break;
  }
  return done;
}
