import { describe, expect, it } from "vitest";
import type { KvStore } from "../core/ports.ts";
import { checkedStore, type KvBackend } from "./checked-store.ts";

/** A backend that records what reaches it and answers with nothing. */
function recordingBackend(): { backend: KvBackend; calls: string[] } {
  const calls: string[] = [];
  const note =
    <T>(name: string, answer: T) =>
    async (...args: unknown[]): Promise<T> => {
      calls.push(`${name} ${JSON.stringify(args)}`);
      return answer;
    };
  return {
    calls,
    backend: {
      get: note("get", null),
      getVersioned: note("getVersioned", null),
      put: note("put", undefined),
      putIfAbsent: note("putIfAbsent", true),
      delete: note("delete", undefined),
      list: note("list", []),
      batch: note("batch", undefined),
      batchIf: note("batchIf", { ok: true as const, version: null }),
      close: note("close", undefined),
    },
  };
}

describe("checkedStore: the argument checks, closed state and list bounds of every backend, once (issue #15)", () => {
  it("refuses bad arguments before anything reaches the backend", async () => {
    const { backend, calls } = recordingBackend();
    const store = checkedStore(backend);
    const refused: Array<() => Promise<unknown>> = [
      () => store.get("bad\uD800"),
      () => store.getVersioned(1 as unknown as string),
      () => store.put("k", "v\uDC00"),
      () => store.put("k", "v", { ttlMs: 0 }),
      () => store.putIfAbsent("k", "v", { ttlMs: Number.NaN }),
      () => store.delete("\uD800"),
      () => store.list("p", { limit: -1 }),
      () => store.list("p", { after: "\uD800" }),
      () => store.batch([{ type: "put", key: "a", value: "x" }, { type: "nope", key: "b" } as never]),
      () => store.batchIf({ key: "k", version: 3 as unknown as string }, []),
      () => store.batchIf({ key: "k", version: null }, [{ type: "put", key: "a", value: "x", ttlMs: -5 }]),
    ];
    for (const call of refused) await expect(call()).rejects.toThrow();
    expect(calls).toEqual([]);
  });

  it("passes checked arguments on: TTLs as whole milliseconds, list bounds and limits resolved", async () => {
    const { backend, calls } = recordingBackend();
    const store = checkedStore(backend);
    await store.put("k", "v", { ttlMs: 1.2 });
    await store.putIfAbsent("k", "v");
    await store.list("p");
    await store.list("p", { after: "a", before: "q", limit: 5 });
    await store.batch([
      { type: "put", key: "a", value: "x", ttlMs: 10 },
      { type: "delete", key: "b" },
    ]);
    expect(calls).toEqual([
      'put ["k","v",2]',
      'putIfAbsent ["k","v",null]',
      'list ["p",{"limit":null}]',
      'list ["p",{"limit":5,"before":"q"}]',
      'batch [[{"type":"put","key":"a","value":"x","ttlMs":10},{"type":"delete","key":"b"}]]',
    ]);
  });

  it("answers ranges that hold nothing without asking the backend", async () => {
    const { backend, calls } = recordingBackend();
    const store: KvStore = checkedStore(backend);
    expect(await store.list("p", { limit: 0 })).toEqual([]);
    expect(await store.list("p", { before: "p" })).toEqual([]);
    expect(await store.list("p", { before: "a" })).toEqual([]);
    expect(await store.list("p", { after: "q" })).toEqual([]);
    await store.batch([]);
    expect(calls).toEqual([]);
  });

  it("refuses every call once closed, and closes the backend once however often it is closed", async () => {
    const { backend, calls } = recordingBackend();
    const store = checkedStore(backend);
    await Promise.all([store.close(), store.close()]);
    await store.close();
    await expect(store.get("a")).rejects.toThrow("KvStore is closed");
    await expect(store.put("a", "1")).rejects.toThrow("KvStore is closed");
    await expect(store.list("")).rejects.toThrow("KvStore is closed");
    await expect(store.batch([])).rejects.toThrow("KvStore is closed");
    await expect(store.batchIf({ key: "a", version: null }, [])).rejects.toThrow("KvStore is closed");
    expect(calls).toEqual(["close []"]);
  });
});
