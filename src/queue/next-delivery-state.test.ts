import { describe, expect, it } from "vitest";
import type { DeliveryRecord } from "./delivery-record.ts";
import { inFlightState, nextDeliveryState } from "./next-delivery-state.ts";
import { MAX_QUEUE_AGE_MS } from "../lib/retry-delay.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const UNTIL = NOW + 75_000;
const started: DeliveryRecord = {
  id: "0190c0de-0000-7000-8000-000000000001",
  uuid: "u",
  server: "B",
  search: "",
  headers: {},
  body: "",
  receivedAt: NOW - 60_000,
  status: "queued",
  attempts: 2,
  queuedSince: NOW - 60_000,
  nextAttemptAt: UNTIL,
  inFlightSince: NOW - 70_000,
  inFlightUntil: UNTIL,
  unreached: ["prod"],
  lastError: "prod: HTTP 503",
  instance: "prod",
};
const half = () => 0.5;
/** The attempt began 70 s before its result came. */
const WHEN = { at: NOW - 70_000, now: NOW };

describe("nextDeliveryState: an attempt's result, in time or late (issue #12, finding 2)", () => {
  it("a success, or CDS's own refusal, delivers it and counts the attempt", () => {
    expect(nextDeliveryState(started, { kind: "accepted", instance: "prod", status: 200, responseText: "{}" }, WHEN)).toMatchObject({
      status: "delivered",
      attempts: 3,
      instance: "prod",
      responseStatus: 200,
      deliveredAt: NOW,
      nextAttemptAt: undefined,
      inFlightSince: undefined,
      inFlightUntil: undefined,
      unreached: undefined,
    });
    expect(nextDeliveryState(started, { kind: "accepted", instance: "prod", status: 405, responseText: "" }, WHEN)).toMatchObject({
      status: "delivered",
      responseStatus: 405,
    });
  });

  it("a 404 from every instance makes it dead: nobody owns the UUID", () => {
    expect(nextDeliveryState(started, { kind: "unknown" }, WHEN)).toMatchObject({
      status: "dead",
      attempts: 3,
      deadAt: NOW,
      inFlightUntil: undefined,
      unreached: undefined,
      lastError: expect.stringMatching(/404/),
    });
  });

  it("a failure, a proxy's answer or no answer within the window: back on its backoff, waiting for the instances not reached", () => {
    const next = nextDeliveryState(
      started,
      { kind: "unreachable", instances: ["prod", "eu"], reasons: ["prod: no answer within 70000 ms", "eu: HTTP 503"] },
      WHEN,
      half,
    );
    expect(next).toMatchObject({
      status: "queued",
      attempts: 3,
      nextAttemptAt: NOW + 2_000,
      inFlightUntil: undefined,
      unreached: ["prod", "eu"],
    });
    expect(next.lastError).toBe("prod: no answer within 70000 ms; eu: HTTP 503");
    // Retry-After wins over a shorter backoff.
    expect(
      nextDeliveryState(
        started,
        { kind: "unreachable", instances: ["prod"], reasons: ["prod: HTTP 429"], retryAfterMs: 120_000 },
        WHEN,
        half,
      ).nextAttemptAt,
    ).toBe(NOW + 120_000);
    // The store's silence is waited out too; the instances it waits for stay as they were.
    expect(nextDeliveryState(started, { kind: "store-unavailable", reason: "Command timed out" }, WHEN, half)).toMatchObject({
      status: "queued",
      unreached: ["prod"],
      lastError: "the store did not answer: Command timed out",
    });
  });

  it("after 24 h in the queue a failure makes it dead", () => {
    const old = { ...started, queuedSince: NOW - MAX_QUEUE_AGE_MS };
    expect(nextDeliveryState(old, { kind: "unreachable", instances: ["prod"], reasons: ["prod: HTTP 503"] }, WHEN)).toMatchObject({
      status: "dead",
      unreached: undefined,
    });
  });
});

