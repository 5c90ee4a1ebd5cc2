import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createConnection, createServer } from "node:net";

export interface RedisServerHandle {
  /** `redis://127.0.0.1:PORT/0` */
  url: string;
  port: number;
  /** SIGSTOP: the server keeps its connections and accepts new ones, but answers nothing. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Starts a throwaway `redis-server` on a free loopback port, without
 * persistence. Fails (never skips) when the binary is missing: CI installs it,
 * and a silently skipped Redis suite would hide a broken store.
 */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServerHandle> {
  // The free port is found by binding port 0 and releasing it; another
  // process may grab it in between, so a failed start is retried. A given
  // port (a server started again where a gateway expects it) is tried as is.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startOn(port);
    } catch (error) {
      if (error instanceof RedisServerMissing) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

class RedisServerMissing extends Error {}

async function startOn(port: number): Promise<RedisServerHandle> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));

  const exited = new Promise<Error>((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === "ENOENT"
          ? new RedisServerMissing(
              "redis-server not found on PATH. The Redis store tests need a real server: " +
                "install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).",
            )
          : error,
      ),
    );
    child.once("exit", (code, signal) => resolve(new Error(`redis-server exited early (code ${code}, signal ${signal}):\n${output}`)));
  });

  const gaveUp = { value: false };
  const ready = waitForPong(port, READY_TIMEOUT_MS, gaveUp);
  const outcome = await Promise.race([
    ready.then(
      () => null,
      (error: Error) => error,
    ),
    exited,
  ]);
  gaveUp.value = true;
  if (outcome !== null) {
    await kill(child);
    throw outcome;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    stop: () => (stopped ??= kill(child)),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server answers PING with +PONG; rejects after `timeoutMs`. */
async function waitForPong(port: number, timeoutMs: number, gaveUp: { value: boolean }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gaveUp.value) {
    if (await pingOnce(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGCONT"); // a paused server would hold SIGTERM until continued
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
