import type { Invocation } from "../lib/pending-work.ts";
import type { Logger } from "../core/ports.ts";
import type { Delivery, DeliveryOutcome } from "./delivery.ts";

export type AcceptedOutcome = DeliveryOutcome & { kind: "accepted" };
/**
 * Bookkeeping after CDS accepted a delivery (branch deletions, issue #5; the
 * instance's queued deliveries drained, issue #12), with the invocation
 * whose waitUntil keeps what it starts going.
 */
export type OnAccepted = (delivery: Delivery, outcome: AcceptedOutcome, invocation?: Invocation) => Promise<void>;

/**
 * Runs the post-delivery hook for a direct forward and for a queued delivery
 * alike: its failure is logged and never fails the delivery itself.
 */
export async function runAfterAccepted(
  deps: { onAccepted?: OnAccepted; logger: Logger },
  delivery: Delivery,
  outcome: AcceptedOutcome,
  invocation?: Invocation,
): Promise<void> {
  if (!deps.onAccepted) return;
  try {
    await deps.onAccepted(delivery, outcome, invocation);
  } catch (error) {
    deps.logger.log("error", "post-delivery bookkeeping failed", {
      delivery: delivery.id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
