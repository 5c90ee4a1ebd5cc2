import type { Hono } from "hono";
import { json, jsonError } from "../core/json-error.ts";
import type { Clock } from "../core/ports.ts";
import type { DeliveryQueue } from "../queue/delivery-queue.ts";
import { type DeliveryStatus, summarizeRecord } from "../queue/delivery-record.ts";

const STATUSES: readonly DeliveryStatus[] = ["queued", "delivered", "dead"];

/**
 * The deliveries admin API (issue #6), behind the bearer check of `/-/*`:
 * - `GET /-/deliveries?status=queued|delivered|dead[&limit=N][&after=ID]`
 * - `GET /-/deliveries/<id>`
 * - `POST /-/deliveries/<id>/replay` — a dead (or delivered) delivery goes back to the queue, due
 *   now; a queued one becomes due now
 * - `POST /-/deliveries/retry-queued` — every queued delivery (up to 1000) becomes due now
 * - `DELETE /-/deliveries/<id>`
 * Bodies and headers are not shown: they may carry what Bitbucket sent in confidence.
 */
export function registerDeliveryRoutes(app: Hono, deps: { queue: DeliveryQueue; clock: Clock; wake?: (at: number) => void }): void {
  app.get("/-/deliveries", async (c) => {
    const status = (c.req.query("status") ?? "queued") as DeliveryStatus;
    if (!STATUSES.includes(status)) return jsonError(400, "bad_request", "status must be queued, delivered or dead");
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const records = await deps.queue.list(status, { limit, after: c.req.query("after") });
    return json(200, { status, deliveries: records.map(summarizeRecord) });
  });

  // After an outage: every queued delivery due now, instead of each at the end of its own backoff.
  app.post("/-/deliveries/retry-queued", async () => {
    const now = deps.clock.now();
    const queued = await deps.queue.list("queued", { limit: 1000 });
    for (const record of queued) await deps.queue.update(record, { ...record, nextAttemptAt: now });
    if (queued.length > 0) deps.wake?.(now);
    return json(202, { status: "queued", due: queued.length });
  });

  app.get("/-/deliveries/:id", async (c) => {
    const record = await deps.queue.get(c.req.param("id"));
    return record ? json(200, summarizeRecord(record)) : jsonError(404, "not_found", "no such delivery");
  });

  app.post("/-/deliveries/:id/replay", async (c) => {
    const record = await deps.queue.get(c.req.param("id"));
    if (!record) return jsonError(404, "not_found", "no such delivery");
    const now = deps.clock.now();
    // A queued delivery is made due now (CDS is back: no need to wait out the backoff);
    // a dead or delivered one goes back to the queue with a fresh 24 h.
    await deps.queue.update(
      record,
      record.status === "queued"
        ? { ...record, nextAttemptAt: now }
        : { ...record, status: "queued", nextAttemptAt: now, queuedSince: now, deadAt: undefined, deliveredAt: undefined },
    );
    deps.wake?.(now);
    return json(202, { delivery: record.id, status: "queued" });
  });

  app.delete("/-/deliveries/:id", async (c) => {
    return (await deps.queue.remove(c.req.param("id"))) ? new Response(null, { status: 204 }) : jsonError(404, "not_found", "no such delivery");
  });
}
