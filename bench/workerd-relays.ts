/**
 * Hosts one Miniflare (its own process) with two Workers in the same workerd:
 * the gateway's Worker as `wrangler deploy` builds it, with the bindings
 * wrangler.toml declares, and bench/worker-minimal-relay.mjs. Each has its own
 * loopback socket; both ports are announced on one line.
 *   node --import tsx bench/workerd-relays.ts --config gateway.toml --upstream http://127.0.0.1:P/alpha/webhook --outdir DIR
 * (the Worker is built into DIR). Stops on SIGTERM.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildWorker } from "../scripts/worker-bundle-size.ts";
import { miniflareOptions, startMiniflare } from "../test/support/workers-miniflare.ts";
import { REPO_ROOT } from "./bench-webhook.ts";

const flag = (name: string) => process.argv[process.argv.indexOf(`--${name}`) + 1]!;
const outdir = flag("outdir");
await buildWorker(outdir);
const { host, port, cf, ...gatewayWorker } = miniflareOptions(join(outdir, "worker.js"), outdir, {
  GATEWAY_CONFIG: readFileSync(flag("config"), "utf8"),
});
const socket = [{ host: "127.0.0.1", port: 0 }];
const { mf } = await startMiniflare({
  host,
  port,
  cf,
  workers: [
    { ...gatewayWorker, name: "gateway", unsafeDirectSockets: socket },
    {
      name: "minimal",
      modules: true,
      scriptPath: join(REPO_ROOT, "bench/worker-minimal-relay.mjs"),
      compatibilityDate: gatewayWorker.compatibilityDate,
      bindings: { UPSTREAM: flag("upstream") },
      unsafeDirectSockets: socket,
    },
  ],
});
const gateway = await mf.unsafeGetDirectURL("gateway");
const minimal = await mf.unsafeGetDirectURL("minimal");
console.log(JSON.stringify({ msg: "listening", port: Number(gateway.port), minimal: Number(minimal.port) }));
process.once("SIGTERM", () => void mf.dispose().finally(() => process.exit(0)));
