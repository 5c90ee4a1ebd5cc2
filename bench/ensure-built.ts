import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./bench-webhook.ts";

/** The newest modification time of the files under `dir` whose name matches `pattern`; 0 for none. */
function newest(dir: string, pattern: RegExp): number {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.isFile() && pattern.test(entry.name)) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * The bin runs the build in dist/: rebuild it (`npm run build`) when a source
 * file is newer than everything there, so the figures are those of the source.
 */
export function ensureBuilt(log: (line: string) => void): void {
  if (newest(join(REPO_ROOT, "src"), /\.ts$/) <= newest(join(REPO_ROOT, "dist"), /\.js$/)) return;
  log("dist/ is older than src/: npm run build");
  const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: REPO_ROOT, stdio: "inherit", timeout: 300_000 });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status})`);
}
