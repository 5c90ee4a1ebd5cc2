import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMemoryStore } from "../store/memory-store.ts";
import { branchHarness, type BranchHarness, CONSUMER_TOKEN, DELAY_MS, refsChangedBody } from "../../test/support/branch-deletion-harness.ts";
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
    h.post(OWNED, refsChangedBody(branches.map((b) => ({ ref: `refs/heads/${b}`, type: "DELETE" as const })), now));
  const deletePaths = () => api.deletes().map((r) => r.url);

  it("nothing before dueAt; at dueAt one signin with the consumer token, then DELETE with the JWT, branch escaped", async () => {
    const start = now;
    await deleteBranches("feature/wip", "release/1.0+hotfix");
    now = start + DELAY_MS - 1;
    await h.gateway.runScheduledWork();
    expect(api.requests).toEqual([]);

    now = start + DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(api.signins()).toHaveLength(1);
    expect(JSON.parse(api.signins()[0]!.body)).toEqual({ token: CONSUMER_TOKEN });
    expect(deletePaths().sort()).toEqual([`${RUNS}feature%2Fwip`, `${RUNS}release%2F1.0%2Bhotfix`]);
    for (const req of api.deletes()) expect(req.headers.authorization).toBe(`Bearer ${api.issued[0]}`);
    expect(api.requests[0]).toBe(api.signins()[0]);
    expect(await h.pending()).toEqual([]);

    await h.gateway.runScheduledWork();
    expect(api.requests).toHaveLength(3);
    const logged = JSON.stringify(h.logs);
    expect(logged).not.toContain(CONSUMER_TOKEN);
    expect(logged).not.toContain(api.issued[0]);
  });

  it("404 clears the record", async () => {
    api.answer((req) => (req.method === "DELETE" ? { status: 404, body: '{"message":"workflow does not exist"}' } : undefined));
    await deleteBranches("gone");
    now += DELAY_MS;
    await h.gateway.runScheduledWork();
    expect(api.deletes()).toHaveLength(1);
    expect(await h.pending()).toEqual([]);
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
    expect(api.deletes().map((r) => r.headers.authorization)).toEqual([`Bearer ${api.issued[0]}`, `Bearer ${api.issued[0]}`, `Bearer ${api.issued[1]}`]);
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
    await deletions.create({ id, instance: "removed", project: "PRJ", workflow: "build", branch: "a", deletedAt: now - DELAY_MS, dueAt: now, nextAttemptAt: now, attempts: 0 });
    await h.gateway.runScheduledWork();
    expect(api.requests).toEqual([]);
    expect(await h.pending()).toMatchObject([{ id, attempts: 1, lastError: "CDS instance removed is not in the configuration" }]);
  });

  it("paces the calls to each CDS instance (cdsApiCallsPerSecond), across runs of the scheduled work (issue #11)", async () => {
    const paced = await branchHarness({ cds, api, clock, gatewayExtra: "cdsApiCallsPerSecond = 20" });
    const push = (names: string[]) =>
      paced.post(OWNED, refsChangedBody(names.map((b) => ({ ref: `refs/heads/${b}`, type: "DELETE" as const })), now));
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

  it("drops a pending record whose branch is `.` or `..` (written before issue #11) without calling CDS", async () => {
    const deletions = createBranchDeletionStore(h.store);
    for (const branch of ["..", "."]) {
      const id = await branchDeletionId("prod", "PRJ", "build", branch);
      await deletions.create({ id, instance: "prod", project: "PRJ", workflow: "build", branch, deletedAt: now - DELAY_MS, dueAt: now, nextAttemptAt: now, attempts: 0 });
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
      const branches = Array.from({ length: 30 }, (_, i) => `topic/${i}`);
      await one.post(OWNED, refsChangedBody(branches.map((b) => ({ ref: `refs/heads/${b}`, type: "DELETE" as const })), now));
      now += DELAY_MS;
      await Promise.all([one.gateway.runScheduledWork(), two.gateway.runScheduledWork(), one.gateway.runScheduledWork(), two.gateway.runScheduledWork()]);
      const paths = slow.deletes().map((r) => r.url);
      expect(paths.sort()).toEqual(branches.map((b) => `${RUNS}${encodeURIComponent(b)}`).sort());
      expect(await one.pending()).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});
