import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startGateway, writeConfig, type GatewayProcess } from "./support/start-gateway.ts";
import { startStubCds, type StubCds } from "./support/stub-cds.ts";
import { waitFor } from "./support/wait-for.ts";
import { gatewayToml } from "./support/gateway-toml.ts";

const N = 240;
const UUIDS = ["0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7"];
const DOWN_MS = 2_000;
const FAILING_MS = 2_000;
const SEND_INTERVAL_MS = 25;
const DRAIN_DEADLINE_MS = 90_000;

/**
 * Fault injection (issue #6): a stream of N webhooks while the CDS instance is
 * down (connections cut), then answers 503, then recovers — and the gateway
 * process is killed with SIGKILL and restarted in the middle. Every webhook
 * the gateway acknowledged (2xx/202) must reach CDS exactly once, byte for
 * byte. Figures: docs/RELIABILITY.md (set RELIABILITY_REPORT=path to write them).
 */
describe("fault injection: CDS down, then 503, then back; gateway killed mid-stream", () => {
  let cds: StubCds;
  let gateway: GatewayProcess | undefined;
  afterAll(async () => {
    await gateway?.stop("SIGKILL");
    await cds?.close();
  });

  it("delivers every accepted webhook exactly once", { timeout: 150_000 }, async () => {
    cds = await startStubCds({ owned: UUIDS });
    const start = Date.now();
    let restartedAt = 0;
    // CDS's phases, by wall clock since the stream started. It recovers only once the gateway is
    // back, however late a loaded machine makes the kill: a kill while CDS is taking webhooks could
    // land between CDS's 200 and the "delivered" commit, the one window the guarantee leaves open
    // (docs/RELIABILITY.md, "What the guarantee does not cover").
    cds.answer(() => {
      const t = Date.now() - start;
      if (t < DOWN_MS) return "destroy";
      // Slow failures keep requests in flight when the gateway is killed.
      if (t < DOWN_MS + FAILING_MS || restartedAt === 0) return { status: 503, body: "maintenance", delayMs: 150 };
      return undefined;
    });
    const dir = mkdtempSync(join(tmpdir(), "cds-gw-fault-"));
    const config = writeConfig(
      gatewayToml({
        gateway: {
          store: `sqlite:${dir}/gateway.db`,
          forwardTimeout: "1s",
          // Attempts in flight when the process is killed are due again when their window ends (issue #12).
          lateAnswerWindow: "10s",
          sweepInterval: "200ms",
        },
        cds: { prod: { hooksUrl: cds.hooksUrl } },
      }),
      dir,
    );
    gateway = await startGateway(config);
    const port = gateway.port;

    const bodies = new Map<string, string>();
    const accepted = new Set<string>();
    let refused = 0;
    const send = async (i: number) => {
      const id = `fault-${String(i).padStart(4, "0")}`;
      const body = JSON.stringify({ eventKey: "repo:refs_changed", n: i, pad: "é".repeat(i % 50) });
      bodies.set(id, body);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/${UUIDS[i % 2]}`, {
          method: "POST",
          body,
          headers: { "content-type": "application/json", "x-event-key": "repo:refs_changed", "x-request-id": id },
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 200 || res.status === 202) accepted.add(id);
        else refused++;
      } catch {
        refused++; // connection refused or reset while the gateway was down: never acknowledged
      }
    };

    const inFlight: Promise<void>[] = [];
    let restart: Promise<void> | undefined;
    for (let i = 0; i < N; i++) {
      if (i === N / 2) {
        // Crash with requests in flight and the queue draining; the stream goes on meanwhile.
        restart = (async () => {
          await gateway!.stop("SIGKILL");
          gateway = await startGateway(config, { port });
          restartedAt = Date.now() - start;
        })();
      }
      inFlight.push(send(i));
      await new Promise((r) => setTimeout(r, SEND_INTERVAL_MS));
    }
    await restart;
    await Promise.all(inFlight);
    const streamEnd = Date.now();

    const deliveredOnce = () => {
      const counts = new Map<string, number>();
      for (const r of cds.requests) {
        const id = r.headers["x-request-id"] as string;
        // Attempts that CDS itself refused (cut or 503) are not deliveries.
        if (r.answered !== undefined && r.answered >= 200 && r.answered < 300) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    };
    const drained = await waitFor(() => [...accepted].every((id) => deliveredOnce().has(id)), DRAIN_DEADLINE_MS, 200);
    const drainMs = Date.now() - streamEnd;
    const counts = deliveredOnce();
    const lost = [...accepted].filter((id) => !counts.has(id));
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    const corrupted = cds.requests.filter(
      (r) => r.answered === 200 && r.body.toString("utf8") !== bodies.get(r.headers["x-request-id"] as string),
    );
    const unacknowledgedButDelivered = [...counts.keys()].filter((id) => !accepted.has(id)).length;

    const figures = {
      sent: N,
      accepted: accepted.size,
      refusedWhileDown: refused,
      delivered: [...accepted].filter((id) => counts.has(id)).length,
      duplicates,
      lost: lost.length,
      corrupted: corrupted.length,
      unacknowledgedButDelivered,
      restartedAtMs: restartedAt,
      drainAfterStreamMs: drainMs,
    };
    console.log(`fault-injection figures: ${JSON.stringify(figures)}`);
    if (process.env.RELIABILITY_REPORT) writeFileSync(process.env.RELIABILITY_REPORT, `${JSON.stringify(figures, null, 2)}\n`);

    expect(drained, `lost: ${lost.join(", ")}`).toBe(true);
    expect(accepted.size).toBeGreaterThan(N / 2);
    expect(lost).toEqual([]);
    expect(duplicates).toBe(0);
    expect(corrupted).toEqual([]);
  });
});
