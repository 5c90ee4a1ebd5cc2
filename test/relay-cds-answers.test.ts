import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { PROXY_ANSWERS, type ReceivedRequest, startStubCds, type StubAnswer, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const TOKEN = "cds-answers-admin-token";

/**
 * Finding 3 of issue #12 on the real Node process: only CDS's own answers
 * count. `alpha` is a CDS instance that owns none of these UUIDs (404, as
 * CDS answers); `beta` owns them, and a stub proxy in front of it answers in
 * its place while a test says so.
 */
describe("only CDS's own answers count (issue #12, finding 3), on the Node gateway", () => {
  let alpha: StubCds;
  let beta: StubCds;
  let gateway: GatewayProcess;
  /** UUID → what the proxy in front of beta answers for it instead of beta. */
  const proxy = new Map<string, StubAnswer>();
  /** The requests the proxy answered: they never reached beta. */
  const proxied = new Set<ReceivedRequest>();
  let counter = 0;
  const nextUuid = () => `c3d4e5f6-0000-4a1b-8c2d-${String(++counter).padStart(12, "0")}`;

  beforeAll(async () => {
    alpha = await startStubCds();
    beta = await startStubCds();
    beta.answer((req) => {
      const answer = proxy.get(/\/webhook\/([^/?]+)/.exec(req.url)?.[1] ?? "");
      if (answer) proxied.add(req);
      return answer;
    });
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-answers-"));
    gateway = await startGateway(
      writeConfig(
        gatewayToml({
          gateway: { store: `sqlite:${dir}/gateway.db`, forwardTimeout: "2s", sweepInterval: "200ms", apiTokens: [TOKEN] },
          cds: { alpha: { hooksUrl: alpha.hooksUrl }, beta: { hooksUrl: beta.hooksUrl } },
        }),
        dir,
      ),
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await alpha?.close();
    await beta?.close();
  });

  const post = async (uuid: string) => {
    const res = await fetch(`${gateway.url}/${uuid}`, {
      method: "POST",
      body: JSON.stringify({ uuid }),
      headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed" },
    });
    return { status: res.status, answer: (await res.json()) as { delivery: string; status: string } };
  };
  const admin = async <T>(path: string): Promise<T> =>
    (await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<T>;
  const routeOf = async (uuid: string) =>
    (await admin<{ routes: Array<{ uuid: string; instance: string }> }>("/-/routes")).routes.find((r) => r.uuid === uuid);
  const record = (id: string) => admin<{ status: string; attempts: number; lastError?: string; instance?: string }>(`/-/deliveries/${id}`);
  const metrics = async () => (await fetch(`${gateway.url}/metrics`)).text();
  /** The value of a counter series, 0 when absent. */
  const counter_ = async (series: string) =>
    Number(new RegExp(`^${series.replace(/[{}"=,]/g, "\\$&")} (\\d+)$`, "m").exec(await metrics())?.[1] ?? 0);
  /** The webhooks of `uuid` that beta itself took. */
  const genuine = (uuid: string) => beta.requests.filter((r) => r.url.endsWith(uuid) && r.answered === 200 && !proxied.has(r));
  const logLines = () =>
    gateway
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  describe.each(PROXY_ANSWERS)("$name in front of the owner", ({ status, cause, answer }) => {
    const series = `cds_gateway_cds_unreachable_total{cds_instance="beta",reason="${cause}"}`;

    it("a direct forward: queued (202), no route stored, logged with the instance and status, counted; delivered once the proxy lets it through", async () => {
      const uuid = nextUuid();
      beta.owned.add(uuid);
      proxy.set(uuid, answer);
      const before = await counter_(series);
      const { status: answered, answer: body } = await post(uuid);
      expect(answered).toBe(202);
      expect(body.status).toBe("queued");
      expect(await routeOf(uuid)).toBeUndefined();
      expect(await counter_(series)).toBeGreaterThan(before);
      // Log lines are written in batches (issue #13): the line comes within a flush.
      expect(
        await waitFor(() =>
          logLines().some(
            (l) => l.uuid === uuid && l.instance === "beta" && l.status === status && l.reason === cause && l.level === "warn",
          ),
        ),
      ).toBe(true);

      proxy.delete(uuid);
      expect(await waitFor(async () => (await record(body.delivery)).status === "delivered", 20_000, 100)).toBe(true);
      expect(genuine(uuid)).toHaveLength(1);
      expect(await routeOf(uuid)).toMatchObject({ instance: "beta" });
    }, 30_000);

    it("a queued delivery: the proxy's answer to a retry leaves it queued, never delivered", async () => {
      const uuid = nextUuid();
      beta.owned.add(uuid);
      // CDS itself is down first (its own 503), then the proxy answers the retries.
      proxy.set(uuid, { status: 503, body: '{"message":"down"}' });
      const { status: answered, answer: body } = await post(uuid);
      expect(answered).toBe(202);
      proxy.set(uuid, answer);
      expect(await waitFor(async () => (await record(body.delivery)).attempts >= 2, 20_000, 100)).toBe(true);
      const queued = await record(body.delivery);
      expect(queued.status).toBe("queued");
      expect(queued.lastError).toContain(`HTTP ${status}`);
      expect(await routeOf(uuid)).toBeUndefined();

      proxy.delete(uuid);
      expect(await waitFor(async () => (await record(body.delivery)).status === "delivered", 20_000, 100)).toBe(true);
      expect(genuine(uuid)).toHaveLength(1);
    }, 30_000);
  });

  it("a stored route is re-checked when its instance answers 404; a proxy's HTML 404 page is not CDS's and keeps it", async () => {
    const uuid = nextUuid();
    alpha.owned.add(uuid);
    expect((await post(uuid)).status).toBe(200);
    expect(await routeOf(uuid)).toMatchObject({ instance: "alpha" });
    // The hook moved: alpha answers CDS's 404, the route is dropped and beta asked.
    alpha.owned.delete(uuid);
    beta.owned.add(uuid);
    expect((await post(uuid)).status).toBe(200);
    expect(await routeOf(uuid)).toMatchObject({ instance: "beta" });
    expect(await waitFor(() => gateway.output().includes("route dropped: owner answered 404"))).toBe(true);

    const alphaBefore = alpha.requests.length;
    proxy.set(uuid, {
      status: 404,
      headers: { "content-type": "text/html" },
      body: "<html><body><h1>404 Not Found</h1><hr>nginx</body></html>",
    });
    const { status, answer } = await post(uuid);
    expect(status).toBe(202);
    expect(alpha.requests.length).toBe(alphaBefore);
    expect(await routeOf(uuid)).toMatchObject({ instance: "beta" });
    proxy.delete(uuid);
    expect(await waitFor(async () => (await record(answer.delivery)).status === "delivered", 20_000, 100)).toBe(true);
  }, 30_000);
});
