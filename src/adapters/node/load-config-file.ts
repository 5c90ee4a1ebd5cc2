import { readFile } from "node:fs/promises";
import { ConfigError } from "../../config/config-error.ts";
import type { GatewayConfig } from "../../core/config-types.ts";
import { loadConfig, type LoadConfigOptions } from "../../config/load-config.ts";
import { nodeConfigSources } from "./node-config-sources.ts";

/** Reads and validates a configuration file; a missing file is a ConfigError too. */
export async function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  options: LoadConfigOptions = {},
): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new ConfigError([{ path: "", message: `cannot read configuration file ${path}` }]);
  }
  return loadConfig(text, nodeConfigSources(path, env), options);
}