describe("nextDeliveryState: every result goes into the history (issue #16)", () => {
  it("with its time, instance, answer and duration, whether it came in time or late", () => {
    const taken = nextDeliveryState(started, { kind: "accepted", instance: "eu", status: 202, responseText: "{}" }, WHEN);
    expect(taken.history).toEqual([{ at: NOW - 70_000, ms: 70_000, outcome: "accepted", instance: "eu", status: 202 }]);
    expect(taken.instance).toBe("eu");
    const failed = nextDeliveryState(started, { kind: "unreachable", instances: ["prod"], reasons: ["prod: HTTP 503"] }, WHEN, half);
    expect(failed.history).toEqual([{ at: NOW - 70_000, ms: 70_000, outcome: "unreachable", instance: "prod", error: "prod: HTTP 503" }]);
    // Several instances not reached: the record waits on no one instance.
    const both = nextDeliveryState(
      started,
      { kind: "unreachable", instances: ["prod", "eu"], reasons: ["prod: HTTP 503", "eu: HTTP 503"] },
      WHEN,
      half,
    );
    expect(both.instance).toBeUndefined();
    expect(both.history!.at(-1)).not.toHaveProperty("instance");
    expect(nextDeliveryState(started, { kind: "unknown" }, WHEN).history!.at(-1)).toMatchObject({
      outcome: "unknown",
      error: expect.stringMatching(/404/),
    });
    // The store's silence says nothing about the instances: the one waited for stays.
    const silent = nextDeliveryState(started, { kind: "store-unavailable", reason: "Command timed out" }, WHEN, half);
    expect(silent).toMatchObject({
      instance: "prod",
      history: [{ outcome: "store-unavailable", error: "the store did not answer: Command timed out" }],
    });
  });

  it("adds to what the record holds, keeping the latest 20; a record written before history starts one", () => {
    const full = {
      ...started,
      history: Array.from({ length: 20 }, (_, i) => ({ at: i, ms: 1, outcome: "unreachable" as const, error: `#${i}` })),
    };
    const next = nextDeliveryState(full, { kind: "unreachable", instances: ["prod"], reasons: ["prod: HTTP 503"] }, WHEN, half);
    expect(next.history).toHaveLength(20);
    expect(next.history![0]!.error).toBe("#1");
    expect(next.history![19]).toMatchObject({ at: NOW - 70_000, error: "prod: HTTP 503" });
    const { inFlightSince: _since, ...older } = started;
    expect(
      nextDeliveryState(older, { kind: "accepted", instance: "prod", status: 200, responseText: "" }, { at: NOW, now: NOW }).history,
    ).toEqual([{ at: NOW, ms: 0, outcome: "accepted", instance: "prod", status: 200 }]);
  });
});

describe("inFlightState: what an attempt writes before it sends", () => {
  it("marks it in flight since its start and due at the window's end, attempts and history unchanged", () => {
    const queued = { ...started, inFlightSince: undefined, inFlightUntil: undefined, nextAttemptAt: NOW };
    const next = inFlightState(queued, NOW, UNTIL);
    expect(next).toMatchObject({
      attempts: 2,
      nextAttemptAt: UNTIL,
      inFlightSince: NOW,
      inFlightUntil: UNTIL,
      lastError: "prod: HTTP 503",
    });
    expect(next).not.toHaveProperty("history");
  });

  it("counts an earlier attempt whose window passed without a result (its process stopped), and records it as lost", () => {
    const lost = inFlightState(started, UNTIL + 1, UNTIL + 80_000);
    expect(lost).toMatchObject({
      attempts: 3,
      nextAttemptAt: UNTIL + 80_000,
      inFlightSince: UNTIL + 1,
      inFlightUntil: UNTIL + 80_000,
      instance: "prod",
    });
    expect(lost.lastError).toMatch(/no result recorded/);
    expect(lost.history).toEqual([{ at: NOW - 70_000, ms: 145_000, outcome: "lost", error: lost.lastError }]);
  });
});
