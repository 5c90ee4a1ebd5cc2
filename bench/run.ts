/**
 * `npm run bench` (issue #13): the relay's throughput and latency next to a
 * bare Node pass-through, nginx, and minimal Deno and Worker relays, measured
 * alternately in one run against a stub CDS; then OAuth 1.0a signing, the
 * durable queue, memory under large bodies and start time. Every server and
 * the load generator is its own process; everything listens on loopback, and
 * every phase is bounded in time and count. Prints the figures and writes them
 * into docs/BENCHMARKS.md between its markers (see bench/bench-options.ts).
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startRedisServer, type RedisServerHandle } from "../test/support/redis-server.ts";
import { FIGURES, type BenchResults, type FigureName, VARIANTS, type VariantName } from "./bench-results.ts";
import { parseBenchOptions, type BenchOptions } from "./bench-options.ts";
import { BENCH_UUID, benchWebhook, BENCH_WEBHOOK_SECRET, OWNER_PATH, REPO_ROOT } from "./bench-webhook.ts";
import { describeMachine, versionOf } from "./describe-machine.ts";
import { ensureBuilt } from "./ensure-built.ts";
import { findExecutable } from "./find-executable.ts";
import { startLoadClient, type LoadClient } from "./load-client.ts";
import { measureQueue } from "./measure-queue.ts";
import { measureRss } from "./measure-rss.ts";
import { measureStart } from "./measure-start.ts";
import { measureThroughput, type ThroughputVariant } from "./measure-throughput.ts";
import { postWebhook } from "./post-webhook.ts";
import { renderReport } from "./render-report.ts";
import { replaceGeneratedSection } from "./replace-generated-section.ts";
import type { SigningFigures } from "./sign-rate.ts";
import { spawnServer, type ServerProcess } from "./spawn-server.ts";
import { findDenoBinary, startDenoGateway, startDenoMinimalRelay } from "./start-deno-relays.ts";
import { findNginx, startNginx } from "./start-nginx.ts";
import { startNodeGateway } from "./start-node-gateway.ts";
import { startStubCds } from "./start-stub-cds.ts";
import { startWorkerdRelays } from "./start-workerd-relays.ts";
import { removeTempDirs } from "./temp-dir.ts";

const DOC = join(REPO_ROOT, "docs/BENCHMARKS.md");
const DOC_HEADING = "## Relay throughput and the other figures of `npm run bench`";
const begun = performance.now();
const log = (line: string) => process.stderr.write(`bench ${((performance.now() - begun) / 1000).toFixed(1)} s: ${line}\n`);

/** Relays that share processes: started together, each selected one's URL once listening. */
interface RelayGroup {
  names: VariantName[];
  start(): Promise<{ servers: ServerProcess[]; urls: Partial<Record<VariantName, string>> }>;
}

