import { describe, expect, it } from "vitest";
import type { FetchFn, FetchInit } from "../core/ports.ts";
import { fetchWithin } from "./fetch-within.ts";
import { TimeoutError } from "./with-timeout.ts";

/** A fetch that answers after `ms`, or fails with its signal's reason once aborted. */
const slowFetch =
  (ms: number, seen: FetchInit[]): FetchFn =>
  (_url, init) => {
    seen.push(init);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(new Response("late")), ms);
      init.signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(init.signal!.reason);
      });
    });
  };

describe("fetchWithin", () => {
  it("gives a fetch that does not enforce timeouts a signal, and fails with a TimeoutError when it fires", async () => {
    const seen: FetchInit[] = [];
    await expect(fetchWithin(slowFetch(5_000, seen), "http://cds/", { method: "POST", timeoutMs: 30 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    expect(seen[0]!.signal).toBeDefined();
    expect(seen[0]!.timeoutMs).toBeUndefined();
    expect(await (await fetchWithin(slowFetch(1, seen), "http://cds/", { method: "POST", timeoutMs: 1_000 })).text()).toBe("late");
  });

  it("hands the time to a fetch that enforces timeouts itself, with no signal", async () => {
    const seen: FetchInit[] = [];
    const enforcing: FetchFn = Object.assign(async (_url: string, init: FetchInit) => (seen.push(init), new Response("ok")), {
      enforcesTimeout: true,
    });
    expect(await (await fetchWithin(enforcing, "http://cds/", { method: "POST", timeoutMs: 1_234 })).text()).toBe("ok");
    expect(seen[0]).toMatchObject({ timeoutMs: 1_234 });
    expect(seen[0]!.signal).toBeUndefined();
  });
});
