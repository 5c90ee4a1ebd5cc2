import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseCommandLine } from "../src/adapters/node/cli/parse-command-line.ts";
import { runWebhooksSecure, WEBHOOKS_SECURE_COMMAND } from "../src/cli/webhooks-secure.ts";
import { Secret } from "../src/core/secret.ts";
import { bitbucketServerConfig, gatewayConfigWithServers } from "./support/bitbucket-server-config.ts";
import { startStubBitbucket, type StubBitbucket } from "./support/stub-bitbucket.ts";
import { createTestCliIo, type TestCliIo } from "./support/test-cli-io.ts";

let bb: StubBitbucket;
let io: TestCliIo | undefined;
beforeAll(async () => {
  bb = await startStubBitbucket();
});
afterAll(() => bb.close());
afterEach(async () => {
  await io?.cleanup();
  io = undefined;
});

const hooks = (repo: string) => [
  {
    id: 11,
    name: `PRJ/${repo}`,
    url: `https://gw.example.com/bb/0b7e1d3a-1111-4c2a-9e5f-0a1b2c3d4e5f`,
    events: ["repo:refs_changed"],
    active: true,
    configuration: {},
    createdDate: 1,
  },
  {
    id: 12,
    name: "jenkins",
    url: "https://jenkins.example.com/bitbucket-hook/",
    events: ["repo:refs_changed"],
    active: true,
    configuration: {},
  },
  {
    id: 13,
    name: "other proxy path",
    url: "https://gw.example.com/bbx/0b7e1d3a-2222-4c2a-9e5f-0a1b2c3d4e5f",
    events: ["pr:opened"],
    active: true,
  },
];

beforeEach(() => {
  bb.reset();
  bb.setHandler("GET", "/rest/api/latest/projects/PRJ/repos", { json: { values: [{ slug: "api" }, { slug: "web" }], isLastPage: true } });
  for (const repo of ["api", "web"]) {
    bb.setHandler("GET", `/rest/api/latest/projects/PRJ/repos/${repo}/webhooks`, { json: { values: hooks(repo), isLastPage: true } });
    bb.setHandler("PUT", new RegExp(`^/rest/api/latest/projects/PRJ/repos/${repo}/webhooks/\\d+$`), (req) => ({
      json: JSON.parse(req.body),
    }));
  }
});

async function run(argv: string[], secrets = ["first-secret", "second-secret"]) {
  io = await createTestCliIo({
    configs: {
      "gw.toml": gatewayConfigWithServers(
        bitbucketServerConfig({
          name: "B",
          url: bb.url,
          token: "http-token",
          proxyWebhook: "https://gw.example.com/bb",
          webhookSecrets: secrets.map((s) => new Secret(s)),
        }),
      ),
    },
  });
  const code = await runWebhooksSecure(parseCommandLine(argv, WEBHOOKS_SECURE_COMMAND), io);
  return { code, out: io.stdoutText, err: io.stderrText };
}

describe("cds-gateway webhooks secure", () => {
  it("sets the first secret on every webhook under proxyWebhook, in every repository, by a PUT of the whole webhook", async () => {
    const { code, out } = await run(["--config", "gw.toml", "--server", "B", "--project", "PRJ"]);
    expect(code).toBe(0);
    const puts = bb.requests.filter((r) => r.method === "PUT");
    expect(puts.map((r) => r.pathname)).toEqual([
      "/rest/api/latest/projects/PRJ/repos/api/webhooks/11",
      "/rest/api/latest/projects/PRJ/repos/web/webhooks/11",
    ]);
    expect(JSON.parse(puts[0]!.body)).toEqual({ ...hooks("api")[0], configuration: { secret: "first-secret" } });
    expect(puts[0]!.headers.authorization).toBe("Bearer http-token");
    expect(out).toContain("PRJ/api webhook #11 https://gw.example.com/bb/0b7e1d3a-1111-4c2a-9e5f-0a1b2c3d4e5f: set configuration.secret");
    expect(out).toContain("2 webhook(s) secured");
    expect(out).not.toContain("first-secret");
  });

  it("--repo limits it to one repository; --dry-run changes nothing", async () => {
    const { code, out } = await run(["--config", "gw.toml", "--server", "B", "--project", "PRJ", "--repo", "web", "--dry-run"]);
    expect(code).toBe(0);
    expect(bb.requests.map((r) => `${r.method} ${r.pathname}`)).toEqual(["GET /rest/api/latest/projects/PRJ/repos/web/webhooks"]);
    expect(out).toContain("PRJ/web webhook #11");
    expect(out).toContain("would set");
  });

  it("refuses without a webhookSecret, and reports Bitbucket errors", async () => {
    expect((await run(["--config", "gw.toml", "--server", "B", "--project", "PRJ"], [])).code).toBe(2);
    expect((await run(["--config", "gw.toml", "--server", "B"])).code).toBe(2);
    bb.setHandler("GET", "/rest/api/latest/projects/PRJ/repos/api/webhooks", {
      status: 401,
      json: { errors: [{ message: "You are not permitted to access this resource" }] },
    });
    const failed = await run(["--config", "gw.toml", "--server", "B", "--project", "PRJ", "--repo", "api"]);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain("You are not permitted to access this resource");
  });
});
