import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OAUTHLIB_KEY_PKCS8 } from "./support/rfc5849-vectors.ts";
import { BIN, writeConfig } from "./support/start-gateway.ts";

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env } });

describe("cds-gateway check-config", () => {
  it("prints a redacted summary and exits 0", () => {
    const path = writeConfig(`
[gateway]
apiTokens = ["env:GW_TOKEN"]
store = "redis://user:redispass@127.0.0.1:6379/0"
[gateway.cds.prod]
hooksUrl = "https://cds.example.com/cdshooks"
token = "cds-consumer-token-value"
[vcs.servers.Bitbucket]
url = "https://bitbucket.example.com"
  [vcs.servers.Bitbucket.bitbucket]
  token = "bitbucket-http-token-value"
  webhookSecret = ["hook-secret-one", "hook-secret-two"]
  proxyWebhook = "https://proxy.example.com/bb"
`);
    const out = run(["check-config", "--config", path], { GW_TOKEN: "gateway-api-token-value" });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain("configuration OK");
    expect(out.stdout).toContain("[gateway.cds.prod]");
    expect(out.stdout).toContain("/bb/<uuid>");
    expect(out.stdout).toContain("webhookSecret    2 configured");
    for (const secret of [
      "gateway-api-token-value",
      "cds-consumer-token-value",
      "bitbucket-http-token-value",
      "hook-secret-one",
      "redispass",
    ]) {
      expect(out.stdout + out.stderr).not.toContain(secret);
    }
  });

  it("warns (exit 0) when some servers verify webhook signatures and others do not (issue #11)", () => {
    const path = writeConfig(`
[gateway.cds.prod]
hooksUrl = "https://cds.example.com/cdshooks"
[vcs.servers.Signed]
url = "https://signed.example.com"
  [vcs.servers.Signed.bitbucket]
  webhookSecret = ["hook-secret-one"]
[vcs.servers.Open]
url = "https://open.example.com"
  [vcs.servers.Open.bitbucket]
  proxyWebhook = "https://proxy.example.com/open"
`);
    const out = run(["check-config", "--config", path]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain("configuration OK");
    expect(out.stderr).toContain(
      "warning: vcs.servers.Open.bitbucket.webhookSecret: not set, while vcs.servers.Signed verifies signatures",
    );
    expect(out.stdout + out.stderr).not.toContain("hook-secret-one");
    // All signed, or none: no warning.
    const none = run(["check-config", "--config", writeConfig(`[gateway.cds.prod]\nhooksUrl = "https://cds.example.com/cdshooks"\n`)]);
    expect(none.status).toBe(0);
    expect(none.stderr).not.toContain("warning");
  });

  it("warns (exit 0) when lateAnswerWindow is under a minute: a slower CDS gets a second copy (issue #12)", () => {
    const cds = `[gateway.cds.prod]\nhooksUrl = "https://cds.example.com/cdshooks"\n`;
    const short = run(["check-config", "--config", writeConfig(`[gateway]\nlateAnswerWindow = "20s"\n${cds}`)]);
    expect(short.status, short.stderr).toBe(0);
    expect(short.stderr).toContain("warning: gateway.lateAnswerWindow: shorter than 60s");
    const minute = run(["check-config", "--config", writeConfig(`[gateway]\nlateAnswerWindow = "1m"\ndrainConcurrency = 8\n${cds}`)]);
    expect(minute.status, minute.stderr).toBe(0);
    expect(minute.stderr).not.toContain("warning");
    const bad = run(["check-config", "--config", writeConfig(`[gateway]\nlateAnswerWindow = "soon"\ndrainConcurrency = 0\n${cds}`)]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("gateway.lateAnswerWindow");
    expect(bad.stderr).toContain("gateway.drainConcurrency");
  });

  it("warns (exit 0) when privateKey is set without accessToken: 2-legged calls that CDS's documented application link refuses (issue #14)", () => {
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-2legged-"));
    writeFileSync(join(dir, "key.pem"), OAUTHLIB_KEY_PKCS8);
    const path = writeConfig(
      `
[gateway.cds.prod]
hooksUrl = "https://cds.example.com/cdshooks"
[vcs.servers.TwoLegged]
url = "https://a.example.com"
  [vcs.servers.TwoLegged.bitbucket]
  privateKey = "file:key.pem"
  token = "bitbucket-http-token-value"
[vcs.servers.ThreeLegged]
url = "https://b.example.com"
  [vcs.servers.ThreeLegged.bitbucket]
  proxyWebhook = "https://proxy.example.com/b"
  privateKey = "file:key.pem"
  accessToken = "oauth-access-token-value"
`,
      dir,
    );
    const out = run(["check-config", "--config", path]);
    expect(out.status, out.stderr).toBe(0);
    const warnings = out.stderr.split("\n").filter((line) => line.startsWith("warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("warning: vcs.servers.TwoLegged.bitbucket.accessToken: not set, while privateKey is");
    expect(warnings[0]).toContain("cds-gateway oauth link");
    expect(out.stdout).toContain("auth             OAuth 1.0a RSA-SHA1 (2-legged); comments: bearer token");
    expect(out.stdout).toContain("auth             OAuth 1.0a RSA-SHA1 (3-legged)\n");
    expect(out.stdout + out.stderr).not.toContain("oauth-access-token-value");
  });

  it("never prints the credentials of a URL: hooksUrl, apiUrl, uiUrl, url, publicUrl, proxyWebhook, a Redis password with / (issue #11)", () => {
    const path = writeConfig(`
[gateway]
publicUrl = "https://pub-user:pub-pass@gateway.example.com/hooks"
store = "redis://default:red/is@pass@127.0.0.1:6379/0"
[gateway.cds.prod]
hooksUrl = "https://hooks-user:hooks-pass@cds.example.com/cdshooks"
apiUrl = "https://api-user:api-pass@cds.example.com/cdsapi"
uiUrl = "https://ui-user:ui-pass@cds.example.com"
[vcs.servers.Bitbucket]
url = "https://bb-user:bb-pass@bitbucket.example.com"
  [vcs.servers.Bitbucket.bitbucket]
  proxyWebhook = "https://proxy-user:proxy-pass@proxy.example.com/bb"
`);
    const out = run(["check-config", "--config", path]);
    expect(out.status, out.stderr).toBe(0);
    for (const secret of ["pub-pass", "red/is", "is@pass", "hooks-pass", "api-pass", "ui-pass", "bb-pass", "proxy-pass", "-user"]) {
      expect(out.stdout + out.stderr, secret).not.toContain(secret);
    }
    // The rest of each URL is still there to check.
    expect(out.stdout).toContain("https://[redacted]@cds.example.com/cdshooks");
    expect(out.stdout).toContain("redis://[redacted]@127.0.0.1:6379/0");
    expect(out.stdout).toContain("https://[redacted]@bitbucket.example.com");
    expect(out.stdout).toContain("https://[redacted]@gateway.example.com/hooks");
  });

  it("lists every problem by key path and exits 1", () => {
    const path = writeConfig(`
[gateway]
apiTokens = ["env:UNSET_GATEWAY_TOKEN_VAR"]
unknownSetting = true
[gateway.cds.prod]
hooksUrl = "not a url"
`);
    const out = run(["check-config", "--config", path]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("gateway.apiTokens[0]: environment variable UNSET_GATEWAY_TOKEN_VAR is not set");
    expect(out.stderr).toContain("gateway.unknownSetting: unknown key");
    expect(out.stderr).toContain("gateway.cds.prod.hooksUrl: must be an absolute URL");
  });

  it("gives line and column for broken TOML", () => {
    const out = run(["check-config", "--config", writeConfig(`[gateway]\nstore = "memory\n`)]);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/TOML syntax error: .* \(line 2, column \d+\)/);
  });

  it("serve refuses to start on a bad configuration", () => {
    const out = run(["serve", "--config", writeConfig(`[gateway]\nfoo = 1\n`), "--port", "0"]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("gateway.foo: unknown key");
  });

  it("a missing file is a clear error", () => {
    const out = run(["check-config", "--config", "/nonexistent/gateway.toml"]);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("cannot read configuration file /nonexistent/gateway.toml");
  });
});
