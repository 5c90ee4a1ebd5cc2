import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./bench-webhook.ts";
import type { LoadJob, LoadResult } from "./load-generator.ts";

export type { LoadJob, LoadResult };

export interface LoadClient {
  /** Runs one job in the load generator's process; rejects when it fails or takes `timeoutMs`. */
  run(job: LoadJob, timeoutMs?: number): Promise<LoadResult>;
  close(): Promise<void>;
}

interface Generator {
  child: ChildProcess;
  exited: Promise<void>;
}

async function forkGenerator(): Promise<Generator> {
  const child = fork(join(REPO_ROOT, "bench/load-generator.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", reject);
  });
  return { child, exited };
}

/**
 * Forks bench/load-generator.ts: the load comes from its own process, never
 * from a server's. Jobs run one after the other; a job that overruns its time
 * kills the generator, and the next job gets a new one.
 */
export async function startLoadClient(): Promise<LoadClient> {
  let generator = await forkGenerator();
  let queue = Promise.resolve();
  const runOne = async (job: LoadJob, timeoutMs: number): Promise<LoadResult> => {
    if (!generator.child.connected) generator = await forkGenerator();
    const { child } = generator;
    return new Promise<LoadResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off("message", onMessage);
        child.kill("SIGKILL"); // its answer would come too late for this job and too early for the next
        reject(new Error(`the load generator did not finish within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const onMessage = (message: { ok: boolean; result?: LoadResult; error?: string }) => {
        clearTimeout(timer);
        child.off("message", onMessage);
        if (message.ok) resolve(message.result!);
        else reject(new Error(`load generator: ${message.error}`));
      };
      child.on("message", onMessage);
      child.send(job);
    });
  };
  return {
    run(job, timeoutMs = 120_000) {
      const next = queue.then(() => runOne(job, timeoutMs));
      queue = next.then(
        () => undefined,
        () => undefined,
      );
      return next;
    },
    async close() {
      const { child, exited } = generator;
      if (child.connected) child.disconnect();
      const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(force);
    },
  };
}
