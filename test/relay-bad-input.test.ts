import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.ts";
import { createApp } from "../src/app/create-gateway.ts";
import { createMemoryStore } from "../src/store/memory-store.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import type { Hono } from "hono";
import { gatewayToml } from "./support/gateway-toml.ts";

const UUID = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";

/** Bad input gets its clear answer, and none of it reaches CDS. */
describe("relay: bad input (app.request, real stub CDS on loopback)", () => {
  let cds: StubCds;
  let app: Hono;

  beforeAll(async () => {
    cds = await startStubCds({ owned: [UUID] });
    const config = await loadConfig(
      gatewayToml({
        gateway: { maxBodyBytes: 1024 },
        cds: { prod: { hooksUrl: cds.hooksUrl } },
        servers: {
          B: { url: "https://bb", bitbucket: { proxyWebhook: "https://proxy/hooks" } },
          Off: { url: "https://off", bitbucket: { proxyWebhook: "https://proxy/off", disableWebHooks: true } },
        },
      }),
      { env: () => undefined },
    );
    app = createApp({ config, store: createMemoryStore(), fetch: (url, init) => fetch(url, init as RequestInit) });
  });
  afterAll(() => cds?.close());

  const cases: Array<[string, string, RequestInit, number, string]> = [
    ["malformed UUID", "/hooks/not-a-uuid", { method: "POST", body: "{}" }, 404, "not_found"],
    ["UUID one character short", `/hooks/${UUID.slice(1)}`, { method: "POST", body: "{}" }, 404, "not_found"],
    ["UUID with a bad variant", "/hooks/3f2c8a4e-1b7d-4c2a-1e5f-0a1b2c3d4e5f", { method: "POST", body: "{}" }, 404, "not_found"],
    ["UUID with a trailing NUL", `/hooks/${UUID}%00`, { method: "POST", body: "{}" }, 404, "not_found"],
    ["extra path segment", `/hooks/${UUID}/x`, { method: "POST", body: "{}" }, 404, "not_found"],
    ["unknown prefix", `/other/${UUID}`, { method: "POST", body: "{}" }, 404, "not_found"],
    ["no prefix where one is configured", `/${UUID}`, { method: "POST", body: "{}" }, 404, "not_found"],
    ["path traversal with dot segments", "/hooks/../../etc/passwd", { method: "POST", body: "{}" }, 404, "not_found"],
    ["path traversal with an encoded slash", `/hooks/..%2f${UUID}`, { method: "POST", body: "{}" }, 404, "not_found"],
    ["path traversal to a UUID above the prefix", `/hooks/${UUID}/..`, { method: "POST", body: "{}" }, 404, "not_found"],
    ["GET", `/hooks/${UUID}`, { method: "GET" }, 405, "method_not_allowed"],
    ["PUT", `/hooks/${UUID}`, { method: "PUT", body: "{}" }, 405, "method_not_allowed"],
    ["DELETE", `/hooks/${UUID}`, { method: "DELETE" }, 405, "method_not_allowed"],
    ["disabled server", `/off/${UUID}`, { method: "POST", body: "{}" }, 403, "webhooks_disabled"],
    ["declared body over the limit", `/hooks/${UUID}`, { method: "POST", body: "x".repeat(1025) }, 413, "payload_too_large"],
    [
      "streamed body over the limit, no Content-Length",
      `/hooks/${UUID}`,
      {
        method: "POST",
        body: new ReadableStream({
          pull(controller) {
            controller.enqueue(new Uint8Array(600));
          },
        }),
        duplex: "half",
      } as RequestInit,
      413,
      "payload_too_large",
    ],
  ];

  it.each(cases)("%s → %i", async (_name, path, init, status, error) => {
    const before = cds.requests.length;
    const res = await app.request(`http://proxy${path}`, init);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: string }).error).toBe(error);
    if (status === 405) expect(res.headers.get("allow")).toBe("POST");
    expect(cds.requests.length).toBe(before);
  });

  it("a body of exactly maxBodyBytes is accepted and forwarded", async () => {
    const res = await app.request(`http://proxy/hooks/${UUID}`, { method: "POST", body: "y".repeat(1024) });
    expect(res.status).toBe(200);
    expect(cds.requests.at(-1)!.body.length).toBe(1024);
  });

  it("an upper-case UUID is the same webhook", async () => {
    const res = await app.request(`http://proxy/hooks/${UUID.toUpperCase()}`, { method: "POST", body: "{}" });
    expect(res.status).toBe(200);
    expect(cds.requests.at(-1)!.url).toBe(`/cdshooks/webhook/${UUID}`);
  });

  it("/vcs/* and /-/* refuse calls without a bearer token", async () => {
    for (const path of ["/vcs/B/status", "/-/deliveries"]) {
      const res = await app.request(`http://proxy${path}`, { method: "POST", body: "{}" });
      expect(res.status).toBe(401);
    }
  });
});
