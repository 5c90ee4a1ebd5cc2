import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../config/config-error.ts";
import type { GatewayConfig } from "../../core/config-types.ts";
import { loadConfig } from "../../config/load-config.ts";

/** Where the configuration came from, for logs and errors (never its content). */
export interface ConfigOrigin {
  /** A file path, or "GATEWAY_CONFIG" for the text of that variable. */
  source: string;
}

/** The configuration bundled with the package, used when nothing else is given (as `npm start` does). */
const BUNDLED_EXAMPLE = new URL("../../../config/gateway.example.toml", import.meta.url);

/**
 * Finds and loads the configuration, first of:
 * 1. `--config FILE` (or `--config=FILE`);
 * 2. `$CDS_GATEWAY_CONFIG`, a file path;
 * 3. `$GATEWAY_CONFIG`, the TOML text itself (as on Workers);
 * 4. `./gateway.toml` when it exists;
 * 5. the bundled config/gateway.example.toml.
 * `env:NAME` reads the environment; `file:PATH` is relative to the
 * configuration file (to the working directory for `$GATEWAY_CONFIG`).
 */
export async function loadDenoConfig(
  args: readonly string[],
  env: (name: string) => string | undefined,
): Promise<{ config: GatewayConfig } & ConfigOrigin> {
  const path = flagValue(args, "config") ?? nonEmpty(env("CDS_GATEWAY_CONFIG"));
  const inline = nonEmpty(env("GATEWAY_CONFIG"));
  let text: string;
  let source: string;
  let base: string;
  if (path !== undefined) {
    source = path;
    text = readConfigFile(path);
    base = dirname(resolve(path));
  } else if (inline !== undefined) {
    source = "GATEWAY_CONFIG";
    text = inline;
    base = Deno.cwd();
  } else if (exists("gateway.toml")) {
    source = "gateway.toml";
    text = readConfigFile(source);
    base = Deno.cwd();
  } else {
    source = fileURLToPath(BUNDLED_EXAMPLE);
    text = readConfigFile(source);
    base = dirname(source);
  }
  const config = await loadConfig(
    text,
    {
      env,
      readFile: (file) => Deno.readTextFileSync(resolve(base, file)),
    },
    { serving: true },
  );
  return { config, source };
}

function readConfigFile(path: string | URL): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    throw new ConfigError([{ path: "", message: `cannot read configuration file ${String(path)}` }]);
  }
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** `--name VALUE` or `--name=VALUE`. */
export function flagValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) return args[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}
