import type { Hono } from "hono";
import { json } from "../core/json-error.ts";
import type { KvStore } from "../core/ports.ts";
import { listRoutes } from "../relay/route-store.ts";

/** `GET /-/routes`: the remembered `uuid → CDS instance` routes. */
export function registerRouteRoutes(app: Hono, deps: { store: KvStore }): void {
  app.get("/-/routes", async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 1000) || 1000, 1), 10_000);
    return json(200, { routes: await listRoutes(deps.store, limit) });
  });
}
