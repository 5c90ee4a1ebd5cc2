import { join } from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../scripts/folder-graph.ts";

const eslint = new ESLint({ cwd: REPO_ROOT });

/** The rules `source` breaks when it stands at `file` (a path of the repository; the file need not exist). */
async function broken(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(REPO_ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe("the lint rules hold the boundaries (issue #15)", () => {
  it("the runtime-neutral code may not import node:*, cloudflare:*, Node-only packages or an adapter", async () => {
    const found = await broken(
      "src/relay/probe.ts",
      [
        'import { readFileSync } from "node:fs";',
        'import { DurableObject } from "cloudflare:workers";',
        'import { Redis } from "ioredis";',
        'import { openStore } from "../adapters/node/open-store.ts";',
        "export { readFileSync, DurableObject, Redis, openStore };",
      ].join("\n"),
    );
    expect(found.filter((m) => m.startsWith("no-restricted-imports"))).toHaveLength(4);
  });

  it("nor use process, Buffer or Deno", async () => {
    const found = await broken("src/queue/probe.ts", "export const a = [process.env.X, Buffer.from('x'), Deno.env];\n");
    expect(found.filter((m) => m.startsWith("no-restricted-globals"))).toHaveLength(3);
  });

  it("an adapter may not import another runtime's adapter, nor its runtime's modules", async () => {
    expect(
      await broken("src/adapters/node/probe.ts", 'import { ClaimLock } from "../workers/claim-lock.ts";\nexport { ClaimLock };\n'),
    ).toEqual([expect.stringMatching(/^no-restricted-imports: .*a runtime adapter does not import another one/)]);
    expect(await broken("src/adapters/workers/probe.ts", 'import { resolve } from "node:path";\nexport { resolve };\n')).toEqual([
      expect.stringMatching(/^no-restricted-imports/),
    ]);
    expect(
      await broken("src/adapters/deno/probe.ts", 'import { openStore } from "../node/open-store.ts";\nexport { openStore };\n'),
    ).toEqual([expect.stringMatching(/^no-restricted-imports/)]);
  });

  it("lets the Node adapter use Node, and the core use Web-standard APIs", async () => {
    expect(
      await broken(
        "src/adapters/node/probe.ts",
        'import { readFileSync } from "node:fs";\nexport const text = readFileSync("x", "utf8");\n',
      ),
    ).toEqual([]);
    expect(
      await broken(
        "src/relay/probe.ts",
        "export const digest = (bytes: Uint8Array<ArrayBuffer>) => crypto.subtle.digest('SHA-256', bytes);\n",
      ),
    ).toEqual([]);
  });
});
