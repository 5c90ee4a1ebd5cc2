import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.ts";
import { createGateway, type Gateway } from "../src/app/create-gateway.ts";
import type { KvStore } from "../src/core/ports.ts";
import { MAX_HISTORY } from "../src/queue/delivery-attempt.ts";
import type { DeliveryRecord } from "../src/queue/delivery-record.ts";
import { createMemoryStore } from "../src/store/memory-store.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const TOKEN = "console-admin-token";
const SECRET = "console-hook-secret";
const START = Date.parse("2026-11-25T10:00:00Z");
const FIXTURES = join(import.meta.dirname, "fixtures/bitbucket");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const sign = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

interface InstanceView {
  name: string;
  reachable: boolean;
  lastAnswerAt: number | null;
  lastAccepted: { at: number; status: number; delivery: string } | null;
  lastFailure: { at: number; status?: number; error: string; delivery: string } | null;
  queued: number | null;
  dead: number | null;
}
interface Overview {
  now: number;
  instances: InstanceView[];
  unrouted: { queued: number | null; dead: number | null };
  counts: { limit: number; complete: boolean; error?: string };
  servers: Array<{ name: string; lastCall: unknown }>;
}
interface Detail {
  id: string;
  status: string;
  repository?: string;
  instance?: string;
  headers: Record<string, string>;
  body: string;
  bodyEncoding: string;
  bodyBytes: number;
  attempts: number;
  history: Array<{ at: number; ms: number; outcome: string; instance?: string; status?: number; error?: string }>;
}

/**
 * The console's JSON (issue #16) through the app, with an injected clock,
 * against stub CDS instances on loopback: instance health, one delivery in
 * detail, filtered listings, recent direct forwards, outcomes per minute.
 */
