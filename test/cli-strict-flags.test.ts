import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BIN, writeConfig } from "./support/start-gateway.ts";
import { startStubBitbucket, type StubBitbucket } from "./support/stub-bitbucket.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

/**
 * Finding 10 of issue #11: the real `cds-gateway` binary parses its command
 * line strictly. An unknown flag, or a value given to a switch, is an error
 * naming it (exit 2) before anything is read or sent: `--dryrun` must never
 * do the real thing.
 */
let bb: StubBitbucket;
let config: string;

beforeAll(async () => {
  bb = await startStubBitbucket();
  config = writeConfig(
    gatewayToml({
      cds: { prod: { hooksUrl: "https://cds.example.com/cdshooks" } },
      servers: {
        B: {
          url: bb.url,
          bitbucket: { token: "strict-flags-token", proxyWebhook: "https://gw.example.com/bb", webhookSecret: ["strict-flags-secret"] },
        },
      },
    }),
  );
});
afterAll(() => bb?.close());
beforeEach(() => {
  bb.reset();
  bb.setHandler("GET", "/rest/api/latest/projects/PRJ/repos", { json: { values: [{ slug: "api" }], isLastPage: true } });
  bb.setHandler("GET", "/rest/api/latest/projects/PRJ/repos/api/webhooks", {
    json: {
      values: [
        {
          id: 1,
          name: "cds",
          url: "https://gw.example.com/bb/0b7e1d3a-1111-4c2a-9e5f-0a1b2c3d4e5f",
          events: ["repo:refs_changed"],
          configuration: {},
        },
      ],
      isLastPage: true,
    },
  });
  bb.setHandler("PUT", /webhooks\/1$/, (req) => ({ json: JSON.parse(req.body) }));
});

/**
 * Runs the bin asynchronously (the stub Bitbucket answers from this process), in a scratch
 * directory (a command that wrongly runs writes nothing here), killed after 10 s.
 */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: mkdtempSync(join(tmpdir(), "cds-gw-flags-")),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  return new Promise((resolve) =>
    child.on("exit", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}
const secure = ["webhooks", "secure", "--server", "B", "--project", "PRJ"];

describe("strict command-line parsing (built bin)", () => {
  it.each([
    [["--dryrun"], "--dryrun"],
    [["--dry-run=yes"], "--dry-run"],
    [["--dry-run", "--reop", "api"], "--reop"],
    [["-n"], "-n"],
  ])("webhooks secure %j: exit 2 naming %s, nothing sent to Bitbucket", async (extra, named) => {
    const out = await run([...secure, "--config", config, ...extra]);
    expect(out.status, out.stdout + out.stderr).toBe(2);
    expect(out.stderr).toContain(named);
    expect(out.stderr).toContain("usage: cds-gateway webhooks secure");
    expect(out.stdout).toBe("");
    expect(bb.requests).toEqual([]);
  });

  it("the correct spelling still works: --dry-run lists, without it the webhooks are written", async () => {
    const dry = await run([...secure, "--config", config, "--dry-run"]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(bb.requests.filter((r) => r.method === "PUT")).toEqual([]);
    const real = await run([...secure, "--config", config]);
    expect(real.status, real.stderr).toBe(0);
    expect(bb.requests.filter((r) => r.method === "PUT")).toHaveLength(1);
  });

  it.each([
    [["check-config", "--confg", "x.toml"], "--confg"],
    [["check-config", "--config", "x.toml", "extra"], "extra"],
    [["keygen", "--bitz", "2048"], "--bitz"],
    [["keygen", "--force=no"], "--force"],
    [["serve", "--prot", "8080"], "--prot"],
    [["oauth", "link", "--server", "B", "--config"], "--config"],
    [["bitbucket", "--config", "x.toml", "--server", "B", "GET", "/x", "--dta", "{}"], "--dta"],
  ])("%j: exit 2 naming %s", async (args, named) => {
    const out = await run(args);
    expect(out.status, out.stdout + out.stderr).toBe(2);
    expect(out.stderr).toContain(named);
    expect(bb.requests).toEqual([]);
  });
});
