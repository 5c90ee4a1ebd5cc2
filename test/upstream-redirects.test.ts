import { spawn } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { branchHarness, CONSUMER_TOKEN, DELAY_MS, refsChangedBody } from "./support/branch-deletion-harness.ts";
import { BIN, writeConfig } from "./support/start-gateway.ts";
import { startStubBitbucket, type StubBitbucket } from "./support/stub-bitbucket.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { startStubCdsApi, type StubCdsApi } from "./support/stub-cds-api.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

/**
 * Finding 8 of issue #11: no upstream call follows a redirect, on any fetch
 * the core is given (here Node's global fetch, which follows by default, as
 * Workers' and Deno's do) and in the Node CLI. A followed 307/308 re-sends
 * the body, and the credentials along with it.
 */
const OWNED = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";

describe("upstream calls never follow redirects", () => {
  let cds: StubCds;
  let api: StubCdsApi;
  let trap: StubBitbucket;

  beforeAll(async () => {
    cds = await startStubCds({ owned: [OWNED], project: "PRJ", workflow: "build" });
    trap = await startStubBitbucket();
  });
  afterAll(async () => {
    await cds?.close();
    await trap?.close();
  });
  beforeEach(async () => {
    await api?.close();
    api = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN, jwtTtlSeconds: 7 * 24 * 3600 });
    trap.reset();
    cds.answer(undefined);
  });
  afterAll(() => api?.close());

  it("a 307 to the CDS signin is not followed: the consumer token goes nowhere else", async () => {
    let now = Date.now();
    const h = await branchHarness({ cds, api, clock: { now: () => now } });
    api.answer((req) => (req.url.endsWith("/signin") ? { status: 307, headers: { location: `${trap.url}/steal` } } : undefined));
    await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/gone", type: "DELETE" }], now));
    now += DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(api.signins()).toHaveLength(1);
    expect(trap.requests).toEqual([]);
    expect(await h.pending()).toMatchObject([{ branch: "gone", attempts: 1, lastError: "signin: HTTP 307" }]);
  });

  it("a 308 from a hooks service is not followed: the webhook is kept and retried", async () => {
    const h = await branchHarness({ cds, api, clock: { now: () => Date.now() } });
    cds.answer((req) => (req.url.endsWith(OWNED) ? { status: 308, headers: { location: `${trap.url}/elsewhere` } } : undefined));
    const res = await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/main", type: "UPDATE" }]));
    expect(res.status).toBe(202);
    expect(trap.requests).toEqual([]);
    const queued = (await (await h.admin("/-/deliveries?status=queued")).json()) as { deliveries: Array<{ lastError: string }> };
    expect(queued.deliveries[0]!.lastError).toBe("prod: HTTP 308 (redirects are not followed)");
  });

  it("the Node CLI (`cds-gateway bitbucket`) prints a 307 and sends nothing to its Location", async () => {
    const bb = await startStubBitbucket();
    try {
      bb.setHandler("POST", "/rest/api/1.0/thing", { status: 307, headers: { location: "/steal" } });
      const path = writeConfig(
        gatewayToml({
          cds: { prod: { hooksUrl: "https://cds.example.com/cdshooks" } },
          servers: { BB: { url: bb.url, bitbucket: { token: "cli-bitbucket-token" } } },
        }),
      );
      const child = spawn(
        process.execPath,
        [BIN, "bitbucket", "--config", path, "--server", "BB", "POST", "/rest/api/1.0/thing", "--data", "{}"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(out).toContain("307 Temporary Redirect");
      expect(code).toBe(0);
      expect(bb.requests.map((r) => r.pathname)).toEqual(["/rest/api/1.0/thing"]);
    } finally {
      await bb.close();
    }
  });
});
