import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startStubCdsApi, type StubCdsApi } from "../../test/support/stub-cds-api.ts";
import type { CdsInstanceConfig } from "../core/config-types.ts";
import { Secret } from "../core/secret.ts";
import { createCdsSessions } from "../cds-api/cds-session.ts";
import { createCallPacer } from "../cds-api/create-call-pacer.ts";
import { deleteBranchRuns, type DeleteBranchRunsDeps } from "./delete-branch-runs.ts";

const TOKEN = "consumer-token-for-delete-branch-runs";

describe("deleteBranchRuns", () => {
  let api: StubCdsApi;
  let instance: CdsInstanceConfig;
  let now = 0;
  const clock = { now: () => now };
  const deps = (extra: Partial<DeleteBranchRunsDeps> = {}): DeleteBranchRunsDeps => {
    const fetch = (url: string, init: object) => globalThis.fetch(url, init as RequestInit);
    return { fetch, clock, timeoutMs: 2_000, sessions: createCdsSessions({ fetch, clock, timeoutMs: 2_000 }), ...extra };
  };
  const target = { project: "PRJ", workflow: "build", branch: "feature/x" };

  beforeEach(async () => {
    now = Date.now();
    api = await startStubCdsApi({ consumerToken: TOKEN, listsMarkedRuns: true });
    instance = { name: "prod", hooksUrl: "http://unused", uiUrl: "http://unused", apiUrl: api.apiUrl, token: new Secret(TOKEN) };
  });
  afterEach(() => api.close());

  it("stops asking at its deadline with the rest left for the next attempt, which goes on", async () => {
    api.addRuns("PRJ", "build", "feature/x", 30);
    // Each call (not the signin) moves the clock 1 s: the deadline leaves room for a listing and 10 deletes.
    const ticking = (url: string, init: object) => {
      now += 1_000;
      return globalThis.fetch(url, init as RequestInit);
    };
    const first = await deleteBranchRuns(deps({ fetch: ticking, deadline: now + 11_000 }), instance, target);
    expect(first).toMatchObject({ kind: "partial", counts: { deleted: 10, alreadyGone: 0 } });
    expect(api.runs("PRJ", "build")).toHaveLength(20);

    // v0.53 still lists the 10 marked runs: the next attempt does not know them, asks (404, already gone) and deletes the rest.
    const second = await deleteBranchRuns(deps(), instance, target);
    expect(second).toEqual({ kind: "done", via: "listing", counts: { deleted: 20, alreadyGone: 10, otherBranches: 0 } });
    expect(api.runs("PRJ", "build")).toEqual([]);
  });

  it("does not ask again for a run it deleted while CDS still lists it (v0.53), and ends on an empty page", async () => {
    api.addRuns("PRJ", "build", "feature/x", 60);
    expect(await deleteBranchRuns(deps(), instance, target)).toMatchObject({ kind: "done", counts: { deleted: 60, alreadyGone: 0 } });
    expect(api.deletes()).toHaveLength(60);
    const offsets = api.lists().map((r) => new URL(r.url, "http://x").searchParams.get("offset"));
    // Page 0, again (all deleted), page 50, again, the empty page 60; then a last pass from 0.
    expect(offsets).toEqual(["0", "0", "50", "50", "60", "0", "50", "60"]);
  });

  it("paces every call, listings and deletes alike (cdsApiCallsPerSecond, issue #11)", async () => {
    api.addRuns("PRJ", "build", "feature/x", 4);
    const t0 = Date.now();
    const result = await deleteBranchRuns(deps({ pacer: createCallPacer({ perSecond: 20 }) }), instance, target);
    expect(result).toMatchObject({ kind: "done" });
    const times = api.requests
      .filter((r) => r.method !== "POST")
      .map((r) => r.receivedAt)
      .sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(6);
    // The signin is not on this pacer; of the other calls, the k-th cannot arrive before t0 + k × 50 ms (2 ms for rounding).
    for (const [k, at] of times.entries()) expect(at - t0, `call ${k}`).toBeGreaterThanOrEqual(k * 50 - 2);
  });

  it("gives up an attempt on a CDS that ignores offset, rather than listing forever", async () => {
    api.addRuns("PRJ", "build", "other", 3);
    api.answer((req) =>
      req.method === "GET" ? { status: 200, body: JSON.stringify([{ num: 1, tags: [{ tag: "git.branch", value: "other" }] }]) } : undefined,
    );
    const result = await deleteBranchRuns(deps(), instance, target);
    expect(result).toMatchObject({ kind: "failed", error: "list runs: more than 1000 pages" });
    expect(api.deletes()).toEqual([]);
  });

  it("a listing that is not a list of runs is a failure", async () => {
    api.answer((req) => (req.method === "GET" ? { status: 200, body: '{"message":"?"}' } : undefined));
    expect(await deleteBranchRuns(deps(), instance, target)).toMatchObject({
      kind: "failed",
      error: "list runs: the answer is not a list of runs",
    });
  });
});
