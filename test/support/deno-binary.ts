import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/worker-bundle-size.ts";

const EXE = process.platform === "win32" ? "deno.exe" : "deno";
/** The per-platform packages of the npm package `deno` that carry the binary. */
const PLATFORM_PACKAGES: Record<string, string> = {
  "linux-x64": "linux-x64-glibc",
  "linux-arm64": "linux-arm64-glibc",
  "darwin-x64": "darwin-x64",
  "darwin-arm64": "darwin-arm64",
  "win32-x64": "win32-x64",
  "win32-arm64": "win32-arm64",
};

/**
 * The real Deno executable from the npm devDependency `deno`: the binary of
 * its platform package, or the copy its postinstall puts next to it. (Not
 * node_modules/.bin/deno, which may be a Node shim.) Throws a clear error
 * when it is missing, so tests fail instead of skipping.
 */
export function findDenoBinary(): string {
  const candidates = [
    PLATFORM_PACKAGES[`${process.platform}-${process.arch}`] &&
      join(REPO_ROOT, "node_modules/@deno", PLATFORM_PACKAGES[`${process.platform}-${process.arch}`]!, EXE),
    join(REPO_ROOT, "node_modules/deno", EXE),
  ].filter((p): p is string => typeof p === "string");
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const probe = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
    if (probe.status === 0 && /^deno \d+\./.test(probe.stdout)) return path;
  }
  throw new Error(
    `no runnable Deno binary in ${candidates.join(" or ")}: run \`npm install\` (devDependency "deno", platform ${process.platform}-${process.arch})`,
  );
}

export interface DenoRun {
  code: number | null;
  output: string;
}

/** Runs `<deno> ...args` from the repository root and collects its output, killing it after `timeoutMs`. */
export function runDeno(
  deno: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<DenoRun> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const child = spawn(deno, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`deno ${args.join(" ")} did not finish within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
