import type { DeliveryQueue } from "../queue/delivery-queue.ts";
import type { DeliveryStatus } from "../queue/delivery-record.ts";

/** Summaries read per status to count: the work of one count is bounded whatever the queue holds. */
export const COUNT_LIMIT = 1000;

export interface DeliveryCounts {
  queued: number;
  dead: number;
  /** False when a status has COUNT_LIMIT deliveries or more: the figures are then lower bounds. */
  complete: boolean;
  /** When the oldest queued delivery was received (the first in arrival order); undefined when none is queued. */
  oldestQueuedAt?: number;
  /** Per instance the deliveries wait for (their `instance`); "" for those waiting on several instances, or none known yet. */
  byInstance: Map<string, { queued: number; dead: number }>;
}

/**
 * Queued deliveries and dead letters, in total and per CDS instance, from
 * the listing index (issue #16): at most COUNT_LIMIT summaries per status,
 * never a body (docs/storage-schema.md). Read by `GET /-/instances` and at
 * each scrape of `/metrics`, so every process sharing the store shows the
 * same figures.
 */
export async function countDeliveries(queue: DeliveryQueue, limit = COUNT_LIMIT): Promise<DeliveryCounts> {
  const [queued, dead] = await Promise.all((["queued", "dead"] as const).map((status) => queue.list(status, { limit })));
  const byInstance = new Map<string, { queued: number; dead: number }>();
  const tally = (status: Exclude<DeliveryStatus, "delivered">, instance: string | undefined) => {
    const key = instance ?? "";
    let counts = byInstance.get(key);
    if (counts === undefined) byInstance.set(key, (counts = { queued: 0, dead: 0 }));
    counts[status]++;
  };
  let oldestQueuedAt: number | undefined;
  for (const summary of queued!) {
    tally("queued", summary.instance);
    if (oldestQueuedAt === undefined || summary.receivedAt < oldestQueuedAt) oldestQueuedAt = summary.receivedAt;
  }
  for (const summary of dead!) tally("dead", summary.instance);
  return {
    queued: queued!.length,
    dead: dead!.length,
    complete: queued!.length < limit && dead!.length < limit,
    oldestQueuedAt,
    byInstance,
  };
}
