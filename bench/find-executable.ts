import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The first executable `name` on PATH or in `extraDirs` (Debian puts nginx in /usr/sbin, often off a user's PATH). */
export function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(delimiter), ...extraDirs]) {
    if (dir === "") continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}
