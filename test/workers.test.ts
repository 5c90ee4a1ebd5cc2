import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWorker, kib, measureBundle } from "../scripts/worker-bundle-size.ts";
import { cdsApiKey } from "./support/cds-http-signature.ts";
import { cdsCall, goFieldFailEvent, sendRaw, snakeCaseFailEvent } from "./support/cds-vcs-calls.ts";
import { OAUTHLIB_KEY_PKCS1 } from "./support/rfc5849-vectors.ts";
import { startStubBitbucket, type StubBitbucket, type StubRequest } from "./support/stub-bitbucket.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { describeTrustScenario } from "./support/trust-scenario.ts";
import { waitFor } from "./support/wait-for.ts";
import { bundleRuntimeChecks, miniflareOptions, startMiniflare } from "./support/workers-miniflare.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const FIXTURES = join(import.meta.dirname, "fixtures/bitbucket");
const U1 = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const U2 = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";
const U3 = "1c6b3f2e-8d4a-4f1e-b2c3-d4e5f6a7b8c9";
const HOOK_SECRET = "workers-hook-secret";
const API_TOKEN = "workers-admin-token";
/** Large enough for a webhook whose queue message must be a pointer (a record over 128 KB). */
const MAX_BODY = 512 * 1024;
/** The gzipped Worker must stay within this (docs/BENCHMARKS.md). */
const BUNDLE_BUDGET = 96 * 1024;

/** The Worker's `scheduled` entry point, as Miniflare exposes it (its typings omit it). */
async function scheduler(mf: Miniflare) {
  return (await mf.getWorker()) as unknown as {
    scheduled(options: { cron?: string; scheduledTime?: Date }): Promise<{ outcome: string; noRetry: boolean }>;
  };
}

const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

