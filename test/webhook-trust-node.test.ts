import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refsChangedBody, signBody } from "./support/branch-deletion-harness.ts";
import { type GatewayProcess, startGateway, writeConfig } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { startStubCdsApi, type StubCdsApi } from "./support/stub-cds-api.ts";
import { describeBodyBoundsScenario } from "./support/body-bounds-scenario.ts";
import { describeTrustScenario } from "./support/trust-scenario.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

/** Webhook trust (issue #11) on the real Node process: the built bin, its SQLite store. */
describeTrustScenario("webhook trust on the Node gateway (built bin)", async (config) => {
  const dir = mkdtempSync(join(tmpdir(), "cds-gw-trust-"));
  const gateway = await startGateway(writeConfig(config.replace("[gateway]\n", `[gateway]\nstore = "sqlite:${dir}/gateway.db"\n`), dir));
  return { url: gateway.url, stop: async () => void (await gateway.stop()) };
});

/** Finding 3 on the real Node process: body budget, body and headers deadlines. */
describeBodyBoundsScenario(
  "finding 3 on the Node gateway (built bin): bounded memory and time",
  async (config) => {
    const gateway = await startGateway(writeConfig(config.replace("[gateway]\n", '[gateway]\nstore = "memory"\n')));
    return { url: gateway.url, port: gateway.port, stop: async () => void (await gateway.stop()) };
  },
  { headersTimeout: true, closesTrickledConnections: true },
);

const UUID = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const SECRET = "node-trust-hook-secret";
const CONSUMER = "node-trust-consumer-token";

describe("finding 2 on the Node gateway: one push naming many deleted branches", () => {
  let cds: StubCds;
  let api: StubCdsApi;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    cds = await startStubCds({ owned: [UUID], project: "PRJ", workflow: "build" });
    api = await startStubCdsApi({ consumerToken: CONSUMER });
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-trust-pace-"));
    // cdsApiCallsPerSecond is left at its default, 10.
    gateway = await startGateway(
      writeConfig(
        gatewayToml({
          gateway: { store: `sqlite:${dir}/gateway.db`, branchDeletionDelay: "300ms", sweepInterval: "100ms" },
          cds: { prod: { hooksUrl: cds.hooksUrl, apiUrl: api.apiUrl, token: CONSUMER } },
          servers: { Bitbucket: { url: "https://bitbucket.example.com", bitbucket: { webhookSecret: [SECRET] } } },
        }),
        dir,
      ),
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await cds?.close();
    await api?.close();
  });

  it("collapses repeats of a branch, and the CDS API calls go out 10 per second at most", async () => {
    const branches = Array.from({ length: 10 }, (_, i) => `gone-${i}`);
    // The push's own date is its deletion time: everything is due at t0 + 300 ms.
    const t0 = Date.now();
    // Each branch three times, as a forged (now: signed) body could repeat them.
    const body = refsChangedBody(
      [...branches, ...branches, ...branches].map((b) => ({ ref: `refs/heads/${b}`, type: "DELETE" as const })),
      t0,
    );
    const res = await fetch(`${gateway.url}/${UUID}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed", "x-hub-signature": signBody(body, SECRET) },
    });
    expect(res.status).toBe(200);
    expect(await waitFor(() => api.deletes().length >= branches.length, 20_000)).toBe(true);
    // A few more sweeps: no branch is asked twice.
    expect(await waitFor(() => api.deletes().length > branches.length, 500)).toBe(false);
    expect(
      api
        .deletes()
        .map((r) => decodeURIComponent(r.url.split("/").pop()!))
        .sort(),
    ).toEqual([...branches].sort());
    // One signin and ten DELETEs: the k-th cannot arrive before the due time + k × 100 ms (load only
    // delays them; 2 ms for Date.now() rounding).
    const times = api.requests.map((r) => r.receivedAt).sort((a, b) => a - b);
    expect(times).toHaveLength(branches.length + 1);
    for (const [k, at] of times.entries()) expect(at - (t0 + 300), `call ${k}`).toBeGreaterThanOrEqual(k * 100 - 2);
  }, 30_000);
});
