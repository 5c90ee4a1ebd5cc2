import { FIGURES, VARIANTS } from "./bench-results.ts";

export interface BenchOptions {
  mode: "quick" | "full";
  /** Variants and figures to measure (all by default). */
  only: Set<string>;
  /** Write the generated section into docs/BENCHMARKS.md. */
  write: boolean;
  /** Where the Node gateway variants write CPU profiles (`node --cpu-prof`); none when absent. */
  cpuProfDir: string | undefined;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  rounds: number;
  signing: { seconds: number; rounds: number };
  queue: { deliveries: number; phaseTimeoutMs: number };
  rss: { bodies: number; bodyBytes: number; waves: number };
  starts: number;
}

export const USAGE = `npm run bench -- [--quick] [--only NAME,…] [--no-write] [--seconds S] [--rounds N] [--warmup S] [--cpu-prof DIR]
  --quick       short run (under a minute): 2 rounds of 1 s, 1,000 queued deliveries
  --only        measure only these: ${[...Object.keys(VARIANTS), ...FIGURES].join(", ")}
  --no-write    print the figures, leave docs/BENCHMARKS.md alone
  --seconds S   seconds per relay per round; --rounds N: rounds; --warmup S: warm-up seconds per relay
  --cpu-prof D  the Node gateways write CPU profiles (node --cpu-prof) into D`;

type Plan = Pick<BenchOptions, "warmupSeconds" | "seconds" | "rounds" | "signing" | "queue" | "rss" | "starts">;

/** What a run measures, and for how long: `--quick` for checking the harness, the full run for the figures. */
const PLANS: Record<BenchOptions["mode"], Plan> = {
  quick: {
    warmupSeconds: 0.5,
    seconds: 1,
    rounds: 2,
    signing: { seconds: 0.5, rounds: 2 },
    queue: { deliveries: 1_000, phaseTimeoutMs: 30_000 },
    rss: { bodies: 20, bodyBytes: 1024 * 1024, waves: 2 },
    starts: 3,
  },
  full: {
    warmupSeconds: 2,
    seconds: 5,
    rounds: 4,
    signing: { seconds: 2, rounds: 3 },
    queue: { deliveries: 10_000, phaseTimeoutMs: 120_000 },
    rss: { bodies: 20, bodyBytes: 1024 * 1024, waves: 5 },
    starts: 5,
  },
};

/** The command line of `npm run bench`; throws with USAGE on anything it does not know. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const mode = argv.includes("--quick") ? "quick" : "full";
  const options: BenchOptions = { mode, only: new Set(), write: true, cpuProfDir: undefined, connections: 50, ...PLANS[mode] };
  const known = new Set<string>([...Object.keys(VARIANTS), ...FIGURES]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    const positive = (v: string) => {
      const n = Number(v);
      if (!(n > 0)) throw new Error(`${arg}: not a positive number: ${v}\n${USAGE}`);
      return n;
    };
    if (arg === "--quick") continue;
    else if (arg === "--no-write") options.write = false;
    else if (arg === "--seconds") options.seconds = positive(value());
    else if (arg === "--warmup") options.warmupSeconds = positive(value());
    else if (arg === "--rounds") options.rounds = Math.max(1, Math.round(positive(value())));
    else if (arg === "--cpu-prof") options.cpuProfDir = value();
    else if (arg === "--only") {
      for (const name of value().split(",")) {
        if (!known.has(name)) throw new Error(`--only: unknown name ${name}\n${USAGE}`);
        options.only.add(name);
      }
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return options;
}
