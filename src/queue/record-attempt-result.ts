import type { Metrics } from "../core/metrics.ts";
import type { Invocation } from "../lib/pending-work.ts";
import type { Clock, Logger } from "../core/ports.ts";
import type { Delivery, DeliveryOutcome } from "../relay/delivery.ts";
import { type OnAccepted, runAfterAccepted } from "../relay/run-after-accepted.ts";
import { changeDelivery, type DeliveryChange } from "./change-delivery.ts";
import type { DeliveryQueue } from "./delivery-queue.ts";
import type { DeliveryRecord, DeliveryStatus } from "./delivery-record.ts";
import { nextDeliveryState } from "./next-delivery-state.ts";

export interface RecordDeps {
  queue: DeliveryQueue;
  clock: Clock;
  logger: Logger;
  /** Jitter source; injected by tests. */
  random?: () => number;
  metrics?: Metrics;
  /** Told the next due time of a rescheduled delivery (Node's timer, Deno KV's queue). */
  wake?: (at: number) => void;
  /** Bookkeeping after CDS accepted a delivery (branch deletions, the instance's backlog), as for direct forwards. */
  onAccepted?: OnAccepted;
  /** Told the instances an attempt did not reach (issue #12, finding 6). */
  onUnreached?: (instances: string[]) => void;
  /** Told the status an attempt left the delivery in (the console's chart, issue #16). */
  onQueueResult?: (status: DeliveryStatus, now: number) => void;
}

/**
 * Writes the state that follows an attempt of a stored delivery
 * (nextDeliveryState), whenever its answer came: in time, or late (issue
 * #12, finding 2), for a queued retry and for a direct forward CDS had not
 * answered within forwardTimeout. `started` is the record as the attempt
 * wrote it when it started (inFlightState, whose `inFlightSince` is when the
 * attempt began); the attempt goes into the history of the state written
 * (issue #16).
 *
 * The change is conditional on the record being as it was when the attempt
 * started (issue #12). If it changed meanwhile, a success is still written
 * over a queued state (CDS has the webhook: an operator's "retry now" must
 * not send it again); a failure leaves the newer state as it is; a delivery
 * that is no longer queued (deleted, finished elsewhere) is left alone.
 */
export async function recordAttemptResult(
  deps: RecordDeps,
  started: DeliveryRecord,
  delivery: Delivery,
  outcome: DeliveryOutcome,
  invocation?: Invocation,
): Promise<DeliveryRecord> {
  const now = deps.clock.now();
  const when = { at: started.inFlightSince ?? now, now };
  const next = nextDeliveryState(started, outcome, when, deps.random);
  const fields = { delivery: started.id, uuid: started.uuid, attempts: next.attempts };
  if (outcome.kind === "accepted") {
    deps.logger.log("info", "queued delivery delivered", { ...fields, instance: outcome.instance, status: outcome.status });
  } else if (next.status === "dead") {
    deps.logger.log(
      "warn",
      outcome.kind === "unknown" ? "queued delivery dead: unknown webhook" : "queued delivery dead: still unreachable after 24 h",
      fields,
    );
  } else {
    deps.logger.log("info", "queued delivery still unreachable", { ...fields, nextAttemptAt: next.nextAttemptAt, reasons: next.lastError });
  }
  const result = await changeDelivery(deps.queue, started.id, (current): DeliveryChange => {
    if (current.status !== "queued") return undefined;
    if (sameState(current, started)) return next;
    // Changed since the attempt started: a success still ends it; the newer state otherwise stands.
    return outcome.kind === "accepted" ? nextDeliveryState(current, outcome, when) : undefined;
  });
  const stored = result.kind === "written" ? result.stored.record : result.kind === "unchanged" ? result.current : undefined;
  if (result.kind !== "written") {
    deps.logger.log("info", "queued delivery changed during its attempt: the newer state stands", {
      ...fields,
      status: stored?.status ?? "deleted",
    });
  }
  deps.metrics?.count("cds_gateway_queue_attempts_total", { result: next.status === "queued" ? "retry" : next.status });
  deps.onQueueResult?.(next.status, now);
  if (stored?.status === "queued" && stored.nextAttemptAt !== undefined) deps.wake?.(stored.nextAttemptAt);
  if (outcome.kind === "unreachable") deps.onUnreached?.(outcome.instances);
  if (outcome.kind === "accepted") await runAfterAccepted(deps, delivery, outcome, invocation);
  return stored ?? next;
}

/** The same state of a delivery: nothing was written between the two reads. */
export function sameState(a: DeliveryRecord, b: DeliveryRecord): boolean {
  return (
    a.status === b.status &&
    a.queuedSince === b.queuedSince &&
    a.attempts === b.attempts &&
    a.nextAttemptAt === b.nextAttemptAt &&
    a.inFlightUntil === b.inFlightUntil
  );
}
