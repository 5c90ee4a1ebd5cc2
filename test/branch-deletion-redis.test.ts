import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refsChangedBody } from "./support/branch-deletion-harness.ts";
import { startRedisServer, type RedisServerHandle } from "./support/redis-server.ts";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { startStubCdsApi, type StubCdsApi } from "./support/stub-cds-api.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const UUID = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";
const ADMIN = "redis-e2e-admin-token";
const CONSUMER = "redis-e2e-cds-consumer-token";
const RUNS = "/cdsapi/project/PRJ/workflows/my-workflow/runs";
const PER_GATEWAY = 12;

/**
 * Several Node processes sharing one Redis (docs/DEPLOY.md): both sweep the
 * same due branch deletions every 100 ms, and the per-record lease taken
 * with putIfAbsent (SET NX) lets exactly one of them execute each.
 */
describe("two Node gateways sharing one Redis", () => {
  let redis: RedisServerHandle;
  let cds: StubCds;
  let api: StubCdsApi;
  let gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    cds = await startStubCds({ owned: [UUID], project: "PRJ", workflow: "my-workflow" });
    // A DELETE slower than the sweep interval: while one process waits for CDS, the other sweeps
    // at least twice and meets the same due records; only the lease keeps it off them.
    api = await startStubCdsApi({ consumerToken: CONSUMER, deleteDelayMs: 300 });
    const configPath = writeConfig(
      gatewayToml({
        gateway: {
          apiTokens: ["env:GATEWAY_API_TOKEN"],
          forwardTimeout: "2s",
          store: redis.url,
          branchDeletionDelay: "1500ms",
          sweepInterval: "100ms",
        },
        cds: { prod: { hooksUrl: cds.hooksUrl, apiUrl: api.apiUrl, token: "env:CDS_PROD_TOKEN" } },
        // Unsigned pushes, so deletions are recorded only because the server says so (issue #11).
        servers: { Bitbucket: { url: "https://bitbucket.example.com", bitbucket: { unsignedBranchDeletions: true } } },
      }),
    );
    const env = { GATEWAY_API_TOKEN: ADMIN, CDS_PROD_TOKEN: CONSUMER };
    gateways = await Promise.all([startGateway(configPath, { env }), startGateway(configPath, { env })]);
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await cds?.close();
    await api?.close();
    await redis?.stop();
  });

  const push = (gateway: GatewayProcess, body: string) =>
    fetch(`${gateway.url}/${UUID}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed", "x-request-id": crypto.randomUUID() },
    });
  const pending = async (gateway: GatewayProcess) =>
    (
      (await (await fetch(`${gateway.url}/-/branch-deletions`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
        branchDeletions: Array<{ branch: string }>;
      }
    ).branchDeletions;

  it("executes each due deletion exactly once", async () => {
    const branches = gateways.map((_, g) => Array.from({ length: PER_GATEWAY }, (_, i) => `feature/g${g}-${i}`));
    for (const [g, gateway] of gateways.entries()) {
      const res = await push(gateway, refsChangedBody(branches[g]!.map((b) => ({ ref: `refs/heads/${b}`, type: "DELETE" as const }))));
      expect(res.status).toBe(200);
    }
    const all = branches.flat();
    for (const b of all) api.addRuns("PRJ", "my-workflow", b, 1);
    // Either process sees what the other recorded.
    for (const gateway of gateways) expect((await pending(gateway)).map((p) => p.branch).sort()).toEqual([...all].sort());

    expect(await waitFor(() => api.deletes().length >= all.length, 15_000)).toBe(true);
    expect(await waitFor(async () => (await pending(gateways[0]!)).length === 0, 5_000)).toBe(true);
    // Several more sweeps of both: nothing is executed twice.
    expect(await waitFor(() => api.deletes().length > all.length, 1_000)).toBe(false);

    // Each branch's one run deleted once (a `/` in the name: listed, then deleted by number).
    expect(
      api
        .deletes()
        .map((r) => r.url)
        .sort(),
    ).toEqual(all.map((_, i) => `${RUNS}/${i + 1}`).sort());
    expect(api.runs("PRJ", "my-workflow")).toEqual([]);
    const removed = gateways.map(
      (g) =>
        g
          .output()
          .split("\n")
          .filter((line) => line.includes('"msg":"runs of deleted branch removed"')).length,
    );
    expect(removed.reduce((a, b) => a + b, 0)).toBe(all.length);
    for (const g of gateways) expect(g.output()).not.toContain(CONSUMER);
  });
});
