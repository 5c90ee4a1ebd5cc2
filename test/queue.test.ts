import type { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.ts";
import { createGateway, type Gateway } from "../src/app/create-gateway.ts";
import type { KvStore } from "../src/core/ports.ts";
import { createMemoryStore } from "../src/store/memory-store.ts";
import { createUndiciFetch } from "../src/adapters/node/undici-fetch.ts";
import type { DeliveryRecord } from "../src/queue/delivery-record.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const TOKEN = "admin-token-for-tests";
const START = Date.parse("2026-11-25T10:00:00Z");
const enc = new TextEncoder();

async function hubSignature(secret: string, body: Uint8Array<ArrayBuffer>): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `sha256=${Buffer.from(await crypto.subtle.sign("HMAC", key, body)).toString("hex")}`;
}

/**
 * The durable queue, signatures, dedup and rate limit, driven through the
 * app with an injected clock against a real stub CDS on loopback.
 */
describe("never lose a webhook", () => {
  let cds: StubCds;
  let gateway: Gateway;
  let app: Hono;
  let now: number;
  let uuidCounter = 0;
  const clock = { now: () => now };
  const nextUuid = () => `6f1e2d3c-4b5a-4c6d-8e7f-${String(++uuidCounter).padStart(12, "0")}`;

  beforeAll(async () => {
    cds = await startStubCds();
  });
  afterAll(() => cds?.close());

  /** Bytes of values the app's listings read from the store (issue #12, finding 9). */
  let listedBytes = 0;

  beforeEach(async () => {
    now = START;
    listedBytes = 0;
    cds.answer(undefined);
    const config = await loadConfig(
      gatewayToml({
        gateway: { apiTokens: [TOKEN], forwardTimeout: "1s", rateLimit: { requests: 1000, window: "1m" } },
        cds: { prod: { hooksUrl: cds.hooksUrl } },
        servers: {
          B: { url: "https://bb", bitbucket: { proxyWebhook: "https://gw/" } },
          Signed: { url: "https://signed", bitbucket: { proxyWebhook: "https://gw/signed", webhookSecret: ["old-secret", "new-secret"] } },
        },
      }),
      { env: () => undefined },
    );
    const memory = createMemoryStore({ clock });
    const store: KvStore = {
      ...memory,
      async list(prefix, options) {
        const entries = await memory.list(prefix, options);
        for (const e of entries) listedBytes += e.value.length;
        return entries;
      },
    };
    gateway = createGateway({ config, store, fetch: (url, init) => fetch(url, init as RequestInit), clock, random: () => 0.5 });
    app = gateway.app;
  });

  const post = (path: string, body = '{"eventKey":"repo:refs_changed"}', headers: Record<string, string> = {}) =>
    app.request(`http://gw${path}`, { method: "POST", body, headers: { "x-event-key": "repo:refs_changed", ...headers } });
  const admin = (path: string, method = "GET") =>
    app.request(`http://gw${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  const listed = async (status: string) =>
    (
      (await (await admin(`/-/deliveries?status=${status}`)).json()) as {
        deliveries: Array<{ id: string; attempts: number; lastError?: string; nextAttemptAt?: number }>;
      }
    ).deliveries;
  const received = (uuid: string) => cds.requests.filter((r) => r.url.includes(uuid));

  it("queues when CDS answers 503, then delivers byte for byte when it recovers", async () => {
    const uuid = nextUuid();
    cds.owned.add(uuid);
    cds.answer(() => ({ status: 503, body: "down" }));
    const body = '{"eventKey":"repo:refs_changed","n":"é"}';
    const res = await post(`/${uuid}?x=1`, body, { "x-request-id": "req-503" });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { delivery: string; status: string };
    expect(answer.status).toBe("queued");
    expect(await listed("queued")).toMatchObject([{ id: answer.delivery, attempts: 1 }]);

    await gateway.runScheduledWork(); // not due yet: nothing is attempted
    expect(received(uuid)).toHaveLength(1);

    cds.answer(undefined);
    now += 60_000;
    await gateway.runScheduledWork();
    const attempts = received(uuid);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.body.toString("utf8")).toBe(body);
    expect(attempts[1]!.url).toBe(`/cdshooks/webhook/${uuid}?x=1`);
    expect(attempts[1]!.headers["x-request-id"]).toBe("req-503");
    expect(await listed("queued")).toEqual([]);
    expect(await listed("delivered")).toMatchObject([{ id: answer.delivery, attempts: 2 }]);
  });

  it("replaying a queued delivery makes it due now instead of after its backoff", async () => {
    const uuid = nextUuid();
    cds.owned.add(uuid);
    cds.answer(() => ({ status: 429, headers: { "retry-after": "3600" } }));
    const { delivery } = (await (await post(`/${uuid}`)).json()) as { delivery: string };
    cds.answer(undefined);
    await gateway.runScheduledWork();
    expect(received(uuid)).toHaveLength(1);
    expect((await admin(`/-/deliveries/${delivery}/replay`, "POST")).status).toBe(202);
    await gateway.runScheduledWork();
    expect(received(uuid)).toHaveLength(2);
    expect(await listed("delivered")).toMatchObject([{ id: delivery }]);
  });

  it("retry-queued makes every queued delivery due now", async () => {
    const uuids = [nextUuid(), nextUuid(), nextUuid()];
    for (const u of uuids) cds.owned.add(u);
    cds.answer(() => ({ status: 503, headers: { "retry-after": "3600" } }));
    for (const u of uuids) expect((await post(`/${u}`)).status).toBe(202);
    cds.answer(undefined);
    await gateway.runScheduledWork();
    expect(uuids.map((u) => received(u).length)).toEqual([1, 1, 1]);
    const res = await admin("/-/deliveries/retry-queued", "POST");
    expect(await res.json()).toEqual({ status: "queued", due: 3 });
    await gateway.runScheduledWork();
    expect(uuids.map((u) => received(u).length)).toEqual([2, 2, 2]);
    expect(await listed("queued")).toEqual([]);
  });

  it("lists deliveries from an index that holds no bodies (issue #12, finding 9)", async () => {
    cds.answer(() => ({ status: 503 }));
    const big = `{"eventKey":"repo:refs_changed","pad":"${"x".repeat(1024 * 1024)}"}`;
    for (let i = 0; i < 10; i++) expect((await post(`/${nextUuid()}`, big)).status).toBe(202);
    listedBytes = 0;
    const res = await admin("/-/deliveries?status=queued&limit=1000");
    const { deliveries } = (await res.json()) as {
      deliveries: Array<{ bodyBytes: number; event: string; body?: string; headers?: unknown }>;
    };
    expect(deliveries).toHaveLength(10);
    expect(
      deliveries.every(
        (d) => d.bodyBytes === big.length && d.event === "repo:refs_changed" && d.body === undefined && d.headers === undefined,
      ),
    ).toBe(true);
    // 10 MiB of bodies in the queue; the listing read a few hundred bytes per delivery.
    expect(listedBytes).toBeLessThan(10 * 1024);
  });

  it("replays a delivery only in the status the page showed: a queued row delivered meanwhile is not sent again (409)", async () => {
    const uuid = nextUuid();
    cds.owned.add(uuid);
    cds.answer(() => ({ status: 503 }));
    const { delivery } = (await (await post(`/${uuid}`)).json()) as { delivery: string };
    cds.answer(undefined);
    now += 60_000;
    await gateway.runScheduledWork();
    expect(received(uuid)).toHaveLength(2);
    // The operator's page still shows it queued; the click arrives after the drain delivered it.
    const late = await admin(`/-/deliveries/${delivery}/replay?status=queued`, "POST");
    expect(late.status).toBe(409);
    expect(await late.json()).toEqual({ error: "conflict", message: "the delivery is delivered now, not queued: nothing was replayed" });
    await gateway.runScheduledWork();
    expect(received(uuid)).toHaveLength(2);
    expect((await admin(`/-/deliveries/${delivery}/replay?status=bogus`, "POST")).status).toBe(400);
    // "Replay" on the delivered row does send it again: that is what it is for.
    expect((await admin(`/-/deliveries/${delivery}/replay?status=delivered`, "POST")).status).toBe(202);
    await gateway.runScheduledWork();
    expect(received(uuid)).toHaveLength(3);
  });

  it("retry-queued while attempts are in flight leaves them alone (issue #12, finding 2); a success stands, a failure is rescheduled as usual", async () => {
    const [ok, failing] = [nextUuid(), nextUuid()];
    cds.owned.add(ok);
    cds.owned.add(failing);
    cds.answer(() => ({ status: 503 }));
    for (const u of [ok, failing]) expect((await post(`/${u}`)).status).toBe(202);
    // Back up for one of them, slowly: the operator clicks while both attempts are in flight.
    cds.answer((req) => ({ status: req.url.includes(failing) ? 503 : 200, body: "{}", delayMs: 200 }));
    now += 60_000;
    const run = gateway.runScheduledWork();
    expect(await waitFor(() => received(ok).length === 2 && received(failing).length === 2, 5_000, 5)).toBe(true);
    // Both are in flight (their answers awaited): nothing made due, nothing written over the attempts.
    const click = (await (await admin("/-/deliveries/retry-queued", "POST")).json()) as { due: number };
    expect(click.due).toBe(0);
    const [row] = await listed("queued");
    expect((await admin(`/-/deliveries/${row!.id}/replay?status=queued`, "POST")).status).toBe(409);
    await run;
    expect((await listed("delivered")).map((d) => d.id)).toHaveLength(1);
    const [queued] = await listed("queued");
    expect(queued?.nextAttemptAt).toBe(now + 1_000);
    now += 1_000;
    await gateway.runScheduledWork();
    expect(received(ok)).toHaveLength(2);
    expect(received(failing)).toHaveLength(3);
  });

  it("queues when the instance cannot be reached at all", async () => {
    const uuid = nextUuid();
    cds.answer(() => "destroy");
    expect((await post(`/${uuid}`)).status).toBe(202);
    expect((await listed("queued"))[0]!.lastError).toMatch(/prod: connection failed/);
  });

  it("honours Retry-After from a 429", async () => {
    const uuid = nextUuid();
    cds.owned.add(uuid);
    cds.answer(() => ({ status: 429, headers: { "retry-after": "120" } }));
    expect((await post(`/${uuid}`)).status).toBe(202);
    expect((await listed("queued"))[0]!.nextAttemptAt).toBeGreaterThanOrEqual(START + 120_000);
    cds.answer(undefined);
    now += 119_000;
    await gateway.runScheduledWork();
    expect(received(uuid)).toHaveLength(1);
    now += 2_000;
    await gateway.runScheduledWork();
    expect(received(uuid)).toHaveLength(2);
  });

  it("backs off exponentially, dead-letters after 24 h, and an operator replays it", async () => {
    const uuid = nextUuid();
    cds.owned.add(uuid);
    cds.answer(() => ({ status: 500 }));
    const { delivery } = (await (await post(`/${uuid}`)).json()) as { delivery: string };
    const gaps: number[] = [];
    for (let i = 0; i < 400 && (await listed("queued")).length > 0; i++) {
      const due = (await listed("queued"))[0]!.nextAttemptAt!;
      gaps.push(due - now);
      now = due;
      await gateway.runScheduledWork();
    }
    expect(await listed("queued")).toEqual([]);
    const dead = await listed("dead");
    expect(dead).toMatchObject([{ id: delivery, lastError: "prod: HTTP 500" }]);
    expect(now - START).toBeGreaterThanOrEqual(24 * 3_600_000);
    // random() = 0.5: half of 1 s, 2 s, 4 s… capped at half of 10 min.
    expect(gaps.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(Math.max(...gaps)).toBe(300_000);

    const replay = await admin(`/-/deliveries/${delivery}/replay`, "POST");
    expect(replay.status).toBe(202);
    cds.answer(undefined);
    await gateway.runScheduledWork();
    expect(await listed("dead")).toEqual([]);
    expect(await listed("delivered")).toMatchObject([{ id: delivery }]);
  });

  it("a queued webhook nobody owns any more becomes a dead letter, which an operator can delete", async () => {
    const uuid = nextUuid();
    cds.answer(() => ({ status: 502 }));
    const { delivery } = (await (await post(`/${uuid}`)).json()) as { delivery: string };
    cds.answer(undefined); // now answers 404: unknown UUID
    now += 60_000;
    await gateway.runScheduledWork();
    expect((await listed("dead"))[0]!.lastError).toMatch(/404/);
    expect((await admin(`/-/deliveries/${delivery}`, "DELETE")).status).toBe(204);
    expect((await admin(`/-/deliveries/${delivery}`)).status).toBe(404);
    expect((await admin(`/-/deliveries/${delivery}`, "DELETE")).status).toBe(404);
  });

  it("acknowledges a repeated X-Request-Id without delivering it again", async () => {
    const uuid = nextUuid();
    cds.owned.add(uuid);
    const first = await post(`/${uuid}`, "{}", { "x-request-id": "dup-1" });
    const second = await post(`/${uuid}`, "{}", { "x-request-id": "dup-1" });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as Array<{ delivery: string; status: string }>;
    expect(b).toEqual({ delivery: a!.delivery, status: "duplicate" });
    expect(received(uuid)).toHaveLength(1);
    // After 24 h the id may come again.
    now += 24 * 3_600_000 + 1;
    expect(((await (await post(`/${uuid}`, "{}", { "x-request-id": "dup-1" })).json()) as { status: string }).status).toBe("forwarded");
    expect(received(uuid)).toHaveLength(2);
  });

  it("a repeat of a queued delivery is not queued twice; a refused one may come again", async () => {
    const queuedUuid = nextUuid();
    cds.answer(() => ({ status: 503 }));
    expect((await post(`/${queuedUuid}`, "{}", { "x-request-id": "dup-q" })).status).toBe(202);
    expect(((await (await post(`/${queuedUuid}`, "{}", { "x-request-id": "dup-q" })).json()) as { status: string }).status).toBe(
      "duplicate",
    );
    expect(await listed("queued")).toHaveLength(1);
    cds.answer(undefined);
    const unknown = nextUuid();
    expect((await post(`/${unknown}`, "{}", { "x-request-id": "dup-404" })).status).toBe(404);
    expect((await post(`/${unknown}`, "{}", { "x-request-id": "dup-404" })).status).toBe(404);
    expect(received(unknown)).toHaveLength(2);
  });

  describe("signatures", () => {
    const body = new Uint8Array(enc.encode('{"eventKey":"repo:refs_changed"}'));
    it.each([
      ["missing", async () => undefined, 401],
      ["wrong", async () => hubSignature("guess", body), 401],
      ["signed with the old secret", async () => hubSignature("old-secret", body), 200],
      ["signed with the new secret (rotation)", async () => hubSignature("new-secret", body), 200],
    ])("%s → %i", async (_name, sign, status) => {
      const uuid = nextUuid();
      cds.owned.add(uuid);
      const signature = await sign();
      const res = await app.request(`http://gw/signed/${uuid}`, {
        method: "POST",
        body,
        headers: { "x-event-key": "repo:refs_changed", ...(signature ? { "x-hub-signature": signature } : {}) },
      });
      expect(res.status).toBe(status);
      expect(received(uuid)).toHaveLength(status === 200 ? 1 : 0);
      if (status === 200) expect(received(uuid)[0]!.headers["x-hub-signature"]).toBe(signature);
    });

    it("an unsigned ping is answered; a wrongly signed ping is not", async () => {
      const uuid = nextUuid();
      const ping = { "x-event-key": "diagnostics:ping" };
      expect((await app.request(`http://gw/signed/${uuid}`, { method: "POST", body: "{}", headers: ping })).status).toBe(200);
      expect(
        (
          await app.request(`http://gw/signed/${uuid}`, {
            method: "POST",
            body: "{}",
            headers: { ...ping, "x-hub-signature": `sha256=${"0".repeat(64)}` },
          })
        ).status,
      ).toBe(401);
    });
  });

  it("the admin API needs the bearer token", async () => {
    expect((await app.request("http://gw/-/deliveries")).status).toBe(401);
    expect((await app.request("http://gw/-/deliveries", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await admin("/-/deliveries?status=bogus")).status).toBe(400);
    expect((await admin("/-/routes")).status).toBe(200);
  });
});

