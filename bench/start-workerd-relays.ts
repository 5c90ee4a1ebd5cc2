import { join } from "node:path";
import { REPO_ROOT } from "./bench-webhook.ts";
import type { GatewayTomlOptions } from "./gateway-toml.ts";
import { spawnServer, type ServerProcess } from "./spawn-server.ts";
import { writeGatewayConfig } from "./start-node-gateway.ts";
import { tempDir } from "./temp-dir.ts";

/** The gateway's Worker and the minimal Worker relay in one workerd (bench/workerd-relays.ts); one process, two ports. */
export async function startWorkerdRelays(
  options: GatewayTomlOptions,
  upstream: string,
): Promise<{ host: ServerProcess; gatewayPort: number; minimalPort: number }> {
  const { path } = writeGatewayConfig(() => options);
  let minimalPort = 0;
  const host = await spawnServer({
    name: "workerd",
    command: process.execPath,
    args: [
      "--import",
      "tsx",
      join(REPO_ROOT, "bench/workerd-relays.ts"),
      "--config",
      path,
      "--upstream",
      upstream,
      "--outdir",
      tempDir("worker"),
    ],
    cwd: REPO_ROOT,
    listening: /"msg":"listening","port":(\d+),"minimal":(\d+)/,
    onListening: (m) => (minimalPort = Number(m[2])),
    timeoutMs: 120_000,
  });
  return { host, gatewayPort: host.port, minimalPort };
}
