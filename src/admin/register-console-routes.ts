import type { Hono } from "hono";
import { ACTIVITY_KINDS } from "../console/activity-minutes.ts";
import { COUNT_LIMIT, countDeliveries, type DeliveryCounts } from "../console/count-deliveries.ts";
import type { ConsoleState } from "../console/create-console-state.ts";
import { json } from "../core/json-error.ts";
import type { Clock } from "../core/ports.ts";
import { within } from "../lib/with-timeout.ts";
import type { DeliveryQueue } from "../queue/delivery-queue.ts";

/**
 * The console's overview (issue #16), behind the bearer check of `/-/*`:
 * - `GET /-/instances` — one object per CDS instance: what this process
 *   believes of it (`reachable`, last accepted webhook, last failure) and
 *   its queued and dead deliveries from the store (bounded count,
 *   countDeliveries; `null` when the store does not answer within
 *   `timeoutMs`); per Bitbucket server, the last build-status or comment
 *   call and its answer
 * - `GET /-/activity` — outcomes per minute over the last hour, this process
 */
export function registerConsoleRoutes(
  app: Hono,
  deps: { console: ConsoleState; queue: DeliveryQueue; clock: Clock; timeoutMs: number; servers: readonly string[] },
): void {
  app.get("/-/instances", async () => {
    let counts: DeliveryCounts | undefined;
    try {
      counts = await within(deps.timeoutMs, countDeliveries(deps.queue));
    } catch {
      counts = undefined;
    }
    const instances = deps.console.health.snapshot();
    const of = (name: string) => counts?.byInstance.get(name) ?? (counts ? { queued: 0, dead: 0 } : { queued: null, dead: null });
    // Waiting on several instances, on none known yet (a new UUID no instance answered for), or on one no longer configured.
    let unrouted: { queued: number | null; dead: number | null } = { queued: null, dead: null };
    if (counts) {
      const other = [...counts.byInstance].filter(([name]) => !instances.some((i) => i.name === name));
      unrouted = { queued: sum(other.map(([, f]) => f.queued)), dead: sum(other.map(([, f]) => f.dead)) };
    }
    return json(200, {
      now: deps.clock.now(),
      instances: instances.map((state) => ({ ...state, ...of(state.name) })),
      unrouted,
      counts: counts
        ? { limit: COUNT_LIMIT, complete: counts.complete }
        : { limit: COUNT_LIMIT, complete: false, error: "the store did not answer" },
      servers: deps.console.calls.snapshot(deps.servers),
    });
  });

  app.get("/-/activity", () => {
    const now = deps.clock.now();
    return json(200, { now, minuteMs: 60_000, kinds: ACTIVITY_KINDS, minutes: deps.console.activity.series(now) });
  });
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
