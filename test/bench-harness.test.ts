import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BEGIN_MARKER, END_MARKER, replaceGeneratedSection } from "../bench/replace-generated-section.ts";

const ROOT = join(import.meta.dirname, "..");

describe("npm run bench: the generated section of docs/BENCHMARKS.md", () => {
  const doc = `# Benchmarks\n\nintro\n\n## Relay\n\nhow to run\n\n${BEGIN_MARKER}\nold figures\n${END_MARKER}\n\nhistory\n`;

  it("replaces only what lies between the markers", () => {
    const out = replaceGeneratedSection(doc, "new figures\n", "## Relay");
    expect(out).toBe(`# Benchmarks\n\nintro\n\n## Relay\n\nhow to run\n\n${BEGIN_MARKER}\nnew figures\n${END_MARKER}\n\nhistory\n`);
    expect(replaceGeneratedSection(out, "newer\n", "## Relay")).toContain(`${BEGIN_MARKER}\nnewer\n${END_MARKER}\n\nhistory\n`);
  });

  it("appends the section under its heading when the markers are missing, and refuses half a pair", () => {
    expect(replaceGeneratedSection("# Benchmarks\n", "figures", "## Relay")).toBe(
      `# Benchmarks\n\n## Relay\n\n${BEGIN_MARKER}\nfigures\n${END_MARKER}\n`,
    );
    expect(() => replaceGeneratedSection(`x\n${BEGIN_MARKER}\nfigures\n`, "new", "## Relay")).toThrow(/markers/);
  });
});

describe("npm run bench: a smoke run", () => {
  it("measures the stub, the Node floor and the gateway (the built bin), every request answered, and prints the tables", async () => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "bench/run.ts",
        "--quick",
        "--no-write",
        "--only",
        "stub,node-floor,gateway",
        "--seconds",
        "0.5",
        "--rounds",
        "1",
        "--warmup",
        "0.2",
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("| relay | req/s | range | p50 ms | p99 ms | × floor req/s | × floor p99 | failed |");
    expect(stdout).toMatch(/^Machine: .+, \d+ cores, .+, Node v\d+/m);
    const row = (label: string) => {
      const line = stdout.split("\n").find((l) => l.startsWith(`| ${label}`));
      expect(line, stdout).toBeDefined();
      const cells = line!.split("|").map((c) => c.trim());
      return { rps: Number(cells[2]!.replace(/,/g, "")), ratio: cells[6], failed: Number(cells[8]) };
    };
    for (const label of ["stub CDS, directly", "bare `node:http`", "gateway, SQLite store"]) {
      const r = row(label);
      expect(r.rps, label).toBeGreaterThan(0);
      expect(r.failed, label).toBe(0);
    }
    expect(row("bare `node:http`").ratio).toBe("1.00×");
    expect(stdout).toMatch(/\| gateway \(SQLite\) req\/s ÷ floor \| ≥ 0\.75× \| \d+\.\d\d× \| (met|\*\*not met\*\*) \|/);
    expect(stdout).toContain("| process start to first `/healthz` 200 | ≤ 500 ms | not selected | — |");
  }, 30_000);
});
