// A minimal CDS stand-in for benchmarks: 200 with a small JSON for every webhook, keep-alive.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const answer = JSON.stringify({ status: "SCHEDULED", config: { project: { value: "PRJ" }, workflow: { value: "wf" } } });
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(`PORT ${(server.address() as AddressInfo).port}`));