async function runBench(options: BenchOptions, command: string): Promise<BenchResults> {
  const wanted = (name: string) => options.only.size === 0 || options.only.has(name);
  const missing: Record<string, string> = {};
  for (const name of [...Object.keys(VARIANTS), ...FIGURES]) if (!wanted(name)) missing[name] = "not selected";
  const tools: Record<string, string> = { autocannon: packageVersion("autocannon") };
  const servers: ServerProcess[] = [];
  let redis: RedisServerHandle | undefined;
  let load: LoadClient | undefined;
  const results: BenchResults = {
    mode: options.mode,
    command,
    machine: describeMachine(),
    tools,
    plan: {
      connections: options.connections,
      warmupSeconds: options.warmupSeconds,
      seconds: options.seconds,
      rounds: options.rounds,
      bodyBytes: benchWebhook().body.length,
    },
    throughput: [],
    missing,
  };
  const interrupted = () => {
    log("interrupted: stopping what it started");
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  async function cleanup() {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    await redis?.stop();
    redis = undefined;
    await load?.close();
    load = undefined;
    removeTempDirs();
  }

  try {
    // The gateway on Node runs the built bin.
    if (["gateway", "gateway-warn", "gateway-request-id", "gateway-hmac", "gateway-redis", "queue", "rss", "start"].some(wanted))
      ensureBuilt(log);
    const stub = await startStubCds();
    servers.push(stub);
    load = await startLoadClient();
    const upstream = `http://127.0.0.1:${stub.port}${OWNER_PATH}/webhook`;
    const cdsPort = stub.port;
    const profile = { cpuProfDir: options.cpuProfDir };

    const at = (s: ServerProcess) => `http://127.0.0.1:${s.port}/${BENCH_UUID}`;
    const only = async (name: VariantName, start: () => Promise<ServerProcess>) => (wanted(name) ? start() : undefined);
    // The relays, by the processes they share; each group starts only the relays selected.
    const groups: RelayGroup[] = [
      {
        names: ["node-floor"],
        start: async () => {
          const s = await spawnServer({
            name: "node-floor",
            command: process.execPath,
            args: ["--import", "tsx", join(REPO_ROOT, "bench/node-floor-relay.ts"), "--upstream", upstream],
            cwd: REPO_ROOT,
          });
          return { servers: [s], urls: { "node-floor": at(s) } };
        },
      },
      {
        names: ["nginx"],
        start: async () => {
          const nginx = findNginx();
          if (nginx === undefined) throw new Unavailable("not installed");
          tools.nginx = nginx.version;
          const s = await startNginx(nginx.path, stub.port, `${OWNER_PATH}/webhook`);
          return { servers: [s], urls: { nginx: at(s) } };
        },
      },
      {
        names: ["gateway"],
        start: async () => {
          const s = await startNodeGateway({ name: "gateway", cdsPort, ...profile });
          return { servers: [s], urls: { gateway: at(s) } };
        },
      },
      {
        names: ["gateway-warn"],
        start: async () => {
          const s = await startNodeGateway({ name: "gateway-warn", cdsPort, logLevel: "warn", ...profile });
          return { servers: [s], urls: { "gateway-warn": at(s) } };
        },
      },
      {
        names: ["gateway-request-id"],
        start: async () => {
          const s = await startNodeGateway({ name: "gateway-request-id", cdsPort, ...profile });
          return { servers: [s], urls: { "gateway-request-id": at(s) } };
        },
      },
      {
        names: ["gateway-hmac"],
        start: async () => {
          const s = await startNodeGateway({ name: "gateway-hmac", cdsPort, webhookSecret: true, ...profile });
          return { servers: [s], urls: { "gateway-hmac": at(s) } };
        },
      },
      {
        names: ["gateway-redis"],
        start: async () => {
          if (findExecutable("redis-server") === undefined) throw new Unavailable("redis-server not installed");
          redis = await startRedisServer();
          tools["redis-server"] = versionOf("redis-server", ["--version"], /v=(\S+)/) ?? "?";
          const s = await startNodeGateway({ name: "gateway-redis", cdsPort, store: redis.url, ...profile });
          return { servers: [s], urls: { "gateway-redis": at(s) } };
        },
      },
      {
        names: ["deno-minimal", "deno-gateway"],
        start: async () => {
          let deno: string;
          try {
            deno = findDenoBinary();
          } catch {
            throw new Unavailable("Deno not installed (npm devDependency `deno`)");
          }
          tools.Deno = versionOf(deno, ["--version"], /^deno (\S+)/m) ?? "?";
          const [minimal, gateway] = await Promise.all([
            only("deno-minimal", () => startDenoMinimalRelay(deno, upstream)),
            only("deno-gateway", () => startDenoGateway(deno, { cdsPort })),
          ]);
          const urls: Partial<Record<VariantName, string>> = {};
          if (minimal) urls["deno-minimal"] = at(minimal);
          if (gateway) urls["deno-gateway"] = at(gateway);
          return { servers: [minimal, gateway].filter((s): s is ServerProcess => s !== undefined), urls };
        },
      },
      {
        names: ["worker-minimal", "worker-gateway"],
        start: async () => {
          tools.workerd = packageVersion("workerd");
          const w = await startWorkerdRelays({ cdsPort }, upstream);
          return {
            servers: [w.host],
            urls: {
              "worker-minimal": `http://127.0.0.1:${w.minimalPort}/${BENCH_UUID}`,
              "worker-gateway": `http://127.0.0.1:${w.gatewayPort}/${BENCH_UUID}`,
            },
          };
        },
      },
    ];
    const urls: Partial<Record<VariantName, string>> = { stub: `${upstream}/${BENCH_UUID}` };
    const active = groups.filter((g) => g.names.some(wanted));
    log(`starting ${["the stub CDS", ...active.flatMap((g) => g.names.filter(wanted))].join(", ")}`);
    // All at once; each waits for its own "listening".
    const started = await Promise.allSettled(active.map((g) => g.start()));
    started.forEach((outcome, i) => {
      if (outcome.status === "fulfilled") {
        servers.push(...outcome.value.servers);
        Object.assign(urls, outcome.value.urls);
      } else if (outcome.reason instanceof Unavailable) {
        for (const name of active[i]!.names.filter(wanted)) missing[name] = outcome.reason.message;
      } else {
        throw outcome.reason;
      }
    });
    for (const [name, why] of Object.entries(missing)) if (why !== "not selected") log(`${name}: ${why}`);

    const variants: ThroughputVariant[] = [];
    for (const name of Object.keys(VARIANTS) as VariantName[]) {
      const url = urls[name];
      if (url === undefined || !wanted(name)) continue;
      const webhook = benchWebhook(name === "gateway-hmac" ? BENCH_WEBHOOK_SECRET : undefined);
      // One webhook first: the relay answers 200 (its configuration is right) and the gateways know the route.
      await postWebhook(url, webhook, 200);
      if (name === "gateway-request-id") {
        // Bitbucket sends a new X-Request-Id with every webhook: the gateway claims each in the store (issue #13).
        variants.push({ name, url, body: webhook.body, headers: { ...webhook.headers, "x-request-id": "[<id>]" }, idReplacement: true });
      } else {
        variants.push({ name, url, ...webhook });
      }
    }
    if (variants.length > 0) {
      results.throughput = await measureThroughput(load, variants, options, log);
    }
    await Promise.all(servers.splice(1).map((s) => s.stop())); // the stub stays for the figures below
    await redis?.stop();
    redis = undefined;

    // Each figure on its own: one that fails is reported as such, the others still run.
    const figure = async (name: FigureName, what: string, measure: () => Promise<void>) => {
      if (!wanted(name)) return;
      log(what);
      try {
        await measure();
      } catch (error) {
        missing[name] = `failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
        log(`${name}: ${missing[name]}`);
      }
    };
    await figure("signing", "signing", async () => {
      results.signing = await signRate(options.signing);
    });
    await figure("queue", `queue: ${options.queue.deliveries} deliveries with CDS down, then drained`, async () => {
      results.queue = await measureQueue(load!, { ...options.queue, connections: options.connections });
    });
    await figure("rss", `memory: ${options.rss.bodies} concurrent bodies of ${options.rss.bodyBytes} bytes`, async () => {
      const rss = await measureRss(load!, { cdsPort, ...options.rss });
      if (rss) results.rss = rss;
      else missing.rss = "no /proc on this system (Linux only)";
    });
    await figure("start", "start to first /healthz 200", async () => {
      results.start = await measureStart({ cdsPort, starts: options.starts });
    });
    return results;
  } finally {
    await cleanup();
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  }
}

/** A relay that cannot run on this machine: a row that says why, not a failed run. */
class Unavailable extends Error {}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** bench/sign-rate.ts in its own process (no server shares its thread). */
async function signRate(plan: { seconds: number; rounds: number }): Promise<SigningFigures> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "bench/sign-rate.ts"), "--seconds", String(plan.seconds), "--rounds", String(plan.rounds)],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const timeoutMs = (plan.seconds * 2 * (plan.rounds + 1) + 60) * 1000;
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`bench/sign-rate.ts exited with ${code}:\n${out}`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as SigningFigures;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = parseBenchOptions(args);
  const results = await runBench(options, ["npm run bench", ...(args.length > 0 ? ["--", ...args] : [])].join(" "));
  const report = renderReport(results);
  process.stdout.write(`\n${report}\n`);
  if (options.write) {
    writeFileSync(DOC, replaceGeneratedSection(readFileSync(DOC, "utf8"), report, DOC_HEADING));
    log("written to docs/BENCHMARKS.md");
  }
  log("done");
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
