import { type BenchResults, VARIANTS, type VariantName } from "./bench-results.ts";
import { pairedRatio, summarize, type VariantFigures } from "./measure-throughput.ts";

interface TargetRow {
  figure: string;
  goal: string;
  /** The measured value, or why there is none. */
  measured: string;
  met: boolean | undefined;
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (Number.isFinite(n) ? String(Math.round(n * 10) / 10) : "—");
const times = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : "—");
const verdict = (met: boolean | undefined) => (met === undefined ? "—" : met ? "met" : "**not met**");

/** The generated section of docs/BENCHMARKS.md (and what `npm run bench` prints): Markdown. */
export function renderReport(r: BenchResults): string {
  const byName = new Map(r.throughput.map((v) => [v.name, v]));
  const floor = byName.get("node-floor");
  const m = r.machine;
  const tools = Object.entries(r.tools)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  const out: string[] = [];
  out.push(
    `Run of ${m.date}, \`${r.command}\`${r.mode === "quick" ? " (a short run: indicative figures only)" : ""}.`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}${tools ? `; ${tools}` : ""}. ` +
      `Load average when the run began: ${m.load}.`,
  );
  const rows = (Object.keys(VARIANTS) as VariantName[]).flatMap((name) => {
    const v = byName.get(name);
    if (v === undefined) {
      const why = r.missing[name];
      return why !== undefined && why !== "not selected" ? [`| ${VARIANTS[name]} | ${why} | | | | | | |`] : [];
    }
    const s = summarize(v);
    const ratio = floor ? times(pairedRatio(v, floor, (x) => x.rps)) : "—";
    const p99 = floor ? times(pairedRatio(v, floor, (x) => x.p99)) : "—";
    return [
      `| ${VARIANTS[name]} | ${int(s.rps)} | ${int(s.rpsMin)}–${int(s.rpsMax)} | ${ms(s.p50)} | ${ms(s.p99)} | ${ratio} | ${p99} | ${s.failures} |`,
    ];
  });
  if (rows.length > 0) {
    out.push(
      "",
      `Load: autocannon in its own process, ${r.plan.connections} keep-alive connections on loopback, ` +
        `\`POST /<uuid>\` with the ${int(r.plan.bodyBytes)}-byte \`refs-changed-update\` push, the route already known; ` +
        `each relay warmed up ${r.plan.warmupSeconds} s, then ${r.plan.rounds} rounds of ${r.plan.seconds} s, all relays in turn in each round. ` +
        "req/s: median of the rounds (2xx answers only), with the lowest and highest; p50/p99: median of the rounds; " +
        "× floor: median over rounds of the ratio to the bare Node pass-through of the same round.",
      "",
      "| relay | req/s | range | p50 ms | p99 ms | × floor req/s | × floor p99 | failed |",
      "|---|---|---|---|---|---|---|---|",
      ...rows,
    );
  }
  out.push("", "Targets (issue #13):", "", "| figure | target | measured | |", "|---|---|---|---|");
  for (const t of targets(r, byName)) out.push(`| ${t.figure} | ${t.goal} | ${t.measured} | ${verdict(t.met)} |`);
  out.push("", ...details(r));
  return `${out.join("\n")}\n`;
}

