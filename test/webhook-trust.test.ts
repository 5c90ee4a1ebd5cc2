import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.ts";
import { createGateway, type Gateway } from "../src/app/create-gateway.ts";
import type { KvStore } from "../src/core/ports.ts";
import { createMemoryStore } from "../src/store/memory-store.ts";
import { refsChangedBody } from "./support/branch-deletion-harness.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { type GatewaySection, gatewayToml, type ServerSection } from "./support/gateway-toml.ts";

/**
 * Webhook trust (issue #11) in-process: createGateway on a memory store in
 * front of a stub CDS on loopback, called with app.request. The same answers
 * on the real Node process, in workerd and on Deno: test/support/trust-scenario.ts.
 */
const SECRET = "in-process-hook-secret";
const API_TOKEN = "in-process-api-token";
const UUID = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const sign = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

describe("webhook trust in-process", () => {
  let cds: StubCds;
  let store: KvStore;
  let gateway: Gateway;

  beforeAll(async () => {
    cds = await startStubCds({ owned: [UUID], project: "PRJ", workflow: "build" });
  });
  afterAll(() => cds?.close());

  async function build(extra: { gateway?: GatewaySection; lenient?: NonNullable<ServerSection["bitbucket"]> } = {}): Promise<void> {
    const config = await loadConfig(
      gatewayToml({
        gateway: { apiTokens: [API_TOKEN], forwardTimeout: "2s", ...extra.gateway },
        cds: { prod: { hooksUrl: cds.hooksUrl, apiUrl: "http://127.0.0.1:9/cdsapi", token: "consumer" } },
        servers: {
          Signed: { url: "https://signed.example.com", bitbucket: { webhookSecret: [SECRET] } },
          Open: { url: "https://open.example.com", bitbucket: { proxyWebhook: "https://gw.example.com/open" } },
          Lenient: { url: "https://lenient.example.com", bitbucket: { proxyWebhook: "https://gw.example.com/lenient", ...extra.lenient } },
        },
      }),
      { env: () => undefined },
    );
    store = createMemoryStore();
    // The peer address, as a runtime adapter would report it, from a test-only header.
    gateway = createGateway({
      config,
      store,
      fetch: (url, init) => fetch(url, init as RequestInit),
      clientIp: (c) => c.req.header("x-test-peer"),
    });
  }
  beforeEach(() => build());

  const post = (path: string, body: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
    gateway.app.request(`http://gw.example.com${path}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed", ...headers },
      ...init,
    });
  const update = refsChangedBody([{ ref: "refs/heads/main", type: "UPDATE" }]);
  const lastForward = () => cds.requests.filter((r) => r.url === `/cdshooks/webhook/${UUID}`).at(-1)!;
  const route = async () => JSON.parse((await store.get(`route:${UUID}`)) ?? "null") as { instance: string; server?: string } | null;
  const forwards = () => cds.requests.filter((r) => r.url === `/cdshooks/webhook/${UUID}`).length;

  describe("finding 1: a UUID is bound to the server path its webhooks come through", () => {
    it("a route written by an earlier version (no server) is bound by the next accepted delivery", async () => {
      await store.put(`route:${UUID}`, JSON.stringify({ instance: "prod", discoveredAt: 1 }));
      expect((await post(`/${UUID}`, update, { "x-hub-signature": sign(update) })).status).toBe(200);
      expect(await route()).toEqual({ instance: "prod", discoveredAt: 1, server: "Signed" });
      const before = forwards();
      expect((await post(`/open/${UUID}`, update)).status).toBe(404);
      expect(forwards()).toBe(before);
    });

    it("a route first reached through an unsigned path is taken over by a verified delivery, never given back", async () => {
      expect((await post(`/open/${UUID}`, update)).status).toBe(200);
      expect((await route())?.server).toBe("Open");
      // A wrong signature on the signed path is refused before routing.
      expect((await post(`/${UUID}`, update, { "x-hub-signature": sign("other") })).status).toBe(401);
      expect((await route())?.server).toBe("Open");
      expect((await post(`/${UUID}`, update, { "x-hub-signature": sign(update) })).status).toBe(200);
      expect((await route())?.server).toBe("Signed");
      const before = forwards();
      const refused = await post(`/open/${UUID}`, update);
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ error: "unknown_webhook" });
      expect(forwards()).toBe(before);
    });

    it("GET /-/routes shows the server of each route", async () => {
      await post(`/${UUID}`, update, { "x-hub-signature": sign(update) });
      const res = await gateway.app.request("http://gw.example.com/-/routes", { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(await res.json()).toEqual({ routes: [expect.objectContaining({ uuid: UUID, instance: "prod", server: "Signed" })] });
    });
  });

  describe("finding 6: X-Forwarded-* are kept only from gateway.trustedProxies", () => {
    const spoofed = {
      "x-forwarded-for": "198.51.100.66",
      "x-forwarded-proto": "gopher",
      "x-forwarded-host": "evil.example",
      "x-hub-signature": sign(update),
    };

    it("from any other peer they are replaced by the gateway's own view", async () => {
      expect((await post(`/${UUID}`, update, { ...spoofed, "x-test-peer": "203.0.113.9" })).status).toBe(200);
      const got = lastForward();
      expect(got.headers["x-forwarded-for"]).toBe("203.0.113.9");
      expect(got.headers["x-forwarded-proto"]).toBe("http");
      expect(got.headers["x-forwarded-host"]).toBe("gw.example.com");
    });

    it("from a trusted proxy (address or CIDR, IPv4 or IPv6) they are kept and the peer appended", async () => {
      await build({ gateway: { trustedProxies: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"] } });
      for (const peer of ["10.20.30.40", "2001:db8::7", "::ffff:192.0.2.1"]) {
        expect((await post(`/${UUID}`, update, { ...spoofed, "x-test-peer": peer })).status).toBe(200);
        const got = lastForward();
        expect(got.headers["x-forwarded-for"]).toBe(`198.51.100.66, ${peer}`);
        expect(got.headers["x-forwarded-proto"]).toBe("gopher");
        expect(got.headers["x-forwarded-host"]).toBe("evil.example");
      }
      expect((await post(`/${UUID}`, update, { ...spoofed, "x-test-peer": "11.0.0.1" })).status).toBe(200);
      expect(lastForward().headers["x-forwarded-host"]).toBe("gw.example.com");
    });

    it("refuses a trustedProxies entry that is not an address or CIDR range, naming it", async () => {
      await expect(build({ gateway: { trustedProxies: ["10.0.0.0/33", "proxy.example.com", "::1/129", "10.0.0.1"] } })).rejects.toThrow(
        /gateway\.trustedProxies\[0\]: .*\n.*gateway\.trustedProxies\[1\]: .*\n.*gateway\.trustedProxies\[2\]: /,
      );
    });
  });

  describe("finding 11: separate token scopes", () => {
    const call = (path: string, token: string, method = "GET") =>
      gateway.app.request(`http://gw.example.com${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: method === "POST" ? "{}" : undefined,
      });

    it("vcsTokens open /vcs/* only, adminTokens /-/* only, apiTokens both (as before)", async () => {
      await build({ gateway: { vcsTokens: ["status-poster-token"], adminTokens: ["operator-token"] } });
      // A /vcs/* call that gets past the token check is a 400 for this body, not a 401.
      expect((await call("/vcs/Signed/status", "status-poster-token", "POST")).status).toBe(400);
      expect((await call("/-/deliveries", "status-poster-token")).status).toBe(401);
      expect((await call("/-/routes", "status-poster-token")).status).toBe(401);
      expect((await call("/-/deliveries", "operator-token")).status).toBe(200);
      expect((await call("/vcs/Signed/status", "operator-token", "POST")).status).toBe(401);
      expect((await call("/-/deliveries", API_TOKEN)).status).toBe(200);
      expect((await call("/vcs/Signed/status", API_TOKEN, "POST")).status).toBe(400);
    });
  });

  describe("finding 3: a budget of body bytes in flight", () => {
    it("answers 503 with Retry-After while the budget is used, counts the bytes in /metrics, and gives them back", async () => {
      await build({ gateway: { maxBodyBytes: 1000, maxBodyBytesInFlight: 1500, bodyTimeout: "300ms" } });
      // A client that sent 1000 bytes of a chunked body and then stopped.
      let sent = false;
      const stalled = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return new Promise<void>(() => {});
          sent = true;
          controller.enqueue(new Uint8Array(1000).fill(0x20));
        },
      });
      const first = post(`/open/${UUID}`, "", {}, { body: stalled, duplex: "half" } as RequestInit);
      const gauge = async () =>
        Number(
          /^cds_gateway_body_bytes_in_flight (\d+)$/m.exec(await (await gateway.app.request("http://gw.example.com/metrics")).text())?.[1],
        );
      while ((await gauge()) < 1000) await new Promise((resolve) => setTimeout(resolve, 5));
      const busy = await post(`/open/${UUID}`, "x".repeat(600), { "content-length": "600" });
      expect(busy.status).toBe(503);
      expect(busy.headers.get("retry-after")).toBe("5");
      expect(await busy.json()).toMatchObject({ error: "busy" });
      expect((await first).status).toBe(408);
      expect(await gauge()).toBe(0);
      expect((await post(`/open/${UUID}`, "x".repeat(600), { "content-length": "600" })).status).toBe(200);
    });

    it("refuses a budget smaller than one body of maxBodyBytes, and follows a larger maxBodyBytes by default", async () => {
      await expect(build({ gateway: { maxBodyBytes: 2000, maxBodyBytesInFlight: 1000 } })).rejects.toThrow(
        "gateway.maxBodyBytesInFlight: must be at least maxBodyBytes (2000)",
      );
      const config = await loadConfig(gatewayToml({ gateway: { maxBodyBytes: 100000000 }, cds: { p: { hooksUrl: "https://cds" } } }), {
        env: () => undefined,
      });
      expect(config.gateway.maxBodyBytesInFlight).toBe(100000000);
      const defaults = await loadConfig(gatewayToml({ cds: { p: { hooksUrl: "https://cds" } } }), { env: () => undefined });
      expect(defaults.gateway).toMatchObject({ maxBodyBytesInFlight: 64 * 1024 * 1024, headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000 });
    });
  });
});
