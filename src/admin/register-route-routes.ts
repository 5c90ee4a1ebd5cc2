import type { Hono } from "hono";
import { json } from "../core/json-error.ts";
import type { RouteStore } from "../relay/route-store.ts";

/** `GET /-/routes`: the remembered `uuid → CDS instance` routes. */
export function registerRouteRoutes(app: Hono, deps: { routes: RouteStore }): void {
  app.get("/-/routes", async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 1000) || 1000, 1), 10_000);
    return json(200, { routes: await deps.routes.list(limit) });
  });
}
