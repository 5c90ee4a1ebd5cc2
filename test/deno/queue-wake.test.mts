/**
 * Retries on Deno without the cron: the gateway wired as src/adapters/deno/main.ts
 * wires it (the generic KV queue on Deno KV, `wake` through Deno KV's queue,
 * a `listenQueue` handler running the scheduled work), minus `Deno.cron`. A
 * queued webhook is delivered only if the wake-ups fire.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKvWake } from "../../src/adapters/deno/deno-kv-wake.ts";
import { createDenoKvStore } from "../../src/adapters/deno/deno-kv-store.ts";
import { type ScheduledWork, scheduleWork } from "../../src/app/schedule-work.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { createGateway, type Gateway } from "../../src/app/create-gateway.ts";
import type { KvStore } from "../../src/core/ports.ts";
import { registerWithDenoTest } from "./deno-test-runner.mts";
import { type DenoStubCds, startDenoStubCds } from "./deno-stub-cds.mts";
import { gatewayToml } from "../support/gateway-toml.ts";

const FIXTURES = new URL("../fixtures/bitbucket/", import.meta.url);
const fixture = (name: string) => Deno.readFileSync(new URL(name, FIXTURES));

/** Polls `check` for at most `timeoutMs` (a bounded wait, not a timing assertion). */
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe("deno: queued deliveries woken through Deno KV's queue", () => {
  let cds: DenoStubCds;
  let dir: string;
  let kv: Deno.Kv;
  let store: KvStore;
  let gateway: Gateway;
  let scheduled: ScheduledWork;
  let listening: Promise<void>;
  let runs: number;

  beforeEach(async () => {
    cds = startDenoStubCds();
    dir = await Deno.makeTempDir({ prefix: "cds-gw-deno-wake-" });
    kv = await Deno.openKv(`${dir}/kv.sqlite3`);
    store = createDenoKvStore({ kv });
    const config = await loadConfig(
      gatewayToml({ gateway: { forwardTimeout: "5s", apiTokens: ["deno-admin-token"] }, cds: { alpha: { hooksUrl: cds.hooksUrl } } }),
      { env: () => undefined },
    );
    runs = 0;
    const wakes = createKvWake(kv, { run: () => scheduled.run() });
    // random 0.5: each retry is due half its backoff ceiling later (0.5 s, 1 s, 2 s…).
    gateway = createGateway({
      config,
      store,
      fetch: (url, init) => fetch(url, init as RequestInit),
      wake: wakes.wake,
      random: () => 0.5,
    });
    scheduled = scheduleWork(
      async () => {
        runs++;
        await gateway.runScheduledWork();
      },
      { log() {} },
    );
    listening = wakes.listen();
  });

  afterEach(async () => {
    await scheduled.stop();
    await store.close();
    await listening;
    await cds.close();
    await Deno.remove(dir, { recursive: true });
  });

  const post = (uuid: string, body: Uint8Array) =>
    gateway.app.request(`/${uuid}`, {
      method: "POST",
      body: body as BodyInit,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "x-event-key": "pr:opened",
        "x-request-id": "d1d1d1d1-0000-4000-8000-000000000001",
      },
    });
  const status = async (id: string) => (await gateway.queue.get(id))?.status;

  it("delivers a queued webhook byte for byte once CDS recovers, woken at each due time, with no cron", async () => {
    const u = "7a9c1e3f-5b7d-4f9a-8c1e-3f5b7d9f1a3c";
    const body = fixture("pr-opened.json");
    cds.answer(() => ({ status: 503 }));
    const res = await post(u, body);
    expect(res.status).toBe(202);
    const { delivery } = (await res.json()) as { delivery: string };
    expect(await status(delivery)).toBe("queued");

    // The forward itself, then two retries: the one woken by the enqueue and the one woken by its reschedule.
    expect(await waitFor(() => cds.requests.length >= 3, 20_000)).toBe(true);
    expect(await status(delivery)).toBe("queued");
    cds.owned.add(u);
    cds.answer(undefined);
    expect(await waitFor(async () => (await status(delivery)) === "delivered", 20_000)).toBe(true);

    const last = cds.requests.at(-1)!;
    expect(last.url).toBe(`/cdshooks/webhook/${u}`);
    expect(last.body).toEqual(body);
    expect(last.headers.get("x-request-id")).toBe("d1d1d1d1-0000-4000-8000-000000000001");
    expect(cds.requests.length).toBeGreaterThanOrEqual(4);
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  it("wakes a replayed delivery at once", async () => {
    const u = "4e6a8c0e-2b4d-4f6a-9c8e-0a2c4e6a8c0e";
    cds.answer(() => ({ status: 503 }));
    const res = await post(u, fixture("pr-opened.json"));
    const { delivery } = (await res.json()) as { delivery: string };
    const queued = (await gateway.queue.read(delivery))!;
    // Dead now, as after 24 h of failures; nothing is due any more.
    expect(
      await gateway.queue.replace(queued, { ...queued.record, status: "dead", nextAttemptAt: undefined, deadAt: Date.now() }),
    ).toBeDefined();
    cds.owned.add(u);
    cds.answer(undefined);
    const before = cds.requests.length;

    const replay = await gateway.app.request(`/-/deliveries/${delivery}/replay`, {
      method: "POST",
      headers: { authorization: "Bearer deno-admin-token" },
    });
    expect(replay.status).toBe(202);
    expect(await waitFor(async () => (await status(delivery)) === "delivered", 20_000)).toBe(true);
    expect(cds.requests.length).toBe(before + 1);
  });

  it("answers the console's routes: /-/instances and one delivery in detail, its signature masked (issue #16)", async () => {
    const u = "6c8e0a2c-4e6a-4c8e-8a0c-2e4a6c8e0a2c";
    cds.answer(() => ({ status: 503 }));
    const res = await gateway.app.request(`/${u}`, {
      method: "POST",
      body: fixture("pr-opened.json") as BodyInit,
      headers: { "content-type": "application/json", "x-event-key": "pr:opened", "x-hub-signature": "sha256=0a1b2c" },
    });
    expect(res.status).toBe(202);
    const { delivery } = (await res.json()) as { delivery: string };
    const admin = (path: string) => gateway.app.request(path, { headers: { authorization: "Bearer deno-admin-token" } });
    const detail = await admin(`/-/deliveries/${delivery}`);
    expect(detail.status).toBe(200);
    const shown = (await detail.json()) as {
      headers: Record<string, string>;
      repository: string;
      history: Array<{ outcome: string; instance?: string }>;
      body: string;
    };
    expect(shown.headers["x-hub-signature"]).toBe("sha256=[masked]");
    expect(shown.repository).toBe("~gopher/webhook-test");
    // Retried meanwhile, maybe (woken within a second): every attempt is alpha's 503.
    expect(shown.history.length).toBeGreaterThanOrEqual(1);
    for (const attempt of shown.history) expect(attempt).toMatchObject({ outcome: "unreachable", instance: "alpha" });
    expect(JSON.parse(shown.body).eventKey).toBe("pr:opened");
    const instances = await admin("/-/instances");
    expect(instances.status).toBe(200);
    const overview = (await instances.json()) as { instances: Array<{ name: string; reachable: boolean; queued: number }> };
    expect(overview.instances).toHaveLength(1);
    expect(overview.instances[0]).toMatchObject({ name: "alpha", reachable: false, queued: 1 });
  });
});

registerWithDenoTest();
