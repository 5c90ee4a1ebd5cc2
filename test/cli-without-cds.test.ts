import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OAUTHLIB_KEY_PKCS8 } from "./support/rfc5849-vectors.ts";
import { BIN, writeConfig } from "./support/start-gateway.ts";
import { startStubBitbucket, type StubBitbucket } from "./support/stub-bitbucket.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

/** The real bin, asynchronously (the stub Bitbucket answers from this process), with `stdin` written and closed. */
function run(args: string[], stdin = ""): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/**
 * Commands that only talk to Bitbucket need no `[gateway.cds.*]` (issue #14):
 * a file holding only `[vcs.servers]` works for them; `serve` refuses it,
 * naming the key path.
 */
describe("a configuration holding only [vcs.servers]", () => {
  let bb: StubBitbucket;
  let path: string;
  beforeAll(async () => {
    bb = await startStubBitbucket();
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-nocds-"));
    writeFileSync(join(dir, "key.pem"), OAUTHLIB_KEY_PKCS8);
    path = writeConfig(
      gatewayToml({
        servers: {
          Bitbucket: {
            url: bb.url,
            bitbucket: {
              consumerKey: "CDS",
              privateKey: "file:key.pem",
              accessToken: "oauth-access-token",
              proxyWebhook: "https://gw.example.com/bb",
              webhookSecret: ["hook-secret"],
            },
          },
        },
      }),
      dir,
    );
  });
  afterAll(() => bb.close());
  beforeEach(() => bb.reset());

  it("check-config: exit 0, with a warning that serve needs a CDS instance", async () => {
    const out = await run(["check-config", "--config", path]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain("configuration OK");
    expect(out.stderr).toContain("warning: gateway.cds: no CDS instance");
  });

  it("bitbucket: one signed call, the server named in any case", async () => {
    bb.setHandler("GET", "/rest/api/1.0/application-properties", { json: { version: "8.9.0" } });
    // The name as CDS writes it, lower-cased (issue #14).
    const out = await run(["bitbucket", "--config", path, "--server", "bitbucket", "GET", "/rest/api/1.0/application-properties"]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain("200");
    expect(bb.requests[0]!.headers.authorization).toMatch(/^OAuth /);
  });

  it("webhooks secure --dry-run: lists the webhooks it would secure", async () => {
    bb.setHandler("GET", "/rest/api/latest/projects/PRJ/repos", { json: { values: [{ slug: "api" }], isLastPage: true } });
    bb.setHandler("GET", "/rest/api/latest/projects/PRJ/repos/api/webhooks", {
      json: {
        values: [
          {
            id: 11,
            name: "cds",
            url: "https://gw.example.com/bb/0b7e1d3a-1111-4c2a-9e5f-0a1b2c3d4e5f",
            events: ["repo:refs_changed"],
            active: true,
            configuration: {},
          },
        ],
        isLastPage: true,
      },
    });
    const out = await run(["webhooks", "secure", "--config", path, "--server", "Bitbucket", "--project", "PRJ", "--dry-run"]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain("PRJ/api webhook #11");
    expect(bb.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("oauth link: request token, verifier on stdin, access token", async () => {
    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    bb.setHandler("POST", "/plugins/servlet/oauth/request-token", {
      headers: form,
      body: "oauth_token=req&oauth_token_secret=s&oauth_callback_confirmed=true",
    });
    bb.setHandler("POST", "/plugins/servlet/oauth/access-token", { headers: form, body: "oauth_token=ACCESS123&oauth_token_secret=sec" });
    const out = await run(["oauth", "link", "--config", path, "--server", "Bitbucket"], "verifier\n");
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain("ACCESS123");
  });

  it("serve: refuses it, naming gateway.cds", async () => {
    const out = await run(["serve", "--config", path, "--port", "0"]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("gateway.cds: at least one CDS instance ([gateway.cds.NAME] with hooksUrl) is required to serve");
  });
});
