import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CliArgs, CommandSpec } from "../../../cli/cli-io.ts";
import { flagValue } from "../../../cli/flag-value.ts";
import { ConfigError, configErrorReport } from "../../../config/config-error.ts";
import { configWarnings } from "../../../config/config-warnings.ts";
import { createJsonLogger } from "../../../lib/create-json-logger.ts";
import { createLineBuffer } from "../../../lib/create-line-buffer.ts";
import { stderrSink } from "../stderr-sink.ts";
import { loadConfigFile } from "../load-config-file.ts";
import { isRedisStore, openStore } from "../open-store.ts";
import { startNodeServer, nodeClientIp } from "../start-node-server.ts";
import { startBackgroundWork, type BackgroundWork } from "../start-background-work.ts";
import { createGateway, type Gateway } from "../../../app/create-gateway.ts";
import { createUndiciFetch } from "../undici-fetch.ts";
import { nodeHmacSha256 } from "../node-hmac-sha256.ts";
import { createUndiciPassThrough } from "../undici-pass-through.ts";

/** `serve [--config FILE] [--port N]`, parsed strictly (issue #11). */
export const SERVE_COMMAND: CommandSpec = {
  usage: "cds-gateway serve [--config FILE] [--port N]",
  options: { config: { type: "string" }, port: { type: "string" } },
};

/** How long a log line waits at most for the others of its batch (docs/BENCHMARKS.md). */
export const LOG_FLUSH_MS = 20;

/** How long a stopping process waits for CDS's answers still awaited past forwardTimeout (issue #12). */
export const SHUTDOWN_SETTLE_MS = 10_000;

export const BUNDLED_EXAMPLE = fileURLToPath(new URL("../../../../config/gateway.example.toml", import.meta.url));

/** `--config`, else $CDS_GATEWAY_CONFIG, else ./gateway.toml, else the bundled example (README "Quick start"). */
export function resolveConfigPath(args: CliArgs, env: NodeJS.ProcessEnv): string {
  return flagValue(args, "config") ?? env.CDS_GATEWAY_CONFIG ?? (existsSync("gateway.toml") ? "gateway.toml" : BUNDLED_EXAMPLE);
}

/**
 * `serve [--config FILE] [--port N]`: runs the gateway until SIGTERM/SIGINT,
 * then stops accepting, lets in-flight requests finish and closes the store.
 */
export async function runServe(args: CliArgs): Promise<number> {
  // One JSON object per line on stderr (journald and container logs read it as is).
  // Written in batches off the event loop, one write per LOG_FLUSH_MS at most (issue #13): a write per
  // turn of the event loop still cost the relay a sixth of its throughput. What is held is written at exit.
  const lines = createLineBuffer(stderrSink(), { schedule: (flush) => setTimeout(flush, LOG_FLUSH_MS).unref() });
  process.once("exit", () => lines.flushSync());
  const logger = createJsonLogger({ level: process.env.LOG_LEVEL, write: (line) => lines.write(line) });
  const configPath = resolveConfigPath(args, process.env);
  let config;
  try {
    config = await loadConfigFile(configPath, process.env, { serving: true });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(configErrorReport(configPath, error));
      return 1;
    }
    throw error;
  }
  const port = Number(flagValue(args, "port") ?? process.env.PORT ?? 8080);
  const { store: storeSpec, storeTimeoutMs } = config.gateway;
  const store = await openStore(storeSpec, { timeoutMs: storeTimeoutMs });
  // Processes sharing a Redis tell each other which routes changed (issue #12).
  const changes = isRedisStore(storeSpec)
    ? (await import("../redis-change-feed.ts")).createRedisChangeFeed({ url: storeSpec, timeoutMs: storeTimeoutMs })
    : undefined;
  const fetch = createUndiciFetch();
  const passThrough = createUndiciPassThrough();
  for (const warning of configWarnings(config))
    logger.log("warn", "configuration warning", { path: warning.path, message: warning.message });
  for (const cds of Object.values(config.cds)) {
    if (!cds.apiUrl || !cds.token)
      logger.log("info", "no branch deletions for this CDS instance (apiUrl and token are needed)", { instance: cds.name });
  }
  let background: BackgroundWork | undefined;
  const gateway: Gateway = createGateway({
    config,
    store,
    fetch,
    passThrough,
    logger,
    changes,
    clientIp: nodeClientIp,
    hmacSha256: nodeHmacSha256,
    wake: (at) => background?.wake(at),
  });
  background = startBackgroundWork(gateway, { intervalMs: config.gateway.sweepIntervalMs, logger });
  const server = await startNodeServer(gateway.app, {
    port,
    hostname: process.env.HOST,
    headersTimeoutMs: config.gateway.headersTimeoutMs,
    bodyTimeoutMs: config.gateway.bodyTimeoutMs,
  });
  logger.log("info", "listening", { port: server.port, config: configPath, store: config.gateway.store.split(":")[0] });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.log("info", "shutting down", { signal });
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await server.close();
  await background.stop();
  // CDS's answers still awaited (issue #12): what has not come by then is attempted again after its window.
  if (!(await gateway.settle(SHUTDOWN_SETTLE_MS)))
    logger.log("warn", "stopping with answers of CDS still awaited: those deliveries are due again after their window");
  await fetch.close();
  await passThrough.close();
  await changes?.close();
  await store.close();
  logger.log("info", "stopped");
  await lines.flushed();
  return 0;
}