describe("rate limit per client IP", () => {
  it("answers 429 with Retry-After past the limit, per address", async () => {
    let now = START;
    const config = await loadConfig(
      gatewayToml({ gateway: { rateLimit: { requests: 2, window: "1m" } }, cds: { prod: { hooksUrl: "http://127.0.0.1:9/cdshooks" } } }),
      { env: () => undefined },
    );
    let ip = "192.0.2.1";
    const app = createGateway({
      config,
      store: createMemoryStore(),
      fetch: () => Promise.reject(new Error("no upstream in this test")),
      clock: { now: () => now },
      clientIp: () => ip,
    }).app;
    const hit = () => app.request("http://gw/not-a-uuid", { method: "POST", body: "{}" });
    expect((await hit()).status).toBe(404);
    expect((await hit()).status).toBe(404);
    const limited = await hit();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    ip = "192.0.2.2";
    expect((await hit()).status).toBe(404);
    ip = "192.0.2.1";
    now += 60_000;
    expect((await hit()).status).toBe(404);
  });
});

describe("/metrics", () => {
  it("exposes webhook answers, relay latency and queue attempts in the Prometheus text format", async () => {
    const cds = await startStubCds({ owned: ["2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"] });
    try {
      const config = await loadConfig(gatewayToml({ cds: { prod: { hooksUrl: cds.hooksUrl } } }), { env: () => undefined });
      const gateway = createGateway({ config, store: createMemoryStore(), fetch: (url, init) => fetch(url, init as RequestInit) });
      await gateway.app.request("http://gw/2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", { method: "POST", body: "{}" });
      await gateway.app.request("http://gw/nope", { method: "POST", body: "{}" });
      const res = await gateway.app.request("http://gw/metrics");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toContain('cds_gateway_webhooks_total{server="default",outcome="forwarded"} 1');
      expect(text).toContain('cds_gateway_webhooks_total{outcome="rejected",reason="no_route"} 1');
      expect(text).toContain("cds_gateway_relay_seconds_count 2");
      expect(text).toContain("# TYPE cds_gateway_queue_attempts_total counter");
    } finally {
      await cds.close();
    }
  });
});

