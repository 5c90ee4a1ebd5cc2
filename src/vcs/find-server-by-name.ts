import type { BitbucketServerConfig } from "../core/config/config-types.ts";

/**
 * The Bitbucket server CDS means by `<name>` in `/vcs/<name>/…`. CDS's
 * configuration loader lower-cases map keys, so the name CDS sends need not
 * have the case of `[vcs.servers.NAME]`: an exact match wins, else one that
 * differs in case only.
 */
export function findServerByName(servers: Readonly<Record<string, BitbucketServerConfig>>, name: string): BitbucketServerConfig | undefined {
  if (Object.hasOwn(servers, name)) return servers[name];
  const lower = name.toLowerCase();
  return Object.values(servers).find((server) => server.name.toLowerCase() === lower);
}
