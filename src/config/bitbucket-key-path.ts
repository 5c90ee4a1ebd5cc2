import type { BitbucketServerConfig } from "../core/config-types.ts";

/**
 * A key path of a Bitbucket server's configuration as the file writes it
 * (keys are read without regard to case, issue #14): `undefined` gives the
 * server's table (`vcs.servers.NAME`), `""` its `bitbucket` table, any other
 * key that key in the `bitbucket` table (`…bitbucket.privateKey`, or
 * `…Bitbucket.privatekey` when so written). A server built without paths
 * (tests) gets the usual spelling.
 */
export function bitbucketKeyPath(server: BitbucketServerConfig, key?: string): string {
  const paths = server.paths ?? { server: `vcs.servers.${server.name}`, bitbucket: `vcs.servers.${server.name}.bitbucket`, keys: {} };
  if (key === undefined) return paths.server;
  if (key === "") return paths.bitbucket;
  return paths.keys[key] ?? `${paths.bitbucket}.${key}`;
}
