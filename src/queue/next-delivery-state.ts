import type { DeliveryOutcome } from "../relay/delivery.ts";
import { attemptOf, type DeliveryAttempt, withAttempt } from "./delivery-attempt.ts";
import type { DeliveryRecord } from "./delivery-record.ts";
import { MAX_QUEUE_AGE_MS, retryDelay } from "../lib/retry-delay.ts";

/**
 * The one place where an attempt's result becomes the delivery's next state
 * (docs/RELIABILITY.md), whether the answer came in time or late (issue #12,
 * finding 2), for a queued retry, a direct forward's first failure, or a
 * direct forward that outlived forwardTimeout:
 * - CDS took it (2xx) or refused it itself (400, 405, 413): delivered;
 * - every instance answered 404, or the UUID belongs to another server's
 *   path: dead (nobody owns it; retrying cannot help, an operator decides);
 * - not reached (a failure, a proxy's answer, no answer within the window,
 *   the store silent): queued again after the backoff, or dead after 24 h in
 *   the queue; `unreached` names the instances it now waits for.
 * `started` is the record as the attempt left it when it started; the
 * attempt, begun at `when.at` and ended at `when.now`, is counted here and
 * goes into the history (issue #16).
 */
export function nextDeliveryState(
  started: DeliveryRecord,
  outcome: DeliveryOutcome,
  when: { at: number; now: number },
  random?: () => number,
): DeliveryRecord {
  const { now } = when;
  const attempt = attemptOf(outcome, when.at, now);
  const base = counted({ ...started, inFlightSince: undefined, inFlightUntil: undefined }, attempt);
  if (outcome.kind === "accepted") {
    return {
      ...base,
      status: "delivered",
      nextAttemptAt: undefined,
      unreached: undefined,
      responseStatus: outcome.status,
      deliveredAt: now,
    };
  }
  // The error in the attempt's words: why every instance refused it, why none was reached, or the store's silence.
  const lastError = attempt.error!;
  if (outcome.kind === "unknown") return dead(base, now, lastError);
  // The store's silence (issue #12) is waited out like CDS's: nothing reached CDS either way.
  if (now - started.queuedSince >= MAX_QUEUE_AGE_MS) return dead(base, now, lastError);
  const retryAfterMs = outcome.kind === "unreachable" ? outcome.retryAfterMs : undefined;
  const unreached = outcome.kind === "unreachable" ? outcome.instances : started.unreached;
  return { ...base, nextAttemptAt: now + retryDelay(base.attempts, retryAfterMs, random), lastError, unreached };
}

function dead(base: DeliveryRecord, now: number, lastError: string): DeliveryRecord {
  return { ...base, status: "dead", nextAttemptAt: undefined, unreached: undefined, deadAt: now, lastError };
}

/**
 * The state an attempt begun at `now` writes before it sends anything
 * (issue #12, finding 2): in flight until `until`, and due then, so no
 * process starts another attempt before, and one starts after if this
 * one's result never came (its process stopped). An earlier attempt whose
 * window passed without a result is counted first, as one that got no
 * answer, and goes into the history as `lost`.
 */
export function inFlightState(record: DeliveryRecord, now: number, until: number): DeliveryRecord {
  const previous = record.inFlightUntil;
  let base = record;
  if (previous !== undefined) {
    const at = record.inFlightSince ?? previous;
    const error = `no result recorded for the attempt awaited until ${new Date(previous).toISOString()} (its process stopped)`;
    base = { ...counted(record, { at, ms: Math.max(0, previous - at), outcome: "lost", error }), lastError: error };
  }
  return { ...base, nextAttemptAt: until, inFlightSince: now, inFlightUntil: until };
}

/** `record` with one more attempt counted, and that attempt in its history: every attempt's result is written through here. */
function counted(record: DeliveryRecord, attempt: DeliveryAttempt): DeliveryRecord {
  return withAttempt({ ...record, attempts: record.attempts + 1 }, attempt);
}
