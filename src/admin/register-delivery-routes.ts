import type { Hono } from "hono";
import { json, jsonError } from "../core/json-error.ts";
import type { Clock } from "../core/ports.ts";
import { changeDelivery } from "../queue/change-delivery.ts";
import type { DeliveryQueue } from "../queue/delivery-queue.ts";
import { type DeliveryStatus, isInFlight, summarizeRecord } from "../queue/delivery-record.ts";
import { retryQueuedNow } from "../queue/retry-queued-now.ts";

const STATUSES: readonly DeliveryStatus[] = ["queued", "delivered", "dead"];

/**
 * The deliveries admin API (issue #6), behind the bearer check of `/-/*`:
 * - `GET /-/deliveries?status=queued|delivered|dead[&limit=N][&after=ID]` — from the listing
 *   index, which holds no bodies (issue #12)
 * - `GET /-/deliveries/<id>`
 * - `POST /-/deliveries/<id>/replay[?status=S]` — a dead (or delivered) delivery goes back to the
 *   queue, due now; a queued one becomes due now. With `status`, only if the delivery still has
 *   that status (409 otherwise): the page's "Retry now" on a queued row never replays a delivery
 *   the drain has just delivered. A queued one whose attempt is in flight (its answer awaited,
 *   issue #12) is 409 too: a second attempt would send CDS a second copy.
 * - `POST /-/deliveries/retry-queued` — every queued delivery (up to 1000) not in flight becomes due now
 * - `DELETE /-/deliveries/<id>`
 * Every change is conditional on the record as read (src/queue/change-delivery.ts): clicked
 * during a drain, none of them puts a delivered webhook back in the queue.
 * Bodies and headers are not shown: they may carry what Bitbucket sent in confidence.
 */
export function registerDeliveryRoutes(app: Hono, deps: { queue: DeliveryQueue; clock: Clock; wake?: (at: number) => void }): void {
  app.get("/-/deliveries", async (c) => {
    const status = (c.req.query("status") ?? "queued") as DeliveryStatus;
    if (!STATUSES.includes(status)) return jsonError(400, "bad_request", "status must be queued, delivered or dead");
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const deliveries = await deps.queue.list(status, { limit, after: c.req.query("after") });
    return json(200, { status, deliveries });
  });

  // After an outage: every queued delivery due now, instead of each at the end of its own backoff.
  app.post("/-/deliveries/retry-queued", async () => {
    const now = deps.clock.now();
    const due = await retryQueuedNow(deps.queue, now, { limit: 1000 });
    if (due > 0) deps.wake?.(now);
    return json(202, { status: "queued", due });
  });

  app.get("/-/deliveries/:id", async (c) => {
    const record = await deps.queue.get(c.req.param("id"));
    return record ? json(200, summarizeRecord(record)) : jsonError(404, "not_found", "no such delivery");
  });

  app.post("/-/deliveries/:id/replay", async (c) => {
    const expected = c.req.query("status") as DeliveryStatus | undefined;
    if (expected !== undefined && !STATUSES.includes(expected)) return jsonError(400, "bad_request", "status must be queued, delivered or dead");
    const now = deps.clock.now();
    let moved: DeliveryStatus | undefined;
    let inFlightUntil: number | undefined;
    const result = await changeDelivery(deps.queue, c.req.param("id"), (current) => {
      if (expected !== undefined && current.status !== expected) {
        moved = current.status;
        return undefined;
      }
      if (isInFlight(current, now)) {
        inFlightUntil = current.inFlightUntil;
        return undefined;
      }
      // A queued delivery is made due now (CDS is back: no need to wait out the backoff);
      // a dead or delivered one goes back to the queue with a fresh 24 h.
      if (current.status === "queued") return (current.nextAttemptAt ?? 0) > now ? { ...current, nextAttemptAt: now } : undefined;
      return { ...current, status: "queued", nextAttemptAt: now, queuedSince: now, deadAt: undefined, deliveredAt: undefined };
    });
    if (result.kind === "missing") return jsonError(404, "not_found", "no such delivery");
    if (moved !== undefined) return jsonError(409, "conflict", `the delivery is ${moved} now, not ${expected}: nothing was replayed`);
    if (inFlightUntil !== undefined) {
      return jsonError(409, "conflict", `an attempt awaits CDS's answer until ${new Date(inFlightUntil).toISOString()}: nothing was replayed (it is due then if no answer came)`);
    }
    deps.wake?.(now);
    return json(202, { delivery: c.req.param("id"), status: "queued" });
  });

  app.delete("/-/deliveries/:id", async (c) => {
    const result = await changeDelivery(deps.queue, c.req.param("id"), () => "delete");
    return result.kind === "deleted" ? new Response(null, { status: 204 }) : jsonError(404, "not_found", "no such delivery");
  });
}
