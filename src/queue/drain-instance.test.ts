import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.ts";
import { createGateway, type Gateway } from "../app/create-gateway.ts";
import type { FetchFn, KvStore } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import { gatewayToml } from "../../test/support/gateway-toml.ts";

const START = Date.parse("2026-11-25T10:00:00Z");
const PROD = "0a1b2c3d-0000-4e5f-8a9b-000000000001";
const PROD_TOO = "0a1b2c3d-0000-4e5f-8a9b-000000000002";
const EU = "0a1b2c3d-0000-4e5f-8a9b-000000000003";
const owner: Record<string, string> = { [PROD]: "prod", [PROD_TOO]: "prod", [EU]: "eu" };

/**
 * Two CDS hooks services behind the core's fetch port: each answers 200 for
 * the UUIDs it owns and 404 for the others while `up`, 503 while down, after
 * a short pause so attempts overlap. Records what it received, in order, and
 * the most requests one instance had at once.
 */
function fakeCds() {
  const up: Record<string, boolean> = { prod: false, eu: false };
  const received: Array<{ instance: string; uuid: string; n: number; answered: number }> = [];
  const inFlight: Record<string, number> = { prod: 0, eu: 0 };
  let mostAtOnce = 0;
  /** Called per request an instance takes while up: false makes it fail (503) from then on. */
  let stillUp: (instance: string) => boolean = () => true;
  const fetch: FetchFn = async (url, init) => {
    const [, instance, uuid] = /^https:\/\/(\w+)\.cds\/cdshooks\/webhook\/([^/?]+)/.exec(url)!;
    inFlight[instance!]!++;
    mostAtOnce = Math.max(mostAtOnce, inFlight[instance!]!);
    await new Promise((r) => setTimeout(r, 5));
    inFlight[instance!]!--;
    const n = (JSON.parse(new TextDecoder().decode(init.body as Uint8Array)) as { n: number }).n;
    if (up[instance!] && owner[uuid!] === instance && !stillUp(instance!)) up[instance!] = false;
    const status = !up[instance!] ? 503 : owner[uuid!] === instance ? 200 : 404;
    received.push({ instance: instance!, uuid: uuid!, n, answered: status });
    return new Response(status === 200 ? "{}" : status === 404 ? '{"message":"Unknown uuid"}' : "maintenance", {
      status,
      headers: { "content-type": "application/json" },
    });
  };
  return {
    fetch,
    up,
    received,
    mostAtOnce: () => mostAtOnce,
    failAfter(instance: string, count: number) {
      let taken = 0;
      stillUp = (i) => i !== instance || ++taken <= count;
    },
  };
}

async function gatewayOn(store: KvStore, cds: ReturnType<typeof fakeCds>, now: () => number, logs: string[] = []): Promise<Gateway> {
  const config = await loadConfig(
    gatewayToml({
      gateway: { forwardTimeout: "1s", lateAnswerWindow: "1s", drainConcurrency: 3, apiTokens: ["t"] },
      cds: { prod: { hooksUrl: "https://prod.cds/cdshooks" }, eu: { hooksUrl: "https://eu.cds/cdshooks" } },
    }),
    { env: () => undefined },
  );
  return createGateway({
    config,
    store,
    fetch: cds.fetch,
    clock: { now },
    random: () => 0.5,
    logger: { log: (_level, message) => logs.push(message) },
  });
}

const post = async (gateway: Gateway, uuid: string, n: number) =>
  (
    await gateway.app.request(`http://gw/${uuid}`, {
      method: "POST",
      body: JSON.stringify({ n }),
      headers: { "x-event-key": "repo:refs_changed" },
    })
  ).status;
const queued = async (gateway: Gateway) =>
  (
    (await (
      await gateway.app.request("http://gw/-/deliveries?status=queued&limit=1000", { headers: { authorization: "Bearer t" } })
    ).json()) as {
      deliveries: Array<{ id: string; attempts: number; nextAttemptAt: number; unreached?: string[] }>;
    }
  ).deliveries;
/** The webhooks (by `n`) an instance took, in the order it took them. */
const taken = (cds: ReturnType<typeof fakeCds>, instance: string) =>
  cds.received.filter((r) => r.instance === instance && r.answered === 200).map((r) => r.n);

