/**
 * A CDS hooks service stand-in for the benchmarks (its own process):
 *   node --import tsx bench/stub-cds-server.ts [--port N]
 * `POST /alpha/webhook/<BENCH_UUID>` → 200 with a task JSON, as CDS answers a
 * webhook it owns; any other path → 404 (the `beta` instance owns nothing).
 * `GET /-/count` → how many webhooks it answered 200, for the drain figure.
 * Keep-alive, never logs per request.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { BENCH_UUID, OWNER_PATH } from "./bench-webhook.ts";

const owned = `${OWNER_PATH}/webhook/${BENCH_UUID}`;
const task = JSON.stringify({
  uuid: BENCH_UUID,
  type: "RepoWebHook",
  status: "SCHEDULED",
  config: { project: { value: "PRJ" }, workflow: { value: "my-workflow" } },
});
const unknown = '{"message":"Unknown uuid"}';
let answered = 0;

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const path = req.url?.split("?")[0];
    if (req.method === "GET" && path === "/-/count") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ answered }));
    } else if (req.method === "POST" && path === owned) {
      answered++;
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(task) }).end(task);
    } else {
      res.writeHead(404, { "content-type": "application/json", "content-length": Buffer.byteLength(unknown) }).end(unknown);
    }
  });
});
server.keepAliveTimeout = 60_000;
const portFlag = process.argv.indexOf("--port");
const port = portFlag >= 0 ? Number(process.argv[portFlag + 1]) : 0;
server.listen(port, "127.0.0.1", () => console.log(JSON.stringify({ msg: "listening", port: (server.address() as AddressInfo).port })));
process.once("SIGTERM", () => process.exit(0));
