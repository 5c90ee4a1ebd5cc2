import type { GatewayConfig } from "../core/config-types.ts";
import type { Invocation, PendingWork } from "../lib/pending-work.ts";
import type { Delivery, DeliveryOutcome, Queued } from "../relay/delivery.ts";
import { runAfterAccepted } from "../relay/run-after-accepted.ts";
import { IN_FLIGHT_MARGIN_MS } from "./attempt-queued-delivery.ts";
import { recordFromDelivery } from "./delivery-record.ts";
import { inFlightState } from "./next-delivery-state.ts";
import { recordAttemptResult, type RecordDeps } from "./record-attempt-result.ts";

/**
 * What the queue does when CDS has not answered a direct forward within
 * forwardTimeout (issue #12, finding 2): the request may have reached CDS,
 * which may still take it, so it is not abandoned. The delivery is written
 * to the queue as an attempt in flight (due only after the answer window,
 * so nothing sends it again meanwhile), the relay is told "queued" (Bitbucket
 * gets its 202), and the answer is awaited in the background: its result
 * is recorded like a queued attempt's (a late success delivers it, once).
 * If the write fails, the error reaches Bitbucket as for an unreachable CDS;
 * the request still goes on, and a late success still gets its bookkeeping
 * (branch deletions).
 */
export function queueInFlight(deps: RecordDeps & { config: GatewayConfig; pending: PendingWork }) {
  return async (delivery: Delivery, attempt: Promise<DeliveryOutcome>, invocation?: Invocation): Promise<Queued> => {
    // The attempt started forwardTimeout ago and ends lateAnswerWindow from now at the latest.
    const until = deps.clock.now() + deps.config.gateway.lateAnswerWindowMs + IN_FLIGHT_MARGIN_MS;
    let stored;
    try {
      // Its attempt began with the webhook: the history entry its answer writes says so (issue #16).
      stored = await deps.queue.enqueue(inFlightState(recordFromDelivery(delivery), delivery.receivedAt, until));
    } catch (error) {
      deps.pending.track(
        attempt.then((outcome) => (outcome.kind === "accepted" ? runAfterAccepted(deps, delivery, outcome, invocation) : undefined)),
        invocation,
      );
      throw error;
    }
    deps.wake?.(until);
    const started = stored.record;
    deps.pending.track(
      attempt.then((outcome) => recordAttemptResult(deps, started, delivery, outcome, invocation)),
      invocation,
    );
    return "queued";
  };
}
