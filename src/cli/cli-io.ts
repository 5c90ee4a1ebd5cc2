import type { GatewayConfig } from "../core/config-types.ts";
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

/**
 * What a command accepts on its command line: its options (a string value or
 * a switch, as `node:util`'s parseArgs describes them) and whether it takes
 * positional arguments. The runtime parses strictly against it (issue #11):
 * anything else is a usage error naming it, before the command runs.
 */
export interface CommandSpec {
  usage: string;
  options: Readonly<Record<string, { type: "string" | "boolean" }>>;
  /** Takes positional arguments (the command checks how many); default none. */
  positionals?: boolean;
}

/** Parsed command-line arguments: positionals and `--flag value` / `--flag` pairs. */
export interface CliArgs {
  positionals: string[];
  flags: Record<string, string | true>;
}
