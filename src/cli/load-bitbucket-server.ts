import { ConfigError, configErrorReport } from "../config/config-error.ts";
import type { BitbucketServerConfig } from "../core/config-types.ts";
import { findServerByName } from "../core/find-server-by-name.ts";
import type { CliArgs, CliIo } from "./cli-io.ts";
import { flagValue } from "./flag-value.ts";

/**
 * `--config FILE --server NAME` → that server's configuration, or the exit
 * code after a one-line message on stderr: 2 for usage errors (missing flag,
 * unknown server), 1 when the configuration does not load.
 */
export async function loadBitbucketServer(
  args: CliArgs,
  io: CliIo,
  usage: string,
): Promise<{ server: BitbucketServerConfig } | { exitCode: number }> {
  const configPath = flagValue(args, "config");
  const name = flagValue(args, "server");
  if (!configPath || !name) {
    io.stderr(`${!configPath ? "--config FILE" : "--server NAME"} is required (usage: ${usage})\n`);
    return { exitCode: 2 };
  }
  let servers: Readonly<Record<string, BitbucketServerConfig>>;
  try {
    servers = (await io.loadConfig(configPath)).servers;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(configErrorReport(configPath, error));
    } else {
      io.stderr(`${configPath}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    return { exitCode: 1 };
  }
  const server = findServerByName(servers, name);
  if (!server) {
    const known = Object.keys(servers);
    io.stderr(`unknown server "${name}" in ${configPath} (known: ${known.length > 0 ? known.join(", ") : "none"})\n`);
    return { exitCode: 2 };
  }
  return { server };
}
