import type { DeliveryOutcome } from "../relay/delivery.ts";
import type { DeliveryRecord } from "./delivery-record.ts";
import { MAX_QUEUE_AGE_MS, retryDelay } from "./retry-delay.ts";

/**
 * The one place where an attempt's result becomes the delivery's next state
 * (docs/RELIABILITY.md), whether the answer came in time or late (issue #12,
 * finding 2), for a queued retry or a direct forward that outlived
 * forwardTimeout:
 * - CDS took it (2xx) or refused it itself (400, 405, 413): delivered;
 * - every instance answered 404, or the UUID belongs to another server's
 *   path: dead (nobody owns it; retrying cannot help, an operator decides);
 * - not reached (a failure, a proxy's answer, no answer within the window,
 *   the store silent): queued again after the backoff, or dead after 24 h in
 *   the queue; `unreached` names the instances it now waits for.
 * `started` is the record as the attempt left it when it started; the
 * attempt is counted here.
 */
export function nextDeliveryState(started: DeliveryRecord, outcome: DeliveryOutcome, now: number, random?: () => number): DeliveryRecord {
  const base: DeliveryRecord = { ...started, attempts: started.attempts + 1, inFlightUntil: undefined };
  if (outcome.kind === "accepted") {
    return { ...base, status: "delivered", nextAttemptAt: undefined, unreached: undefined, instance: outcome.instance, responseStatus: outcome.status, deliveredAt: now };
  }
  if (outcome.kind === "unknown") {
    return dead(base, now, outcome.reason ?? "every CDS instance answered 404: no instance knows this webhook");
  }
  // The store's silence (issue #12) is waited out like CDS's: nothing reached CDS either way.
  const lastError = outcome.kind === "store-unavailable" ? `the store did not answer: ${outcome.reason}` : outcome.reasons.join("; ");
  if (now - started.queuedSince >= MAX_QUEUE_AGE_MS) return dead(base, now, lastError);
  const retryAfterMs = outcome.kind === "unreachable" ? outcome.retryAfterMs : undefined;
  const unreached = outcome.kind === "unreachable" ? outcome.instances : started.unreached;
  return { ...base, nextAttemptAt: now + retryDelay(base.attempts, retryAfterMs, random), lastError, unreached };
}

function dead(base: DeliveryRecord, now: number, lastError: string): DeliveryRecord {
  return { ...base, status: "dead", nextAttemptAt: undefined, unreached: undefined, deadAt: now, lastError };
}

/**
 * The state an attempt writes before it sends anything (issue #12, finding
 * 2): in flight until `until`, and due then, so no process starts another
 * attempt before, and one starts after if this one's result never came (its
 * process stopped). An earlier attempt whose window passed without a result
 * is counted first, as one that got no answer.
 */
export function inFlightState(record: DeliveryRecord, now: number, until: number): DeliveryRecord {
  const lost = record.inFlightUntil !== undefined;
  return {
    ...record,
    attempts: lost ? record.attempts + 1 : record.attempts,
    lastError: lost ? `no result recorded for the attempt awaited until ${new Date(record.inFlightUntil!).toISOString()} (its process stopped)` : record.lastError,
    nextAttemptAt: until,
    inFlightUntil: until,
  };
}
