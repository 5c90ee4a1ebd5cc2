import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServerHandle } from "./support/redis-server.ts";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubAnswer, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const N = 20;
const UUID = "5b8d3e1f-7a2c-4d6e-9f0b-1c3e5a7b9d2f";
const TOKEN = "recovery-drain-admin-token";
/** How long CDS is down; RECOVERY_OUTAGE_MS=60000 runs the minute. */
const OUTAGE_MS = Number(process.env.RECOVERY_OUTAGE_MS ?? 4_000);
/** What CDS's maintenance page asks for while it is down (0: no Retry-After, the backoff alone). */
const RETRY_AFTER_S = Number(process.env.RECOVERY_RETRY_AFTER_S ?? 300);
/** A bound far beyond "a few seconds", far below what the deliveries' backoff would make them wait (RECOVERY_BOUND_MS: to measure the previous code). */
const DRAIN_BOUND_MS = Number(process.env.RECOVERY_BOUND_MS ?? 30_000);

/**
 * Issue #12, finding 6 and its "Done when": after an outage with 20 queued
 * deliveries whose next attempts are minutes away, all of them reach CDS
 * within a few seconds of CDS taking its first webhook again, each once.
 * Two real Node gateways share one Redis; CDS (`prod`, a stub on loopback)
 * answers 503 with `Retry-After: 300` while it is down, as a maintenance page
 * in front of it does, so every queued delivery is due 5 minutes later at the
 * earliest — where the backoff of a long outage puts it. A second instance
 * (`eu`) owns none of these webhooks and stays up (404). The deliveries are
 * queued at both gateways; the first webhook after the outage goes to the
 * second one, which drains the whole backlog. Figures: docs/RELIABILITY.md
 * (RECOVERY_REPORT=file.json writes them).
 */
