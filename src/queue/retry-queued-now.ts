import { changeDelivery } from "./change-delivery.ts";
import type { DeliveryQueue } from "./delivery-queue.ts";
import { type DeliverySummary, isInFlight } from "./delivery-record.ts";

const PAGE = 100;

/**
 * Makes queued deliveries due now instead of at the end of their backoff
 * (`POST /-/deliveries/retry-queued`, "Retry all queued now"): oldest first,
 * at most `limit`, those `select` picks from their summaries (all by
 * default; by UUID, say, for the webhooks of one CDS instance). Each is a
 * conditional change of the record as it is now (issue #12): a delivery
 * delivered, rescheduled or deleted since it was listed is left as it is,
 * never put back in the queue. A delivery with an attempt in flight (its
 * answer awaited, issue #12, finding 2) is left alone too: a second attempt
 * would send CDS a second copy. Answers how many queued deliveries are due
 * now (made due, or due already).
 */
export async function retryQueuedNow(
  queue: DeliveryQueue,
  now: number,
  options: { limit?: number; select?: (summary: DeliverySummary) => boolean } = {},
): Promise<number> {
  const limit = options.limit ?? 1000;
  let due = 0;
  let after: string | undefined;
  while (due < limit) {
    const page = await queue.list("queued", { limit: PAGE, after });
    for (const summary of page) {
      if (due >= limit) break;
      if (options.select && !options.select(summary)) continue;
      const result = await changeDelivery(queue, summary.id, (current) =>
        current.status === "queued" && !isInFlight(current, now) && (current.nextAttemptAt ?? 0) > now
          ? { ...current, nextAttemptAt: now }
          : undefined,
      );
      if (
        result.kind === "written" ||
        (result.kind === "unchanged" && result.current.status === "queued" && !isInFlight(result.current, now))
      )
        due++;
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  return due;
}