describe("an instance that accepts again drains what waits for it (issue #12, finding 6)", () => {
  it("at once, oldest first, at most drainConcurrency at a time, each once; nothing else is asked", async () => {
    const store = createMemoryStore({ clock: { now: () => START } });
    const cds = fakeCds();
    const gateway = await gatewayOn(store, cds, () => START);
    for (let n = 1; n <= 12; n++) expect(await post(gateway, PROD, n)).toBe(202);
    cds.up.prod = true;
    // The first webhook CDS takes again; the twelve queued ones are not due for a while (the clock stands still).
    expect(await post(gateway, PROD, 100)).toBe(200);
    expect(await gateway.settle(5_000)).toBe(true);
    expect(taken(cds, "prod")).toEqual([100, ...Array.from({ length: 12 }, (_, i) => i + 1)]);
    expect(cds.mostAtOnce()).toBeLessThanOrEqual(3);
    expect(await queued(gateway)).toEqual([]);
    expect(await store.list("delivery-waiting:")).toEqual([]);
    // Nothing waits any more: the next webhooks cost no look at the store for 5 s, and start no drain.
    const listed = cds.received.length;
    expect(await post(gateway, PROD, 101)).toBe(200);
    expect(await gateway.settle(1_000)).toBe(true);
    expect(cds.received.length).toBe(listed + 1);
  });

  it("stops at the first failure: the deliveries not attempted keep their backoff; the next success goes on", async () => {
    const store = createMemoryStore({ clock: { now: () => START } });
    const cds = fakeCds();
    const gateway = await gatewayOn(store, cds, () => START);
    for (let n = 1; n <= 12; n++) expect(await post(gateway, PROD, n)).toBe(202);
    const before = new Map((await queued(gateway)).map((d) => [d.id, d.nextAttemptAt]));
    cds.up.prod = true;
    // Barely back: it takes the direct webhook and four of the drain, then fails again.
    cds.failAfter("prod", 5);
    expect(await post(gateway, PROD, 100)).toBe(200);
    expect(await gateway.settle(5_000)).toBe(true);
    expect(taken(cds, "prod")).toEqual([100, 1, 2, 3, 4]);
    const left = await queued(gateway);
    // At most drainConcurrency attempts were under way when the failure came; the rest were never sent.
    const failedAgain = left.filter((d) => d.attempts === 2);
    const untouched = left.filter((d) => d.attempts === 1);
    expect(failedAgain.length).toBeGreaterThanOrEqual(1);
    expect(failedAgain.length).toBeLessThanOrEqual(3);
    expect(untouched.length).toBe(8 - failedAgain.length);
    for (const d of untouched) expect(d.nextAttemptAt).toBe(before.get(d.id));

    cds.up.prod = true;
    cds.failAfter("prod", 1_000);
    expect(await post(gateway, PROD, 101)).toBe(200);
    expect(await gateway.settle(5_000)).toBe(true);
    expect(await queued(gateway)).toEqual([]);
    expect(taken(cds, "prod").sort((a, b) => a - b)).toEqual([...Array.from({ length: 12 }, (_, i) => i + 1), 100, 101]);
  });

  it("a delivery with no known owner waits for every instance not reached; one that answers 404 stops waiting, the owner delivers it", async () => {
    const store = createMemoryStore({ clock: { now: () => START } });
    const cds = fakeCds();
    const gateway = await gatewayOn(store, cds, () => START);
    expect(await post(gateway, EU, 1)).toBe(202);
    expect((await queued(gateway))[0]!.unreached).toEqual(["prod", "eu"]);
    // Prod is back (not eu): its drain offers the delivery; prod's own 404 is no failure of prod's.
    cds.up.prod = true;
    expect(await post(gateway, PROD, 100)).toBe(200);
    expect(await gateway.settle(5_000)).toBe(true);
    const [still] = await queued(gateway);
    expect(still).toMatchObject({ attempts: 2, unreached: ["eu"] });
    expect(cds.received.filter((r) => r.n === 1 && r.instance === "prod").map((r) => r.answered)).toEqual([503, 404]);
    // Eu is back: the first webhook it takes drains it.
    cds.up.eu = true;
    expect(await post(gateway, EU, 200)).toBe(200);
    expect(await gateway.settle(5_000)).toBe(true);
    expect(await queued(gateway)).toEqual([]);
    expect(taken(cds, "eu")).toEqual([200, 1]);
  });

  it("works across processes sharing the store: the one that sees the success drains what the other queued, one drain at a time", async () => {
    const store = createMemoryStore({ clock: { now: () => START } });
    const cds = fakeCds();
    const logs: string[] = [];
    const [a, b] = [await gatewayOn(store, cds, () => START, logs), await gatewayOn(store, cds, () => START, logs)];
    for (let n = 1; n <= 12; n++) expect(await post(a!, n % 2 ? PROD : PROD_TOO, n)).toBe(202);
    cds.up.prod = true;
    // Both take a webhook at once: one drains, the other finds the drain held.
    expect(await Promise.all([post(b!, PROD, 100), post(a!, PROD_TOO, 101)])).toEqual([200, 200]);
    expect(await Promise.all([a!.settle(5_000), b!.settle(5_000)])).toEqual([true, true]);
    expect(await queued(a!)).toEqual([]);
    expect(taken(cds, "prod").sort((x, y) => x - y)).toEqual([...Array.from({ length: 12 }, (_, i) => i + 1), 100, 101]);
    expect(logs.filter((m) => m === "instance accepts again: draining its queued deliveries")).toHaveLength(1);
    expect(cds.mostAtOnce()).toBeLessThanOrEqual(3 + 2);
  });
});
