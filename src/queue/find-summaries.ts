import type { DeliveryQueue } from "./delivery-queue.ts";
import type { DeliveryStatus, DeliverySummary } from "./delivery-record.ts";

/** Summaries one filtered listing reads at most: a filter that matches little still costs a bounded amount. */
export const SCAN_LIMIT = 1000;
const PAGE = 200;

/**
 * Up to `limit` summaries of `status` after `after`, in id order, that
 * `match` keeps (issue #16: the console's filters by instance and
 * repository). Reads pages of the listing index (never a body) until it has
 * `limit`, the index ends, or SCAN_LIMIT summaries were read; `next` is
 * where to go on from when the index may hold more.
 */
export async function findSummaries(
  queue: DeliveryQueue,
  status: DeliveryStatus,
  options: { limit: number; after?: string; match?: (summary: DeliverySummary) => boolean },
): Promise<{ deliveries: DeliverySummary[]; next?: string }> {
  const { limit, match } = options;
  if (match === undefined) {
    const deliveries = await queue.list(status, { limit, after: options.after });
    return deliveries.length === limit ? { deliveries, next: deliveries[limit - 1]!.id } : { deliveries };
  }
  const deliveries: DeliverySummary[] = [];
  let after = options.after;
  for (let scanned = 0; scanned < SCAN_LIMIT;) {
    const asked = Math.min(PAGE, SCAN_LIMIT - scanned);
    const page = await queue.list(status, { limit: asked, after });
    for (const summary of page) {
      scanned++;
      after = summary.id;
      if (!match(summary)) continue;
      deliveries.push(summary);
      if (deliveries.length === limit) return { deliveries, next: summary.id };
    }
    if (page.length < asked) return { deliveries };
  }
  return after === undefined ? { deliveries } : { deliveries, next: after };
}
