import type { Metrics } from "../core/metrics.ts";
import type { Logger } from "../core/ports.ts";
import { deliverWebhook, type DeliverDeps } from "../relay/deliver-webhook.ts";
import { type AcceptedOutcome, type OnAccepted, runAfterAccepted } from "../relay/run-after-accepted.ts";
import { changeDelivery, type DeliveryChange } from "./change-delivery.ts";
import { attemptOf, withAttempt } from "./delivery-attempt.ts";
import type { DeliveryQueue } from "./delivery-queue.ts";
import { type DeliveryRecord, type DeliveryStatus, deliveryFromRecord } from "./delivery-record.ts";
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
  /** Told the status an attempt left the delivery in (the console's chart, issue #16). */
  onQueueResult?: (status: DeliveryStatus, now: number) => void;
}

/**
 * One retry of a queued delivery (docs/RELIABILITY.md), ending in one state change:
 * delivered; queued again with a later `nextAttemptAt`; or dead — after 24 h in
 * the queue, or when every CDS instance now answers 404 (nobody owns the UUID
 * any more: retrying cannot help, an operator decides).
 *
 * The state change is conditional on the record being as it was when the
 * attempt started (issue #12). If it changed meanwhile, a success is still
 * written over a queued state (CDS has the webhook: an operator's "retry
 * now" must not send it again); a failure leaves the newer state as it is;
 * a delivery that is no longer queued (deleted, finished elsewhere) is left
 * alone.
 */
export async function attemptQueuedDelivery(deps: QueueDeps, record: DeliveryRecord): Promise<DeliveryRecord> {
  const delivery = deliveryFromRecord(record);
  const started = deps.clock.now();
  const outcome = await deliverWebhook(deps, delivery);
  const now = deps.clock.now();
  const attempts = record.attempts + 1;
  const fields = { delivery: record.id, uuid: record.uuid, attempts };
  let next: DeliveryRecord;
  const delivered = (base: DeliveryRecord, accepted: AcceptedOutcome): DeliveryRecord => ({
    ...base,
    status: "delivered",
    attempts: base.attempts + 1,
    nextAttemptAt: undefined,
    instance: accepted.instance,
    responseStatus: accepted.status,
    deliveredAt: now,
  });
  if (outcome.kind === "accepted") {
    next = delivered(record, outcome);
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
  const attempt = attemptOf(outcome, started, now);
  const result = await changeDelivery(deps.queue, record.id, (current): DeliveryChange => {
    if (current.status !== "queued") return undefined;
    // Changed since the attempt started: a success still ends it; the newer state otherwise stands.
    const state = sameState(current, record) ? next : outcome.kind === "accepted" ? delivered(current, outcome) : undefined;
    // The attempt goes into the history of the state it is written in (issue #16).
    return state && withAttempt(state, attempt);
  });
  const stored = result.kind === "written" ? result.stored.record : result.kind === "unchanged" ? result.current : undefined;
  if (result.kind !== "written") {
    deps.logger.log("info", "queued delivery changed during its attempt: the newer state stands", { ...fields, status: stored?.status ?? "deleted" });
  }
  deps.metrics?.count("cds_gateway_queue_attempts_total", { result: next.status === "queued" ? "retry" : next.status });
  deps.onQueueResult?.(next.status, now);
  if (stored?.status === "queued" && stored.nextAttemptAt !== undefined) deps.wake?.(stored.nextAttemptAt);
  if (outcome.kind === "accepted") await runAfterAccepted(deps, delivery, outcome);
  return stored ?? next;
}

/** The same state of a delivery: nothing was written between the two reads. */
function sameState(a: DeliveryRecord, b: DeliveryRecord): boolean {
  return a.status === b.status && a.queuedSince === b.queuedSince && a.attempts === b.attempts && a.nextAttemptAt === b.nextAttemptAt;
}
