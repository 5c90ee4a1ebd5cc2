import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.ts";
import { createGateway, type Gateway } from "../src/app/create-gateway.ts";
import { METRIC_HELP } from "../src/core/metrics.ts";
import { createMemoryStore } from "../src/store/memory-store.ts";
import { branchHarness, refsChangedBody } from "./support/branch-deletion-harness.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { startStubCdsApi, type StubCdsApi } from "./support/stub-cds-api.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const TOKEN = "metrics-admin-token";
const SECRET = "metrics-hook-secret";
const START = Date.parse("2026-11-25T10:00:00Z");
const REFS = '{"eventKey":"repo:refs_changed","repository":{"slug":"secret-repo-slug","project":{"key":"PRJ"}}}';

/** Every sample of the text: series (name and labels, as written) → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/**
 * `/metrics` as an operator alerts on it (issue #16): names, bounded labels
 * (server, outcome, reason, cds_instance, class, kind — never a UUID or a
 * repository), and the gauges read from the store at each scrape.
 */
describe("/metrics", () => {
  let alpha: StubCds;
  let beta: StubCds;
  let gateway: Gateway;
  let now: number;
  let n = 0;
  const uuid = () => `7c0e2d3c-4b5a-4c6d-8e7f-${String(++n).padStart(12, "0")}`;

  beforeAll(async () => {
    alpha = await startStubCds();
    beta = await startStubCds();
  });
  afterAll(async () => {
    await alpha?.close();
    await beta?.close();
  });

  beforeEach(async () => {
    now = START;
    alpha.answer(undefined);
    beta.answer(undefined);
    const config = await loadConfig(
      gatewayToml({
        gateway: { apiTokens: [TOKEN], forwardTimeout: "2s" },
        cds: { alpha: { hooksUrl: alpha.hooksUrl }, beta: { hooksUrl: beta.hooksUrl } },
        servers: {
          Open: { url: "https://open.example.com", bitbucket: { proxyWebhook: "https://gw/" } },
          Signed: { url: "https://signed.example.com", bitbucket: { proxyWebhook: "https://gw/signed", webhookSecret: SECRET } },
        },
      }),
      { env: () => undefined },
    );
    gateway = createGateway({
      config,
      store: createMemoryStore({ clock: { now: () => now } }),
      fetch: (url, init) => fetch(url, init as RequestInit),
      clock: { now: () => now },
      random: () => 0.5,
    });
  });

  const post = (path: string, body = REFS, headers: Record<string, string> = {}) =>
    gateway.app.request(`http://gw${path}`, { method: "POST", body, headers: { "x-event-key": "repo:refs_changed", ...headers } });
  const scrape = async () => {
    const res = await gateway.app.request("http://gw/metrics");
    expect(res.status).toBe(200);
    return res.text();
  };
  const value = async (series: string) => samples(await scrape()).get(series);

  it("counts webhooks by server and outcome, rejections by reason, and CDS's answers by instance and status class", async () => {
    const owned = uuid();
    alpha.owned.add(owned);
    expect((await post(`/${owned}`, REFS, { "x-request-id": "r-1" })).status).toBe(200);
    expect((await post(`/${owned}`, REFS, { "x-request-id": "r-1" })).status).toBe(200); // duplicate
    expect((await post(`/${uuid()}`)).status).toBe(404); // nobody owns it
    expect((await post("/signed/" + owned, REFS, { "x-hub-signature": "sha256=00" })).status).toBe(401);
    const body = REFS;
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    expect((await post(`/signed/${uuid()}`, body, { "x-hub-signature": signature })).status).toBe(404);
    expect((await post("/not-a-uuid")).status).toBe(404);
    const queued = uuid();
    alpha.answer((req) => (req.url.includes(queued) ? { status: 503, body: "{}" } : undefined));
    expect((await post(`/${queued}`)).status).toBe(202);

    const text = await scrape();
    const s = samples(text);
    expect(s.get('cds_gateway_webhooks_total{server="Open",outcome="forwarded"}')).toBe(1);
    expect(s.get('cds_gateway_webhooks_total{server="Open",outcome="duplicate"}')).toBe(1);
    expect(s.get('cds_gateway_webhooks_total{server="Open",outcome="queued"}')).toBe(1);
    expect(s.get('cds_gateway_webhooks_total{server="Open",outcome="rejected",reason="unknown_webhook"}')).toBe(1);
    expect(s.get('cds_gateway_webhooks_total{server="Signed",outcome="rejected",reason="bad_signature"}')).toBe(1);
    expect(s.get('cds_gateway_webhooks_total{server="Signed",outcome="rejected",reason="unknown_webhook"}')).toBe(1);
    expect(s.get('cds_gateway_webhooks_total{outcome="rejected",reason="no_route"}')).toBe(1);
    // Every outcome of a configured server is there from the start, at 0: rate() works from the first scrape.
    expect(s.get('cds_gateway_webhooks_total{server="Signed",outcome="forwarded"}')).toBe(0);
    expect(s.get('cds_gateway_webhooks_total{server="Open",outcome="rejected",reason="too_large"}')).toBe(0);

    // Owner discovery of `owned`: alpha 2xx, beta 404. Unknown UUIDs: 404 from both (twice). The queued one: alpha 503, beta 404.
    expect(s.get('cds_gateway_cds_answers_total{cds_instance="alpha",class="2xx"}')).toBe(1);
    expect(s.get('cds_gateway_cds_answers_total{cds_instance="alpha",class="5xx"}')).toBe(1);
    expect(s.get('cds_gateway_cds_answers_total{cds_instance="alpha",class="4xx"}')).toBe(2);
    expect(s.get('cds_gateway_cds_answers_total{cds_instance="beta",class="4xx"}')).toBe(4);
    expect(s.get('cds_gateway_cds_answers_total{cds_instance="beta",class="timeout"}')).toBe(0);
    expect(s.get('cds_gateway_cds_unreachable_total{cds_instance="alpha",reason="server_error"}')).toBe(1);
    expect(s.get("cds_gateway_relay_seconds_count")).toBe(7);

    // Bounded labels: no UUID, delivery id or repository ever becomes one.
    for (const series of s.keys()) {
      expect(series).toMatch(/^cds_gateway_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})?$/);
      const labels = [...series.matchAll(/([a-z_]+)="/g)].map((m) => m[1]);
      for (const label of labels) expect(["server", "outcome", "reason", "cds_instance", "class", "kind", "result", "le"]).toContain(label);
    }
    expect(text).not.toMatch(/7c0e2d3c|secret-repo-slug|PRJ\//);
    // Every metric of the catalogue has HELP and TYPE (docs/metrics.md describes each).
    for (const name of Object.keys(METRIC_HELP)) expect(text).toContain(`# TYPE ${name} `);
  });

  it("moves the queue gauges with the store: depth and oldest age as the queue fills, dead letters, then back to 0 as it drains", async () => {
    expect(await value("cds_gateway_queue_depth")).toBe(0);
    expect(await value("cds_gateway_dead_letters")).toBe(0);
    expect(await value("cds_gateway_queue_oldest_age_seconds")).toBe(0);

    alpha.answer(() => ({ status: 503, body: "{}" }));
    const ids: string[] = [];
    const uuids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const u = uuid();
      uuids.push(u);
      const res = await post(`/${u}`);
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { delivery: string }).delivery);
      now += 10_000;
    }
    let s = samples(await scrape());
    expect(s.get("cds_gateway_queue_depth")).toBe(3);
    expect(s.get("cds_gateway_queue_oldest_age_seconds")).toBe(30);
    now += 15_000;
    expect(await value("cds_gateway_queue_oldest_age_seconds")).toBe(45);

    // Nobody owns the first one any more: every instance answers 404 and it becomes a dead letter.
    alpha.answer((req) => (req.url.includes(uuids[0]!) ? undefined : { status: 503, body: "{}" }));
    now += 60 * 60_000;
    await gateway.runScheduledWork();
    s = samples(await scrape());
    expect(s.get("cds_gateway_queue_depth")).toBe(2);
    expect(s.get("cds_gateway_dead_letters")).toBe(1);
    expect(s.get('cds_gateway_queue_attempts_total{result="dead"}')).toBe(1);
    expect(s.get('cds_gateway_queue_attempts_total{result="retry"}')).toBe(2);

    // CDS takes them again: the queue drains.
    alpha.answer(undefined);
    for (const u of uuids) alpha.owned.add(u);
    now += 60 * 60_000;
    await gateway.runScheduledWork();
    s = samples(await scrape());
    expect(s.get("cds_gateway_queue_depth")).toBe(0);
    expect(s.get("cds_gateway_queue_oldest_age_seconds")).toBe(0);
    expect(s.get("cds_gateway_dead_letters")).toBe(1);
    expect(s.get('cds_gateway_queue_attempts_total{result="delivered"}')).toBe(2);

    // The dead letter replayed and delivered.
    expect(
      (
        await gateway.app.request(`http://gw/-/deliveries/${ids[0]}/replay`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).status,
    ).toBe(202);
    expect(await value("cds_gateway_dead_letters")).toBe(0);
    expect(await value("cds_gateway_queue_depth")).toBe(1);
    await gateway.runScheduledWork();
    expect(await value("cds_gateway_queue_depth")).toBe(0);
    expect(await value('cds_gateway_queue_attempts_total{result="delivered"}')).toBe(3);
  });

  it("leaves the store's gauges out of a scrape when the store does not answer, and still answers", async () => {
    const config = await loadConfig(gatewayToml({ gateway: { storeTimeout: "100ms" }, cds: { alpha: { hooksUrl: alpha.hooksUrl } } }), {
      env: () => undefined,
    });
    const memory = createMemoryStore();
    const silent = { ...memory, list: () => new Promise<never>(() => {}) };
    const stuck = createGateway({ config, store: silent, fetch: (url, init) => fetch(url, init as RequestInit) });
    const res = await stuck.app.request("http://gw/metrics");
    expect(res.status).toBe(200);
    const s = samples(await res.text());
    expect(s.has("cds_gateway_queue_depth")).toBe(false);
    expect(s.has("cds_gateway_dead_letters")).toBe(false);
    expect(s.get("cds_gateway_body_bytes_in_flight")).toBe(0);
  });
});

