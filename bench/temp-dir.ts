import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** A fresh temporary directory, removed by removeTempDirs() at the end of the run. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cds-gw-bench-${label}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
