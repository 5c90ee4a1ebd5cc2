import type { BitbucketServerConfig } from "./config-types.ts";

/**
 * The Bitbucket server meant by `<name>` in `/vcs/<name>/…`, in an event's
 * `repository_manager_name` or on a command line. CDS's configuration loader
 * lower-cases map keys, so the name CDS sends need not have the case of
 * `[vcs.servers.NAME]`: names match without regard to case (two servers
 * whose names differ in case only are a configuration error); an exact match
 * is looked up first.
 */
export function findServerByName(
  servers: Readonly<Record<string, BitbucketServerConfig>>,
  name: string,
): BitbucketServerConfig | undefined {
  if (Object.hasOwn(servers, name)) return servers[name];
  const lower = name.toLowerCase();
  return Object.values(servers).find((server) => server.name.toLowerCase() === lower);
}