describe("/metrics: branch deletions", () => {
  let cds: StubCds;
  let api: StubCdsApi;
  const OWNED = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";

  beforeAll(async () => {
    cds = await startStubCds({ owned: [OWNED], project: "PRJ", workflow: "build" });
  });
  afterAll(async () => {
    await cds?.close();
    await api?.close();
  });

  it("shows deletions pending from the store, and counts those done and the failed attempts per instance", async () => {
    let now = Date.now();
    api = await startStubCdsApi({ consumerToken: "cds-consumer-token-secret-value", jwtTtlSeconds: 7 * 24 * 3600 });
    const h = await branchHarness({ cds, api, clock: { now: () => now } });
    const value = async (series: string) => samples(await (await h.gateway.app.request("http://gw/metrics")).text()).get(series);
    expect(await value("cds_gateway_branch_deletions_pending")).toBe(0);

    expect(
      (
        await h.post(
          OWNED,
          refsChangedBody(
            [
              { ref: "refs/heads/a", type: "DELETE" },
              { ref: "refs/heads/b", type: "DELETE" },
            ],
            now,
          ),
        )
      ).status,
    ).toBe(200);
    expect(await value("cds_gateway_branch_deletions_pending")).toBe(2);

    api.answer((req) => (req.method === "DELETE" && req.url.endsWith("/b") ? { status: 500, body: "boom" } : undefined));
    now += 24 * 3_600_000;
    await h.gateway.runScheduledWork();
    expect(await value("cds_gateway_branch_deletions_pending")).toBe(1);
    expect(await value('cds_gateway_branch_deletions_done_total{cds_instance="prod"}')).toBe(1);
    expect(await value('cds_gateway_branch_deletion_failures_total{cds_instance="prod"}')).toBe(1);
  });
});

describe("docs/metrics.md, the sample dashboard and alert rules", () => {
  const doc = (name: string) => readFileSync(join(import.meta.dirname, "../docs", name), "utf8");
  const used = (text: string) => new Set([...text.matchAll(/cds_gateway_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, "")));

  it("describe every metric, and use no other", () => {
    const names = Object.keys(METRIC_HELP);
    const page = doc("metrics.md");
    for (const name of names) expect(page).toContain(`| \`${name}\` |`);
    for (const file of ["metrics.md", "grafana-dashboard.json", "prometheus-alerts.yml"]) {
      for (const name of used(doc(file))) expect(names, `${file} uses ${name}`).toContain(name);
    }
    const dashboard = JSON.parse(doc("grafana-dashboard.json")) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    expect(dashboard.panels.length).toBeGreaterThan(5);
    expect(doc("prometheus-alerts.yml").match(/^\s+- alert: /gm)).toHaveLength(2);
  });
});
