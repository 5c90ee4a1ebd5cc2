// `npm run bench`: relay throughput on loopback, for each forwarder variant.
// Load: undici Pool, CONNECTIONS keep-alive connections, DURATION_S seconds after a warm-up,
// a 1.6 KB Bitbucket push body. Bounded in count and time; loopback only.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Pool } from "undici";

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.DURATION_S ?? 5);
const WARMUP_S = 1;
const MAX_REQUESTS = 2_000_000;
const ROOT = join(import.meta.dirname, "..");
const BODY = readFileSync(join(ROOT, "test/fixtures/bitbucket/refs-changed-update.json"));
const UUID = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";

function start(script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench", script), ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function load(port: number, seconds: number): Promise<{ requests: number; errors: number; latencies: number[] }> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONNECTIONS, pipelining: 1 });
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < deadline && requests < MAX_REQUESTS) {
      const t0 = performance.now();
      try {
        const res = await pool.request({ path: `/${UUID}`, method: "POST", body: BODY, headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed" } });
        await res.body.dump();
        if (res.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  await pool.close();
  return { requests, errors, latencies };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

const upstream = await start("stub-cds-server.ts", []);
const rows: string[] = [];
try {
  for (const variant of ["bare-node", "gateway-fetch", "gateway-undici"]) {
    const relay = await start("relay-variant.ts", [variant, String(upstream.port)]);
    try {
      await load(relay.port, WARMUP_S);
      const r = await load(relay.port, DURATION_S);
      const sorted = r.latencies.sort((a, b) => a - b);
      rows.push(`| ${variant} | ${Math.round(r.requests / DURATION_S)} | ${pct(sorted, 50).toFixed(1)} | ${pct(sorted, 99).toFixed(1)} | ${r.errors} |`);
    } finally {
      relay.child.kill();
    }
  }
} finally {
  upstream.child.kill();
}
console.log(`relay throughput, ${CONNECTIONS} connections, ${DURATION_S} s, ${BODY.length}-byte body, node ${process.version}\n`);
console.log("| variant | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|");
console.log(rows.join("\n"));
