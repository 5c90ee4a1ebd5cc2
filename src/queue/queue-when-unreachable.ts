import { json } from "../core/json-error.ts";
import type { Clock } from "../core/ports.ts";
import type { Delivery, DeliveryOutcome } from "../relay/delivery.ts";
import type { DeliveryQueue } from "./delivery-queue.ts";
import { recordFromDelivery } from "./delivery-record.ts";
import { retryDelay } from "./retry-delay.ts";

/**
 * The relay's answer when no instance accepted and some could not be reached
 * (docs/RELIABILITY.md): the delivery is written to the queue first, and only then
 * acknowledged with 202 — if the write fails, the error reaches Bitbucket and
 * nothing was promised.
 */
export function queueWhenUnreachable(deps: { queue: DeliveryQueue; clock: Clock; random?: () => number; wake?: (at: number) => void }) {
  return async (delivery: Delivery, outcome: DeliveryOutcome & { kind: "unreachable" }): Promise<Response> => {
    const now = deps.clock.now();
    const nextAttemptAt = now + retryDelay(1, outcome.retryAfterMs, deps.random);
    await deps.queue.enqueue(recordFromDelivery(delivery, nextAttemptAt, outcome, now));
    deps.wake?.(nextAttemptAt);
    return json(202, { delivery: delivery.id, status: "queued" });
  };
}
