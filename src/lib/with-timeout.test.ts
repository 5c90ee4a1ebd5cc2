import { describe, expect, it } from "vitest";
import { TimeoutError, withTimeout } from "./with-timeout.ts";

describe("withTimeout", () => {
  it("returns the task's result and leaves no timer behind", async () => {
    expect(await withTimeout(1000, async () => 42)).toBe(42);
  });

  it("aborts the task's signal and rejects with TimeoutError when time runs out", async () => {
    let aborted = false;
    const error = await withTimeout(
      20,
      (signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(new Error("the task's own abort error"));
          });
        }),
    ).catch((e: unknown) => e);
    expect(aborted).toBe(true);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toBe("timeout after 20 ms");
  });

  it("passes the task's own failure through", async () => {
    await expect(
      withTimeout(1000, async () => {
        throw new Error("connection refused");
      }),
    ).rejects.toThrow("connection refused");
  });
});