// One `wrangler deploy --dry-run` build for the whole file: the Worker the tests run is the one that would be uploaded.
let outdir: string;
let scriptPath: string;
beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "cds-gw-worker-"));
  await buildWorker(outdir);
  scriptPath = join(outdir, "worker.js");
}, 150_000);
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe("the built Worker (wrangler deploy --dry-run) in workerd", () => {
  let alpha: StubCds;
  let beta: StubCds;
  let mf: Miniflare;
  let base: URL;

  beforeAll(async () => {
    alpha = await startStubCds({ owned: [U1] });
    beta = await startStubCds({ owned: [U2] });
    const config = gatewayToml({
      gateway: { maxBodyBytes: MAX_BODY, forwardTimeout: "5s", apiTokens: ["env:GATEWAY_API_TOKEN"] },
      cds: { alpha: { hooksUrl: alpha.hooksUrl }, beta: { hooksUrl: beta.hooksUrl } },
      servers: {
        Bitbucket: { url: "https://bitbucket.example.com", bitbucket: { proxyWebhook: "https://gateway.example.com/" } },
        Signed: {
          url: "https://signed.example.com",
          bitbucket: { proxyWebhook: "https://gateway.example.com/signed", webhookSecret: ["env:BB_HOOK_SECRET"] },
        },
      },
    });
    ({ mf, url: base } = await startMiniflare(
      miniflareOptions(scriptPath, outdir, {
        GATEWAY_CONFIG: config,
        BB_HOOK_SECRET: HOOK_SECRET,
        GATEWAY_API_TOKEN: API_TOKEN,
        LOG_LEVEL: "warn",
      }),
    ));
  }, 60_000);

  afterAll(async () => {
    await mf?.dispose();
    await alpha?.close();
    await beta?.close();
  });

  const upstreamCount = () => alpha.requests.length + beta.requests.length;
  const post = (path: string, body: Uint8Array<ArrayBuffer> | string, headers: Record<string, string> = {}) =>
    fetch(new URL(path, base), {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "x-event-key": "repo:refs_changed",
        "user-agent": "Atlassian HttpClient 4.2.0 / Bitbucket-9.5.2 (9005002) / Default",
        ...headers,
      },
    });

  it("answers /healthz once the store answers", async () => {
    const res = await fetch(new URL("/healthz", base));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("relays a Bitbucket webhook byte for byte to the owning CDS instance, with the forwarding headers", async () => {
    const body = fixture("refs-changed-update.json");
    const res = await post(`/${U1}?at=refs%2Fheads%2Fmain`, body, {
      "x-request-id": "b7c1e0d2-0000-4000-8000-000000000001",
      "cf-connecting-ip": "203.0.113.7",
      "x-hub-signature": "sha256=0000",
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { delivery: string; status: string };
    expect(answer.status).toBe("forwarded");
    expect(JSON.stringify(answer)).not.toContain("SCHEDULED");

    const got = alpha.requests.at(-1)!;
    expect(got.method).toBe("POST");
    expect(got.url).toBe(`/cdshooks/webhook/${U1}?at=refs%2Fheads%2Fmain`);
    expect(Buffer.compare(got.body, Buffer.from(body))).toBe(0);
    expect(got.headers["content-length"]).toBe(String(body.length));
    expect(got.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(got.headers["x-event-key"]).toBe("repo:refs_changed");
    expect(got.headers["x-request-id"]).toBe("b7c1e0d2-0000-4000-8000-000000000001");
    expect(got.headers["x-hub-signature"]).toBe("sha256=0000");
    expect(got.headers["user-agent"]).toBe("Atlassian HttpClient 4.2.0 / Bitbucket-9.5.2 (9005002) / Default");
    expect(got.headers["x-forwarded-for"]).toBe("203.0.113.7");
    expect(got.headers["x-forwarded-proto"]).toBe("http");
    expect(got.headers["x-forwarded-host"]).toBe(base.host);
    expect(got.headers["cf-connecting-ip"]).toBeUndefined();
    // Discovery offered it to beta too, which answered 404.
    expect(beta.requests.filter((r) => r.url.includes(U1))).toHaveLength(1);
  });

  it("remembers the route in Workers KV: the next webhook goes to the owner only", async () => {
    const body = fixture("pr-opened.json");
    expect((await post(`/${U2}`, body, { "x-event-key": "pr:opened" })).status).toBe(200);
    const alphaBefore = alpha.requests.length;
    const res = await post(`/${U2}`, body, { "x-event-key": "pr:opened" });
    expect(res.status).toBe(200);
    expect(alpha.requests.length).toBe(alphaBefore);
    expect(Buffer.compare(beta.requests.at(-1)!.body, Buffer.from(body))).toBe(0);
  });

  it("checks X-Hub-Signature with the secret named by an env: reference (a Worker binding)", async () => {
    const body = fixture("refs-changed-delete.json");
    const signature = `sha256=${createHmac("sha256", HOOK_SECRET).update(body).digest("hex")}`;
    const before = upstreamCount();
    expect((await post(`/signed/${U1}`, body, { "x-hub-signature": "sha256=" + "0".repeat(64) })).status).toBe(401);
    expect(upstreamCount()).toBe(before);
    const res = await post(`/signed/${U1}`, body, { "x-hub-signature": signature });
    expect(res.status).toBe(200);
    expect(Buffer.compare(alpha.requests.at(-1)!.body, Buffer.from(body))).toBe(0);
    expect(alpha.requests.at(-1)!.headers["x-hub-signature"]).toBe(signature);
  });

  it("answers Bitbucket's Test connection itself", async () => {
    const before = upstreamCount();
    const res = await post(`/${U3}`, fixture("ping.json"), { "x-event-key": "diagnostics:ping" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("pong");
    expect(upstreamCount()).toBe(before);
  });

  it("answers 404 off the webhook paths, 405 to other methods and 413 to large bodies, without upstream traffic", async () => {
    const before = upstreamCount();
    expect((await post("/not-a-uuid", "{}")).status).toBe(404);
    expect((await post(`/elsewhere/${U1}`, "{}")).status).toBe(404);
    const get = await fetch(new URL(`/${U1}`, base));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const large = await post(`/${U1}`, new Uint8Array(MAX_BODY + 1).fill(0x20));
    expect(large.status).toBe(413);
    expect(((await large.json()) as { error: string }).error).toBe("payload_too_large");
    expect(upstreamCount()).toBe(before);
  });

  it("runs the scheduled handler (Cron Trigger)", async () => {
    const result = await (await scheduler(mf)).scheduled({ cron: "* * * * *", scheduledTime: new Date() });
    expect(result.outcome).toBe("ok");
  });

  /** The admin API's view of one delivery. */
  const deliveryStatus = async (id: string) => {
    const res = await fetch(new URL(`/-/deliveries/${id}`, base), { headers: { authorization: `Bearer ${API_TOKEN}` } });
    return res.status === 200 ? ((await res.json()) as { status: string; attempts: number; bodyBytes: number }) : undefined;
  };
  const listed = async (status: string) => {
    const res = await fetch(new URL(`/-/deliveries?status=${status}&limit=1000`, base), {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { deliveries: Array<{ id: string }> }).deliveries.map((d) => d.id);
  };
  const requestsFor = (stub: StubCds, uuid: string) => stub.requests.filter((r) => r.url === `/cdshooks/webhook/${uuid}`);

  // The Cron Trigger is never run in these: what delivers is the Queue consumer.
  it("queues a webhook no instance could take (202); the Queue consumer retries it with delayed messages and delivers it byte for byte, once", async () => {
    const u = "6e1f0c2a-4b3d-4e5f-8a9b-0c1d2e3f4a5b";
    const body = fixture("refs-changed-delete.json");
    alpha.answer((req) => (req.url.includes(u) ? { status: 503, body: "{}" } : undefined));
    const res = await post(`/${u}`, body, { "x-request-id": "c0ffee00-0000-4000-8000-000000000002" });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { delivery: string; status: string };
    expect(answer.status).toBe("queued");
    expect((await deliveryStatus(answer.delivery))?.status).toBe("queued");
    expect(await listed("queued")).toContain(answer.delivery);

    // The forward itself, the message sent by the enqueue, and the one sent after that attempt failed.
    expect(await waitFor(() => requestsFor(alpha, u).length >= 3, 30_000, 50)).toBe(true);
    alpha.answer(undefined);
    alpha.owned.add(u);
    expect(await waitFor(async () => (await deliveryStatus(answer.delivery))?.status === "delivered", 30_000, 100)).toBe(true);

    const accepted = requestsFor(alpha, u).filter((r) => r.answered === 200);
    expect(accepted).toHaveLength(1);
    expect(Buffer.compare(accepted[0]!.body, Buffer.from(body))).toBe(0);
    expect(accepted[0]!.headers["x-request-id"]).toBe("c0ffee00-0000-4000-8000-000000000002");
    expect(accepted[0]!.headers["content-length"]).toBe(String(body.length));
    const record = (await deliveryStatus(answer.delivery))!;
    expect(record.attempts).toBeGreaterThanOrEqual(3);
    expect(await listed("delivered")).toContain(answer.delivery);
    expect(await listed("queued")).not.toContain(answer.delivery);
  }, 60_000);

  it("delivers a webhook too large for a queue message (300 KB) through a pointer to its KV record, byte for byte, and replays it", async () => {
    const u = "2d4f6a8c-0e1b-4c3d-9e5f-7a9b1c3d5e7f";
    // JSON with multi-byte characters: the bytes must come back as they were, not re-encoded.
    const text = `{"pad":"${"é€ßx0123456789".repeat(22_000)}","eventKey":"pr:opened"}`;
    const body = new Uint8Array(Buffer.from(text, "utf8"));
    expect(body.length).toBeGreaterThan(300_000);
    expect(body.length).toBeLessThan(MAX_BODY);
    beta.answer((req) => (req.url.includes(u) ? { status: 502, body: "{}" } : undefined));
    const res = await post(`/${u}`, body, { "x-event-key": "pr:opened" });
    expect(res.status).toBe(202);
    const { delivery } = (await res.json()) as { delivery: string };
    expect((await deliveryStatus(delivery))?.bodyBytes).toBe(body.length);

    beta.answer(undefined);
    beta.owned.add(u);
    expect(await waitFor(async () => (await deliveryStatus(delivery))?.status === "delivered", 30_000, 100)).toBe(true);
    let accepted = requestsFor(beta, u).filter((r) => r.answered === 200);
    expect(accepted).toHaveLength(1);
    expect(Buffer.compare(accepted[0]!.body, Buffer.from(body))).toBe(0);
    expect(await listed("delivered")).toContain(delivery);

    // A replay goes back to the queue (update → a new message) and is delivered again.
    const replay = await fetch(new URL(`/-/deliveries/${delivery}/replay`, base), {
      method: "POST",
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(replay.status).toBe(202);
    expect(await waitFor(() => requestsFor(beta, u).filter((r) => r.answered === 200).length >= 2, 30_000, 100)).toBe(true);
    accepted = requestsFor(beta, u).filter((r) => r.answered === 200);
    expect(Buffer.compare(accepted[1]!.body, Buffer.from(body))).toBe(0);
    expect(await waitFor(async () => (await deliveryStatus(delivery))?.status === "delivered", 10_000, 100)).toBe(true);
  }, 60_000);

  it("drops the queued retry of a delivery an operator deleted", async () => {
    const u = "5b7d9f1a-3c5e-4a7b-8d9f-1a3c5e7b9d1f";
    alpha.answer((req) => (req.url.includes(u) ? { status: 503, body: "{}" } : undefined));
    const res = await post(`/${u}`, fixture("pr-opened.json"), { "x-event-key": "pr:opened" });
    expect(res.status).toBe(202);
    const { delivery } = (await res.json()) as { delivery: string };
    const removed = await fetch(new URL(`/-/deliveries/${delivery}`, base), {
      method: "DELETE",
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(removed.status).toBe(204);
    alpha.answer(undefined);
    alpha.owned.add(u);
    // Its message (due within a second) comes and goes; a control delivery queued after it is delivered.
    const control = "8c0e2a4b-6d8f-4a1c-9e3b-5d7f9a1c3e5b";
    alpha.answer((req) => (req.url.includes(control) ? { status: 503, body: "{}" } : undefined));
    const second = await post(`/${control}`, fixture("pr-opened.json"), { "x-event-key": "pr:opened" });
    expect(second.status).toBe(202);
    const { delivery: controlId } = (await second.json()) as { delivery: string };
    alpha.answer(undefined);
    alpha.owned.add(control);
    expect(await waitFor(async () => (await deliveryStatus(controlId))?.status === "delivered", 30_000, 100)).toBe(true);
    expect(requestsFor(alpha, u).filter((r) => r.answered === 200)).toHaveLength(0);
    expect(await deliveryStatus(delivery)).toBeUndefined();
  }, 60_000);

  it("answers the console's routes: /-/instances, one delivery in detail with its signature masked, /-/activity (issue #16)", async () => {
    const u = "3a5c7e9b-1d3f-4b5d-8f1a-3c5e7a9b1d3f";
    const body = fixture("refs-changed-update.json");
    alpha.answer((req) => (req.url.includes(u) ? { status: 503, body: "{}", headers: { "retry-after": "3600" } } : undefined));
    const res = await post(`/${u}`, body, { "x-hub-signature": "sha256=4f2d0c" });
    expect(res.status).toBe(202);
    const { delivery } = (await res.json()) as { delivery: string };
    const admin = async (path: string) => {
      const answer = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(answer.status, path).toBe(200);
      return answer.json() as Promise<Record<string, unknown>>;
    };
    const detail = (await admin(`/-/deliveries/${delivery}`)) as {
      headers: Record<string, string>;
      body: string;
      repository: string;
      history: Array<{ outcome: string; instance?: string }>;
    };
    expect(detail.headers["x-hub-signature"]).toBe("sha256=[masked]");
    expect(detail.body).toBe(Buffer.from(body).toString("utf8"));
    expect(detail.repository).toBe("MYPROJECT/test-repo");
    expect(detail.history).toEqual([expect.objectContaining({ outcome: "unreachable", instance: "alpha" })]);
    const overview = (await admin("/-/instances")) as { instances: Array<{ name: string; reachable: boolean; queued: number }> };
    expect(overview.instances.map((i) => i.name)).toEqual(["alpha", "beta"]);
    expect(overview.instances[0]).toMatchObject({ reachable: false });
    expect(overview.instances[0]!.queued).toBeGreaterThanOrEqual(1);
    expect(((await admin("/-/activity")) as { minutes: unknown[] }).minutes).toHaveLength(60);
    expect(await (await fetch(new URL("/metrics", base))).text()).toMatch(/^cds_gateway_queue_depth \d+$/m);
    alpha.answer(undefined);
    expect(
      (await fetch(new URL(`/-/deliveries/${delivery}`, base), { method: "DELETE", headers: { authorization: `Bearer ${API_TOKEN}` } }))
        .status,
    ).toBe(204);
  });

  it(`keeps the gzipped bundle within ${BUNDLE_BUDGET / 1024} KiB`, () => {
    const size = measureBundle(outdir);
    expect(size.files).toEqual(["worker.js"]);
    process.stdout.write(`Worker bundle: ${kib(size.rawBytes)} raw, ${kib(size.gzipBytes)} gzipped\n`);
    expect(size.gzipBytes).toBeLessThanOrEqual(BUNDLE_BUDGET);
  });
});

describe("the built Worker as the address of CDS's vcs service (issue #10)", () => {
  const PROJECT_TOKEN = "project-oauth-token-workers";
  const HEAD = "8c5f1e3b2a9d4c7e6f0a1b2c3d4e5f6a7b8c9d0e";
  const apiKey = cdsApiKey();
  let bb: StubBitbucket;
  let mf: Miniflare;
  let target: { port: number; host: string };

  beforeAll(async () => {
    bb = await startStubBitbucket();
    const config = gatewayToml({
      cds: {
        prod: {
          hooksUrl: "https://cds.example.com/cdshooks",
          uiUrl: "https://cds.example.com",
          vcsUrl: "https://vcs.internal.example.com",
          apiPublicKey: "env:CDS_API_PUBLIC_KEY",
        },
      },
      servers: { Bitbucket: { url: bb.url, bitbucket: { consumerKey: "CDS", privateKey: "env:BB_PRIVATE_KEY" } } },
    });
    let base: URL;
    ({ mf, url: base } = await startMiniflare(
      miniflareOptions(scriptPath, outdir, {
        GATEWAY_CONFIG: config,
        CDS_API_PUBLIC_KEY: apiKey.signinHeader,
        BB_PRIVATE_KEY: OAUTHLIB_KEY_PKCS1,
        LOG_LEVEL: "warn",
      }),
    ));
    target = { port: Number(base.port), host: base.host };
  }, 60_000);

  afterAll(async () => {
    await mf?.dispose();
    await bb?.close();
  });

  const call = (method: string, path: string, body?: unknown, options: { date?: string } = {}) =>
    cdsCall(target, method, path, body, { privateKeyPem: apiKey.privateKeyPem, accessToken: PROJECT_TOKEN, ...options });
  const oauthToken = (r: StubRequest) => /oauth_token="([^"]*)"/.exec(r.headers.authorization ?? "")?.[1];

  it("posts the status of a Fail event of either payload generation, with CDS's access token, and no comment", async () => {
    bb.setHandler("POST", `/rest/build-status/1.0/commits/${HEAD}`, { status: 204 });
    for (const [event, number] of [
      [snakeCaseFailEvent(HEAD, 12), 12],
      [goFieldFailEvent(HEAD, 13), 13],
    ] as const) {
      const before = bb.requests.length;
      const res = await call("POST", "/vcs/bitbucket/status", event);
      expect(res.status, res.text).toBe(200);
      expect(bb.requests.slice(before).map((r) => `${r.method} ${r.pathname}`)).toEqual([`POST /rest/build-status/1.0/commits/${HEAD}`]);
      const post = bb.requests.at(-1)!;
      expect(JSON.parse(post.body)).toEqual({
        state: "FAILED",
        key: "PRJ-wf-build",
        name: `PRJ-wf-build${number}`,
        description: "CDS/PRJ-wf-build",
        url: `https://cds.example.com/project/PRJ/workflow/wf/run/${number}`,
      });
      expect(post.headers.authorization).toMatch(/^OAuth .*oauth_signature_method="RSA-SHA1"/);
      expect(oauthToken(post)).toBe(PROJECT_TOKEN);
    }
  });

  it("answers the statuses listing and both comment routes", async () => {
    bb.setHandler("GET", `/rest/build-status/1.0/commits/${HEAD}`, {
      json: {
        isLastPage: true,
        values: [{ state: "FAILED", key: "PRJ-wf-build", url: "u", description: "CDS/PRJ-wf-build", dateAdded: Date.UTC(2024, 0, 10) }],
      },
    });
    const listing = await call("GET", `/vcs/bitbucket/repos/PRJ/my-repo/commits/${HEAD}/statuses`);
    expect(listing.status, listing.text).toBe(200);
    expect(JSON.parse(listing.text)).toEqual([
      { ref: HEAD, created_at: "2024-01-10T00:00:00Z", state: "Fail", description: "CDS/PRJ-wf-build" },
    ]);

    bb.setHandler("POST", /\/pull-requests\/\d+\/comments$/, (req) => ({ status: 201, json: { id: 9, text: JSON.parse(req.body).text } }));
    const before = bb.requests.length;
    expect((await call("POST", "/vcs/bitbucket/repos/PRJ/my-repo/pullrequests/comments", { id: 7, message: "report" })).status).toBe(200);
    expect((await call("POST", "/vcs/bitbucket/repos/PRJ/my-repo/pullrequests/8/comments", "report")).status).toBe(200);
    const comments = bb.requests.slice(before);
    expect(comments.map((r) => [r.pathname, JSON.parse(r.body).text, oauthToken(r)])).toEqual([
      ["/rest/api/1.0/projects/PRJ/repos/my-repo/pull-requests/7/comments", "report", PROJECT_TOKEN],
      ["/rest/api/1.0/projects/PRJ/repos/my-repo/pull-requests/8/comments", "report", PROJECT_TOKEN],
    ]);
  });

  it("answers 501 to a call it would pass on (Workers' fetch cannot keep the Host CDS signed), 401 to an unsigned or stale one", async () => {
    const before = bb.requests.length;
    const res = await call("GET", "/vcs/bitbucket/repos/PRJ/my-repo/branches");
    expect(res.status).toBe(501);
    expect(JSON.parse(res.text)).toMatchObject({ error: "pass_through_unavailable" });
    expect(JSON.parse(res.text).message).toContain("Node");
    const unsigned = await sendRaw(target, "POST", "/vcs/bitbucket/status", { "content-type": "application/json" }, "{}");
    expect(unsigned.status).toBe(401);
    const stale = await call("POST", "/vcs/bitbucket/status", snakeCaseFailEvent(HEAD), {
      date: new Date(Date.now() - 3_600_000).toUTCString(),
    });
    expect(stale.status).toBe(401);
    expect(bb.requests.length).toBe(before);
  });
});

describeTrustScenario(
  "webhook trust in the built Worker (workerd)",
  async (config) => {
    const { mf, url } = await startMiniflare(miniflareOptions(scriptPath, outdir, { GATEWAY_CONFIG: config, LOG_LEVEL: "error" }));
    return { url: url.origin, stop: () => mf.dispose() };
  },
  60_000,
);

describe("the built Worker with a configuration that does not load", () => {
  let mf: Miniflare;
  let base: URL;
  const SECRET_VALUE = "s3cr3t-not-a-pem-value";

  beforeAll(async () => {
    const config = gatewayToml({
      cds: { prod: { hooksUrl: "env:CDS_HOOKS_URL" } },
      servers: { Bitbucket: { url: "https://bitbucket.example.com", bitbucket: { privateKey: "env:BB_PRIVATE_KEY" } } },
    });
    ({ mf, url: base } = await startMiniflare(
      miniflareOptions(scriptPath, outdir, { GATEWAY_CONFIG: config, BB_PRIVATE_KEY: SECRET_VALUE, LOG_LEVEL: "error" }),
    ));
  }, 60_000);

  afterAll(async () => {
    await mf?.dispose();
  });

  it("answers 500 config_error naming the key paths, never the secret values", async () => {
    const res = await fetch(new URL(`/${U1}`, base), { method: "POST", body: "{}" });
    expect(res.status).toBe(500);
    const text = await res.text();
    const answer = JSON.parse(text) as { error: string; message: string };
    expect(answer.error).toBe("config_error");
    expect(answer.message).toContain("gateway.cds.prod.hooksUrl");
    expect(answer.message).toContain("CDS_HOOKS_URL");
    expect(answer.message).toContain("vcs.servers.Bitbucket.bitbucket.privateKey");
    expect(text).not.toContain(SECRET_VALUE);
  });

  it("fails the scheduled run", async () => {
    const result = await (await scheduler(mf)).scheduled({ cron: "* * * * *" });
    expect(result.outcome).not.toBe("ok");
  });
});

describe("the built Worker deployed without a binding it needs (issue #12, finding 8)", () => {
  const config = gatewayToml({ gateway: { apiTokens: [API_TOKEN] }, cds: { alpha: { hooksUrl: "http://127.0.0.1:9/cdshooks" } } });
  const started: Miniflare[] = [];
  afterAll(async () => {
    await Promise.all(started.map((mf) => mf.dispose()));
  });

  /** The Worker with wrangler.toml's bindings, minus `drop`. */
  async function without(drop: (options: ReturnType<typeof miniflareOptions>) => void): Promise<{ mf: Miniflare; url: URL }> {
    const options = miniflareOptions(scriptPath, outdir, { GATEWAY_CONFIG: config, GATEWAY_API_TOKEN: API_TOKEN, LOG_LEVEL: "error" });
    drop(options);
    const instance = await startMiniflare(options);
    started.push(instance.mf);
    return instance;
  }

  const answers = async (base: URL) =>
    Promise.all([
      fetch(new URL("/healthz", base)),
      fetch(new URL(`/${U1}`, base), { method: "POST", body: "{}", headers: { "x-event-key": "repo:refs_changed" } }),
      fetch(new URL("/-/deliveries", base), { headers: { authorization: `Bearer ${API_TOKEN}` } }),
    ]);

  it.each([
    ["GATEWAY_KV", "[[kv_namespaces]]", (o: ReturnType<typeof miniflareOptions>) => void (o.kvNamespaces = [])],
    ["CLAIM_LOCK", "[[durable_objects.bindings]]", (o: ReturnType<typeof miniflareOptions>) => void (o.durableObjects = {})],
  ])(
    "without %s: /healthz and every other answer are 503 naming the binding and %s; the Cron run fails",
    async (binding, section, drop) => {
      const { mf, url: base } = await without(drop);
      for (const res of await answers(base)) {
        expect(res.status).toBe(503);
        const body = (await res.json()) as { error: string; message: string };
        expect(body.error).toBe("missing_binding");
        expect(body.message).toContain(binding);
        expect(body.message).toContain(section);
        expect(body.message).toContain("wrangler.toml");
      }
      expect((await (await scheduler(mf)).scheduled({ cron: "* * * * *" })).outcome).not.toBe("ok");
    },
    60_000,
  );

  it("without DELIVERY_QUEUE (optional): healthy, and a webhook no instance takes is still queued, for the Cron Trigger", async () => {
    const { url: base } = await without((o) => void (o.queueProducers = {}));
    expect((await fetch(new URL("/healthz", base))).status).toBe(200);
    const res = await fetch(new URL(`/${U1}`, base), { method: "POST", body: "{}", headers: { "x-event-key": "repo:refs_changed" } });
    expect(res.status).toBe(202);
  }, 60_000);
});

describe("KvStore contract, RSA-SHA1 and HMAC inside workerd (Workers KV + ClaimLock Durable Object)", () => {
  let mf: Miniflare;
  let base: URL;
  let names: string[];
  let checksDir: string;

  beforeAll(async () => {
    checksDir = mkdtempSync(join(tmpdir(), "cds-gw-runtime-checks-"));
    const checks = await bundleRuntimeChecks(checksDir);
    ({ mf, url: base } = await startMiniflare(miniflareOptions(checks, checksDir, {})));
    names = (await (await fetch(new URL("/tests", base))).json()) as string[];
  }, 60_000);

  afterAll(async () => {
    await mf?.dispose();
    if (checksDir) rmSync(checksDir, { recursive: true, force: true });
  });

  /** Runs the registered tests whose names match, one request each; resolves to the failures. */
  async function run(match: (name: string) => boolean): Promise<{ ran: number; failures: string[] }> {
    const failures: string[] = [];
    let ran = 0;
    for (const [i, name] of names.entries()) {
      if (!match(name)) continue;
      ran++;
      const res = await fetch(new URL(`/tests/${i}`, base), { method: "POST" });
      const result = (await res.json()) as { ok: boolean; error?: string };
      if (!result.ok) failures.push(`${name}: ${result.error}`);
    }
    return { ran, failures };
  }

  it("passes the KvStore contract", async () => {
    const { ran, failures } = await run((name) => name.includes("KvStore contract"));
    expect(failures).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(20);
  }, 180_000);

  it("passes the due work contract (issue #12): two stores on one namespace split a backlog, each item once", async () => {
    const { ran, failures } = await run((name) => name.includes("due work contract"));
    expect(failures).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(5);
  }, 180_000);

  it("signs the RFC 5849 vectors (RSA-SHA1, HMAC-SHA1) and verifies X-Hub-Signature", async () => {
    const { ran, failures } = await run((name) => name.startsWith("workerd: "));
    expect(failures).toEqual([]);
    expect(ran).toBe(6);
  }, 60_000);
});
