/**
 * The Node floor (its own process): the least a `node:http` relay does.
 *   node --import tsx bench/node-floor-relay.ts --upstream http://127.0.0.1:P/alpha/webhook
 * Reads the body, POSTs it with its Content-Type and X-Event-Key to
 * `<upstream><path>` over keep-alive connections, answers with the upstream's
 * status and body. No routing, no checks, no logs.
 */
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

const upstream = process.argv[process.argv.indexOf("--upstream") + 1]!;
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const headers: Record<string, string | number> = { "content-length": body.length };
    for (const name of ["content-type", "x-event-key"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const up = request(`${upstream}${req.url}`, { method: req.method, agent, headers }, (upRes) => {
      const answer: Buffer[] = [];
      upRes.on("data", (chunk: Buffer) => answer.push(chunk));
      upRes.on("end", () => {
        const bytes = Buffer.concat(answer);
        res.writeHead(upRes.statusCode ?? 502, {
          "content-type": upRes.headers["content-type"] ?? "application/json",
          "content-length": bytes.length,
        });
        res.end(bytes);
      });
    });
    up.on("error", () => res.writeHead(502).end());
    up.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ msg: "listening", port: (server.address() as AddressInfo).port })));
process.once("SIGTERM", () => process.exit(0));
