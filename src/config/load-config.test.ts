import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.ts";
import { loadConfig, type ConfigSources } from "./load-config.ts";
import { cdsApiKey } from "../../test/support/cds-http-signature.ts";
import { OAUTHLIB_KEY_PKCS1 as PKCS1 } from "../../test/support/rfc5849-vectors.ts";

const sources = (env: Record<string, string> = {}, files: Record<string, string> = {}): ConfigSources => ({
  env: (name) => env[name],
  readFile: (path) => {
    const text = files[path];
    if (text === undefined) throw new Error("ENOENT");
    return text;
  },
});

const MINIMAL = `
[gateway.cds.prod]
hooksUrl = "https://cds.example.com/cdshooks/"
`;

async function issuesOf(text: string, src = sources()): Promise<string[]> {
  try {
    await loadConfig(text, src);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the documented defaults and derives uiUrl and prefixes", async () => {
    const config = await loadConfig(
      `${MINIMAL}
[vcs.servers.Bitbucket]
url = "https://bitbucket.example.com/"
  [vcs.servers.Bitbucket.bitbucket]
  proxyWebhook = "https://myproxy.com/bb/"
`,
      sources(),
    );
    expect(config.gateway).toMatchObject({
      maxBodyBytes: 10 * 1024 * 1024,
      forwardTimeoutMs: 10_000,
      lateAnswerWindowMs: 60_000,
      drainConcurrency: 4,
      store: "sqlite:./data/gateway.db",
      storeTimeoutMs: 2_000,
      routeCacheTtlMs: 30_000,
      routeCacheSize: 10_000,
      branchDeletionDelayMs: 86_400_000,
      sweepIntervalMs: 60_000,
    });
    expect(config.cds.prod).toMatchObject({ hooksUrl: "https://cds.example.com/cdshooks", uiUrl: "https://cds.example.com" });
    expect(config.servers.Bitbucket).toMatchObject({ url: "https://bitbucket.example.com", prefix: "/bb", consumerKey: "CDS" });
    expect(Object.isFrozen(config.servers.Bitbucket)).toBe(true);
  });

  it("loads CDS's own documentation example, ignoring foreign sections and stale keys", async () => {
    const config = await loadConfig(
      `${MINIMAL}
[api]
  [api.http]
  port = 8081
[hooks]
urlPublic = "http://localhost:8080/cdshooks"
[vcs.servers.github]
url = "https://github.com"
  [vcs.servers.github.github]
  clientId = "x"
[vcs.servers.mybitbucket_instance1]
url = "https://mybitbucket-instance1.localhost"
  [vcs.servers.mybitbucket_instance1.bitbucket]
  consumerKey = "CDS_Instance1"
  disablePolling = true
  disableWebHooks = false
  disableWebHooksCreation = false
  privateKey = "${PKCS1.replace(/\n/g, "\\n")}"
  proxyWebhook = "https://myproxy.com"
    [vcs.servers.mybitbucket_instance1.bitbucket.Status]
    disable = false
    showDetail = true
`,
      sources(),
    );
    expect(Object.keys(config.servers)).toEqual(["mybitbucket_instance1"]);
    expect(config.servers.mybitbucket_instance1!.prefix).toBe("");
  });

  it("resolves env: and file: references and keeps secrets out of JSON and strings", async () => {
    const config = await loadConfig(
      `
[gateway]
apiTokens = ["env:API_TOKEN", "literal-token"]
[gateway.cds.prod]
hooksUrl = "env:HOOKS_URL"
token = "file:cds.token"
[vcs.servers.B]
url = "https://bb"
  [vcs.servers.B.bitbucket]
  privateKey = "file:key.pem"
  webhookSecret = "env:HOOK_SECRET"
`,
      sources(
        { API_TOKEN: "tok-from-env", HOOKS_URL: "http://cds:8080/cdshooks", HOOK_SECRET: "s3cret" },
        { "cds.token": "cds-token\n", "key.pem": PKCS1 },
      ),
    );
    expect(config.gateway.apiTokens.map((t) => t.reveal())).toEqual(["tok-from-env", "literal-token"]);
    expect(config.cds.prod!.token!.reveal()).toBe("cds-token");
    expect(config.servers.B!.webhookSecrets[0]!.reveal()).toBe("s3cret");
    const printed = JSON.stringify(config) + String(config.cds.prod!.token);
    for (const secret of ["tok-from-env", "literal-token", "cds-token", "s3cret", "MIICXgIBAAKBgQDk1"])
      expect(printed).not.toContain(secret);
  });

  it("parses durations with every suffix", async () => {
    const config = await loadConfig(
      `[gateway]\nforwardTimeout = "250ms"\nbranchDeletionDelay = "2d"\nsweepInterval = "1h30m"\n${MINIMAL}`,
      sources(),
    );
    expect(config.gateway.forwardTimeoutMs).toBe(250);
    expect(config.gateway.branchDeletionDelayMs).toBe(2 * 86_400_000);
    expect(config.gateway.sweepIntervalMs).toBe(90 * 60_000);
  });

  it("accepts two servers on one path when they agree, refuses it when they do not", async () => {
    const two = (secretB: string) => `${MINIMAL}
[vcs.servers.A]
url = "https://a"
  [vcs.servers.A.bitbucket]
  webhookSecret = ["one"]
[vcs.servers.B]
url = "https://b"
  [vcs.servers.B.bitbucket]
  webhookSecret = ["${secretB}"]
`;
    await expect(loadConfig(two("one"), sources())).resolves.toBeTruthy();
    const issues = await issuesOf(two("two"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^vcs\.servers\.B\.bitbucket\.proxyWebhook: shares the webhook path/);
    expect(issues[0]).not.toContain("two");
  });

  it("reads vcsUrl and apiPublicKey (CDS's PKCS#1 PEM from a file, or the signin header's base64) and refuses unusable ones by key path", async () => {
    const api = cdsApiKey();
    const config = await loadConfig(
      `${MINIMAL}vcsUrl = "http://vcs.internal:8084/"\napiPublicKey = "file:api.pub"\n[gateway.cds.b]\nhooksUrl = "http://b"\napiPublicKey = "${api.signinHeader}"`,
      sources({}, { "api.pub": api.publicKeyPem }),
    );
    expect(config.cds.prod!.vcsUrl).toBe("http://vcs.internal:8084");
    expect(config.cds.prod!.apiPublicKey).toBe(api.publicKeyPem.trim());
    expect(config.cds.b!.vcsUrl).toBeUndefined();
    expect(await issuesOf(`${MINIMAL}vcsUrl = "vcs:8084"\napiPublicKey = "not a key"`)).toEqual([
      "gateway.cds.prod.vcsUrl: must be an http:// or https:// URL",
      "gateway.cds.prod.apiPublicKey: not a PEM public key (RSA PUBLIC KEY or PUBLIC KEY), nor the base64 of one",
    ]);
  });

  // The table of bad configurations: each gets its own answer naming the key path.
  const cases: Array<[string, string, ConfigSources, RegExp]> = [
    ["broken TOML", `[gateway\nstore = "memory"`, sources(), /^: TOML syntax error: .+/],
    [
      "missing env variable",
      `[gateway]\napiTokens = ["env:NOPE"]\n${MINIMAL}`,
      sources(),
      /^gateway\.apiTokens\[0\]: environment variable NOPE is not set$/,
    ],
    ["missing file", `${MINIMAL}token = "file:missing.txt"`, sources(), /^gateway\.cds\.prod\.token: cannot read file missing\.txt$/],
    ["unknown key in [gateway]", `[gateway]\nmaxBodyByte = 5\n${MINIMAL}`, sources(), /^gateway\.maxBodyByte: unknown key$/],
    [
      "unknown key in a CDS instance",
      `[gateway.cds.prod]\nhooksUrl = "http://x"\nhookUrl = "http://x"`,
      sources(),
      /^gateway\.cds\.prod\.hookUrl: unknown key$/,
    ],
    ["hooksUrl missing", `[gateway.cds.prod]\napiUrl = "http://x"`, sources(), /^gateway\.cds\.prod\.hooksUrl: is required$/],
    ["hooksUrl not a URL", `[gateway.cds.prod]\nhooksUrl = "cds:8080"`, sources(), /^gateway\.cds\.prod\.hooksUrl: must be an http/],
    ["bad duration", `[gateway]\nforwardTimeout = "10 seconds"\n${MINIMAL}`, sources(), /^gateway\.forwardTimeout: must be a duration/],
    ["negative body limit", `[gateway]\nmaxBodyBytes = -1\n${MINIMAL}`, sources(), /^gateway\.maxBodyBytes: must be a whole number ≥ 1$/],
    ["wrong type", `[gateway]\nstore = 3\n${MINIMAL}`, sources(), /^gateway\.store: must be a string$/],
    [
      "placeholder private key",
      `${MINIMAL}[vcs.servers.B]\nurl = "https://b"\n[vcs.servers.B.bitbucket]\nprivateKey = "-----BEGIN PRIVATE KEY-----\\n....\\n-----END PRIVATE KEY-----"`,
      sources(),
      /^vcs\.servers\.B\.bitbucket\.privateKey: not a (usable RSA private key|PEM private key)/,
    ],
    [
      "private key that is not a PEM",
      `${MINIMAL}[vcs.servers.B]\nurl = "https://b"\n[vcs.servers.B.bitbucket]\nprivateKey = "hunter2"`,
      sources(),
      /^vcs\.servers\.B\.bitbucket\.privateKey: not a PEM private key$/,
    ],
    [
      "proxyWebhook without scheme",
      `${MINIMAL}[vcs.servers.B]\nurl = "https://b"\n[vcs.servers.B.bitbucket]\nproxyWebhook = "myproxy.com"`,
      sources(),
      /^vcs\.servers\.B\.bitbucket\.proxyWebhook: must be an absolute URL/,
    ],
    [
      "unknown key in Status",
      `${MINIMAL}[vcs.servers.B]\nurl = "https://b"\n[vcs.servers.B.bitbucket.Status]\nshowDetails = true`,
      sources(),
      /^vcs\.servers\.B\.bitbucket\.Status\.showDetails: unknown key$/,
    ],
    ["server without url", `${MINIMAL}[vcs.servers.B.bitbucket]\nconsumerKey = "CDS"`, sources(), /^vcs\.servers\.B\.url: is required$/],
  ];

  it.each(cases)("%s → an error naming the key path", async (_name, text, src, expected) => {
    const issues = await issuesOf(text, src);
    expect(
      issues.some((i) => expected.test(i)),
      issues.join("\n"),
    ).toBe(true);
  });

  it("gives line and column for TOML syntax errors and never echoes the offending line", async () => {
    const error = await loadConfig(`[gateway]\napiTokens = "super-secret-token\nstore = "memory"\n`, sources()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const issue = (error as ConfigError).issues[0]!;
    expect(issue.line).toBe(2);
    expect(typeof issue.column).toBe("number");
    expect((error as ConfigError).message).toMatch(/line 2, column \d+/);
    expect((error as ConfigError).message).not.toContain("super-secret-token");
  });

  it("needs a CDS instance only to serve: a file holding only [vcs.servers] loads for the commands (issue #14)", async () => {
    const onlyServers = `[vcs.servers.B]\nurl = "https://b"\n[vcs.servers.B.bitbucket]\ntoken = "t"`;
    const config = await loadConfig(onlyServers, sources());
    expect(Object.keys(config.servers)).toEqual(["B"]);
    expect(config.cds).toEqual({});
    const error = await loadConfig(`[gateway]\nfoo = 1\n${onlyServers}`, sources(), { serving: true }).catch((e: unknown) => e);
    expect((error as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      "gateway.foo: unknown key",
      "gateway.cds: at least one CDS instance ([gateway.cds.NAME] with hooksUrl) is required to serve",
    ]);
  });

  describe("keys of the tables CDS reads, in any case, as CDS's loader reads them (issue #14)", () => {
    it("reads CDS's Bitbucket keys whatever their case, from [vcs] down", async () => {
      const config = await loadConfig(
        `${MINIMAL}
[VCS.Servers.BB]
URL = "https://bb.example.com"
  [VCS.Servers.BB.Bitbucket]
  consumerkey = "MyLink"
  PRIVATEKEY = "file:key.pem"
  accesstoken = "acc"
  DisableWebHooks = true
  proxywebhook = "https://gw.example.com/bb"
  Token = "tok"
  username = "bot"
  webhooksecret = "s"
    [VCS.Servers.BB.Bitbucket.status]
    Disable = true
    showdetail = false
`,
        sources({}, { "key.pem": PKCS1 }),
      );
      const bb = config.servers.BB!;
      expect([
        bb.url,
        bb.consumerKey,
        bb.accessToken?.reveal(),
        bb.disableWebHooks,
        bb.prefix,
        bb.token?.reveal(),
        bb.username,
        bb.webhookSecrets.length,
      ]).toEqual(["https://bb.example.com", "MyLink", "acc", true, "/bb", "tok", "bot", 1]);
      expect(bb.privateKey).toBeDefined();
      expect(bb.status).toEqual({ disable: true, showDetail: false });
    });

    it("names each key in errors as the file writes it", async () => {
      expect(
        await issuesOf(
          `${MINIMAL}[vcs.servers.BB]\nurl = "https://b"\n[vcs.servers.BB.Bitbucket]\nproxywebhook = "myproxy.com"\nPrivateKey = "hunter2"\n[vcs.servers.BB.Bitbucket.status]\ndisable = "yes"\nshowDetails = true`,
        ),
      ).toEqual([
        "vcs.servers.BB.Bitbucket.status.showDetails: unknown key",
        "vcs.servers.BB.Bitbucket.proxywebhook: must be an absolute URL such as https://myproxy.com or https://myproxy.com/bb",
        "vcs.servers.BB.Bitbucket.status.disable: must be true or false",
        "vcs.servers.BB.Bitbucket.PrivateKey: not a PEM private key",
      ]);
    });

    it("refuses two spellings of one key, or two server names that differ in case only, naming both", async () => {
      expect(
        await issuesOf(
          `${MINIMAL}[vcs.servers.BB]\nurl = "https://b"\n[vcs.servers.BB.bitbucket]\ntoken = "a"\nToken = "b"\n[vcs.servers.BB.bitbucket.Status]\ndisable = true\n[vcs.servers.BB.bitbucket.status]\ndisable = false`,
        ),
      ).toEqual([
        "vcs.servers.BB.bitbucket.status: the same key as vcs.servers.BB.bitbucket.Status (CDS reads keys without regard to case): keep one",
        "vcs.servers.BB.bitbucket.Token: the same key as vcs.servers.BB.bitbucket.token (CDS reads keys without regard to case): keep one",
      ]);
      expect(
        await issuesOf(
          `${MINIMAL}[vcs.servers.Bitbucket]\nurl = "https://a"\n[vcs.servers.Bitbucket.bitbucket]\nproxyWebhook = "https://gw/a"\n[vcs.servers.bitbucket]\nurl = "https://b"\n[vcs.servers.bitbucket.bitbucket]\nproxyWebhook = "https://gw/b"`,
        ),
      ).toEqual(["vcs.servers.bitbucket: the same key as vcs.servers.Bitbucket (CDS reads keys without regard to case): keep one"]);
    });

    it("keeps the gateway's own keys exact, naming the right spelling", async () => {
      expect(await issuesOf(`[gateway]\nforwardtimeout = "5s"\n[gateway.cds.prod]\nHooksUrl = "https://cds"`)).toEqual([
        "gateway.forwardtimeout: unknown key (did you mean forwardTimeout?)",
        "gateway.cds.prod.HooksUrl: unknown key (did you mean hooksUrl?)",
        "gateway.cds.prod.hooksUrl: is required",
      ]);
    });
  });

  it("reports every problem at once", async () => {
    const issues = await issuesOf(`[gateway]\nfoo = 1\nbar = 2\n[gateway.cds.x]\nhooksUrl = "env:MISSING"`);
    expect(issues).toEqual([
      "gateway.foo: unknown key",
      "gateway.bar: unknown key",
      "gateway.cds.x.hooksUrl: environment variable MISSING is not set",
    ]);
  });
});
