import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.ts";
import { createGateway } from "../app/create-gateway.ts";
import type { FetchFn } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import { gatewayToml } from "../../test/support/gateway-toml.ts";

const START = Date.parse("2026-11-25T10:00:00Z");
const UUID = "1a2b3c4d-0000-4e5f-8a9b-00000000000a";

/** A CDS whose answers come when the test says: each request waits for `answer()`. */
function heldCds() {
  const waiting: Array<(response: Response) => void> = [];
  const fetch: FetchFn = () => new Promise<Response>((resolve) => waiting.push(resolve));
  return {
    fetch,
    requests: () => waiting.length,
    answer: (i: number, status = 200) => waiting[i]!(new Response("{}", { status, headers: { "content-type": "application/json" } })),
  };
}

describe("a direct forward CDS has not answered within forwardTimeout (issue #12, finding 2)", () => {
  it("is queued in flight, answered 202, delivered by the late answer; its body stays in the budget until then", async () => {
    const cds = heldCds();
    const config = await loadConfig(
      gatewayToml({
        gateway: { forwardTimeout: "100ms", lateAnswerWindow: "5s", maxBodyBytes: 100, maxBodyBytesInFlight: 150, apiTokens: ["t"] },
        cds: { prod: { hooksUrl: "https://prod.cds/cdshooks" } },
      }),
      { env: () => undefined },
    );
    const gateway = createGateway({
      config,
      store: createMemoryStore({ clock: { now: () => START } }),
      fetch: cds.fetch,
      clock: { now: () => START },
    });
    const post = () =>
      gateway.app.request(`http://gw/${UUID}`, { method: "POST", body: "x".repeat(100), headers: { "x-event-key": "repo:refs_changed" } });
    const first = await post();
    expect(first.status).toBe(202);
    const { delivery } = (await first.json()) as { delivery: string };
    expect(await gateway.queue.get(delivery)).toMatchObject({
      status: "queued",
      attempts: 0,
      inFlightUntil: START + 5_000 + 5_000,
      nextAttemptAt: START + 10_000,
    });
    // The first body is still held for its answer: a second one would go over maxBodyBytesInFlight.
    expect((await post()).status).toBe(503);
    expect(cds.requests()).toBe(1);
    cds.answer(0);
    expect(await gateway.settle(1_000)).toBe(true);
    const delivered = await gateway.queue.get(delivery);
    expect(delivered).toMatchObject({ status: "delivered", attempts: 1, responseStatus: 200, instance: "prod" });
    expect(delivered).not.toHaveProperty("inFlightUntil");
    // Released: the next one is read and sent.
    const third = post();
    await new Promise((r) => setTimeout(r, 20));
    expect(cds.requests()).toBe(2);
    cds.answer(1);
    expect((await third).status).toBe(200);
  });
});
