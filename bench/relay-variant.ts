// Serves one relay variant on a free loopback port: `gateway-undici` (what `serve` runs),
// `gateway-fetch` (the same app with Node's global fetch as the forwarder), or
// `bare-node` (a plain node:http keep-alive pass-through, the ceiling).
import { createServer, request as httpRequest, Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { loadConfig } from "../src/core/config/load-config.ts";
import { createGateway } from "../src/core/create-app.ts";
import { createMemoryStore } from "../src/store/memory-store.ts";
import { createUndiciFetch } from "../src/adapters/node/undici-fetch.ts";
import type { FetchFn } from "../src/core/ports.ts";

const [variant = "gateway-undici", upstreamPort = "0"] = process.argv.slice(2);
// Exit cleanly on a signal so `node --cpu-prof` can write its profile.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
const hooksUrl = `http://127.0.0.1:${upstreamPort}/cdshooks`;

if (variant === "bare-node") {
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const up = httpRequest(`${hooksUrl}/webhook${req.url}`, { method: "POST", agent, headers: { "content-type": req.headers["content-type"] ?? "application/json" } }, (upRes) => {
        upRes.resume();
        upRes.on("end", () => {
          res.writeHead(upRes.statusCode ?? 502, { "content-type": "application/json" });
          res.end('{"status":"forwarded"}');
        });
      });
      up.end(Buffer.concat(chunks));
    });
  });
  server.listen(0, "127.0.0.1", () => console.log(`PORT ${(server.address() as AddressInfo).port}`));
} else {
  const config = await loadConfig(`[gateway.cds.bench]\nhooksUrl = "${hooksUrl}"`, { env: () => undefined });
  const forwarder: FetchFn = variant === "gateway-fetch" ? (url, init) => fetch(url, init as RequestInit) : createUndiciFetch();
  const { app } = createGateway({ config, store: createMemoryStore(), fetch: forwarder });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => console.log(`PORT ${info.port}`));
  void server;
}
