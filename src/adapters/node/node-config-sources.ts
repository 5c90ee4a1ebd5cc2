import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ConfigSources } from "../../config/load-config.ts";

/** `env:` from the process environment, `file:` relative to the configuration file. */
export function nodeConfigSources(configPath: string, env: NodeJS.ProcessEnv = process.env): ConfigSources {
  const base = dirname(resolve(configPath));
  return {
    env: (name) => env[name],
    readFile: (path) => readFileSync(resolve(base, path), "utf8"),
  };
}
