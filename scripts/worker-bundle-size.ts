/**
 * Builds the Worker the way `wrangler deploy` would (`--dry-run`, nothing is
 * uploaded, no network) and prints the size of what would be uploaded, raw
 * and gzipped. Cloudflare's limit applies to the gzipped size (3 MiB on the
 * free plan); this project keeps it at most 96 KiB (test/workers.test.ts).
 *
 *   npx tsx scripts/worker-bundle-size.ts [--outdir DIR]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

export const REPO_ROOT = resolve(import.meta.dirname, "..");
const WRANGLER = join(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");

/** Environment that keeps wrangler off the network: no banner (its update check), no metrics, CI mode. */
export const OFFLINE_WRANGLER_ENV = {
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_METRICS: "false",
  CI: "true",
  NO_COLOR: "1",
};

/** `wrangler deploy --dry-run --outdir <outdir>` from the repository root, bounded in time. */
export async function buildWorker(outdir: string, timeoutMs = 120_000): Promise<void> {
  const child = spawn(process.execPath, [WRANGLER, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...OFFLINE_WRANGLER_ENV },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const code = await new Promise<number | null>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`wrangler deploy --dry-run did not finish within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on("exit", (exitCode) => {
      clearTimeout(timer);
      done(exitCode);
    });
  });
  if (code !== 0) throw new Error(`wrangler deploy --dry-run exited with ${code}:\n${output}`);
}

export interface BundleSize {
  /** The uploaded modules (source maps and README left out). */
  files: string[];
  rawBytes: number;
  gzipBytes: number;
}

/** Sizes of the modules in a `--outdir` build. */
export function measureBundle(outdir: string): BundleSize {
  const files = readdirSync(outdir)
    .filter((f) => /\.(m?js|wasm)$/.test(f))
    .sort();
  if (files.length === 0) throw new Error(`no module in ${outdir}`);
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const bytes = readFileSync(join(outdir, file));
    rawBytes += bytes.byteLength;
    gzipBytes += gzipSync(bytes).byteLength;
  }
  return { files, rawBytes, gzipBytes };
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf("--outdir");
  const outdir = i >= 0 && argv[i + 1] ? resolve(argv[i + 1]!) : mkdtempSync(join(tmpdir(), "cds-gw-worker-"));
  try {
    await buildWorker(outdir);
    const size = measureBundle(outdir);
    process.stdout.write(`${size.files.join(", ")}: ${kib(size.rawBytes)} raw, ${kib(size.gzipBytes)} gzipped\n`);
  } finally {
    if (i < 0) rmSync(outdir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
