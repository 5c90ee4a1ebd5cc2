import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runOauthLink, OAUTH_LINK_COMMAND } from "../src/cli/oauth-link.ts";
import { parseCommandLine } from "../src/adapters/node/cli/parse-command-line.ts";
import { parseAuthorizationHeader } from "../src/oauth1/parse-authorization-header.ts";
import { bitbucketServerConfig, gatewayConfigWithServers } from "./support/bitbucket-server-config.ts";
import { OAUTHLIB_KEY_PKCS8 } from "./support/rfc5849-vectors.ts";
import { startStubBitbucket, type StubBitbucket } from "./support/stub-bitbucket.ts";
import { createTestCliIo, type TestCliIo } from "./support/test-cli-io.ts";

let bb: StubBitbucket;
let io: TestCliIo | undefined;
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const REQUEST_TOKEN = "req/tok+en=";

beforeAll(async () => {
  bb = await startStubBitbucket();
});
afterAll(async () => {
  await bb.close();
});
beforeEach(() => bb.reset());
afterEach(async () => {
  await io?.cleanup();
  io = undefined;
});

async function cliIo(
  stdin: string[],
  server = bitbucketServerConfig({ name: "BB", url: bb.url + "/bitbucket", consumerKey: "CDS", privateKey: OAUTHLIB_KEY_PKCS8 }),
) {
  io = await createTestCliIo({ stdin, configs: { "gw.toml": gatewayConfigWithServers(server) }, clock: { now: () => 1_700_000_000_000 } });
  return io;
}

function oauth(header: string | undefined): Map<string, string> {
  const params = parseAuthorizationHeader(header ?? "");
  expect(params, `not an OAuth header: ${header}`).not.toBeNull();
  return new Map(params);
}

