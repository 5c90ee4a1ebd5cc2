/**
 * The relay in Deno: the app from createGateway on a Deno KV store and
 * Deno's fetch, called with app.request, against stub CDS instances on
 * 127.0.0.1 (Deno.serve). The served process is tested by test/deno.test.ts
 * (`deno task start`).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDenoKvStore } from "../../src/adapters/deno/deno-kv-store.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { createGateway, type Gateway } from "../../src/app/create-gateway.ts";
import type { KvStore } from "../../src/core/ports.ts";
import { registerWithDenoTest } from "./deno-test-runner.mts";
import { type DenoStubCds, startDenoStubCds } from "./deno-stub-cds.mts";
import { gatewayToml } from "../support/gateway-toml.ts";

const FIXTURES = new URL("../fixtures/bitbucket/", import.meta.url);
const U1 = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const U2 = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";
const U3 = "1c6b3f2e-8d4a-4f1e-b2c3-d4e5f6a7b8c9";

const fixture = (name: string) => Deno.readFileSync(new URL(name, FIXTURES));

describe("deno: the relay on Deno KV", () => {
  let alpha: DenoStubCds;
  let beta: DenoStubCds;
  let dir: string;
  let store: KvStore;
  let gateway: Gateway;

  beforeEach(async () => {
    alpha = startDenoStubCds([U1]);
    beta = startDenoStubCds([U2]);
    dir = await Deno.makeTempDir({ prefix: "cds-gw-deno-relay-" });
    store = createDenoKvStore({ kv: await Deno.openKv(`${dir}/kv.sqlite3`) });
    const config = await loadConfig(
      gatewayToml({
        gateway: { forwardTimeout: "5s", maxBodyBytes: 65536 },
        cds: { alpha: { hooksUrl: alpha.hooksUrl }, beta: { hooksUrl: beta.hooksUrl } },
      }),
      { env: () => undefined },
    );
    // random 0: a queued delivery is due again at once (retry delays have full jitter).
    gateway = createGateway({ config, store, fetch: (url, init) => fetch(url, init as RequestInit), random: () => 0 });
  });

  afterEach(async () => {
    await alpha.close();
    await beta.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  });

  const post = (path: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
    gateway.app.request(path, {
      method: "POST",
      body: body as BodyInit,
      headers: { "content-type": "application/json; charset=utf-8", "x-event-key": "repo:refs_changed", ...headers },
    });

  it("relays a webhook byte for byte to the instance that owns it, and remembers the route", async () => {
    const body = fixture("refs-changed-update.json");
    const res = await post(`/${U1}?at=refs%2Fheads%2Fmain`, body, { "x-request-id": "d0d0d0d0-0000-4000-8000-000000000001" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("forwarded");
    const got = alpha.requests.at(-1)!;
    expect(got.url).toBe(`/cdshooks/webhook/${U1}?at=refs%2Fheads%2Fmain`);
    expect(got.body).toEqual(body);
    expect(got.headers.get("content-length")).toBe(String(body.length));
    expect(got.headers.get("x-event-key")).toBe("repo:refs_changed");
    expect(got.headers.get("x-request-id")).toBe("d0d0d0d0-0000-4000-8000-000000000001");
    expect(got.headers.get("x-forwarded-proto")).toBe("http");
    expect(beta.requests).toHaveLength(1);

    const again = await post(`/${U1}`, body, { "x-request-id": "d0d0d0d0-0000-4000-8000-000000000002" });
    expect(again.status).toBe(200);
    await again.body?.cancel();
    expect(beta.requests).toHaveLength(1);
    expect(alpha.requests).toHaveLength(2);
  });

  it("answers 404 for a UUID no instance knows, and Bitbucket's ping itself", async () => {
    const unknown = await post(`/${U3}`, "{}");
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
    const before = alpha.requests.length + beta.requests.length;
    const ping = await post(`/${U3}`, fixture("ping.json"), { "x-event-key": "diagnostics:ping" });
    expect(ping.status).toBe(200);
    expect(((await ping.json()) as { status: string }).status).toBe("pong");
    expect(alpha.requests.length + beta.requests.length).toBe(before);
  });

  it("queues a webhook no instance could take (202), then delivers it from the scheduled work", async () => {
    const u = "6e1f0c2a-4b3d-4e5f-8a9b-0c1d2e3f4a5b";
    const body = fixture("pr-opened.json");
    alpha.answer(() => ({ status: 503 }));
    const res = await post(`/${u}`, body, { "x-event-key": "pr:opened" });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { status: string }).status).toBe("queued");

    alpha.answer(undefined);
    alpha.owned.add(u);
    await gateway.runScheduledWork();
    const delivered = alpha.requests.filter((r) => r.url === `/cdshooks/webhook/${u}`);
    expect(delivered).toHaveLength(2);
    expect(delivered[1]!.body).toEqual(body);
    expect(delivered[1]!.headers.get("x-event-key")).toBe("pr:opened");
  });
});

registerWithDenoTest();
