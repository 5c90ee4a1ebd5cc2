import { randomBytes } from "node:crypto";
import { BENCH_UUID, benchWebhook } from "./bench-webhook.ts";
import { freePort } from "./free-port.ts";
import type { LoadClient } from "./load-client.ts";
import { postWebhook } from "./post-webhook.ts";
import { startStubCds, stubAnswered } from "./start-stub-cds.ts";
import { startNodeGateway } from "./start-node-gateway.ts";

export interface QueueFigures {
  deliveries: number;
  /** Webhooks answered 202 (queued) while CDS was down. */
  queued: number;
  /** Queued per second, over the whole burst. */
  enqueueRate: number;
  /** Delivered to CDS once it was back, before the deadline. */
  drained: number;
  /** Delivered per second, from CDS back to the last delivery. */
  drainRate: number;
}

/**
 * The durable queue, on the Node gateway with SQLite: with the CDS instance
 * that owns the webhook down (its process stopped: connections refused),
 * `deliveries` webhooks from `connections` connections, each acknowledged 202
 * once written to the queue; then CDS back on the same port and, as an
 * operator does after an outage, `POST /-/deliveries/retry-queued` (up to
 * 1000 queued deliveries due now), again each time that many have arrived,
 * until all have.
 */
export async function measureQueue(
  load: LoadClient,
  options: { deliveries: number; connections: number; phaseTimeoutMs: number },
): Promise<QueueFigures> {
  const cdsPort = await freePort();
  let stub = await startStubCds(cdsPort);
  const apiToken = randomBytes(16).toString("hex");
  const gateway = await startNodeGateway({ name: "gateway-queue", cdsPort, apiToken });
  const url = `http://127.0.0.1:${gateway.port}/${BENCH_UUID}`;
  const webhook = benchWebhook();
  try {
    await postWebhook(url, webhook, 200); // the route is known before CDS goes down
    await stub.stop();
    const burst = await load.run(
      {
        url,
        connections: options.connections,
        amount: options.deliveries,
        method: "POST",
        headers: webhook.headers,
        body: webhook.body.toString("base64"),
      },
      options.phaseTimeoutMs,
    );
    const queued = burst.statuses["202"] ?? 0;
    stub = await startStubCds(cdsPort);
    const back = performance.now();
    const deadline = back + options.phaseTimeoutMs;
    let drained = 0;
    let last = back;
    while (drained < queued && performance.now() < deadline) {
      const due = await retryQueued(gateway.port, apiToken);
      const target = Math.min(queued, drained + Math.max(due, 1));
      const before = drained;
      let stalledSince = performance.now();
      // Wait for this batch. Once it flows, a quarter second without progress means the rest of
      // what is queued is not due (its backoff runs on): ask again. Before it flows, wait longer.
      const stalled = () => performance.now() - stalledSince >= (drained > before ? 250 : 2_000);
      while (drained < target && performance.now() < deadline && !stalled()) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const now = await stubAnswered(cdsPort);
        if (now > drained) {
          drained = now;
          last = performance.now();
          stalledSince = last;
        }
      }
    }
    return {
      deliveries: options.deliveries,
      queued,
      enqueueRate: burst.seconds > 0 ? queued / burst.seconds : 0,
      drained,
      drainRate: last > back ? drained / ((last - back) / 1000) : 0,
    };
  } finally {
    await gateway.stop();
    await stub.stop();
  }
}

async function retryQueued(port: number, token: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/-/deliveries/retry-queued`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 202) throw new Error(`POST /-/deliveries/retry-queued answered ${res.status}`);
  return ((await res.json()) as { due: number }).due;
}
