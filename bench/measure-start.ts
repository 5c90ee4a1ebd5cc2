import { get } from "node:http";
import { join } from "node:path";
import { GATEWAY_BIN, writeGatewayConfig } from "./start-node-gateway.ts";
import { REPO_ROOT } from "./bench-webhook.ts";
import { freePort } from "./free-port.ts";
import { spawnServer } from "./spawn-server.ts";
import { median } from "./stats.ts";

export interface StartFigures {
  /** Milliseconds from spawn to the first 200 from /healthz, each start. */
  runs: number[];
  median: number;
}

/**
 * Process start to first `/healthz` 200: `cds-gateway serve` with a fresh
 * SQLite store, polled every 5 ms from the moment the process is spawned.
 */
export async function measureStart(options: { cdsPort: number; starts: number }): Promise<StartFigures> {
  const runs: number[] = [];
  for (let i = 0; i < options.starts; i++) {
    const port = await freePort();
    const { path } = writeGatewayConfig((dir) => ({ cdsPort: options.cdsPort, store: `sqlite:${join(dir, "gateway.db")}` }));
    const t0 = performance.now();
    const started = spawnServer({
      name: "gateway-start",
      command: process.execPath,
      args: [GATEWAY_BIN, "serve", "--config", path, "--port", String(port)],
      cwd: REPO_ROOT,
      env: { HOST: "127.0.0.1", LOG_LEVEL: undefined, CDS_GATEWAY_CONFIG: undefined, PORT: undefined },
      timeoutMs: 30_000,
    });
    let ok = false;
    started.catch(() => undefined);
    while (!ok && performance.now() - t0 < 30_000) {
      ok = (await healthzStatus(port)) === 200;
      if (!ok) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const ms = performance.now() - t0;
    await (await started).stop();
    if (!ok) throw new Error("the gateway did not answer /healthz within 30 s");
    runs.push(ms);
  }
  return { runs, median: median(runs) };
}

/** GET /healthz on a new connection (node:http: nothing to load lazily on the first call); 0 when refused. */
function healthzStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
  });
}
