import type { BranchDeletionStore } from "../branches/branch-deletion-store.ts";
import type { Metrics } from "../core/metrics.ts";
import type { Clock } from "../core/ports.ts";
import { within } from "../lib/with-timeout.ts";
import type { DeliveryQueue } from "../queue/delivery-queue.ts";
import { COUNT_LIMIT, countDeliveries } from "./count-deliveries.ts";

/**
 * The gauges that only the store knows (issue #16): queue depth, dead
 * letters, the oldest queued delivery's age, pending branch deletions. The
 * returned function reads them (bounded: COUNT_LIMIT summaries or records
 * each, within `timeoutMs`); `/metrics` calls it before rendering, so every
 * process sharing the store reports the same values. When the store does not
 * answer in time, those lines are left out of that scrape.
 */
export function registerStoreGauges(
  metrics: Metrics,
  deps: { queue: DeliveryQueue; deletions: BranchDeletionStore; clock: Clock; timeoutMs: number },
): () => Promise<void> {
  let read: { depth: number; dead: number; oldestAgeSeconds: number; pendingDeletions: number } | undefined;
  metrics.gauge("cds_gateway_queue_depth", () => read?.depth);
  metrics.gauge("cds_gateway_dead_letters", () => read?.dead);
  metrics.gauge("cds_gateway_queue_oldest_age_seconds", () => read?.oldestAgeSeconds);
  metrics.gauge("cds_gateway_branch_deletions_pending", () => read?.pendingDeletions);
  return async () => {
    try {
      const [counts, deletions] = await within(
        deps.timeoutMs,
        Promise.all([countDeliveries(deps.queue), deps.deletions.list({ limit: COUNT_LIMIT })]),
      );
      const now = deps.clock.now();
      read = {
        depth: counts.queued,
        dead: counts.dead,
        oldestAgeSeconds: counts.oldestQueuedAt === undefined ? 0 : Math.max(0, (now - counts.oldestQueuedAt) / 1000),
        pendingDeletions: deletions.length,
      };
    } catch {
      read = undefined;
    }
  };
}