describe("wake-ups", () => {
  it("announce the due time of a queued delivery and of every reschedule, so retries need not wait for the sweep interval", async () => {
    const cds = await startStubCds();
    try {
      let now = START;
      const wakes: number[] = [];
      const config = await loadConfig(gatewayToml({ cds: { prod: { hooksUrl: cds.hooksUrl } } }), { env: () => undefined });
      const gateway = createGateway({
        config,
        store: createMemoryStore({ clock: { now: () => now } }),
        fetch: (url, init) => fetch(url, init as RequestInit),
        clock: { now: () => now },
        random: () => 0.5,
        wake: (at) => wakes.push(at),
      });
      cds.answer(() => ({ status: 503 }));
      expect((await gateway.app.request("http://gw/5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e", { method: "POST", body: "{}" })).status).toBe(
        202,
      );
      expect(wakes).toEqual([START + 500]);
      now = START + 500;
      await gateway.runScheduledWork();
      // The attempt's in-flight mark is due when its answer window ends (forwardTimeout 10 s + lateAnswerWindow 60 s + 5 s), its result 1 s later.
      expect(wakes).toEqual([START + 500, START + 500 + 75_000, START + 1500]);
    } finally {
      await cds.close();
    }
  });
});

describe("records queued by an earlier version", () => {
  it("a delivery stored with Expect: 100-continue (issue #12, finding 1) reaches CDS through the Node forwarder, without it", async () => {
    const uuid = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b";
    const cds = await startStubCds({ owned: [uuid] });
    const fetch = createUndiciFetch();
    try {
      const config = await loadConfig(gatewayToml({ cds: { prod: { hooksUrl: cds.hooksUrl } } }), { env: () => undefined });
      const gateway = createGateway({ config, store: createMemoryStore(), fetch, clock: { now: () => START } });
      const record: DeliveryRecord = {
        id: "0190f000-0000-7000-8000-000000000001",
        uuid,
        server: "default",
        search: "",
        headers: { "content-type": "application/json", expect: "100-continue", "x-event-key": "repo:refs_changed" },
        body: btoa("{}"),
        receivedAt: START,
        status: "queued",
        attempts: 1,
        nextAttemptAt: START,
        queuedSince: START,
      };
      await gateway.queue.enqueue(record);
      const next = await gateway.attemptRecord(record);
      expect(next).toMatchObject({ status: "delivered", responseStatus: 200 });
      expect(cds.requests).toHaveLength(1);
      expect(cds.requests[0]!.headers.expect).toBeUndefined();
    } finally {
      await fetch.close();
      await cds.close();
    }
  });
});
