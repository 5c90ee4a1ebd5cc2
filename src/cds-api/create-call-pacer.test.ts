import { describe, expect, it } from "vitest";
import { createCallPacer } from "./create-call-pacer.ts";

describe("createCallPacer", () => {
  it("gives concurrent callers slots 1/perSecond apart, per key, in the order they asked", async () => {
    let t = 1_000;
    const waits: Array<[string, number]> = [];
    const pacer = createCallPacer({ perSecond: 10, now: () => t, sleep: async (ms) => void waits.push(["", ms]) });
    const order: string[] = [];
    await Promise.all(
      ["a1", "a2", "a3"].map(async (name) => {
        await pacer.wait("a");
        order.push(name);
      }),
    );
    expect(order).toEqual(["a1", "a2", "a3"]);
    expect(waits.map(([, ms]) => ms)).toEqual([100, 200]);
    // Another key has its own slots.
    waits.length = 0;
    await pacer.wait("b");
    expect(waits).toEqual([]);
    // Once the time has passed the reserved slots, a call goes at once.
    t += 1_000;
    await pacer.wait("a");
    expect(waits).toEqual([]);
  });

  it("really waits: five calls at 50 per second take at least 80 ms", async () => {
    const pacer = createCallPacer({ perSecond: 50 });
    const started = performance.now();
    for (let i = 0; i < 5; i++) await pacer.wait("x");
    expect(performance.now() - started).toBeGreaterThanOrEqual(79);
  });
});
