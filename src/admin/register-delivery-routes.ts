import type { Hono } from "hono";
import { maskHeaders } from "../console/mask-headers.ts";
import { decodeUtf8 } from "../lib/bytes.ts";
import type { RecentForwards } from "../console/recent-forwards.ts";
import { json, jsonError } from "../core/json-error.ts";
import type { Clock } from "../core/ports.ts";
import { changeDelivery } from "../queue/change-delivery.ts";
import type { DeliveryQueue } from "../queue/delivery-queue.ts";
import {
  deliveryFromRecord,
  type DeliveryRecord,
  type DeliveryStatus,
  type DeliverySummary,
  isInFlight,
  summarizeRecord,
} from "../queue/delivery-record.ts";
import { findSummaries } from "../queue/find-summaries.ts";
import { repositoryOf } from "../queue/repository-of.ts";
import { retryQueuedNow } from "../queue/retry-queued-now.ts";

const STATUSES: readonly DeliveryStatus[] = ["queued", "delivered", "dead"];

/**
 * The deliveries admin API (issue #6), behind the bearer check of `/-/*`:
 * - `GET /-/deliveries?status=queued|delivered|dead[&instance=I][&repository=R][&limit=N][&after=ID]` —
 *   from the listing index, which holds no bodies (issue #12); `next` to page on. With a filter, at
 *   most 1000 summaries are read per request (findSummaries).
 * - `GET /-/deliveries?status=forwarded` — the recent direct forwards of this process, newest
 *   first, from memory (issue #16): never stored, so never in the other listings
 * - `GET /-/deliveries/<id>` — one delivery whole (issue #16): its masked headers, its body as
 *   text, its repository and its attempts (deliveryDetail)
 * - `POST /-/deliveries/<id>/replay[?status=S]` — a dead (or delivered) delivery goes back to the
 *   queue, due now; a queued one becomes due now. With `status`, only if the delivery still has
 *   that status (409 otherwise): the page's "Retry now" on a queued row never replays a delivery
 *   the drain has just delivered. A queued one whose attempt is in flight (its answer awaited,
 *   issue #12) is 409 too: a second attempt would send CDS a second copy.
 * - `POST /-/deliveries/retry-queued` — every queued delivery (up to 1000) not in flight becomes due now
 * - `DELETE /-/deliveries/<id>`
 * Every change is conditional on the record as read (src/queue/change-delivery.ts): clicked
 * during a drain, none of them puts a delivered webhook back in the queue.
 * Answers carry the gateway's `now`, which the page counts relative times from.
 */
export function registerDeliveryRoutes(
  app: Hono,
  deps: { queue: DeliveryQueue; clock: Clock; wake?: (at: number) => void; recent?: RecentForwards },
): void {
  app.get("/-/deliveries", async (c) => {
    const status = c.req.query("status") ?? "queued";
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const match = summaryFilter(c.req.query("instance"), c.req.query("repository"));
    const now = deps.clock.now();
    if (status === "forwarded") {
      const deliveries = (deps.recent?.list() ?? []).filter((forward) => match === undefined || match(forward)).slice(0, limit);
      return json(200, { status, now, deliveries });
    }
    if (!STATUSES.includes(status as DeliveryStatus))
      return jsonError("bad_request", "status must be queued, delivered, dead or forwarded");
    const found = await findSummaries(deps.queue, status as DeliveryStatus, { limit, after: c.req.query("after"), match });
    return json(200, { status, now, ...found });
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
    return record ? json(200, { now: deps.clock.now(), ...deliveryDetail(record) }) : jsonError("not_found", "no such delivery");
  });

  app.post("/-/deliveries/:id/replay", async (c) => {
    const expected = c.req.query("status") as DeliveryStatus | undefined;
    if (expected !== undefined && !STATUSES.includes(expected)) return jsonError("bad_request", "status must be queued, delivered or dead");
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
    if (result.kind === "missing") return jsonError("not_found", "no such delivery");
    if (moved !== undefined) return jsonError("conflict", `the delivery is ${moved} now, not ${expected}: nothing was replayed`);
    if (inFlightUntil !== undefined) {
      return jsonError(
        "conflict",
        `an attempt awaits CDS's answer until ${new Date(inFlightUntil).toISOString()}: nothing was replayed (it is due then if no answer came)`,
      );
    }
    deps.wake?.(now);
    return json(202, { delivery: c.req.param("id"), status: "queued" });
  });

  app.delete("/-/deliveries/:id", async (c) => {
    const result = await changeDelivery(deps.queue, c.req.param("id"), () => "delete");
    return result.kind === "deleted" ? new Response(null, { status: 204 }) : jsonError("not_found", "no such delivery");
  });
}

/** What the filters of a listing keep: the instance exactly, the repository as a part of `PROJECT/slug` in any case; undefined: no filter. */
function summaryFilter(
  instance: string | undefined,
  repository: string | undefined,
): ((summary: Pick<DeliverySummary, "instance" | "repository">) => boolean) | undefined {
  const part = repository?.trim().toLowerCase() || undefined;
  const name = instance?.trim() || undefined;
  if (part === undefined && name === undefined) return undefined;
  return (summary) =>
    (name === undefined || summary.instance === name) &&
    (part === undefined || (summary.repository?.toLowerCase().includes(part) ?? false));
}

/**
 * One delivery as `GET /-/deliveries/<id>` shows it (issue #16): its summary,
 * its headers with signatures and credentials masked (maskHeaders), its body
 * as text (UTF-8; base64 when it is not), its repository (read from the body
 * for a record stored before summaries had it) and its attempts, oldest
 * first. Reads one record; listings never do.
 */
export function deliveryDetail(record: DeliveryRecord) {
  const { body } = deliveryFromRecord(record);
  let text: string;
  let bodyEncoding: "utf-8" | "base64" = "utf-8";
  try {
    text = decodeUtf8(body);
  } catch {
    text = record.body;
    bodyEncoding = "base64";
  }
  const repository = record.repository ?? repositoryOf(body);
  return {
    ...summarizeRecord(record),
    ...(repository !== undefined ? { repository } : {}),
    headers: maskHeaders(record.headers),
    body: text,
    bodyEncoding,
    history: record.history ?? [],
  };
}
