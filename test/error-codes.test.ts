import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSourceTree, REPO_ROOT } from "../scripts/folder-graph.ts";
import { ERROR_CODES, type ErrorCode } from "../src/core/error-codes.ts";
import { jsonError } from "../src/core/json-error.ts";

const SOURCE = readSourceTree(join(REPO_ROOT, "src"));
const DOC = readFileSync(join(REPO_ROOT, "docs/errors.md"), "utf8");
const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** The codes the source answers with: the first argument of every jsonError call. */
function codesUsed(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const [file, text] of Object.entries(SOURCE)) {
    if (file === "core/json-error.ts") continue;
    for (const match of text.matchAll(/\bjsonError\(\s*(["'`])([^"'`]*)\1/g)) used.set(match[2]!, [...(used.get(match[2]!) ?? []), file]);
  }
  return used;
}

/** The rows of the table in docs/errors.md: code → [status, when]. */
function documented(): Map<string, { status: number; when: string }> {
  const rows = new Map<string, { status: number; when: string }>();
  for (const match of DOC.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| ([^|]+) \|/gm))
    rows.set(match[1]!, { status: Number(match[2]), when: match[3]! });
  return rows;
}

describe("one catalogue of error codes (issue #15)", () => {
  it("every code the source answers with is in the catalogue, and every code of the catalogue is answered somewhere", () => {
    const used = codesUsed();
    expect([...used.keys()].filter((code) => !(code in ERROR_CODES))).toEqual([]);
    expect(CODES.filter((code) => !used.has(code))).toEqual([]);
  });

  it("no answer builds an error body by hand: they all go through jsonError", () => {
    const byHand = Object.entries(SOURCE).flatMap(([file, text]) =>
      [...text.matchAll(/\bjson\(\s*\d{3}\s*,\s*\{[^}]*\berror\s*:/g)].map(() => file),
    );
    expect(byHand).toEqual([]);
  });

  it("docs/errors.md lists every code with its status and its extra fields, and no other", () => {
    const rows = documented();
    expect([...rows.keys()].sort()).toEqual([...CODES].sort());
    for (const code of CODES) {
      const spec = ERROR_CODES[code];
      expect(rows.get(code)?.status, code).toBe(spec.status);
      for (const field of Object.keys("fields" in spec ? spec.fields : {}))
        expect(rows.get(code)?.when, `${code}: ${field}`).toContain(`\`${field}\``);
    }
  });

  it("an answer has its code's status and the body {error, message} with the code's extra fields only", async () => {
    for (const code of CODES) {
      const response = jsonError(code, "what happened");
      expect(response.status, code).toBe(ERROR_CODES[code].status);
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(await response.json()).toEqual({ error: code, message: "what happened" });
    }
    const withFields = jsonError("bitbucket_error", "refused", {
      fields: { status: 403, messages: ["no"] },
      headers: { "retry-after": "5" },
    });
    expect(await withFields.json()).toEqual({ error: "bitbucket_error", message: "refused", status: 403, messages: ["no"] });
    expect(withFields.headers.get("retry-after")).toBe("5");
  });
});