describe("oauth link", () => {
  it("runs request-token → authorize URL → verifier → access-token and prints the access token", async () => {
    bb.setHandler("POST", "/bitbucket/plugins/servlet/oauth/request-token", {
      headers: FORM,
      body: `oauth_token=${encodeURIComponent(REQUEST_TOKEN)}&oauth_token_secret=s&oauth_callback_confirmed=true`,
    });
    bb.setHandler("POST", "/bitbucket/plugins/servlet/oauth/access-token", {
      headers: FORM,
      body: "oauth_token=ACCESS123&oauth_token_secret=sec&oauth_expires_in=157680000",
    });
    const io = await cliIo(["  v3rif1er \n"]);
    const code = await runOauthLink(parseCommandLine(["--config", "gw.toml", "--server", "BB"], OAUTH_LINK_COMMAND), io);
    expect(code, io.stderrText).toBe(0);

    const [requestToken, accessToken] = bb.requests;
    const first = oauth(requestToken!.headers.authorization);
    expect(first.get("oauth_callback")).toBe("oob");
    expect(first.get("oauth_consumer_key")).toBe("CDS");
    expect(first.get("oauth_signature_method")).toBe("RSA-SHA1");
    expect(first.get("oauth_timestamp")).toBe("1700000000");
    expect(first.has("oauth_token")).toBe(false);

    expect(io.stdoutText).toContain(`${bb.url}/bitbucket/plugins/servlet/oauth/authorize?oauth_token=req%2Ftok%2Ben%3D\n`);
    expect(io.prompts).toHaveLength(1);

    const second = oauth(accessToken!.headers.authorization);
    expect(second.get("oauth_token")).toBe(REQUEST_TOKEN);
    expect(second.get("oauth_verifier")).toBe("v3rif1er");
    expect(second.has("oauth_callback")).toBe(false);

    expect(io.stdoutText).toContain("Access token: ACCESS123\n");
    expect(io.stdoutText).toContain('accessToken = "ACCESS123"\n');
    expect(io.stdoutText).not.toContain("sec");
  });

  it("names the oauth_problem when Bitbucket rejects the token (exit 1)", async () => {
    bb.setHandler("POST", "/bitbucket/plugins/servlet/oauth/request-token", { headers: FORM, body: "oauth_token=t1&oauth_token_secret=s" });
    bb.setHandler("POST", "/bitbucket/plugins/servlet/oauth/access-token", {
      status: 401,
      headers: { ...FORM, "WWW-Authenticate": 'OAuth realm="http%3A%2F%2Fbb", oauth_problem="token_rejected"' },
      body: "oauth_problem=token_rejected",
    });
    const io = await cliIo(["v"]);
    expect(await runOauthLink(parseCommandLine(["--config", "gw.toml", "--server", "BB"], OAUTH_LINK_COMMAND), io)).toBe(1);
    expect(io.stderrText).toContain("access-token: Bitbucket refused (HTTP 401): oauth_problem=token_rejected");
    expect(io.stdoutText).not.toContain("Access token");
  });

  it("reads the problem from WWW-Authenticate when the body has none", async () => {
    bb.setHandler("POST", "/bitbucket/plugins/servlet/oauth/request-token", {
      status: 401,
      headers: { "WWW-Authenticate": 'OAuth realm="x", oauth_problem="consumer_key_unknown"' },
      body: "",
    });
    const io = await cliIo([]);
    expect(await runOauthLink(parseCommandLine(["--config", "gw.toml", "--server", "BB"], OAUTH_LINK_COMMAND), io)).toBe(1);
    expect(io.stderrText).toContain("request-token: Bitbucket refused (HTTP 401): oauth_problem=consumer_key_unknown");
    expect(bb.requests).toHaveLength(1);
  });

  it("fails on an answer without a token, and on a missing verifier", async () => {
    bb.setHandler("POST", "/bitbucket/plugins/servlet/oauth/request-token", { headers: FORM, body: "oauth_token=&oauth_token_secret=" });
    let io = await cliIo(["v"]);
    expect(await runOauthLink(parseCommandLine(["--config", "gw.toml", "--server", "BB"], OAUTH_LINK_COMMAND), io)).toBe(1);
    expect(io.stderrText).toContain("request-token: Bitbucket's answer has no oauth_token");
    await io.cleanup();

    bb.reset();
    bb.setHandler("POST", "/bitbucket/plugins/servlet/oauth/request-token", { headers: FORM, body: "oauth_token=t&oauth_token_secret=s" });
    io = await cliIo([]);
    expect(await runOauthLink(parseCommandLine(["--config", "gw.toml", "--server", "BB"], OAUTH_LINK_COMMAND), io)).toBe(1);
    expect(io.stderrText).toContain("no verification code");
    expect(bb.requests).toHaveLength(1);
  });

  it("reports other HTTP errors", async () => {
    bb.setHandler("POST", "/bitbucket/plugins/servlet/oauth/request-token", { status: 500, body: "boom" });
    const io = await cliIo([]);
    expect(await runOauthLink(parseCommandLine(["--config", "gw.toml", "--server", "BB"], OAUTH_LINK_COMMAND), io)).toBe(1);
    expect(io.stderrText).toContain("request-token: Bitbucket answered HTTP 500");
  });

  it("answers usage errors with exit 2 and one line", async () => {
    for (const argv of [
      ["--server", "BB"],
      ["--config", "gw.toml"],
      ["--config", "gw.toml", "--server", "Nope"],
    ]) {
      const io = await cliIo([]);
      expect(await runOauthLink(parseCommandLine(argv, OAUTH_LINK_COMMAND), io)).toBe(2);
      expect(io.stderrText.trim().split("\n")).toHaveLength(1);
      await io.cleanup();
    }
    expect(bb.requests).toHaveLength(0);
  });

  it("needs a private key (exit 1) and reports a configuration that does not load (exit 1)", async () => {
    let io = await cliIo([], bitbucketServerConfig({ name: "BB", url: bb.url, token: "t" }));
    expect(await runOauthLink(parseCommandLine(["--config", "gw.toml", "--server", "BB"], OAUTH_LINK_COMMAND), io)).toBe(1);
    expect(io.stderrText).toContain("needs consumerKey and privateKey");
    await io.cleanup();
    io = await cliIo([]);
    expect(await runOauthLink(parseCommandLine(["--config", "missing.toml", "--server", "BB"], OAUTH_LINK_COMMAND), io)).toBe(1);
    expect(io.stderrText).toContain("cannot read configuration file missing.toml");
  });
});
