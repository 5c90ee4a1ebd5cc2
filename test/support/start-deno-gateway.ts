import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/worker-bundle-size.ts";

export interface DenoGateway {
  url: string;
  port: number;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Signals the task's whole process group. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs the process group if it still runs, and removes the KV directory. */
  stop(): Promise<void>;
}

/** A port nobody listens on right now (taken by the OS, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `deno task start` from the repository root with the configuration
 * text in GATEWAY_CONFIG, a fresh Deno KV file, on a free loopback port, and
 * waits (bounded) for its "listening" line. The real binary runs the task
 * where npm put its own node_modules/.bin/deno: what a Deno user who also
 * ran `npm install` gets.
 */
export async function startDenoGateway(deno: string, config: string, env: Record<string, string> = {}): Promise<DenoGateway> {
  const kvDir = mkdtempSync(join(tmpdir(), "cds-gw-deno-task-"));
  const port = await freePort();
  const child = spawn(deno, ["task", "start"], {
    cwd: REPO_ROOT,
    detached: true, // its own process group: the task's children are stopped with it
    env: {
      ...process.env,
      NO_COLOR: "1",
      GATEWAY_CONFIG: config,
      CDS_GATEWAY_CONFIG: "",
      PORT: String(port),
      HOST: "127.0.0.1",
      DENO_KV_PATH: join(kvDir, "gateway.kv"),
      LOG_LEVEL: "debug",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const kill = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid, "SIGKILL");
      await exited;
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`deno task start did not listen within 60 s:\n${output}`)), 60_000);
      const check = () => {
        if (output.includes('"msg":"listening"')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", check);
      child.stderr!.on("data", check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`deno task start exited with ${code} before listening:\n${output}`));
      });
    });
  } catch (error) {
    await kill();
    rmSync(kvDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    exited,
    signal: (signal) => process.kill(-child.pid!, signal),
    stop: async () => {
      await kill();
      rmSync(kvDir, { recursive: true, force: true });
    },
  };
}
