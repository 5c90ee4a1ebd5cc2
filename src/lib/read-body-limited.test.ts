import { describe, expect, it } from "vitest";
import { createBodyBudget } from "./create-body-budget.ts";
import { ABORTED, OVER_BUDGET, readBodyLimited, TIMED_OUT, TOO_LARGE } from "./read-body-limited.ts";

/** A chunked request whose body yields these chunks, then hangs when `hang` (a client that stopped sending). */
function streamed(chunks: number[], options: { hang?: boolean; fail?: boolean } = {}): Request {
  const queue = [...chunks];
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next !== undefined) controller.enqueue(new Uint8Array(next).fill(0x20));
      else if (options.fail) controller.error(new Error("connection reset"));
      else if (!options.hang) controller.close();
      else return new Promise<void>(() => {});
    },
  });
  return new Request("http://gw/x", { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("readBodyLimited (issue #11: budget and deadline)", () => {
  it("reads a chunked body whole, and the bytes stay taken from the budget until the caller gives them back", async () => {
    const budget = createBodyBudget(1_000);
    const body = await readBodyLimited(streamed([100, 200]), 1_000, { budget });
    expect(body).toBeInstanceOf(Uint8Array);
    expect((body as Uint8Array).byteLength).toBe(300);
    expect(budget.inFlight()).toBe(300);
  });

  it("stops a chunked body that would go over the budget, and gives back what it took", async () => {
    const budget = createBodyBudget(250);
    expect(await readBodyLimited(streamed([100, 100, 100]), 1_000, { budget })).toBe(OVER_BUDGET);
    expect(budget.inFlight()).toBe(0);
    expect(await readBodyLimited(streamed([600, 600]), 1_000, { budget: createBodyBudget(10_000) })).toBe(TOO_LARGE);
  });

  it("refuses a declared Content-Length over what the budget has left before reading anything", async () => {
    const budget = createBodyBudget(1_000);
    expect(budget.reserve(900)).toBe(true);
    const request = new Request("http://gw/x", { method: "POST", body: "x".repeat(200), headers: { "content-length": "200" } });
    expect(await readBodyLimited(request, 1_000, { budget })).toBe(OVER_BUDGET);
    expect(request.bodyUsed).toBe(false);
    expect(budget.inFlight()).toBe(900);
    const fits = await readBodyLimited(
      new Request("http://gw/x", { method: "POST", body: "x".repeat(100), headers: { "content-length": "100" } }),
      1_000,
      { budget },
    );
    expect((fits as Uint8Array).byteLength).toBe(100);
    expect(budget.inFlight()).toBe(1_000);
  });

  it("gives up on a body that does not arrive whole within the deadline (a total: chunks keep coming), and gives its bytes back", async () => {
    const budget = createBodyBudget(10_000);
    const started = Date.now();
    expect(await readBodyLimited(streamed([10, 10, 10], { hang: true }), 1_000, { budget, timeoutMs: 100 })).toBe(TIMED_OUT);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(budget.inFlight()).toBe(0);
  });

  it("a client gone mid-body is ABORTED, and its bytes go back to the budget", async () => {
    const budget = createBodyBudget(10_000);
    expect(await readBodyLimited(streamed([10], { fail: true }), 1_000, { budget })).toBe(ABORTED);
    expect(budget.inFlight()).toBe(0);
  });

  it("a Content-Length body past its deadline is TIMED_OUT; its bytes stay taken until the runtime lets go of them", async () => {
    const budget = createBodyBudget(10_000);
    const hanging = streamed([10], { hang: true });
    const request = new Request("http://gw/x", {
      method: "POST",
      body: hanging.body,
      headers: { "content-length": "100" },
      duplex: "half",
    } as RequestInit);
    expect(await readBodyLimited(request, 1_000, { budget, timeoutMs: 100 })).toBe(TIMED_OUT);
    expect(budget.inFlight()).toBe(100);
  });
});