describe("recovery: queued deliveries are drained the moment CDS takes a webhook again (issue #12, finding 6)", () => {
  let prod: StubCds;
  let eu: StubCds;
  let redis: RedisServerHandle | undefined;
  let gateways: GatewayProcess[] = [];
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await prod?.close();
    await eu?.close();
    await redis?.stop();
  });

  it(
    "20 deliveries queued during an outage reach CDS within seconds of its first accepted webhook, each once",
    { timeout: OUTAGE_MS + DRAIN_BOUND_MS + 60_000 },
    async () => {
      prod = await startStubCds({ owned: [UUID] });
      eu = await startStubCds();
      let down = true;
      const maintenance: Record<string, string> = {
        "content-type": "text/plain",
        ...(RETRY_AFTER_S > 0 ? { "retry-after": String(RETRY_AFTER_S) } : {}),
      };
      prod.answer((): StubAnswer =>
        down ? { status: 503, body: "maintenance", headers: maintenance } : { status: 200, body: "{}", delayMs: 20 },
      );
      redis = await startRedisServer();
      const config = writeConfig(
        gatewayToml({
          gateway: { store: redis.url, forwardTimeout: "2s", sweepInterval: "1s", apiTokens: [TOKEN] },
          cds: { prod: { hooksUrl: prod.hooksUrl }, eu: { hooksUrl: eu.hooksUrl } },
        }),
      );
      gateways = await Promise.all([
        startGateway(config, { env: { LOG_LEVEL: "info" } }),
        startGateway(config, { env: { LOG_LEVEL: "info" } }),
      ]);
      const [a, b] = gateways as [GatewayProcess, GatewayProcess];
      const send = (gateway: GatewayProcess, id: string) =>
        fetch(`${gateway.url}/${UUID}`, {
          method: "POST",
          body: JSON.stringify({ eventKey: "repo:refs_changed", id }),
          headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed", "x-request-id": id },
        });

      // The outage: webhooks arrive at either gateway, spread over it, and are queued.
      const outageStart = Date.now();
      const ids = Array.from({ length: N }, (_, i) => `recovery-${String(i).padStart(2, "0")}`);
      for (const [i, id] of ids.entries()) {
        const res = await send(i % 2 ? b : a, id);
        expect(res.status).toBe(202);
        await new Promise((r) => setTimeout(r, Math.max(0, outageStart + ((i + 1) * OUTAGE_MS) / (N + 1) - Date.now())));
      }
      await new Promise((r) => setTimeout(r, Math.max(0, outageStart + OUTAGE_MS - Date.now())));
      const listed = (await (
        await fetch(`${a.url}/-/deliveries?status=queued&limit=100`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json()) as {
        deliveries: Array<{ nextAttemptAt: number; unreached?: string[] }>;
      };
      expect(listed.deliveries).toHaveLength(N);
      // The scenario: without a drain they would wait minutes. Eu answered 404: they wait for prod only.
      const dueIn = listed.deliveries.map((d) => d.nextAttemptAt - Date.now()).sort((x, y) => x - y);
      if (RETRY_AFTER_S > 0) expect(dueIn[0]).toBeGreaterThan(60_000);

      // CDS is back; the first webhook it takes goes to the second gateway.
      down = false;
      const first = await send(b, "recovery-first");
      expect(first.status).toBe(200);
      // When CDS took its first webhook again.
      const back = prod.requests.find((r) => r.headers["x-request-id"] === "recovery-first")!.receivedAt;
      const arrived = () => new Set(prod.requests.filter((r) => r.answered === 200).map((r) => r.headers["x-request-id"] as string));
      const drained = await waitFor(() => ids.every((id) => arrived().has(id)), DRAIN_BOUND_MS, 20);
      const lastArrival = Math.max(
        ...prod.requests.filter((r) => r.answered === 200 && ids.includes(r.headers["x-request-id"] as string)).map((r) => r.receivedAt),
      );
      // Whatever else would still come (a copy) comes within a few sweeps.
      await new Promise((r) => setTimeout(r, 3_000));

      const copies = new Map<string, number>();
      for (const r of prod.requests)
        if (r.answered === 200) copies.set(r.headers["x-request-id"] as string, (copies.get(r.headers["x-request-id"] as string) ?? 0) + 1);
      const deliveredBy = gateways.map(
        (g) =>
          g
            .output()
            .split("\n")
            .filter((l) => l.includes('"msg":"queued delivery delivered"')).length,
      );
      const figures = {
        queued: N,
        outageMs: OUTAGE_MS,
        retryAfterS: RETRY_AFTER_S,
        // When each would be attempted without a drain, from the end of the outage: the soonest, the median, the latest.
        dueWithoutDrainMs: [dueIn[0], dueIn[N / 2], dueIn[N - 1]],
        delivered: ids.filter((id) => copies.has(id)).length,
        deliveredMoreThanOnce: ids.filter((id) => (copies.get(id) ?? 0) > 1).length,
        lost: ids.filter((id) => !copies.has(id)).length,
        drainMs: drained ? lastArrival - back : undefined,
        deliveredByProcess: deliveredBy,
        attemptsAtProdDuringDrain: prod.requests.filter((r) => r.receivedAt >= back && r.headers["x-request-id"] !== "recovery-first")
          .length,
      };
      console.log(`recovery-drain figures: ${JSON.stringify(figures)}`);
      if (process.env.RECOVERY_REPORT) writeFileSync(process.env.RECOVERY_REPORT, `${JSON.stringify(figures, null, 2)}\n`);

      expect(drained).toBe(true);
      expect(figures.lost).toBe(0);
      // What they waited for: prod, not eu (whose 404 says it is not the owner).
      for (const d of listed.deliveries) expect(d.unreached).toEqual(["prod"]);
      expect(figures.deliveredMoreThanOnce).toBe(0);
      // The second gateway drained what the first had queued too.
      expect(deliveredBy[1]).toBe(N);
      // One attempt per delivery: no failure, nothing sent twice.
      expect(figures.attemptsAtProdDuringDrain).toBe(N);
      const queued = (await (
        await fetch(`${a.url}/-/deliveries?status=queued`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json()) as { deliveries: unknown[] };
      expect(queued.deliveries).toEqual([]);
    },
  );
});
