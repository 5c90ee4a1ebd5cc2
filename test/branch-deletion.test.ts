import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refsChangedBody, signBody } from "./support/branch-deletion-harness.ts";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { startStubCdsApi, type StubCdsApi } from "./support/stub-cds-api.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const UUID = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const ADMIN = "e2e-admin-token";
const CONSUMER = "e2e-cds-consumer-token-0123456789";
const DELAY_MS = 3_000;
const RUNS = "/cdsapi/project/PRJ/workflows/my-workflow/runs";

interface Pending {
  id: string;
  instance: string;
  project: string;
  workflow: string;
  branch: string;
  deletedAt: number;
  dueAt: number;
  attempts: number;
}

/**
 * The lifecycle end to end on the real Node gateway (built bin, SQLite
 * store): delete two branches and a tag, recreate one branch within the
 * delay, restart the gateway, and see the runs of the branch that stayed
 * deleted, and only those, removed through the CDS API (a stub that routes as
 * CDS 0.52+ does), not before the deletion is due, after a signin with the
 * consumer token.
 */
describe("branch deletions end to end on the Node gateway", () => {
  let cds: StubCds;
  let api: StubCdsApi;
  let configPath: string;
  let gateway: GatewayProcess | undefined;
  const outputs: string[] = [];
  const HOOK_SECRET = "e2e-hook-secret";
  const env = { GATEWAY_API_TOKEN: ADMIN, CDS_PROD_TOKEN: CONSUMER, BB_HOOK_SECRET: HOOK_SECRET };

  beforeAll(async () => {
    cds = await startStubCds({ owned: [UUID], project: "PRJ", workflow: "my-workflow" });
    api = await startStubCdsApi({ consumerToken: CONSUMER });
    api.addRuns("PRJ", "my-workflow", "feature/wip", 3);
    api.addRuns("PRJ", "my-workflow", "bugfix/old", 2);
    api.addRuns("PRJ", "my-workflow", "main", 1);
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-brdel-"));
    configPath = writeConfig(
      gatewayToml({
        gateway: {
          apiTokens: ["env:GATEWAY_API_TOKEN"],
          forwardTimeout: "2s",
          store: `sqlite:${dir}/gateway.db`,
          branchDeletionDelay: `${DELAY_MS}ms`,
          sweepInterval: "200ms",
        },
        cds: { prod: { hooksUrl: cds.hooksUrl, apiUrl: api.apiUrl, token: "env:CDS_PROD_TOKEN" } },
        servers: {
          Bitbucket: {
            url: "https://bitbucket.example.com",
            bitbucket: { proxyWebhook: "https://proxy.example.com/", webhookSecret: ["env:BB_HOOK_SECRET"] },
          },
        },
      }),
      dir,
    );
    gateway = await startGateway(configPath, { env });
  });

  afterAll(async () => {
    await gateway?.stop();
    await cds?.close();
    await api?.close();
  });

  const push = (body: string) =>
    fetch(`${gateway!.url}/${UUID}`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "x-event-key": "repo:refs_changed",
        "x-request-id": crypto.randomUUID(),
        // Only signed pushes record branch deletions (issue #11).
        "x-hub-signature": signBody(body, HOOK_SECRET),
      },
    });
  const pending = async (): Promise<Pending[]> => {
    const res = await fetch(`${gateway!.url}/-/branch-deletions`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { branchDeletions: Pending[] }).branchDeletions;
  };

  it("deletes the runs of the branch that stayed deleted, once, when due, and survives a restart", async () => {
    // Two branches and a tag deleted (Data Center 10 style ISO date).
    const deleted = await push(
      refsChangedBody([
        { ref: "refs/heads/feature/wip", type: "DELETE" },
        { ref: "refs/heads/bugfix/old", type: "DELETE" },
        { ref: "refs/tags/v1.0", type: "DELETE" },
      ]),
    );
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toMatchObject({ status: "forwarded" });
    const recorded = await pending();
    expect(recorded.map((p) => p.branch).sort()).toEqual(["bugfix/old", "feature/wip"]);
    for (const p of recorded) {
      expect(p).toMatchObject({ instance: "prod", project: "PRJ", workflow: "my-workflow", attempts: 0, dueAt: p.deletedAt + DELAY_MS });
    }

    // One branch comes back within the delay (an older server: epoch-ms date; an ADD has fromHash all zeros).
    expect((await push(refsChangedBody([{ ref: "refs/heads/bugfix/old", type: "ADD" }], Date.now()))).status).toBe(200);
    const [wip, ...others] = await pending();
    expect(others).toEqual([]);
    expect(wip).toMatchObject({ branch: "feature/wip" });

    // A restart in between loses nothing.
    await gateway!.stop();
    outputs.push(gateway!.output());
    gateway = await startGateway(configPath, { env });
    expect(await pending()).toEqual([wip]);

    // Not before the delay: while the clock is before dueAt, nothing reached the CDS API (bounded polling).
    while (Date.now() < wip!.dueAt - 100) {
      expect(api.requests).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await waitFor(async () => (await pending()).length === 0, 10_000)).toBe(true);
    const asked = api.requests.length;
    // A few more sweeps: nothing else is asked.
    expect(await waitFor(() => api.requests.length > asked, 1_000)).toBe(false);

    // `feature/wip` cannot go to …/runs/branch/feature%2Fwip (CDS 0.52+ would answer 200 and delete
    // nothing): its runs were listed and deleted one by one; the branch that came back kept its runs.
    expect(
      api
        .runs("PRJ", "my-workflow")
        .map((r) => r.branch)
        .sort(),
    ).toEqual(["bugfix/old", "bugfix/old", "main"]);
    expect(
      api
        .deletes()
        .map((r) => r.url)
        .sort(),
    ).toEqual([`${RUNS}/1`, `${RUNS}/2`, `${RUNS}/3`]);
    expect(api.lists()[0]!.url).toBe(`${RUNS}?git.branch=feature%2Fwip&offset=0&limit=50`);
    const [signin, ...calls] = api.requests;
    expect(api.signins()).toEqual([signin]);
    expect(JSON.parse(signin!.body)).toEqual({ token: CONSUMER });
    for (const call of calls) {
      expect(call.receivedAt).toBeGreaterThanOrEqual(wip!.dueAt);
      expect(call.headers.authorization).toBe(`Bearer ${api.issued[0]}`);
    }

    // Secrets stay out of the logs.
    outputs.push(gateway!.output());
    const logs = outputs.join("\n");
    expect(logs).toContain("runs of deleted branch removed");
    expect(logs).not.toContain(CONSUMER);
    expect(logs).not.toContain(api.issued[0]!);
  });
});
