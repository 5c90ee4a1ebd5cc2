import type { Invocation, PendingWork } from "../lib/pending-work.ts";
import { deliverWebhook, type DeliverDeps } from "../relay/deliver-webhook.ts";
import { changeDelivery } from "./change-delivery.ts";
import type { DeliveryQueue } from "./delivery-queue.ts";
import { type DeliveryRecord, deliveryFromRecord, isInFlight } from "./delivery-record.ts";
import { inFlightState } from "./next-delivery-state.ts";
import { recordAttemptResult, type RecordDeps, sameState } from "./record-attempt-result.ts";

export interface QueueDeps extends DeliverDeps, RecordDeps {
  queue: DeliveryQueue;
  /** Attempts whose answer is awaited after forwardTimeout (issue #12, finding 2). */
  pending: PendingWork;
}

/**
 * After the answer window, the time given to an attempt's result to be
 * written before the delivery is due again (its process may have stopped).
 */
export const IN_FLIGHT_MARGIN_MS = 5_000;

/** What one attempt of a queued delivery came to. */
export type AttemptResult =
  /** The attempt ended; `record` is the state that followed (or the newer one that stood). */
  | { kind: "recorded"; record: DeliveryRecord }
  /** No answer within forwardTimeout: it is awaited in the background; `record` is the in-flight state. */
  | { kind: "awaited"; record: DeliveryRecord }
  /** Not attempted: another attempt is in flight, or the record changed since it was read (`record`: as it is now). */
  | { kind: "not-started"; record: DeliveryRecord | undefined };

/**
 * One retry of a queued delivery (docs/RELIABILITY.md), in two state
 * changes, each conditional on the record as read (issue #12):
 *
 * 1. Before anything is sent, the record is marked in flight until the end
 *    of the attempt's answer window (`forwardTimeout + lateAnswerWindow`,
 *    plus IN_FLIGHT_MARGIN_MS), and due then: no other process claims it, an
 *    operator's "retry" leaves it alone, and if this process stops, the
 *    delivery is due again after the window (finding 2). A record in flight,
 *    or changed since it was read, is not attempted.
 * 2. The answer becomes the next state (recordAttemptResult). If it has not
 *    come within forwardTimeout the caller moves on and the answer is
 *    awaited in the background (`pending`, with the invocation's waitUntil
 *    on Workers), so a slow CDS holds no batch of the sweep and gets one
 *    copy, not one per retry.
 */
export async function attemptQueuedDelivery(deps: QueueDeps, record: DeliveryRecord, invocation?: Invocation): Promise<AttemptResult> {
  const now = deps.clock.now();
  const fields = { delivery: record.id, uuid: record.uuid };
  if (isInFlight(record, now)) {
    deps.logger.log("debug", "queued delivery not attempted: an attempt is in flight", { ...fields, until: record.inFlightUntil });
    return { kind: "not-started", record };
  }
  const { forwardTimeoutMs, lateAnswerWindowMs } = deps.config.gateway;
  const until = now + forwardTimeoutMs + lateAnswerWindowMs + IN_FLIGHT_MARGIN_MS;
  const start = await changeDelivery(deps.queue, record.id, (current) =>
    current.status === "queued" && sameState(current, record) ? inFlightState(current, now, until) : undefined,
  );
  if (start.kind !== "written") {
    const current = start.kind === "unchanged" ? start.current : undefined;
    deps.logger.log("info", "queued delivery changed before its attempt: not attempted", {
      ...fields,
      status: current?.status ?? "deleted",
    });
    return { kind: "not-started", record: current };
  }
  const started = start.stored.record;
  // Due again at the window's end should this process stop before the answer is written.
  deps.wake?.(until);
  const delivery = deliveryFromRecord(started);
  const attempt = deliverWebhook(deps, delivery);
  const result = attempt.outcome.then((outcome) => recordAttemptResult(deps, started, delivery, outcome, invocation));
  const slow = await attempt.inTime.then(
    (first) => first === "slow",
    () => false,
  );
  if (!slow) return { kind: "recorded", record: await result };
  deps.logger.log("info", "queued delivery: no answer within forwardTimeout, awaited", { ...fields, until });
  deps.pending.track(result, invocation);
  return { kind: "awaited", record: started };
}
