import type { LoadClient, LoadResult } from "./load-client.ts";
import { median } from "./stats.ts";

/** One relay under load: where to post, and what. */
export interface ThroughputVariant {
  name: string;
  /** Full URL of the webhook on this relay. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  /** `[<id>]` in the headers is a new id on every request. */
  idReplacement?: boolean;
}

export interface ThroughputPlan {
  connections: number;
  warmupSeconds: number;
  seconds: number;
  rounds: number;
}

export interface RoundFigure {
  /** 2xx responses per second. */
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx responses, connection errors and timeouts. */
  failures: number;
}

export interface VariantFigures {
  name: string;
  rounds: RoundFigure[];
}

/**
 * Each variant warmed up once, then `rounds` rounds of every variant in turn
 * (A/B/C…, A/B/C…): a change in the machine's load during the run touches all
 * variants alike, and ratios are taken round by round.
 */
export async function measureThroughput(
  load: LoadClient,
  variants: readonly ThroughputVariant[],
  plan: ThroughputPlan,
  progress: (line: string) => void = () => {},
): Promise<VariantFigures[]> {
  const job = (v: ThroughputVariant, seconds: number) =>
    load.run(
      {
        url: v.url,
        connections: plan.connections,
        seconds,
        method: "POST",
        headers: v.headers,
        body: v.body.toString("base64"),
        idReplacement: v.idReplacement,
      },
      (seconds + 60) * 1000,
    );
  for (const v of variants) {
    progress(`warm-up ${v.name}`);
    await job(v, plan.warmupSeconds);
  }
  const figures = variants.map((v) => ({ name: v.name, rounds: [] as RoundFigure[] }));
  for (let round = 0; round < plan.rounds; round++) {
    for (const [i, v] of variants.entries()) {
      const r = await job(v, plan.seconds);
      const figure = roundFigure(r);
      figures[i]!.rounds.push(figure);
      progress(
        `round ${round + 1}/${plan.rounds} ${v.name}: ${Math.round(figure.rps)} req/s, p99 ${figure.p99} ms${figure.failures ? `, ${figure.failures} failed` : ""}`,
      );
    }
  }
  return figures;
}

export function roundFigure(r: LoadResult): RoundFigure {
  let ok = 0;
  for (const [code, count] of Object.entries(r.statuses)) if (code.startsWith("2")) ok += count;
  return { rps: r.seconds > 0 ? ok / r.seconds : 0, p50: r.p50, p99: r.p99, failures: r.requests - ok + r.errors };
}

export interface VariantSummary {
  name: string;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  p50: number;
  p99: number;
  failures: number;
}

export function summarize(v: VariantFigures): VariantSummary {
  const rps = v.rounds.map((r) => r.rps);
  return {
    name: v.name,
    rps: median(rps),
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    p50: median(v.rounds.map((r) => r.p50)),
    p99: median(v.rounds.map((r) => r.p99)),
    failures: v.rounds.reduce((n, r) => n + r.failures, 0),
  };
}

/** The median over rounds of `of(a) / of(b)`, the rounds paired as they ran. */
export function pairedRatio(a: VariantFigures, b: VariantFigures, of: (r: RoundFigure) => number): number {
  const ratios = a.rounds.map((r, i) => of(r) / of(b.rounds[i]!)).filter((x) => Number.isFinite(x));
  return median(ratios);
}
