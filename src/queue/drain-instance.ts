import type { Invocation } from "../lib/pending-work.ts";
import type { KvStore } from "../core/ports.ts";
import { releaseLease, renewLease, takeLease } from "../store/lease.ts";
import { attemptQueuedDelivery, type QueueDeps } from "./attempt-queued-delivery.ts";
import { isInFlight } from "./delivery-record.ts";

/** What a drain did. */
export interface DrainSummary {
  /** Attempts it made (deliveries in flight elsewhere, or changed meanwhile, are not counted). */
  attempted: number;
  delivered: number;
  /** Why it stopped before the end: the instance failed again (the rest wait for their backoff). */
  stopped?: string;
  /** Another process holds the drain of this instance. */
  elsewhere?: boolean;
}

/** Ids listed per round trip. */
const PAGE = 100;

/**
 * Attempts, at once, the queued deliveries waiting for `instance` (issue
 * #12, finding 6), after it accepted a webhook again: oldest first, at most
 * `drainConcurrency` at a time, each through attemptQueuedDelivery (marked
 * in flight before it is sent, so no other process or click sends it too).
 * The first attempt that does not reach the instance (or gets no answer
 * within forwardTimeout) stops the drain: the deliveries not attempted yet
 * keep their backoff, and a CDS that is barely back is not hammered.
 *
 * Of several processes sharing the store one drains an instance at a time
 * (a lease `delivery-drain:<instance>`, renewed while it works), so the
 * concurrency bound holds across them. The caller has checked nothing: an
 * instance nothing waits for costs one listing of at most one key.
 */
export async function drainInstance(
  deps: QueueDeps & { store: KvStore },
  instance: string,
  invocation?: Invocation,
): Promise<DrainSummary> {
  const summary: DrainSummary = { attempted: 0, delivered: 0 };
  let page = await deps.queue.listWaiting(instance, { limit: 1 });
  if (page.length === 0) return summary;
  const leaseMs = Math.max(60_000, 3 * deps.config.gateway.forwardTimeoutMs);
  const lease = await takeLease(deps.store, `delivery-drain:${encodeURIComponent(instance)}`, leaseMs, deps.clock.now());
  if (lease === undefined) return { ...summary, elsewhere: true };
  deps.logger.log("info", "instance accepts again: draining its queued deliveries", { instance });
  let renewedAt = deps.clock.now();
  const stop = (reason: string) => {
    summary.stopped ??= reason;
  };

  const drainOne = async (id: string) => {
    if (deps.clock.now() - renewedAt > leaseMs / 3) {
      renewedAt = deps.clock.now();
      if (!(await renewLease(deps.store, lease, leaseMs))) return stop("the drain's lease passed to another process");
    }
    const found = await deps.queue.read(id);
    const record = found?.record;
    if (found === undefined || record!.status !== "queued" || !(record!.unreached ?? []).includes(instance)) {
      // A leftover entry (Workers KV applies a batch in part); the record is the truth.
      return deps.queue.dropWaiting(instance, id, found?.version ?? null);
    }
    // Awaited by another attempt: its answer decides.
    if (isInFlight(record!, deps.clock.now())) return;
    const result = await attemptQueuedDelivery(deps, record!, invocation);
    if (result.kind === "not-started") return;
    summary.attempted++;
    if (result.kind === "awaited") return stop(`${instance}: no answer within forwardTimeout`);
    if (result.record.status === "delivered") summary.delivered++;
    else if (result.record.status === "queued" && (result.record.unreached ?? []).includes(instance))
      stop(result.record.lastError ?? `${instance} not reached`);
  };

  try {
    let after: string | undefined;
    for (;;) {
      page = await deps.queue.listWaiting(instance, { limit: PAGE, after });
      let next = 0;
      const worker = async () => {
        while (next < page.length && summary.stopped === undefined) {
          await drainOne(page[next++]!).catch((error: unknown) => stop(error instanceof Error ? error.message : String(error)));
        }
      };
      await Promise.all(Array.from({ length: Math.min(deps.config.gateway.drainConcurrency, page.length) }, worker));
      if (summary.stopped !== undefined || page.length < PAGE) break;
      after = page[page.length - 1];
    }
  } finally {
    await releaseLease(deps.store, lease).catch(() => undefined);
  }
  deps.logger.log(summary.stopped === undefined ? "info" : "warn", "drain of an instance's queued deliveries ended", {
    instance,
    attempted: summary.attempted,
    delivered: summary.delivered,
    stopped: summary.stopped,
  });
  return summary;
}
