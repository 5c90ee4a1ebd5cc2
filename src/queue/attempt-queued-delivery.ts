import type { Metrics } from "../core/metrics.ts";
import type { Logger } from "../core/ports.ts";
import { deliverWebhook, type DeliverDeps } from "../relay/deliver-webhook.ts";
import { type OnAccepted, runAfterAccepted } from "../relay/run-after-accepted.ts";
import type { DeliveryQueue } from "./delivery-queue.ts";
import { type DeliveryRecord, deliveryFromRecord } from "./delivery-record.ts";
import { MAX_QUEUE_AGE_MS, retryDelay } from "./retry-delay.ts";

export interface QueueDeps extends DeliverDeps {
  queue: DeliveryQueue;
  logger: Logger;
  /** Jitter source; injected by tests. */
  random?: () => number;
  metrics?: Metrics;
  /** Told the next due time of a rescheduled delivery (Node's timer, Deno KV's queue). */
  wake?: (at: number) => void;
  /** Bookkeeping after CDS accepted a delivery (branch deletions), as for direct forwards. */
  onAccepted?: OnAccepted;
}

/**
 * One retry of a queued delivery (docs/RELIABILITY.md), ending in one state change:
 * delivered; queued again with a later `nextAttemptAt`; or dead — after 24 h in
 * the queue, or when every CDS instance now answers 404 (nobody owns the UUID
 * any more: retrying cannot help, an operator decides).
 */
export async function attemptQueuedDelivery(deps: QueueDeps, record: DeliveryRecord): Promise<DeliveryRecord> {
  const delivery = deliveryFromRecord(record);
  const outcome = await deliverWebhook(deps, delivery);
  const now = deps.clock.now();
  const attempts = record.attempts + 1;
  const fields = { delivery: record.id, uuid: record.uuid, attempts };
  let next: DeliveryRecord;
  if (outcome.kind === "accepted") {
    next = { ...record, status: "delivered", attempts, nextAttemptAt: undefined, instance: outcome.instance, responseStatus: outcome.status, deliveredAt: now };
    deps.logger.log("info", "queued delivery delivered", { ...fields, instance: outcome.instance, status: outcome.status });
  } else if (outcome.kind === "unknown") {
    next = { ...record, status: "dead", attempts, nextAttemptAt: undefined, deadAt: now, lastError: outcome.reason ?? "every CDS instance answered 404: no instance knows this webhook" };
    deps.logger.log("warn", "queued delivery dead: unknown webhook", fields);
  } else {
    // The store's silence (issue #12) is waited out like CDS's: nothing reached CDS either way.
    const lastError = outcome.kind === "store-unavailable" ? `the store did not answer: ${outcome.reason}` : outcome.reasons.join("; ");
    if (now - record.queuedSince >= MAX_QUEUE_AGE_MS) {
      next = { ...record, status: "dead", attempts, nextAttemptAt: undefined, deadAt: now, lastError };
      deps.logger.log("warn", "queued delivery dead: still unreachable after 24 h", fields);
    } else {
      const retryAfterMs = outcome.kind === "unreachable" ? outcome.retryAfterMs : undefined;
      const nextAttemptAt = now + retryDelay(attempts, retryAfterMs, deps.random);
      next = { ...record, attempts, nextAttemptAt, lastError };
      deps.logger.log("info", "queued delivery still unreachable", { ...fields, nextAttemptAt, reasons: lastError });
    }
  }
  await deps.queue.update(record, next);
  deps.metrics?.count("cds_gateway_queue_attempts_total", { result: next.status === "queued" ? "retry" : next.status });
  if (next.status === "queued" && next.nextAttemptAt !== undefined) deps.wake?.(next.nextAttemptAt);
  if (outcome.kind === "accepted") await runAfterAccepted(deps, delivery, outcome);
  return next;
}
