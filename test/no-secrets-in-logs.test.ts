import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { gatewayToml } from "./support/gateway-toml.ts";
import { waitFor } from "./support/wait-for.ts";

const UUID = "44f0a7c2-3d1e-4b5a-9c8d-7e6f5a4b3c2d";
const SECRETS = {
  apiToken: "api-token-6b1f9c",
  hookSecret: "hook-secret-2e8d4a",
  cdsToken: "cds-consumer-token-9a7c3e",
  bbToken: "bitbucket-http-token-5d2b8f",
  basicAuth: "Basic Ym9iOmh1bnRlcjI=",
};

/** Issue #6 hardening: logs carry the delivery id, never secrets or Authorization headers. */
describe("the gateway's logs", () => {
  let cds: StubCds;
  let gateway: GatewayProcess;
  beforeAll(async () => {
    cds = await startStubCds({ owned: [UUID] });
    gateway = await startGateway(
      writeConfig(
        gatewayToml({
          gateway: { store: "memory", apiTokens: ["env:GW_API_TOKEN"] },
          cds: { prod: { hooksUrl: cds.hooksUrl, apiUrl: `${cds.url}/cdsapi`, token: "env:CDS_TOKEN" } },
          servers: { B: { url: "http://127.0.0.1:9", bitbucket: { token: "env:BB_TOKEN", webhookSecret: ["env:HOOK_SECRET"] } } },
        }),
      ),
      { env: { GW_API_TOKEN: SECRETS.apiToken, CDS_TOKEN: SECRETS.cdsToken, BB_TOKEN: SECRETS.bbToken, HOOK_SECRET: SECRETS.hookSecret } },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await cds?.close();
  });

  it("name the delivery but never a secret, even at debug level and on failures", async () => {
    const body = new TextEncoder().encode('{"eventKey":"repo:refs_changed"}');
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(SECRETS.hookSecret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const signature = `sha256=${Buffer.from(await crypto.subtle.sign("HMAC", key, body)).toString("hex")}`;
    const signed = await fetch(`${gateway.url}/${UUID}`, {
      method: "POST",
      body,
      headers: { "x-hub-signature": signature, authorization: SECRETS.basicAuth },
    });
    expect(signed.status).toBe(200);
    const { delivery } = (await signed.json()) as { delivery: string };
    expect(
      (await fetch(`${gateway.url}/${UUID}`, { method: "POST", body, headers: { "x-hub-signature": `sha256=${"1".repeat(64)}` } })).status,
    ).toBe(401);
    expect(
      (
        await fetch(`${gateway.url}/vcs/B/status`, {
          method: "POST",
          body: "{}",
          headers: { authorization: `Bearer ${SECRETS.apiToken}x` },
        })
      ).status,
    ).toBe(401);
    // A build status to an unreachable Bitbucket: fails, and is logged.
    await fetch(`${gateway.url}/vcs/B/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${SECRETS.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        type_event: "sdk.EventRunWorkflowNode",
        project_key: "PRJ",
        workflow_name: "wf",
        workflow_run_num: 1,
        payload: { num: 1, subnum: 0, status: "Building", hash: "a".repeat(40), node_name: "build" },
      }),
    });
    // Log lines are written in batches (issue #13): the last ones come within a flush.
    expect(await waitFor(() => gateway.output().includes(delivery) && gateway.output().includes("build status failed"))).toBe(true);
    const logs = gateway.output();
    for (const secret of Object.values(SECRETS)) expect(logs).not.toContain(secret);
    expect(logs).not.toContain(signature);
  });
});
