import type { Hono } from "hono";
import { ADMIN_PAGE_HTML } from "./admin-page.ts";
import { ADMIN_PAGE_SCRIPT } from "./admin-script.ts";

/** Strict: the page runs only its own script and talks only to this origin. */
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

/**
 * `GET /-/` and `GET /-/admin.js`: the operators' page. Registered before the
 * bearer check of `/-/*` because it holds no data — a browser cannot send a
 * bearer token for a page load; the page's script sends it with every API call.
 */
export function registerAdminPage(app: Hono): void {
  app.get("/-/", () => new Response(ADMIN_PAGE_HTML, { headers: { ...PAGE_HEADERS, "content-type": "text/html; charset=utf-8" } }));
  app.get(
    "/-/admin.js",
    () => new Response(ADMIN_PAGE_SCRIPT, { headers: { ...PAGE_HEADERS, "content-type": "text/javascript; charset=utf-8" } }),
  );
}
