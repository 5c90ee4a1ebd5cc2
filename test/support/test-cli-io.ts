import { mkdtemp, readFile, writeFile, chmod, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import type { CliIo } from "../../src/cli/cli-io.ts";
import { ConfigError } from "../../src/config/config-error.ts";
import type { GatewayConfig } from "../../src/core/config-types.ts";
import { systemClock, type Clock, type FetchFn } from "../../src/core/ports.ts";

/**
 * A Node CliIo for command tests: stdout and stderr captured in strings,
 * standard input fed from an array of lines, real files under a fresh
 * temporary directory (relative paths resolve there), real fetch.
 *
 *   const io = await createTestCliIo({ stdin: ["verifier"], configs: { "gw.toml": config } });
 *   const code = await runX(parseCommandLine([...], X_COMMAND), io);
 *   expect(io.stdoutText).toContain("…");
 *   await io.cleanup();
 */
export interface TestCliIo extends CliIo {
  readonly stdoutText: string;
  readonly stderrText: string;
  /** Prompts passed to readLine, in order. */
  readonly prompts: string[];
  /** The temporary directory relative paths resolve against. */
  readonly dir: string;
  /** Absolute path of a file in `dir`. */
  path(relative: string): string;
  /** Removes the temporary directory. */
  cleanup(): Promise<void>;
}

export interface TestCliIoOptions {
  stdin?: string[];
  env?: Record<string, string>;
  /** Configurations served by loadConfig, by the path given to it; other paths throw a ConfigError. */
  configs?: Record<string, GatewayConfig>;
  /** Replaces the `configs` lookup (e.g. with the real file loader). */
  loadConfig?: (path: string) => Promise<GatewayConfig>;
  fetch?: FetchFn;
  clock?: Clock;
}

export async function createTestCliIo(options: TestCliIoOptions = {}): Promise<TestCliIo> {
  const dir = await mkdtemp(join(tmpdir(), "cds-gateway-cli-"));
  const stdin = [...(options.stdin ?? [])];
  const prompts: string[] = [];
  let out = "";
  let err = "";
  const resolve = (path: string) => (isAbsolute(path) ? path : join(dir, path));

  return {
    get stdoutText() {
      return out;
    },
    get stderrText() {
      return err;
    },
    prompts,
    dir,
    path: resolve,
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
    stdout(text) {
      out += text;
    },
    stderr(text) {
      err += text;
    },
    async readLine(prompt) {
      if (prompt !== undefined) prompts.push(prompt);
      return stdin.length > 0 ? stdin.shift()! : null;
    },
    readTextFile: (path) => readFile(resolve(path), "utf8"),
    async writeTextFile(path, text, writeOptions) {
      const target = resolve(path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, text, writeOptions?.mode === undefined ? {} : { mode: writeOptions.mode });
      if (writeOptions?.mode !== undefined) await chmod(target, writeOptions.mode);
    },
    env: (name) => options.env?.[name],
    async loadConfig(path) {
      if (options.loadConfig) return options.loadConfig(path);
      const config = options.configs?.[path];
      if (!config) throw new ConfigError([{ path: "", message: `cannot read configuration file ${path}` }]);
      return config;
    },
    fetch: options.fetch ?? ((url, init) => fetch(url, init as RequestInit)),
    clock: options.clock ?? systemClock,
  };
}
