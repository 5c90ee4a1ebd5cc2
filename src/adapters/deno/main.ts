/**
 * The gateway on Deno: `deno task start` (deno.json), or
 *
 *   deno run --allow-net --allow-env --allow-read --allow-write \
 *     --unstable-kv --unstable-cron src/adapters/deno/main.ts [--config FILE] [--port N]
 *
 * Configuration: see loadDenoConfig. Environment: PORT (default 8080), HOST
 * (default 0.0.0.0), DENO_KV_PATH (the Deno KV database file; default:
 * Deno's own location for this script, or the project's KV on Deno Deploy),
 * LOG_LEVEL (debug | info | warn | error). SIGTERM or SIGINT: stops
 * accepting, lets requests in flight finish, closes the store, exits 0.
 */
import { createHmac } from "node:crypto";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../../config/config-error.ts";
import { createGateway } from "../../app/create-gateway.ts";
import { PROCESS_EXECUTION_CONTEXT } from "../../app/process-execution-context.ts";
import type { FetchFn } from "../../core/ports.ts";
import { createJsonLogger } from "../../lib/create-json-logger.ts";
import { createLineBuffer, type LineSink } from "../../lib/create-line-buffer.ts";
import { flagValue, loadDenoConfig } from "./deno-config.ts";
import { createDenoKvStore } from "./deno-kv-store.ts";
import { createKvWake } from "./deno-kv-wake.ts";
import { type ScheduledWork, scheduleWork } from "../../app/schedule-work.ts";

const encoder = new TextEncoder();

/** stderr for the log's line buffer: Deno's async write, which may take part of a chunk. */
const denoStderrSink: LineSink = {
  async write(chunk) {
    let bytes = encoder.encode(chunk);
    while (bytes.length > 0) bytes = bytes.subarray(await Deno.stderr.write(bytes));
  },
  writeSync(chunk) {
    let bytes = encoder.encode(chunk);
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stderr.writeSync(bytes));
  },
};

// Deno's fetch takes the core's FetchInit as is (body: bytes or text); it never follows a redirect (issue #11).
const denoFetch: FetchFn = (url, init) => fetch(url, { ...init, redirect: "manual" } as RequestInit);

/** The scheduled work of the running gateway, for the cron registered below. */
let scheduled: ScheduledWork | undefined;

/** Runs the gateway until SIGTERM / SIGINT; resolves to the exit code. */
export async function main(args: readonly string[] = Deno.args): Promise<number> {
  // Strictly, as the Node CLI does (issue #11): a mistyped flag is an error naming it, never ignored.
  try {
    parseArgs({
      args: [...args],
      options: { config: { type: "string" }, port: { type: "string" } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    Deno.stderr.writeSync(encoder.encode(`cds-gateway: ${message}\nusage: deno task start [--config FILE] [--port N]\n`));
    return 2;
  }
  // One JSON object per line on stderr, like the Node server's logs.
  // Written in batches, asynchronously, one write per 20 ms at most, as on Node (issue #13); what is
  // held is written when the process ends.
  const lines = createLineBuffer(denoStderrSink, { schedule: (flush) => setTimeout(flush, 20) });
  globalThis.addEventListener("unload", () => lines.flushSync());
  const logger = createJsonLogger({
    level: Deno.env.get("LOG_LEVEL"),
    write: (line) => lines.write(line),
  });
  let loaded;
  try {
    loaded = await loadDenoConfig(args, (name) => Deno.env.get(name));
  } catch (error) {
    if (error instanceof ConfigError) {
      Deno.stderr.writeSync(
        encoder.encode(`configuration has ${error.issues.length} problem(s):\n${error.message.replace(/^/gm, "  ")}\n`),
      );
      return 1;
    }
    throw error;
  }
  const { config, source } = loaded;
  const kvPath = Deno.env.get("DENO_KV_PATH") || undefined;
  if (kvPath !== undefined) Deno.mkdirSync(dirname(resolve(kvPath)), { recursive: true });
  const kv = await Deno.openKv(kvPath);
  const store = createDenoKvStore({ kv });
  const clientIps = new WeakMap<Request, string>();
  // Work due at a known time (a queued delivery, its retries, a branch deletion) is woken through
  // Deno KV's queue; Deno.cron sweeps every minute besides.
  const wakes = createKvWake(kv, { run: () => scheduled?.run(), logger });
  const gateway = createGateway({
    config,
    store,
    fetch: denoFetch,
    logger,
    clientIp: (c) => clientIps.get(c.req.raw),
    // Webhook signatures on the spot, as on Node (issue #13): Deno gives node:crypto's HMAC.
    hmacSha256: (key, data) => createHmac("sha256", key).update(data).digest(),
    wake: wakes.wake,
  });
  for (const cds of Object.values(config.cds)) {
    if (!cds.apiUrl || !cds.token)
      logger.log("info", "no branch deletions for this CDS instance (apiUrl and token are needed)", { instance: cds.name });
  }

  const port = Number(flagValue(args, "port") ?? Deno.env.get("PORT") ?? 8080);
  const hostname = Deno.env.get("HOST") || "0.0.0.0";
  const server = Deno.serve(
    {
      port,
      hostname,
      onListen: (addr) => logger.log("info", "listening", { port: addr.port, hostname: addr.hostname, config: source, store: "deno-kv" }),
    },
    (request, info) => {
      clientIps.set(request, info.remoteAddr.hostname);
      return gateway.app.fetch(request, undefined, PROCESS_EXECUTION_CONTEXT);
    },
  );
  scheduled = scheduleWork(() => gateway.runScheduledWork(), logger);
  const listening = wakes.listen();
  void scheduled.run();

  const signal = await new Promise<string>((done) => {
    // Windows has no SIGTERM (Deno throws when asked for it).
    const names = Deno.build.os === "windows" ? (["SIGINT"] as const) : (["SIGTERM", "SIGINT"] as const);
    for (const name of names) Deno.addSignalListener(name, () => done(name));
  });
  logger.log("info", "shutting down", { signal });
  await server.shutdown();
  await scheduled.stop();
  // CDS's answers still awaited (issue #12): what has not come by then is attempted again after its window.
  if (!(await gateway.settle(10_000)))
    logger.log("warn", "stopping with answers of CDS still awaited: those deliveries are due again after their window");
  // Closing the database also ends the queue listener.
  await store.close();
  await listening;
  logger.log("info", "stopped");
  await lines.flushed();
  return 0;
}

if (import.meta.main) {
  // Registered before anything is awaited: Deno Deploy only sees crons defined at the top level.
  if (typeof Deno.cron === "function") {
    Deno.cron("cds-gateway scheduled work", "* * * * *", () => scheduled?.run());
  } else {
    Deno.stderr.writeSync(
      encoder.encode(
        '{"level":"warn","msg":"Deno.cron is not available (run with --unstable-cron): scheduled work runs only at start and on Deno KV wake-ups"}\n',
      ),
    );
  }
  // Deno.cron keeps the event loop alive: leave explicitly.
  Deno.exit(await main());
}
