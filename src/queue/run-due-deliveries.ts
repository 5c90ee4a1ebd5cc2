import { type QueueDeps, attemptQueuedDelivery } from "./attempt-queued-delivery.ts";

/**
 * Claims the deliveries that are due and attempts them, a batch at a time,
 * until none is due. The lease outlives one attempt (every instance may be
 * offered the webhook, each within forwardTimeout) so another process never
 * takes a delivery that is still being attempted.
 */
export async function runDueDeliveries(deps: QueueDeps, options: { batch?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = options.batch ?? 20;
  const leaseMs = deps.config.gateway.forwardTimeoutMs * 2 + 30_000;
  let done = 0;
  for (let round = 0; round < (options.maxBatches ?? 50); round++) {
    const claimed = await deps.queue.claimDue(deps.clock.now(), batch, leaseMs);
    await Promise.all(
      claimed.map(async (claim) => {
        try {
          await attemptQueuedDelivery(deps, claim.item);
          done++;
        } catch (error) {
          deps.logger.log("error", "queued delivery attempt failed", { delivery: claim.id, error: error instanceof Error ? error.message : String(error) });
        } finally {
          await deps.queue.release(claim).catch(() => undefined);
        }
      }),
    );
    if (claimed.length < batch) break;
  }
  return done;
}
