import type { GatewayConfig } from "../core/config-types.ts";
import type { Delivery } from "./delivery.ts";
import type { RouteRecord } from "./route-store.ts";

/**
 * Whether a delivery may use a remembered route (issue #11, finding 1). A
 * webhook UUID belongs to one Bitbucket server: the route remembers the
 * server whose path its webhooks came through, and the UUID is refused on
 * any other server's path, so a server without `webhookSecret` cannot be
 * used to reach a UUID whose webhooks are signed. Allowed besides:
 * - a route without a server (written before routes had one) or whose server
 *   is no longer configured (renamed): the next accepted delivery binds it;
 * - a server sharing the bound server's path (the two are one path to the
 *   gateway, and must agree on secrets: docs/configuration.md);
 * - a delivery whose signature was verified, when the bound server verifies
 *   none: a route first reached through an unsigned path may have been
 *   claimed by anyone who knew the UUID, a signed delivery proves the owner.
 */
export function routeAdmits(config: GatewayConfig, route: RouteRecord, delivery: Pick<Delivery, "server" | "verified">): boolean {
  if (route.server === undefined || route.server === delivery.server) return true;
  const bound = Object.hasOwn(config.servers, route.server) ? config.servers[route.server] : undefined;
  if (!bound) return true;
  const arriving = Object.hasOwn(config.servers, delivery.server) ? config.servers[delivery.server] : undefined;
  if (arriving && arriving.prefix === bound.prefix) return true;
  return delivery.verified && bound.webhookSecrets.length === 0;
}
