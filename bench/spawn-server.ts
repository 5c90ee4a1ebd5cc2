import { spawn } from "node:child_process";
import { connect } from "node:net";

/** A server process the harness started and will stop. */
export interface ServerProcess {
  name: string;
  port: number;
  pid: number;
  /** The last few KiB the process wrote, for error messages. */
  tail(): string;
  /** SIGTERM (the whole process group when `group`), SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Matches the line announcing the port; group 1 is the port. */
  listening?: RegExp;
  /** Called with the whole match of `listening` (for servers that announce more than one port). */
  onListening?: (match: RegExpExecArray) => void;
  /** For a server that announces nothing: ready once this loopback port accepts a connection. */
  readyPort?: number;
  /** The process starts children of its own (`deno task`, `sh`): stop them with it. */
  group?: boolean;
  timeoutMs?: number;
}

const TAIL_CHARS = 8 * 1024;
const STOP_GRACE_MS = 5_000;
/** Every server of the harness announces itself with the gateway's own log line. */
export const LISTENING = /"msg":"listening","port":(\d+)/;

/**
 * Starts a server process and waits (bounded) for its "listening" line. Its
 * output is read and dropped as it comes (keeping a short tail), so a server
 * that logs every request never blocks on a full pipe and the harness keeps
 * no log in memory.
 */
export function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.group === true,
  });
  let tail = "";
  let seen = "";
  let port: number | undefined;
  let announced: (port: number) => void = () => {};
  const pattern = options.listening ?? LISTENING;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-TAIL_CHARS);
    if (port === undefined) {
      seen = (seen + text).slice(-TAIL_CHARS);
      const m = pattern.exec(seen);
      if (m) {
        options.onListening?.(m);
        port = Number(m[1]);
        announced(port);
      }
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);

  const signal = (name: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      if (options.group) process.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (child.pid === undefined) return; // never started
    signal("SIGTERM");
    const force = setTimeout(() => signal("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(force);
    // `deno task` leaves the real server as a grandchild: make sure the group is gone too.
    if (options.group && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is empty
      }
    }
  };

  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not listen within ${timeoutMs / 1000} s`), timeoutMs);
    function fail(why: string) {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${options.name}: ${why}\n${tail}`)));
    }
    announced = (p) => {
      clearTimeout(timer);
      resolve({ name: options.name, port: p, pid: child.pid!, tail: () => tail, stop });
    };
    child.once("error", (error) => fail(error.message));
    if (options.readyPort !== undefined)
      void pollPort(options.readyPort, () => port !== undefined || child.exitCode !== null).then((ok) => {
        if (ok && port === undefined) {
          port = options.readyPort;
          announced(options.readyPort!);
        }
      });
    void exited.then(() => {
      if (port === undefined) fail(`exited (code ${child.exitCode}, signal ${child.signalCode}) before listening`);
    });
  });
}

/** Tries to connect every 20 ms until it succeeds (true) or `done()` says to give up (false). */
async function pollPort(port: number, done: () => boolean): Promise<boolean> {
  while (!done()) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
