import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../store/memory-store.ts";
import {
  branchHarness,
  type BranchHarness,
  CONSUMER_TOKEN,
  DELAY_MS,
  refsChangedBody,
} from "../../test/support/branch-deletion-harness.ts";
import { startStubCds, type StubCds } from "../../test/support/stub-cds.ts";
import { startStubCdsApi, type StubCdsApi } from "../../test/support/stub-cds-api.ts";
import { branchDeletionId, createBranchDeletionStore } from "./branch-deletion-store.ts";

const OWNED = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const RUNS = "/cdsapi/project/PRJ/workflows/build/runs/branch/";
/** The gateway's clock jumps a day ahead to reach dueAt: sessions must outlive that to be reused. */
const JWT_TTL_S = 7 * 24 * 3600;

describe("executing due branch deletions against a stub CDS API", () => {
  let cds: StubCds;
  let api: StubCdsApi;
  let now: number;
  let h: BranchHarness;
  const clock = { now: () => now };

  beforeAll(async () => {
    cds = await startStubCds({ owned: [OWNED], project: "PRJ", workflow: "build" });
  });
  afterAll(() => cds?.close());
  beforeEach(async () => {
    // JWTs are checked against the real time; the gateway's clock starts there too.
    now = Date.now();
    api = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN, jwtTtlSeconds: JWT_TTL_S });
    h = await branchHarness({ cds, api, clock });
  });
  afterEach(() => api?.close());

  const deleteBranches = (...branches: string[]) =>
    h.post(
      OWNED,
      refsChangedBody(
        branches.map((b) => ({ ref: `refs/heads/${b}`, type: "DELETE" as const })),
        now,
      ),
    );
  const deletePaths = () => api.deletes().map((r) => r.url);

  it("nothing before dueAt; at dueAt one signin with the consumer token, then DELETE of the branch's runs with the JWT", async () => {
    const start = now;
    await deleteBranches("wip", "release-1.0_hotfix");
    now = start + DELAY_MS - 1;
    await h.gateway.runScheduledWork();
    expect(api.requests).toEqual([]);

    now = start + DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(api.signins()).toHaveLength(1);
    expect(JSON.parse(api.signins()[0]!.body)).toEqual({ token: CONSUMER_TOKEN });
    expect(deletePaths().sort()).toEqual([`${RUNS}release-1.0_hotfix`, `${RUNS}wip`]);
    for (const req of api.deletes()) expect(req.headers.authorization).toBe(`Bearer ${api.issued[0]}`);
    expect(api.requests[0]).toBe(api.signins()[0]);
    expect(await h.pending()).toEqual([]);

    await h.gateway.runScheduledWork();
    expect(api.requests).toHaveLength(3);
    const logged = JSON.stringify(h.logs);
    expect(logged).not.toContain(CONSUMER_TOKEN);
    expect(logged).not.toContain(api.issued[0]);
  });

  it("a 404 (no such project or workflow) is a failure to retry, never done (issue #14)", async () => {
    api.answer((req) => (req.method !== "POST" ? { status: 404, body: '{"message":"workflow does not exist"}' } : undefined));
    await deleteBranches("gone", "feature/gone");
    now += DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(deletePaths()).toEqual([`${RUNS}gone`]);
    expect(api.lists()).toHaveLength(1);
    const pending = await h.pending();
    expect(pending.map((p) => [p.branch, p.attempts, p.lastError]).sort()).toEqual([
      ["feature/gone", 1, "list runs: HTTP 404 (no such project or workflow)"],
      ["gone", 1, "DELETE runs: HTTP 404 (no such project or workflow)"],
    ]);
    expect(h.logs.filter((l) => l.message === "runs of deleted branch removed")).toEqual([]);
  });

  it("other failures are retried with backoff, then cleared on success", async () => {
    api.answer((req) => (req.method === "DELETE" ? { status: 500, body: "boom" } : undefined));
    await deleteBranches("flaky");
    now += DELAY_MS;
    await h.gateway.runScheduledWork();
    const [record] = await h.pending();
    expect(record).toMatchObject({ branch: "flaky", attempts: 1, lastError: "DELETE runs: HTTP 500", nextAttemptAt: now + 1000 });

    now += 999;
    await h.gateway.runScheduledWork();
    expect(api.deletes()).toHaveLength(1);

    now += 1;
    await h.gateway.runScheduledWork();
    expect(await h.pending()).toMatchObject([{ attempts: 2, nextAttemptAt: now + 1000 }]);

    api.answer(undefined);
    now += 1000;
    await h.gateway.runScheduledWork();
    expect(api.deletes()).toHaveLength(3);
    expect(await h.pending()).toEqual([]);
    expect(api.signins()).toHaveLength(1);
  });

  it("Retry-After of a 503 postpones the next attempt", async () => {
    api.answer((req) => (req.method === "DELETE" ? { status: 503, headers: { "retry-after": "120" } } : undefined));
    await deleteBranches("busy");
    now += DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(await h.pending()).toMatchObject([{ nextAttemptAt: now + 120_000 }]);
  });

  it("a 401 signs in again once; a second 401 is a failure to retry later", async () => {
    await deleteBranches("a");
    now += DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(api.signins()).toHaveLength(1);

    await deleteBranches("b");
    api.revokeSessions();
    now += DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(api.signins()).toHaveLength(2);
    expect(api.deletes().map((r) => r.headers.authorization)).toEqual([
      `Bearer ${api.issued[0]}`,
      `Bearer ${api.issued[0]}`,
      `Bearer ${api.issued[1]}`,
    ]);
    expect(await h.pending()).toEqual([]);

    api.answer((req) => (req.method === "DELETE" ? { status: 401 } : undefined));
    await deleteBranches("c");
    now += DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(api.signins()).toHaveLength(3);
    expect(api.deletes()).toHaveLength(5);
    expect(await h.pending()).toMatchObject([{ branch: "c", attempts: 1, lastError: "DELETE runs: HTTP 401" }]);
  });

  it("a refused signin sends no DELETE and is retried", async () => {
    api.answer((req) => (req.method === "POST" ? { status: 403, body: '{"message":"forbidden"}' } : undefined));
    await deleteBranches("x");
    now += DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(api.deletes()).toEqual([]);
    expect(await h.pending()).toMatchObject([{ branch: "x", attempts: 1, lastError: "signin: HTTP 403" }]);
  });

  it("a record of an instance no longer configured stays, with the reason", async () => {
    const deletions = createBranchDeletionStore(h.store);
    const id = await branchDeletionId("removed", "PRJ", "build", "a");
    await deletions.create({
      id,
      instance: "removed",
      project: "PRJ",
      workflow: "build",
      branch: "a",
      deletedAt: now - DELAY_MS,
      dueAt: now,
      nextAttemptAt: now,
      attempts: 0,
    });
    await h.gateway.runScheduledWork();
    expect(api.requests).toEqual([]);
    expect(await h.pending()).toMatchObject([{ id, attempts: 1, lastError: "CDS instance removed is not in the configuration" }]);
  });

  it("paces the calls to each CDS instance (cdsApiCallsPerSecond), across runs of the scheduled work (issue #11)", async () => {
    const paced = await branchHarness({ cds, api, clock, gateway: { cdsApiCallsPerSecond: 20 } });
    const push = (names: string[]) =>
      paced.post(
        OWNED,
        refsChangedBody(
          names.map((b) => ({ ref: `refs/heads/${b}`, type: "DELETE" as const })),
          now,
        ),
      );
    const start = now;
    await push(["p0", "p1", "p2", "p3", "p4", "p5"]);
    now = start + DELAY_MS;
    const t0 = Date.now();
    await paced.gateway.runScheduledWork();
    // A second run right after the first: its calls wait their turns after the first run's.
    now = start;
    await push(["q0", "q1", "q2"]);
    now = start + DELAY_MS;
    await paced.gateway.runScheduledWork();
    expect(api.deletes()).toHaveLength(9);
    // One signin and nine DELETEs: the k-th cannot arrive before t0 + k × 50 ms (load only delays them;
    // 2 ms for Date.now() rounding).
    const times = api.requests.map((r) => r.receivedAt).sort((a, b) => a - b);
    expect(times).toHaveLength(10);
    for (const [k, at] of times.entries()) expect(at - t0, `call ${k}`).toBeGreaterThanOrEqual(k * 50 - 2);
  });

  describe("a branch whose name has a `/` (issue #14)", () => {
    const OTHERS: Array<[string, number]> = [
      ["main", 7],
      ["feature/y", 55],
      ["feature/x/sub", 3],
      ["feature%2Fx", 2],
    ];
    const seed = (stub: StubCdsApi) => {
      stub.addRuns("PRJ", "build", "feature/x", 40);
      for (const [branch, n] of OTHERS) stub.addRuns("PRJ", "build", branch, n);
      // Interleaved with the others, so no page holds one branch only.
      stub.addRuns("PRJ", "build", "feature/x", 80);
    };
    const remaining = (stub: StubCdsApi) => {
      const counts: Record<string, number> = {};
      for (const run of stub.runs("PRJ", "build")) counts[run.branch] = (counts[run.branch] ?? 0) + 1;
      return counts;
    };
    /** feature/x deleted and due, against a stub CDS API with these options: every other branch keeps its runs. */
    const deleteFeatureX = async (
      options: { router?: "0.51" | "0.52"; listsMarkedRuns?: boolean; ignoresBranchFilter?: boolean },
      check: (stub: StubCdsApi, hh: BranchHarness) => Promise<void>,
    ) => {
      const stub = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN, jwtTtlSeconds: JWT_TTL_S, ...options });
      try {
        seed(stub);
        const hh = await branchHarness({ cds, api: stub, clock, gateway: { cdsApiCallsPerSecond: 1000 } });
        await hh.post(OWNED, refsChangedBody([{ ref: "refs/heads/feature/x", type: "DELETE" }], now));
        now += DELAY_MS;
        await hh.gateway.runScheduledWork();
        expect(remaining(stub)).toEqual(Object.fromEntries(OTHERS));
        await check(stub, hh);
      } finally {
        await stub.close();
      }
    };

    for (const [label, options] of [
      ["CDS 0.52 (UseEncodedPath: the runs/branch route would answer 200 and delete nothing)", {}],
      ["CDS v0.53 (deleted runs stay listed until the purge)", { listsMarkedRuns: true }],
      ["CDS 0.51 (the router decodes %2F: the runs/branch route is a 404)", { router: "0.51" as const }],
    ] as const) {
      it(`lists and deletes all 120 runs of feature/x, 50 a page, and no other branch loses one: ${label}`, async () => {
        await deleteFeatureX(options, async (stub, hh) => {
          expect(await hh.pending()).toEqual([]);
          // Never the runs/branch route, never a page of more than 50, never a Link followed (the filter is always there).
          expect(
            stub
              .deletes()
              .map((r) => r.url)
              .filter((u) => u.includes("/runs/branch/")),
          ).toEqual([]);
          expect(stub.deletes()).toHaveLength(120);
          for (const req of stub.lists()) {
            const query = new URL(req.url, "http://x").searchParams;
            expect(query.get("git.branch")).toBe("feature/x");
            expect(Number(query.get("limit"))).toBeLessThanOrEqual(50);
          }
          expect(hh.logs.find((l) => l.message === "runs of deleted branch removed")?.fields).toMatchObject({
            via: "listing",
            deleted: 120,
            alreadyGone: 0,
          });
        });
      });
    }

    it("never deletes a run of another branch when CDS ignores the filter, and says so", async () => {
      await deleteFeatureX({ ignoresBranchFilter: true }, async (stub, hh) => {
        expect(stub.deletes()).toHaveLength(120);
        expect(await hh.pending()).toEqual([]);
        const warning = hh.logs.find((l) => l.message.startsWith("CDS listed runs of other branches"));
        expect(warning?.fields).toMatchObject({ otherBranches: 67 });
      });
    });

    it("a run CDS answers 404 for is counted as already gone, not as deleted", async () => {
      api.addRuns("PRJ", "build", "a/b", 3);
      api.answer((req) =>
        req.method === "DELETE" && req.url.endsWith("/runs/2") ? { status: 404, body: '{"message":"not found"}' } : undefined,
      );
      await deleteBranches("a/b");
      now += DELAY_MS;
      await h.gateway.runScheduledWork();
      expect(h.logs.find((l) => l.message === "runs of deleted branch removed")?.fields).toMatchObject({
        branch: "a/b",
        deleted: 2,
        alreadyGone: 1,
      });
      expect(await h.pending()).toEqual([]);
    });

    it("a failure part-way is retried and the next attempt goes on from what is left", async () => {
      api.addRuns("PRJ", "build", "a/b", 4);
      api.answer((req) => (req.method === "DELETE" && req.url.endsWith("/runs/2") ? { status: 500, body: "boom" } : undefined));
      await deleteBranches("a/b");
      now += DELAY_MS;
      await h.gateway.runScheduledWork();
      expect(await h.pending()).toMatchObject([{ branch: "a/b", attempts: 1, lastError: "delete run 2: HTTP 500" }]);
      expect(api.runs("PRJ", "build").map((r) => r.num)).toEqual([2, 1]);
      api.answer(undefined);
      now += 1000;
      await h.gateway.runScheduledWork();
      expect(api.runs("PRJ", "build")).toEqual([]);
      expect(await h.pending()).toEqual([]);
    });
  });

  it("drops a pending record whose branch is `.` or `..` (written before issue #11) without calling CDS", async () => {
    const deletions = createBranchDeletionStore(h.store);
    for (const branch of ["..", "."]) {
      const id = await branchDeletionId("prod", "PRJ", "build", branch);
      await deletions.create({
        id,
        instance: "prod",
        project: "PRJ",
        workflow: "build",
        branch,
        deletedAt: now - DELAY_MS,
        dueAt: now,
        nextAttemptAt: now,
        attempts: 0,
      });
    }
    await h.gateway.runScheduledWork();
    expect(api.requests).toEqual([]);
    expect(await h.pending()).toEqual([]);
    expect(h.logs.filter((l) => l.message === "branch deletion dropped: a name cannot be a path segment")).toHaveLength(2);
  });

  it("two gateways sweeping one store at once execute each deletion once", async () => {
    const slow = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN, jwtTtlSeconds: JWT_TTL_S, deleteDelayMs: 30 });
    try {
      const store = createMemoryStore({ clock });
      const one = await branchHarness({ cds, api: slow, clock, store });
      const two = await branchHarness({ cds, api: slow, clock, store });
      const branches = Array.from({ length: 30 }, (_, i) => `topic-${i}`);
      // Half of them listed and deleted run by run (a `/`), each with two runs.
      const slashed = branches.slice(0, 15).map((b) => b.replace("-", "/"));
      for (const b of slashed) slow.addRuns("PRJ", "build", b, 2);
      const all = [...slashed, ...branches.slice(15)];
      await one.post(
        OWNED,
        refsChangedBody(
          all.map((b) => ({ ref: `refs/heads/${b}`, type: "DELETE" as const })),
          now,
        ),
      );
      now += DELAY_MS;
      await Promise.all([
        one.gateway.runScheduledWork(),
        two.gateway.runScheduledWork(),
        one.gateway.runScheduledWork(),
        two.gateway.runScheduledWork(),
      ]);
      const paths = slow.deletes().map((r) => r.url);
      const byBranch = paths.filter((p) => p.startsWith(RUNS));
      expect(byBranch.sort()).toEqual(
        branches
          .slice(15)
          .map((b) => `${RUNS}${b}`)
          .sort(),
      );
      // Every run deleted once: a second execution would have asked again (and met a 404).
      const byRun = paths.filter((p) => !p.startsWith(RUNS));
      expect(byRun).toHaveLength(30);
      expect(new Set(byRun).size).toBe(30);
      expect(slow.lists()).toHaveLength(30);
      expect(slow.runs("PRJ", "build")).toEqual([]);
      expect(await one.pending()).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});
