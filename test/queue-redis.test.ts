import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServerHandle } from "./support/redis-server.ts";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const UUIDS = ["3c2b1a09-8f7e-4d6c-9b5a-493827160504", "c0ffee00-1234-4abc-8def-0123456789ab"];
const PER_GATEWAY = 15;

/**
 * Several Node processes sharing one Redis share the durable queue and the
 * request-id dedup: both sweep the same queued deliveries every 100 ms, and
 * the per-delivery lease (SET NX) lets exactly one of them attempt each.
 */
describe("two Node gateways sharing one Redis: the durable queue", () => {
  let redis: RedisServerHandle;
  let cds: StubCds;
  let gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    cds = await startStubCds({ owned: UUIDS });
    const configPath = writeConfig(
      gatewayToml({
        gateway: { store: redis.url, forwardTimeout: "2s", sweepInterval: "100ms" },
        cds: { prod: { hooksUrl: cds.hooksUrl } },
      }),
    );
    gateways = await Promise.all([startGateway(configPath), startGateway(configPath)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await cds?.close();
    await redis?.stop();
  });

  it("delivers every queued webhook exactly once, and a request id sent to both gateways once", { timeout: 60_000 }, async () => {
    // CDS answers slowly while failing, so sweeps of both processes overlap.
    let failing = true;
    cds.answer(() => (failing ? { status: 503, delayMs: 150 } : { status: 200, body: "{}", delayMs: 150 }));
    const sent: string[] = [];
    for (let i = 0; i < PER_GATEWAY * 2; i++) {
      const id = `redis-queue-${i}`;
      sent.push(id);
      const res = await fetch(`${gateways[i % 2]!.url}/${UUIDS[i % 2]}`, {
        method: "POST",
        body: JSON.stringify({ n: i }),
        headers: { "x-event-key": "repo:refs_changed", "x-request-id": id },
      });
      expect(res.status).toBe(202);
    }
    // The same request id at the other gateway: acknowledged, not queued again.
    const again = await fetch(`${gateways[1]!.url}/${UUIDS[0]}`, {
      method: "POST",
      body: JSON.stringify({ n: 0 }),
      headers: { "x-event-key": "repo:refs_changed", "x-request-id": sent[0]! },
    });
    expect(((await again.json()) as { status: string }).status).toBe("duplicate");

    failing = false;
    const deliveredCounts = () => {
      const counts = new Map<string, number>();
      for (const r of cds.requests)
        if (r.answered === 200) counts.set(r.headers["x-request-id"] as string, (counts.get(r.headers["x-request-id"] as string) ?? 0) + 1);
      return counts;
    };
    expect(await waitFor(() => sent.every((id) => deliveredCounts().has(id)), 45_000, 100)).toBe(true);
    // Let any second attempt that would have slipped through arrive before counting.
    await new Promise((r) => setTimeout(r, 1000));
    const counts = deliveredCounts();
    expect(sent.filter((id) => counts.get(id) !== 1)).toEqual([]);
    for (const g of gateways) expect(g.output()).toContain("queued delivery delivered");
  });
});
