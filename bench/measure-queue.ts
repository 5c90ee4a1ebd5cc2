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
  /** Webhooks sent to start the drain (1 unless it stopped on the way). */
  triggers: number;
}

/**
 * The durable queue, on the Node gateway with SQLite: with the CDS instance
 * that owns the webhook down (its process stopped: connections refused),
 * `deliveries` webhooks from `connections` connections, each acknowledged 202
 * once written to the queue; then CDS back on the same port and one more
 * webhook, which CDS takes: the gateway's own recovery drain (issue #12,
 * finding 6: an instance that takes a webhook again drains what waits for
 * it, `gateway.drainConcurrency` at a time) delivers the rest. Should the
 * drain stop (a failure), the next webhook starts it again, as Bitbucket's
 * next push would.
 */
export async function measureQueue(
  load: LoadClient,
  options: { deliveries: number; connections: number; phaseTimeoutMs: number },
): Promise<QueueFigures> {
  const cdsPort = await freePort();
  let stub = await startStubCds(cdsPort);
  const gateway = await startNodeGateway({ name: "gateway-queue", cdsPort });
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
    // The stub counts every webhook it took: the ones that start a drain come on top of the queued ones.
    let triggers = 0;
    let drained = 0;
    let last = back;
    let progressAt = back;
    while (drained < queued && performance.now() < deadline) {
      if (triggers === 0 || performance.now() - progressAt >= 2_000) {
        await postWebhook(url, webhook, 200);
        triggers++;
        progressAt = performance.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = (await stubAnswered(cdsPort)) - triggers;
      if (now > drained) {
        drained = now;
        last = performance.now();
        progressAt = last;
      }
    }
    return {
      deliveries: options.deliveries,
      queued,
      enqueueRate: burst.seconds > 0 ? queued / burst.seconds : 0,
      drained,
      drainRate: last > back ? drained / ((last - back) / 1000) : 0,
      triggers,
    };
  } finally {
    await gateway.stop();
    await stub.stop();
  }
}
