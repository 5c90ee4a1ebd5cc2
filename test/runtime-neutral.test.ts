import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRuntimeApis, scanCore } from "./support/find-runtime-apis.ts";

describe("the core uses Web-standard APIs only", () => {
  it("no file under src/ outside src/adapters/ uses node:*, process, Buffer, Deno or cloudflare:*", () => {
    const found = scanCore(join(import.meta.dirname, "../src"));
    expect(found.map((f) => `src/${f.file}:${f.line} uses ${f.api}`)).toEqual([]);
  });

  it.each([
    ['import { readFile } from "node:fs";', "node:* import"],
    ['const fs = await import("node:fs");', "node:* import"],
    ["const x = process.env.TOKEN;", "process"],
    ["const b = Buffer.from('x');", "Buffer"],
    ["const t = Deno.env.get('X');", "Deno"],
    ['import { DurableObject } from "cloudflare:workers";', "cloudflare:* import"],
    ["const m = require('x');", "require()"],
  ])("detects %s", (source, api) => {
    expect(findRuntimeApis(source).map((f) => f.api)).toContain(api);
  });

  it("ignores the same words in comments", () => {
    expect(findRuntimeApis("// Node's Buffer and process.env, Deno.serve\n/* import 'node:fs' */\nconst x = 1;")).toEqual([]);
  });
});
