import { describe, expect, it } from "vitest";
import type { DeliveryRecord } from "./delivery-record.ts";
import { inFlightState, nextDeliveryState } from "./next-delivery-state.ts";
import { MAX_QUEUE_AGE_MS } from "./retry-delay.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const UNTIL = NOW + 75_000;
const started: DeliveryRecord = {
  id: "0190c0de-0000-7000-8000-000000000001", uuid: "u", server: "B", search: "", headers: {}, body: "",
  receivedAt: NOW - 60_000, status: "queued", attempts: 2, queuedSince: NOW - 60_000,
  nextAttemptAt: UNTIL, inFlightUntil: UNTIL, unreached: ["prod"], lastError: "prod: HTTP 503",
};
const half = () => 0.5;

describe("nextDeliveryState: an attempt's result, in time or late (issue #12, finding 2)", () => {
  it("a success, or CDS's own refusal, delivers it and counts the attempt", () => {
    expect(nextDeliveryState(started, { kind: "accepted", instance: "prod", status: 200, responseText: "{}" }, NOW)).toMatchObject({
      status: "delivered", attempts: 3, instance: "prod", responseStatus: 200, deliveredAt: NOW,
      nextAttemptAt: undefined, inFlightUntil: undefined, unreached: undefined,
    });
    expect(nextDeliveryState(started, { kind: "accepted", instance: "prod", status: 405, responseText: "" }, NOW)).toMatchObject({ status: "delivered", responseStatus: 405 });
  });

  it("a 404 from every instance makes it dead: nobody owns the UUID", () => {
    expect(nextDeliveryState(started, { kind: "unknown" }, NOW)).toMatchObject({
      status: "dead", attempts: 3, deadAt: NOW, inFlightUntil: undefined, unreached: undefined, lastError: expect.stringMatching(/404/),
    });
  });

  it("a failure, a proxy's answer or no answer within the window: back on its backoff, waiting for the instances not reached", () => {
    const next = nextDeliveryState(started, { kind: "unreachable", instances: ["prod", "eu"], reasons: ["prod: no answer within 70000 ms", "eu: HTTP 503"] }, NOW, half);
    expect(next).toMatchObject({ status: "queued", attempts: 3, nextAttemptAt: NOW + 2_000, inFlightUntil: undefined, unreached: ["prod", "eu"] });
    expect(next.lastError).toBe("prod: no answer within 70000 ms; eu: HTTP 503");
    // Retry-After wins over a shorter backoff.
    expect(nextDeliveryState(started, { kind: "unreachable", instances: ["prod"], reasons: ["prod: HTTP 429"], retryAfterMs: 120_000 }, NOW, half).nextAttemptAt).toBe(NOW + 120_000);
    // The store's silence is waited out too; the instances it waits for stay as they were.
    expect(nextDeliveryState(started, { kind: "store-unavailable", reason: "Command timed out" }, NOW, half)).toMatchObject({ status: "queued", unreached: ["prod"], lastError: "the store did not answer: Command timed out" });
  });

  it("after 24 h in the queue a failure makes it dead", () => {
    const old = { ...started, queuedSince: NOW - MAX_QUEUE_AGE_MS };
    expect(nextDeliveryState(old, { kind: "unreachable", instances: ["prod"], reasons: ["prod: HTTP 503"] }, NOW)).toMatchObject({ status: "dead", unreached: undefined });
  });
});

describe("inFlightState: what an attempt writes before it sends", () => {
  it("marks it in flight and due at the window's end, attempts unchanged", () => {
    const queued = { ...started, inFlightUntil: undefined, nextAttemptAt: NOW };
    expect(inFlightState(queued, NOW, UNTIL)).toMatchObject({ attempts: 2, nextAttemptAt: UNTIL, inFlightUntil: UNTIL, lastError: "prod: HTTP 503" });
  });

  it("counts an earlier attempt whose window passed without a result (its process stopped)", () => {
    const lost = inFlightState(started, UNTIL + 1, UNTIL + 80_000);
    expect(lost).toMatchObject({ attempts: 3, nextAttemptAt: UNTIL + 80_000, inFlightUntil: UNTIL + 80_000 });
    expect(lost.lastError).toMatch(/no result recorded/);
  });
});
