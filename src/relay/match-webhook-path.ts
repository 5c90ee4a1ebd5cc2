import type { BitbucketServerConfig } from "../core/config-types.ts";
import { isUuid } from "./is-uuid.ts";

export interface WebhookTarget {
  /** The Bitbucket server whose proxyWebhook path prefixes the request path. */
  server: BitbucketServerConfig;
  uuid: string;
}

/**
 * Splits `<prefix>/<uuid>` (docs/relay.md, step 1 "Path"). The prefix must be
 * exactly some server's path: comparing the whole directory part is the
 * longest match, and anything else (`..`, `%2e`, extra segments, a bad UUID)
 * simply does not match. Paths are compared as sent, never decoded.
 */
export function matchWebhookPath(path: string, servers: readonly BitbucketServerConfig[]): WebhookTarget | undefined {
  const slash = path.lastIndexOf("/");
  if (slash < 0) return undefined;
  const uuid = path.slice(slash + 1);
  if (!isUuid(uuid)) return undefined;
  const prefix = path.slice(0, slash);
  const server = servers.find((s) => s.prefix === prefix);
  return server ? { server, uuid: uuid.toLowerCase() } : undefined;
}
