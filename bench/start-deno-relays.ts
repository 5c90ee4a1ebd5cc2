import { join } from "node:path";
import { findDenoBinary } from "../test/support/deno-binary.ts";
import { REPO_ROOT } from "./bench-webhook.ts";
import { writeGatewayConfig } from "./start-node-gateway.ts";
import { spawnServer, type ServerProcess } from "./spawn-server.ts";
import type { GatewayTomlOptions } from "./gateway-toml.ts";

export { findDenoBinary };

/**
 * The gateway on Deno as a Deno user starts it, `deno task start --config
 * <file> --port 0` (deno.json), with Deno KV in a fresh temporary directory
 * and the default log level. `deno task` runs it under `sh`: the whole
 * process group is stopped with it.
 */
export async function startDenoGateway(deno: string, options: GatewayTomlOptions): Promise<ServerProcess> {
  const { dir, path } = writeGatewayConfig(() => options);
  return spawnServer({
    name: "deno-gateway",
    command: deno,
    args: ["task", "start", "--config", path, "--port", "0"],
    cwd: REPO_ROOT,
    env: {
      HOST: "127.0.0.1",
      DENO_KV_PATH: join(dir, "gateway.kv"),
      LOG_LEVEL: undefined,
      GATEWAY_CONFIG: undefined,
      CDS_GATEWAY_CONFIG: undefined,
      PORT: undefined,
    },
    group: true,
  });
}

/** bench/deno-minimal-relay.mts, relaying to `upstream`. */
export function startDenoMinimalRelay(deno: string, upstream: string): Promise<ServerProcess> {
  return spawnServer({
    name: "deno-minimal",
    command: deno,
    args: ["run", "--allow-net=127.0.0.1", join(REPO_ROOT, "bench/deno-minimal-relay.mts"), "--upstream", upstream],
    cwd: REPO_ROOT,
  });
}
