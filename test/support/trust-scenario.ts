import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refsChangedBody } from "./branch-deletion-harness.ts";
import { startStubBitbucket, type StubBitbucket } from "./stub-bitbucket.ts";
import { startStubCds, type StubCds } from "./stub-cds.ts";
import { type GatewaySection, gatewayToml } from "./gateway-toml.ts";

/**
 * Webhook trust (issue #11), findings 1, 2, 4, 5 and 8, as one scenario every
 * runtime must answer alike: the built Node bin, the built Worker in workerd
 * and `deno task start` each serve `trustConfig` and run these checks from
 * the outside, against the same stub CDS and Bitbucket on loopback.
 */
export const TRUST_API_TOKEN = "trust-api-token-5e1d";
export const TRUST_HOOK_SECRET = "trust-hook-secret-9c2a";
const BB_TOKEN = "trust-bb-token-77aa";
const HEAD = "8c5f1e3b2a9d4c7e6f0a1b2c3d4e5f6a7b8c9d0e";

/** UUIDs the stub CDS owns; each check uses its own. */
const U = {
  bound: "a1b2c3d4-0001-4e5f-8a9b-0c1d2e3f4a5b",
  forged: "a1b2c3d4-0002-4e5f-8a9b-0c1d2e3f4a5b",
  signed: "a1b2c3d4-0003-4e5f-8a9b-0c1d2e3f4a5b",
  dots: "a1b2c3d4-0004-4e5f-8a9b-0c1d2e3f4a5b",
  first: "a1b2c3d4-0005-4e5f-8a9b-0c1d2e3f4a5b",
  second: "a1b2c3d4-0006-4e5f-8a9b-0c1d2e3f4a5b",
};

/**
 * Two Bitbucket servers: `Open` at the root without a webhook secret, and
 * `Signed` at `/signed` with one. One CDS instance with an API (never called
 * here: deletions are due a day later). `gateway` goes into `[gateway]`.
 */
export function trustConfig(stubs: { cds: StubCds; bb: StubBitbucket }, gateway: GatewaySection = {}): string {
  return gatewayToml({
    gateway: { apiTokens: [TRUST_API_TOKEN], forwardTimeout: "5s", ...gateway },
    cds: { prod: { hooksUrl: stubs.cds.hooksUrl, apiUrl: "http://127.0.0.1:9/cdsapi", token: "trust-consumer-token" } },
    servers: {
      Open: { url: stubs.bb.url, bitbucket: { proxyWebhook: "https://gateway.example.com/", token: BB_TOKEN } },
      Signed: {
        url: stubs.bb.url,
        bitbucket: { proxyWebhook: "https://gateway.example.com/signed", webhookSecret: [TRUST_HOOK_SECRET], token: BB_TOKEN },
      },
    },
  });
}

export interface TrustRuntime {
  /** Base URL of the gateway, no trailing slash. */
  url: string;
  stop(): Promise<void>;
}

const sign = (body: string) => `sha256=${createHmac("sha256", TRUST_HOOK_SECRET).update(body).digest("hex")}`;

