import type { GatewayConfig } from "../core/config/config-types.ts";
import type { Clock, FetchFn } from "../core/ports.ts";

/**
 * Everything a command needs from its runtime. The Node adapter provides it
 * (src/adapters/node/node-cli-io.ts); commands stay runtime-neutral and are
 * tested with an in-memory implementation.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** One line from standard input without its line break; null at end of input. */
  readLine(prompt?: string): Promise<string | null>;
  readTextFile(path: string): Promise<string>;
  /** Writes a file; `mode` (e.g. 0o600) is applied on creation. */
  writeTextFile(path: string, text: string, options?: { mode?: number }): Promise<void>;
  env(name: string): string | undefined;
  /** Loads and validates a configuration file (throws ConfigError). */
  loadConfig(path: string): Promise<GatewayConfig>;
  fetch: FetchFn;
  clock: Clock;
}

/** Parsed command-line arguments: positionals and `--flag value` / `--flag` pairs. */
export interface CliArgs {
  positionals: string[];
  flags: Record<string, string | true>;
}