function targets(r: BenchResults, byName: Map<string, VariantFigures>): TargetRow[] {
  const rows: TargetRow[] = [];
  const missing = (...names: string[]) => names.map((n) => r.missing[n]).find((why) => why !== undefined) ?? "not measured";
  const ratioRow = (figure: string, goal: string, a: string, b: string, of: "rps" | "p99", check: (x: number) => boolean) => {
    const va = byName.get(a);
    const vb = byName.get(b);
    if (!va || !vb) return rows.push({ figure, goal, measured: missing(a, b), met: undefined });
    const x = pairedRatio(va, vb, (f) => f[of]);
    rows.push({ figure, goal, measured: times(x), met: Number.isFinite(x) ? check(x) : undefined });
  };
  ratioRow("gateway (SQLite) req/s ÷ floor", "≥ 0.75×", "gateway", "node-floor", "rps", (x) => x >= 0.75);
  ratioRow("gateway (SQLite) p99 ÷ floor p99", "≤ 1.5×", "gateway", "node-floor", "p99", (x) => x <= 1.5);
  ratioRow("gateway, a new X-Request-Id each, req/s ÷ floor", "≥ 0.75×", "gateway-request-id", "node-floor", "rps", (x) => x >= 0.75);
  ratioRow("gateway, a new X-Request-Id each, p99 ÷ floor p99", "≤ 1.5×", "gateway-request-id", "node-floor", "p99", (x) => x <= 1.5);
  // What one variant costs against another: 1 − with ÷ without, round by round.
  const costRow = (figure: string, goal: string, withIt: string, without: string, check?: (cost: number) => boolean) => {
    const a = byName.get(withIt);
    const b = byName.get(without);
    if (!a || !b) return rows.push({ figure, goal, measured: missing(withIt, without), met: undefined });
    const cost = 1 - pairedRatio(a, b, (f) => f.rps);
    rows.push({ figure, goal, measured: `${Math.round(cost * 1000) / 10} %`, met: check?.(cost) });
  };
  costRow("cost of `X-Hub-Signature` verification (1 − signed ÷ unsigned req/s)", "≤ 10 %", "gateway-hmac", "gateway", (c) => c <= 0.1);
  costRow("cost of the log line per webhook at `info` (1 − info ÷ warn req/s)", "(reported)", "gateway", "gateway-warn");
  ratioRow("gateway on Deno ÷ minimal Deno relay (req/s)", "≥ 0.8×", "deno-gateway", "deno-minimal", "rps", (x) => x >= 0.8);
  ratioRow("gateway's Worker ÷ minimal Worker (req/s)", "≥ 0.8×", "worker-gateway", "worker-minimal", "rps", (x) => x >= 0.8);
  const s = r.signing;
  rows.push({
    figure: "OAuth 1.0a RSA-SHA1 headers/s ÷ bare `crypto.sign('sha1')`",
    goal: "≥ 0.9×",
    measured: s ? `${times(s.ratio)} (${int(s.signer)} vs ${int(s.bare)}/s)` : missing("signing"),
    met: s ? s.ratio >= 0.9 : undefined,
  });
  const q = r.queue;
  rows.push({
    figure: `queue: enqueue with CDS down (${q ? int(q.deliveries) : "10,000"} deliveries)`,
    goal: "≥ 5,000/s",
    measured: q ? `${int(q.enqueueRate)}/s${q.queued < q.deliveries ? ` (${int(q.queued)} queued)` : ""}` : missing("queue"),
    met: q ? q.queued === q.deliveries && q.enqueueRate >= 5000 : undefined,
  });
  rows.push({
    figure: "queue: drain once CDS is back",
    goal: "≥ 2,000/s",
    measured: q
      ? `${int(q.drainRate)}/s${q.drained < q.queued ? ` (${int(q.drained)} of ${int(q.queued)} before the deadline)` : ""}`
      : missing("queue"),
    met: q ? q.drained === q.queued && q.drainRate >= 2000 : undefined,
  });
  const m = r.rss;
  rows.push({
    figure: `peak RSS, ${m ? m.bodies : 20} concurrent 1 MiB bodies`,
    goal: "≤ 150 MiB",
    measured: m ? `${m.peakMiB.toFixed(1)} MiB` : missing("rss"),
    met: m ? m.peakMiB <= 150 : undefined,
  });
  const st = r.start;
  rows.push({
    figure: "process start to first `/healthz` 200",
    goal: "≤ 500 ms",
    measured: st ? `${Math.round(st.median)} ms` : missing("start"),
    met: st ? st.median <= 500 : undefined,
  });
  return rows;
}

function details(r: BenchResults): string[] {
  const lines: string[] = [];
  if (r.signing) {
    lines.push(
      `- Signing: ${r.signing.keyBits}-bit RSA key, one signature at a time; the gateway's signer (parameters, base string, WebCrypto, header) ` +
        `${int(r.signing.signer)} headers/s, bare \`crypto.sign('sha1')\` over the same base strings ${int(r.signing.bare)}/s` +
        (r.signing.webCrypto !== undefined
          ? `, bare WebCrypto (\`crypto.subtle.sign\`, the same key and base strings) ${int(r.signing.webCrypto)}/s: ` +
            `${times(r.signing.webCrypto / r.signing.bare)} of \`crypto.sign\`, the most a signer on WebCrypto reaches here.`
          : "."),
    );
  }
  if (r.queue) {
    const q = r.queue;
    lines.push(
      `- Queue (Node, SQLite): ${int(q.deliveries)} webhooks from ${r.plan.connections} connections with the owning CDS instance stopped: ` +
        `${int(q.queued)} answered 202 at ${int(q.enqueueRate)}/s; CDS back and ${q.triggers === 1 ? "one webhook" : `${q.triggers} webhooks`} taken, ` +
        `the gateway's recovery drain (default \`drainConcurrency\`) delivered ${int(q.drained)} at ${int(q.drainRate)}/s.`,
    );
  }
  if (r.rss) {
    const m = r.rss;
    lines.push(
      `- Memory (Node, SQLite): ${m.bodies} connections each posting a ${int(m.bodyBytes)}-byte body, ${m.waves} times (${m.answered} of ${m.bodies * m.waves} answered 2xx): ` +
        `resident ${m.idleMiB.toFixed(1)} MiB before, high-water mark (VmHWM) ${m.peakMiB.toFixed(1)} MiB.`,
    );
  }
  if (r.start) {
    lines.push(`- Start (Node, fresh SQLite store): ${r.start.runs.map((x) => `${Math.round(x)} ms`).join(", ")}; the median is shown.`);
  }
  const notes = Object.entries(r.missing).filter(([, why]) => why !== "not selected");
  for (const [name, why] of notes) lines.push(`- Not measured: ${name}: ${why}.`);
  return lines;
}
