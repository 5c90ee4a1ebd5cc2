import { describe, expect, it } from "vitest";
import { silentLogger } from "../core/ports.ts";
import { scheduleWork } from "./schedule-work.ts";

describe("scheduleWork", () => {
  it("never overlaps runs: calls during a run share one follow-up run", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const work = scheduleWork(async () => {
      runs++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((r) => (release = r));
      running--;
    }, silentLogger);
    const first = work.run();
    const second = work.run();
    const third = work.run();
    expect(second).toBe(third);
    release();
    await first;
    await new Promise((r) => setTimeout(r, 0));
    release();
    await second;
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it("logs a failing run instead of rejecting, and runs nothing after stop", async () => {
    const logged: string[] = [];
    let runs = 0;
    const work = scheduleWork(
      async () => {
        runs++;
        throw new Error("store down");
      },
      { log: (_level, message, fields) => logged.push(`${message}: ${fields?.error}`) },
    );
    await expect(work.run()).resolves.toBeUndefined();
    expect(logged).toEqual(["scheduled work failed: store down"]);
    await work.stop();
    await work.run();
    expect(runs).toBe(1);
  });
});
