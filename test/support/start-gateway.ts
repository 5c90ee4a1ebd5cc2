import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(REPO_ROOT, "bin/cds-gateway.mjs");

export interface GatewayProcess {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Writes `toml` into a fresh temporary directory and returns the file path. */
export function writeConfig(toml: string, dir = mkdtempSync(join(tmpdir(), "cds-gw-"))): string {
  const path = join(dir, "gateway.toml");
  writeFileSync(path, toml);
  return path;
}

/**
 * Starts the real `cds-gateway serve` (the built bin) on a free loopback port
 * and waits for its "listening" log line (bounded).
 */
export async function startGateway(
  configPath: string,
  options: { env?: Record<string, string>; port?: number; cwd?: string } = {},
): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [BIN, "serve", "--config", configPath, "--port", String(options.port ?? 0)], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, HOST: "127.0.0.1", LOG_LEVEL: "debug", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start within 15 s:\n${output}`)), 15_000);
    const check = () => {
      const m = /"msg":"listening","port":(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    output: () => output,
    stop: (signal = "SIGTERM") => {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      child.kill(signal);
      return exited;
    },
  };
}
