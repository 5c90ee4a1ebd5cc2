import { freePort } from "./free-port.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./bench-webhook.ts";
import { gatewayToml, type GatewayTomlOptions } from "./gateway-toml.ts";
import { spawnServer, type ServerProcess } from "./spawn-server.ts";
import { tempDir } from "./temp-dir.ts";

/** The package's bin, what `npx cds-gateway` runs (it loads the build in dist/). */
export const GATEWAY_BIN = join(REPO_ROOT, "bin/cds-gateway.mjs");

export interface NodeGatewayOptions extends Omit<GatewayTomlOptions, "store"> {
  name: string;
  /** Default: SQLite in a fresh temporary directory. */
  store?: string;
  /** Where `node --cpu-prof` writes the gateway's CPU profile on exit; none when absent. */
  cpuProfDir?: string;
  /** `LOG_LEVEL`; default: none, which is info (one line per webhook). */
  logLevel?: string;
}

/** A fresh temporary directory with the configuration file `gatewayToml(options(dir))`, and that file's path. */
export function writeGatewayConfig(options: (dir: string) => GatewayTomlOptions): { dir: string; path: string } {
  const dir = tempDir("gateway");
  const path = join(dir, "gateway.toml");
  writeFileSync(path, gatewayToml(options(dir)));
  return { dir, path };
}

/**
 * `cds-gateway serve --config <file> --port 0` as an operator runs it: the
 * built bin, default log level unless told (info: one line per webhook), its logs read
 * from the pipe like a process supervisor reads them.
 */
export async function startNodeGateway(options: NodeGatewayOptions): Promise<ServerProcess> {
  // Above info the "listening" line is not written: the port is chosen here and polled instead.
  const quiet = options.logLevel === "warn" || options.logLevel === "error";
  const port = quiet ? await freePort() : 0;
  const { path } = writeGatewayConfig((dir) => ({ ...options, store: options.store ?? `sqlite:${join(dir, "gateway.db")}` }));
  const profile =
    options.cpuProfDir === undefined
      ? []
      : ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir, "--cpu-prof-name", `${options.name}.cpuprofile`];
  return spawnServer({
    name: options.name,
    command: process.execPath,
    args: [...profile, GATEWAY_BIN, "serve", "--config", path, "--port", String(port)],
    cwd: REPO_ROOT,
    ...(quiet ? { readyPort: port } : {}),
    env: { HOST: "127.0.0.1", LOG_LEVEL: options.logLevel, CDS_GATEWAY_CONFIG: undefined, PORT: undefined },
  });
}