describe("the console's API", () => {
  let alpha: StubCds;
  let beta: StubCds;
  let gateway: Gateway;
  let now: number;
  /** Prefixes the app listed since the last reset: listings must read summaries, never records. */
  let listedPrefixes: string[];
  let store: KvStore;
  let n = 0;
  const uuid = () => `5d1e2d3c-4b5a-4c6d-8e7f-${String(++n).padStart(12, "0")}`;

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
    listedPrefixes = [];
    alpha.answer(undefined);
    beta.answer(undefined);
    const config = await loadConfig(
      gatewayToml({
        gateway: { apiTokens: [TOKEN], forwardTimeout: "2s" },
        cds: { alpha: { hooksUrl: alpha.hooksUrl }, beta: { hooksUrl: beta.hooksUrl } },
        servers: { Signed: { url: "https://signed.example.com", bitbucket: { proxyWebhook: "https://gw/", webhookSecret: SECRET } } },
      }),
      { env: () => undefined },
    );
    const memory = createMemoryStore({ clock: { now: () => now } });
    store = {
      ...memory,
      list: (prefix, options) => {
        listedPrefixes.push(prefix);
        return memory.list(prefix, options);
      },
    };
    gateway = createGateway({
      config,
      store,
      fetch: (url, init) => fetch(url, init as RequestInit),
      clock: { now: () => now },
      random: () => 0.5,
    });
  });

  const post = (u: string, body: string, event = "repo:refs_changed", headers: Record<string, string> = {}) =>
    gateway.app.request(`http://gw/${u}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-event-key": event, "x-hub-signature": sign(body), ...headers },
    });
  const admin = async <T>(path: string, method = "GET") => {
    const res = await gateway.app.request(`http://gw${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: (res.status === 204 ? undefined : await res.json()) as T };
  };
  const overview = async () => (await admin<Overview>("/-/instances")).body;
  const instance = async (name: string) => (await overview()).instances.find((i) => i.name === name)!;

  it("GET /-/instances: each instance's health as this process saw it, and its queued and dead deliveries from the store", async () => {
    let view = await overview();
    expect(view.instances.map((i) => i.name)).toEqual(["alpha", "beta"]);
    expect(view.instances[0]).toEqual({
      name: "alpha",
      reachable: true,
      lastAnswerAt: null,
      lastAccepted: null,
      lastFailure: null,
      queued: 0,
      dead: 0,
    });
    expect(view.servers).toEqual([{ name: "Signed", lastCall: null }]);

    const owned = uuid();
    alpha.owned.add(owned);
    const body = fixture("refs-changed-update.json");
    const first = (await (await post(owned, body)).json()) as { delivery: string };
    now += 1000;
    expect(await instance("alpha")).toMatchObject({
      reachable: true,
      lastAnswerAt: START,
      lastAccepted: { at: START, status: 200, delivery: first.delivery },
      lastFailure: null,
    });
    // beta answers 404 during discovery (the webhook went on as soon as alpha took it): its own answer, so reachable, nothing accepted.
    expect(await waitFor(async () => (await instance("beta")).lastAnswerAt !== null)).toBe(true);
    expect(await instance("beta")).toMatchObject({ reachable: true, lastAccepted: null, lastFailure: null });

    // alpha goes down: the next webhook of its UUID is queued and alpha is unreachable.
    alpha.answer(() => ({ status: 503, body: "{}" }));
    const queued = (await (await post(owned, body)).json()) as { delivery: string; status: string };
    expect(queued.status).toBe("queued");
    view = await overview();
    expect(view.instances[0]).toMatchObject({
      reachable: false,
      lastFailure: { at: now, status: 503, error: "alpha: HTTP 503", delivery: queued.delivery },
      queued: 1,
      dead: 0,
    });
    expect(view.instances[1]).toMatchObject({ reachable: true, queued: 0, dead: 0 });
    expect(view.counts).toEqual({ limit: 1000, complete: true });

    // A new UUID while both are down: it waits on either, so it is counted apart.
    beta.answer(() => ({ status: 502, body: "{}" }));
    expect((await post(uuid(), body)).status).toBe(202);
    view = await overview();
    expect(view.instances.map((i) => [i.name, i.reachable, i.queued])).toEqual([
      ["alpha", false, 1],
      ["beta", false, 0],
    ]);
    expect(view.unrouted).toEqual({ queued: 1, dead: 0 });

    // alpha is back: the retry delivers, and alpha is reachable again.
    alpha.answer(undefined);
    now += 60 * 60_000;
    await gateway.runScheduledWork();
    view = await overview();
    expect(view.instances[0]).toMatchObject({
      reachable: true,
      lastAccepted: { at: now, status: 200, delivery: queued.delivery },
      queued: 0,
    });

    // Counted from summaries only: no listing of records, whose values hold bodies.
    expect(listedPrefixes.filter((p) => p.startsWith("delivery-record:"))).toEqual([]);
    expect(listedPrefixes).toContain("delivery-summary:queued:");

    const refused = await gateway.app.request("http://gw/-/instances");
    expect(refused.status).toBe(401);
  });

  it("GET /-/deliveries/<id>: headers with the signature masked, the body as text, the repository, and every attempt", async () => {
    const u = uuid();
    const body = fixture("pr-opened.json");
    alpha.answer(() => ({ status: 503, body: "{}" }));
    beta.answer(() => "destroy");
    const res = await post(u, body, "pr:opened", { "x-request-id": "11111111-2222-4333-8444-555555555555" });
    expect(res.status).toBe(202);
    const { delivery } = (await res.json()) as { delivery: string };

    let detail = (await admin<Detail>(`/-/deliveries/${delivery}`)).body;
    expect(detail).toMatchObject({
      id: delivery,
      status: "queued",
      repository: "~gopher/webhook-test",
      bodyEncoding: "utf-8",
      attempts: 1,
    });
    expect(detail.body).toBe(body);
    expect(detail.bodyBytes).toBe(Buffer.byteLength(body));
    expect(detail.headers["x-hub-signature"]).toBe("sha256=[masked]");
    expect(JSON.stringify(detail)).not.toContain(sign(body).slice(7));
    expect(detail.headers["x-event-key"]).toBe("pr:opened");
    expect(detail.headers["x-request-id"]).toBe("11111111-2222-4333-8444-555555555555");
    expect(detail.history).toEqual([
      {
        at: START,
        ms: 0,
        outcome: "unreachable",
        error: expect.stringMatching(/alpha: HTTP 503.*beta: connection failed|beta: connection failed.*alpha: HTTP 503/),
      },
    ]);

    // Only alpha is down now: the attempt names it. Then alpha takes it.
    beta.answer(undefined);
    now += 60 * 60_000;
    await gateway.runScheduledWork();
    detail = (await admin<Detail>(`/-/deliveries/${delivery}`)).body;
    expect(detail.instance).toBe("alpha");
    expect(detail.history.at(-1)).toEqual({ at: now, ms: 0, outcome: "unreachable", instance: "alpha", error: "alpha: HTTP 503" });
    alpha.answer(undefined);
    alpha.owned.add(u);
    now += 60 * 60_000;
    await gateway.runScheduledWork();
    detail = (await admin<Detail>(`/-/deliveries/${delivery}`)).body;
    expect(detail).toMatchObject({ status: "delivered", instance: "alpha", attempts: 3 });
    expect(detail.history.map((a) => [a.outcome, a.instance, a.status])).toEqual([
      ["unreachable", undefined, undefined],
      ["unreachable", "alpha", undefined],
      ["accepted", "alpha", 200],
    ]);
    // Listings carry neither the history nor the headers.
    const listed = (await admin<{ deliveries: Array<Record<string, unknown>> }>("/-/deliveries?status=delivered")).body.deliveries;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: delivery, repository: "~gopher/webhook-test", event: "pr:opened", instance: "alpha" });
    expect(listed[0]).not.toHaveProperty("history");
    expect(listed[0]).not.toHaveProperty("headers");

    expect((await admin(`/-/deliveries/${delivery}`, "DELETE")).status).toBe(204);
    expect((await admin(`/-/deliveries/${delivery}`)).status).toBe(404);
  });

  it("keeps the last attempts only, and counts them all", async () => {
    const u = uuid();
    alpha.answer(() => ({ status: 503, body: "{}" }));
    beta.answer(() => ({ status: 503, body: "{}" }));
    const { delivery } = (await (await post(u, fixture("refs-changed-update.json"))).json()) as { delivery: string };
    for (let i = 0; i < MAX_HISTORY + 3; i++) {
      now += 20 * 60_000;
      await gateway.runScheduledWork();
    }
    const detail = (await admin<Detail>(`/-/deliveries/${delivery}`)).body;
    expect(detail.attempts).toBe(MAX_HISTORY + 4);
    expect(detail.history).toHaveLength(MAX_HISTORY);
    expect(detail.history.at(-1)!.at).toBe(now);
  });

  it("shows a record stored by the previous version: repository read from its body, no attempts recorded", async () => {
    const body = fixture("refs-changed-delete.json");
    const record: DeliveryRecord = {
      id: "0190aaaa-0000-7000-8000-000000000001",
      uuid: uuid(),
      server: "Signed",
      search: "",
      headers: { "x-event-key": "repo:refs_changed", "x-hub-signature": "sha256=abcdef" },
      body: Buffer.from(body).toString("base64"),
      receivedAt: START - 1000,
      status: "dead",
      attempts: 9,
      queuedSince: START - 1000,
      deadAt: START,
      lastError: "alpha: timeout after 2000 ms",
    };
    await store.put(`delivery:dead:${record.id}`, JSON.stringify(record));
    const detail = (await admin<Detail>(`/-/deliveries/${record.id}`)).body;
    expect(detail).toMatchObject({ status: "dead", repository: "~gopher/webhook-test", history: [], body });
    expect(detail.headers["x-hub-signature"]).toBe("sha256=[masked]");
  });

  it("filters listings by instance and repository, and lists recent direct forwards from memory, newest first", async () => {
    const [a1, a2, b1] = [uuid(), uuid(), uuid()];
    alpha.owned.add(a1);
    alpha.owned.add(a2);
    beta.owned.add(b1);
    const other = fixture("refs-changed-update.json"); // MYPROJECT/test-repo
    const mine = fixture("refs-changed-delete.json"); // ~gopher/webhook-test
    for (const [u, body] of [
      [a1, other],
      [a2, mine],
      [b1, mine],
    ] as const) {
      expect((await post(u, body)).status).toBe(200);
      now += 1000;
    }
    alpha.answer(() => ({ status: 503, body: "{}" }));
    beta.answer(() => ({ status: 503, body: "{}" }));
    for (const [u, body] of [
      [a1, other],
      [a2, mine],
      [b1, mine],
      [b1, other],
    ] as const) {
      expect((await post(u, body)).status).toBe(202);
      now += 1000;
    }
    type Listing = {
      now: number;
      deliveries: Array<{ instance?: string; repository?: string; status: string; uuid: string; receivedAt: number }>;
    };
    const list = async (query: string) => (await admin<Listing>(`/-/deliveries?${query}`)).body;
    expect((await list("status=queued")).deliveries).toHaveLength(4);
    expect((await list("status=queued&instance=alpha")).deliveries.map((d) => d.uuid)).toEqual([a1, a2]);
    expect((await list("status=queued&repository=GOPHER/")).deliveries.map((d) => d.uuid)).toEqual([a2, b1]);
    expect((await list("status=queued&instance=beta&repository=test-repo")).deliveries.map((d) => d.uuid)).toEqual([b1]);
    expect((await list("status=queued")).now).toBe(now);

    const forwards = (await list("status=forwarded")).deliveries;
    expect(forwards.map((d) => [d.uuid, d.instance, d.status])).toEqual([
      [b1, "beta", "forwarded"],
      [a2, "alpha", "forwarded"],
      [a1, "alpha", "forwarded"],
    ]);
    expect(forwards[0]).toMatchObject({ server: "Signed", event: "repo:refs_changed", responseStatus: 200, receivedAt: START + 2000 });
    expect(forwards[0]).not.toHaveProperty("body");
    expect((await list("status=forwarded&instance=alpha")).deliveries.map((d) => d.uuid)).toEqual([a2, a1]);
    expect((await admin("/-/deliveries?status=nope")).status).toBe(400);
  });

  it("GET /-/activity: outcomes per minute over the last hour", async () => {
    const owned = uuid();
    alpha.owned.add(owned);
    const body = fixture("refs-changed-update.json");
    await post(owned, body, "repo:refs_changed", { "x-request-id": "r-1" });
    await post(owned, body, "repo:refs_changed", { "x-request-id": "r-1" });
    await post(owned, body, "repo:refs_changed", { "x-hub-signature": "sha256=00" });
    now += 2 * 60_000;
    alpha.answer(() => ({ status: 503, body: "{}" }));
    await post(owned, body);
    const activity = (await admin<{ minuteMs: number; kinds: string[]; minutes: Array<Record<string, number>> }>("/-/activity")).body;
    expect(activity.minuteMs).toBe(60_000);
    expect(activity.kinds).toEqual(["forwarded", "queued", "delivered", "dead", "duplicate", "rejected"]);
    expect(activity.minutes).toHaveLength(60);
    expect(activity.minutes.at(-1)).toEqual({
      at: START + 2 * 60_000,
      forwarded: 0,
      queued: 1,
      delivered: 0,
      dead: 0,
      duplicate: 0,
      rejected: 0,
    });
    expect(activity.minutes.at(-3)).toEqual({ at: START, forwarded: 1, queued: 0, delivered: 0, dead: 0, duplicate: 1, rejected: 1 });
  });
});
