import type { Machine } from "./describe-machine.ts";
import type { VariantFigures } from "./measure-throughput.ts";
import type { QueueFigures } from "./measure-queue.ts";
import type { RssFigures } from "./measure-rss.ts";
import type { StartFigures } from "./measure-start.ts";
import type { SigningFigures } from "./sign-rate.ts";

/** Everything one `npm run bench` measured, and why what it did not measure is missing. */
export interface BenchResults {
  mode: "quick" | "full";
  /** How the run was started: `npm run bench -- …`. */
  command: string;
  machine: Machine;
  /** Tool → version ("nginx" → "1.22.1"), for the tools that ran. */
  tools: Record<string, string>;
  plan: { connections: number; warmupSeconds: number; seconds: number; rounds: number; bodyBytes: number };
  throughput: VariantFigures[];
  signing?: SigningFigures;
  queue?: QueueFigures;
  rss?: RssFigures;
  start?: StartFigures;
  /** Variant or figure name → why it was not measured ("not installed", "not selected"). */
  missing: Record<string, string>;
}

/** The throughput variants, in the order they run and are shown. */
export const VARIANTS = {
  stub: "stub CDS, directly (no relay)",
  "node-floor": "bare `node:http` keep-alive pass-through (**the floor**)",
  nginx: "nginx, one worker, keep-alive upstream",
  gateway: "gateway, SQLite store",
  "gateway-warn": "gateway, SQLite store, `LOG_LEVEL=warn` (no line per webhook)",
  "gateway-request-id": "gateway, SQLite store, a new `X-Request-Id` on every webhook (one store write each)",
  "gateway-hmac": "gateway, SQLite store, `X-Hub-Signature` verified",
  "gateway-redis": "gateway, Redis store",
  "deno-minimal": "minimal Deno relay (`Deno.serve` + `fetch`)",
  "deno-gateway": "gateway on Deno (Deno KV)",
  "worker-minimal": "minimal Worker relay (workerd)",
  "worker-gateway": "gateway's Worker (workerd, Workers KV)",
} as const;
export type VariantName = keyof typeof VARIANTS;

export const FIGURES = ["signing", "queue", "rss", "start"] as const;
export type FigureName = (typeof FIGURES)[number];
