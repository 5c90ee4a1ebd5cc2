import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/** Runtime-specific APIs the core must not use (issue #2, #7): it runs unchanged in workerd and Deno. */
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bfrom\s+["']node:/, "node:* import"],
  [/\bimport\s*\(\s*["']node:/, "node:* import"],
  [/\brequire\s*\(/, "require()"],
  [/\bprocess\s*[.[]/, "process"],
  [/\bBuffer\b/, "Buffer"],
  [/\bDeno\s*[.[]/, "Deno"],
  [/["']cloudflare:/, "cloudflare:* import"],
  [/\b__dirname\b|\b__filename\b/, "CommonJS globals"],
];

export interface RuntimeApiUse {
  file: string;
  line: number;
  api: string;
}

/** Blanks comments (and keeps line numbers) so prose about Node or Deno does not count. */
export function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, " "));
}

export function findRuntimeApis(source: string, file = "<source>"): RuntimeApiUse[] {
  const found: RuntimeApiUse[] = [];
  stripComments(source).split("\n").forEach((text, i) => {
    for (const [pattern, api] of FORBIDDEN) if (pattern.test(text)) found.push({ file, line: i + 1, api });
  });
  return found;
}

/** Every non-test .ts file under `srcRoot` outside `adapters/`: the code that must run in workerd and Deno. */
export function scanCore(srcRoot: string): RuntimeApiUse[] {
  const found: RuntimeApiUse[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (relative(srcRoot, path) !== "adapters") walk(path);
      } else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) {
        found.push(...findRuntimeApis(readFileSync(path, "utf8"), relative(srcRoot, path)));
      }
    }
  };
  walk(srcRoot);
  return found;
}