/** Registers the scenario's tests; `start` serves the given configuration text on some runtime. */
export function describeTrustScenario(name: string, start: (config: string) => Promise<TrustRuntime>, timeoutMs = 90_000): void {
  describe(name, () => {
    let cds: StubCds;
    let bb: StubBitbucket;
    let runtime: TrustRuntime;

    beforeAll(async () => {
      cds = await startStubCds({ owned: Object.values(U), project: "PRJ", workflow: "build" });
      bb = await startStubBitbucket();
      runtime = await start(trustConfig({ cds, bb }));
    }, timeoutMs);

    afterAll(async () => {
      await runtime?.stop();
      await cds?.close();
      await bb?.close();
    });

    const push = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${runtime.url}${path}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json; charset=utf-8", "x-event-key": "repo:refs_changed", ...headers },
      });
    const signedPush = (path: string, body: string, headers: Record<string, string> = {}) =>
      push(path, body, { "x-hub-signature": sign(body), ...headers });
    const forwardsOf = (uuid: string) => cds.requests.filter((r) => r.url === `/cdshooks/webhook/${uuid}`).length;
    const pendingBranches = async () => {
      const res = await fetch(`${runtime.url}/-/branch-deletions?limit=1000`, { headers: { authorization: `Bearer ${TRUST_API_TOKEN}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { branchDeletions: Array<{ branch: string }> }).branchDeletions.map((d) => d.branch).sort();
    };
    const update = refsChangedBody([{ ref: "refs/heads/main", type: "UPDATE" }]);
    /** A CDS workflow-node-run event for server Signed, with this payload. */
    const postStatus = (payload: Record<string, unknown>) =>
      fetch(`${runtime.url}/vcs/Signed/status`, {
        method: "POST",
        headers: { authorization: `Bearer ${TRUST_API_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ type_event: "sdk.EventRunWorkflowNode", project_key: "PRJ", workflow_name: "wf", payload }),
      });

    it("finding 1: a UUID whose webhooks came through a signed server's path is refused on an unsigned server's path (404, nothing forwarded)", async () => {
      const first = await signedPush(`/signed/${U.bound}`, update);
      expect(first.status).toBe(200);
      expect(forwardsOf(U.bound)).toBe(1);

      const forged = await push(`/${U.bound}`, update);
      expect(forged.status).toBe(404);
      expect(((await forged.json()) as { error: string }).error).toBe("unknown_webhook");
      expect(forwardsOf(U.bound)).toBe(1);

      // The owner's own path still works.
      expect((await signedPush(`/signed/${U.bound}`, update)).status).toBe(200);
      expect(forwardsOf(U.bound)).toBe(2);
    });

    it("finding 2: a branch deletion is recorded only from a webhook whose signature was verified", async () => {
      const forged = await push(`/${U.forged}`, refsChangedBody([{ ref: "refs/heads/forged", type: "DELETE" }]));
      expect(forged.status).toBe(200);
      expect(forwardsOf(U.forged)).toBe(1);
      const signed = await signedPush(`/signed/${U.signed}`, refsChangedBody([{ ref: "refs/heads/gone", type: "DELETE" }]));
      expect(signed.status).toBe(200);
      const pending = await pendingBranches();
      expect(pending).toContain("gone");
      expect(pending).not.toContain("forged");
    });

    it("finding 4: a branch `.` or `..` is never recorded; a repository_full_name of `../..` is refused with 400 and nothing reaches Bitbucket", async () => {
      const body = refsChangedBody([
        { ref: "refs/heads/..", type: "DELETE" },
        { ref: "refs/heads/.", type: "DELETE" },
        { ref: "refs/heads/kept-dots", type: "DELETE" },
      ]);
      expect((await signedPush(`/signed/${U.dots}`, body)).status).toBe(200);
      const pending = await pendingBranches();
      expect(pending).toContain("kept-dots");
      expect(pending).not.toContain("..");
      expect(pending).not.toContain(".");

      const before = bb.requests.length;
      for (const fullName of ["../..", "PRJ/..", "./repo"]) {
        const res = await postStatus({
          num: 3,
          status: "Fail",
          hash: HEAD,
          branch_name: "feature/x",
          node_name: "build",
          repository_full_name: fullName,
        });
        expect(res.status, fullName).toBe(400);
        expect(((await res.json()) as { message: string }).message).toContain("payload.repository_full_name");
      }
      expect(bb.requests.length).toBe(before);
    });

    it("finding 8: a redirect from Bitbucket is not followed: the signed build status goes nowhere else", async () => {
      bb.setHandler("POST", `/rest/build-status/1.0/commits/${HEAD}`, { status: 307, headers: { location: "/elsewhere" } });
      const res = await postStatus({ num: 4, status: "Building", hash: HEAD, node_name: "build" });
      expect(res.status).toBe(502);
      expect(bb.requests.filter((r) => r.pathname === `/rest/build-status/1.0/commits/${HEAD}`)).toHaveLength(1);
      expect(bb.requests.filter((r) => r.pathname === "/elsewhere")).toEqual([]);
    });

    it("finding 5: X-Request-Id dedup is per server and UUID: the same id on two webhooks delivers both", async () => {
      const rid = "5f0c2a1e-0000-4000-8000-00000000abcd";
      expect(((await (await signedPush(`/signed/${U.first}`, update, { "x-request-id": rid })).json()) as { status: string }).status).toBe(
        "forwarded",
      );
      expect(((await (await signedPush(`/signed/${U.second}`, update, { "x-request-id": rid })).json()) as { status: string }).status).toBe(
        "forwarded",
      );
      expect(forwardsOf(U.second)).toBe(1);
      // A real repeat (same webhook) is still a duplicate.
      expect(((await (await signedPush(`/signed/${U.first}`, update, { "x-request-id": rid })).json()) as { status: string }).status).toBe(
        "duplicate",
      );
      expect(forwardsOf(U.first)).toBe(1);
    });
  });
}
