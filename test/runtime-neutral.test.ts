import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../scripts/folder-graph.ts";

/** tsconfig.core.json as the compiler reads it: the runtime-neutral code, `"types": []`. */
function coreConfig(): ts.ParsedCommandLine {
  const path = join(REPO_ROOT, "tsconfig.core.json");
  const config = ts.readConfigFile(path, (file) => ts.sys.readFile(file));
  return ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT, undefined, path);
}

function diagnostics(rootNames: readonly string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(rootNames, options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const name = d.file?.fileName.startsWith(`${REPO_ROOT}/`) ? d.file.fileName.slice(REPO_ROOT.length + 1) : d.file?.fileName;
    const where = d.file ? `${name}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : "";
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

describe("the core compiles with no runtime types (issue #15)", () => {
  const config = coreConfig();
  const probeDir = mkdtempSync(join(tmpdir(), "cds-gw-core-probe-"));
  afterAll(() => rmSync(probeDir, { recursive: true, force: true }));

  it("tsconfig.core.json covers src/ outside src/adapters/, with no runtime types", () => {
    const files = config.fileNames.map((f) => f.slice(REPO_ROOT.length + 1));
    expect(config.options.types).toEqual([]);
    expect(files).toContain("src/relay/relay-webhook.ts");
    expect(files).toContain("src/app/create-gateway.ts");
    expect(files.filter((f) => f.startsWith("src/adapters/") || f.endsWith(".test.ts"))).toEqual([]);
  });

  it("compiles: nothing there uses Node, Deno or Workers APIs", () => {
    expect(diagnostics(config.fileNames, config.options)).toEqual([]);
  }, 60_000);

  it("the compiler refuses Node, Deno and Workers APIs there, whatever the code around them brings in", () => {
    const probes: Array<[source: string, refusal: RegExp]> = [
      ['import { readFileSync } from "node:fs";\nexport const text = readFileSync("x");', /Cannot find module 'node:fs'/],
      ['export const bytes = Buffer.from("x");', /Cannot find name 'Buffer'/],
      ["export const token = process.env.TOKEN;", /Cannot find name 'process'/],
      ['export const value = Deno.env.get("X");', /Cannot find name 'Deno'/],
      ['import { DurableObject } from "cloudflare:workers";\nexport { DurableObject };', /Cannot find module 'cloudflare:workers'/],
    ];
    const files = probes.map(([source], i) => {
      const file = join(probeDir, `probe-${i}.ts`);
      writeFileSync(file, source);
      return file;
    });
    // Compiled with the core's files, so types any of them pulls in (a package's `/// <reference types="node" />`) would count.
    const found = diagnostics([...config.fileNames, ...files], config.options);
    probes.forEach(([source, refusal], i) => {
      expect(found.filter((d) => d.includes(`probe-${i}.ts`)).join("\n"), source).toMatch(refusal);
    });
  }, 60_000);
});
