import type { Clock } from "../core/ports.ts";
import type { Delivery, DeliveryOutcome, Queued } from "../relay/delivery.ts";
import type { DeliveryQueue } from "./delivery-queue.ts";
import { recordFromDelivery } from "./delivery-record.ts";
import { nextDeliveryState } from "./next-delivery-state.ts";

/**
 * The relay's answer when no instance accepted and some could not be reached
 * (docs/RELIABILITY.md): the delivery is written to the queue, and only then
 * told "queued" to the relay, which acknowledges it with 202 — if the write
 * fails, the error reaches Bitbucket and nothing was promised. Its state is that of its first attempt, the direct
 * forward (nextDeliveryState: counted, in the history, on its backoff); it
 * names the instances it waits for, whose next accepted webhook drains it at
 * once (issue #12, finding 6).
 */
export function queueWhenUnreachable(deps: {
  queue: DeliveryQueue;
  clock: Clock;
  random?: () => number;
  wake?: (at: number) => void;
  onUnreached?: (instances: string[]) => void;
}) {
  return async (delivery: Delivery, outcome: DeliveryOutcome & { kind: "unreachable" }): Promise<Queued> => {
    const record = nextDeliveryState(
      recordFromDelivery(delivery),
      outcome,
      { at: delivery.receivedAt, now: deps.clock.now() },
      deps.random,
    );
    await deps.queue.enqueue(record);
    deps.wake?.(record.nextAttemptAt!);
    deps.onUnreached?.(outcome.instances);
    return "queued";
  };
}
