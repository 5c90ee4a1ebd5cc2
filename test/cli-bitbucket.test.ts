import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runBitbucket, BITBUCKET_COMMAND } from "../src/cli/bitbucket-command.ts";
import { parseCommandLine } from "../src/adapters/node/cli/parse-command-line.ts";
import { parseAuthorizationHeader } from "../src/oauth1/parse-authorization-header.ts";
import { bitbucketServerConfig, gatewayConfigWithServers } from "./support/bitbucket-server-config.ts";
import { OAUTHLIB_KEY_PKCS8 } from "./support/rfc5849-vectors.ts";
import { startStubBitbucket, type StubBitbucket } from "./support/stub-bitbucket.ts";
import { createTestCliIo, type TestCliIo } from "./support/test-cli-io.ts";

let bb: StubBitbucket;
let io: TestCliIo | undefined;

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

async function run(argv: string[]) {
  io = await createTestCliIo({
    configs: {
      "gw.toml": gatewayConfigWithServers(
        bitbucketServerConfig({ name: "oauth", url: bb.url, privateKey: OAUTHLIB_KEY_PKCS8, accessToken: "acc" }),
        bitbucketServerConfig({ name: "bearer", url: bb.url, token: "tok-123" }),
        bitbucketServerConfig({ name: "none", url: bb.url }),
        bitbucketServerConfig({ name: "both", url: bb.url, privateKey: OAUTHLIB_KEY_PKCS8, accessToken: "acc", token: "tok-456" }),
      ),
    },
  });
  const code = await runBitbucket(parseCommandLine(argv, BITBUCKET_COMMAND), io);
  return { code, out: io.stdoutText, err: io.stderrText };
}

describe("bitbucket command", () => {
  it("makes one OAuth-signed GET and prints the status line and the body", async () => {
    bb.setHandler("GET", "/rest/api/1.0/projects", {
      headers: { "X-AUSERNAME": "cds-bot" },
      json: { values: [{ key: "PRJ" }], isLastPage: true },
    });
    const { code, out, err } = await run(["--config", "gw.toml", "--server", "oauth", "GET", "/rest/api/1.0/projects?limit=1"]);
    expect(code, err).toBe(0);
    expect(out).toBe('200 OK\n{\n  "values": [\n    {\n      "key": "PRJ"\n    }\n  ],\n  "isLastPage": true\n}\n');
    expect(err).toBe("authenticated as: cds-bot\n");
    expect(bb.requests).toHaveLength(1);
    expect(bb.requests[0]!.path).toBe("/rest/api/1.0/projects?limit=1");
    const params = new Map(parseAuthorizationHeader(bb.requests[0]!.headers.authorization ?? "")!);
    expect(params.get("oauth_token")).toBe("acc");
    expect(params.get("oauth_signature_method")).toBe("RSA-SHA1");
  });

  it("with a token and OAuth credentials signs as a build status is signed, and sends the token as a comment is sent with --as-user (issue #14)", async () => {
    bb.setHandler("GET", "/rest/api/1.0/projects", { json: {} });
    expect((await run(["--config", "gw.toml", "--server", "both", "GET", "/rest/api/1.0/projects"])).code).toBe(0);
    expect(new Map(parseAuthorizationHeader(bb.requests[0]!.headers.authorization ?? "")!).get("oauth_token")).toBe("acc");
    expect((await run(["--config", "gw.toml", "--server", "both", "GET", "/rest/api/1.0/projects", "--as-user"])).code).toBe(0);
    expect(bb.requests[1]!.headers.authorization).toBe("Bearer tok-456");
  });

  it("sends --data as JSON with a Bearer token", async () => {
    bb.setHandler("POST", "/rest/build-status/1.0/commits/abc", { status: 204 });
    const { code, out } = await run([
      "--config",
      "gw.toml",
      "--server",
      "bearer",
      "post",
      "/rest/build-status/1.0/commits/abc",
      "--data",
      '{"state":"SUCCESSFUL"}',
    ]);
    expect(code).toBe(0);
    expect(out).toBe("204 No Content\n");
    expect(bb.requests[0]!.method).toBe("POST");
    expect(bb.requests[0]!.headers.authorization).toBe("Bearer tok-123");
    expect(bb.requests[0]!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(bb.requests[0]!.body)).toEqual({ state: "SUCCESSFUL" });
  });

  it("exits 1 on 4xx/5xx, still printing the answer", async () => {
    bb.setHandler("GET", "/rest/api/1.0/projects/X", { status: 404, json: { errors: [{ message: "Project X does not exist." }] } });
    const { code, out } = await run(["--config", "gw.toml", "--server", "bearer", "GET", "/rest/api/1.0/projects/X"]);
    expect(code).toBe(1);
    expect(out).toContain("404 Not Found\n");
    expect(out).toContain("Project X does not exist.");
    bb.setHandler("GET", "/boom", { status: 500, body: "oops" });
    expect((await run(["--config", "gw.toml", "--server", "bearer", "GET", "/boom"])).code).toBe(1);
  });

  it("exits 1 without credentials, never calling Bitbucket", async () => {
    const { code, err } = await run(["--config", "gw.toml", "--server", "none", "GET", "/x"]);
    expect(code).toBe(1);
    expect(err).toContain("no credentials");
    expect(bb.requests).toHaveLength(0);
  });

  it.each([
    [["--config", "gw.toml", "--server", "bearer", "GET", "/x", "--data", "{not json"], "--data is not valid JSON"],
    [["--config", "gw.toml", "--server", "bearer", "GET"], "expected METHOD and PATH"],
    [["--config", "gw.toml", "--server", "bearer", "G/T", "/x"], "not an HTTP method"],
    [["--config", "gw.toml", "--server", "bearer", "GET", "rest/x"], 'PATH must start with "/"'],
    [["--server", "bearer", "GET", "/x"], "--config FILE is required"],
    [["--config", "gw.toml", "GET", "/x"], "--server NAME is required"],
    [["--config", "gw.toml", "--server", "nope", "GET", "/x"], 'unknown server "nope"'],
  ])("exits 2 on usage error %j", async (argv, message) => {
    const { code, err, out } = await run(argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(out).toBe("");
    expect(bb.requests).toHaveLength(0);
  });

  it("a --data without its value is a usage error naming it, before the command runs (issue #11)", () => {
    expect(() => parseCommandLine(["--config", "gw.toml", "--server", "bearer", "GET", "/x", "--data"], BITBUCKET_COMMAND)).toThrow(
      expect.objectContaining({ code: "ERR_USAGE", message: expect.stringContaining("--data") }),
    );
  });
});
