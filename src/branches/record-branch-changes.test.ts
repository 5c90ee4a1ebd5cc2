import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { KvStore } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import {
  ADMIN_TOKEN,
  branchHarness,
  type BranchHarness,
  CONSUMER_TOKEN,
  DELAY_MS,
  refsChangedBody,
} from "../../test/support/branch-deletion-harness.ts";
import { startStubCds, type StubCds } from "../../test/support/stub-cds.ts";
import { startStubCdsApi, type StubCdsApi } from "../../test/support/stub-cds-api.ts";
import { deletionTime, EVENT_DATE_TOLERANCE_MS } from "./record-branch-changes.ts";

const T0 = Date.parse("2026-11-25T10:00:00Z");
const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bitbucket");
const OWNED = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const OTHER_WORKFLOW = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";
const BARE = "1c6b3f2e-8d4a-4f1e-b2c3-d4e5f6a7b8c9";

describe("recording branch deletions after CDS accepted a push", () => {
  let cds: StubCds;
  let bare: StubCds;
  let api: StubCdsApi;
  let now: number;
  let h: BranchHarness;
  const clock = { now: () => now };

  beforeAll(async () => {
    cds = await startStubCds({ owned: [OWNED, OTHER_WORKFLOW], project: "PRJ", workflow: "build" });
    bare = await startStubCds({ owned: [BARE] });
    api = await startStubCdsApi({ consumerToken: CONSUMER_TOKEN });
  });
  afterAll(async () => {
    await cds?.close();
    await bare?.close();
    await api?.close();
  });
  beforeEach(async () => {
    now = T0;
    cds.answer(undefined);
    h = await branchHarness({ cds, bare, api, clock });
  });

  const forwarded = async (res: Response) => {
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "forwarded" });
  };

  it("records each deleted branch (not tags) with deletedAt from the push's ISO date and dueAt a delay later", async () => {
    const date = new Date(T0 - 2000).toISOString();
    const body = refsChangedBody(
      [
        { ref: "refs/heads/feature/wip", type: "DELETE" },
        { ref: "refs/tags/v1.0", type: "DELETE" },
        { ref: "refs/heads/old", type: "DELETE" },
      ],
      date,
    );
    await forwarded(await h.post(OWNED, body));
    const pending = await h.pending();
    expect(pending.map((p) => p.branch).sort()).toEqual(["feature/wip", "old"]);
    for (const p of pending) {
      expect(p).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        instance: "prod",
        project: "PRJ",
        workflow: "build",
        branch: p.branch,
        deletedAt: T0 - 2000,
        dueAt: T0 - 2000 + DELAY_MS,
        attempts: 0,
      });
    }
    expect(JSON.stringify(pending)).not.toContain(CONSUMER_TOKEN);
  });

  it("reads epoch-ms dates too, and takes the receipt time for a date far off (the 2019 fixture)", async () => {
    await forwarded(await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/a", type: "DELETE" }], T0 - 1500)));
    await forwarded(await h.post(OWNED, new Uint8Array(readFileSync(join(FIXTURES, "refs-changed-delete.json")))));
    const byBranch = Object.fromEntries((await h.pending()).map((p) => [p.branch, p]));
    expect(byBranch.a).toMatchObject({ deletedAt: T0 - 1500, dueAt: T0 - 1500 + DELAY_MS });
    expect(byBranch["feature/wip"]).toMatchObject({ deletedAt: T0, dueAt: T0 + DELAY_MS });
  });

  it("an ADD or UPDATE of the branch through the same webhook cancels; within one push the last change wins", async () => {
    await h.post(
      OWNED,
      refsChangedBody([
        { ref: "refs/heads/a", type: "DELETE" },
        { ref: "refs/heads/b", type: "DELETE" },
        { ref: "refs/heads/c", type: "DELETE" },
      ]),
    );
    expect(await h.pending()).toHaveLength(3);
    now += 1000;
    await forwarded(await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/a", type: "ADD" }])));
    await forwarded(await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/b", type: "UPDATE" }])));
    expect((await h.pending()).map((p) => p.branch)).toEqual(["c"]);

    await h.post(
      OWNED,
      refsChangedBody([
        { ref: "refs/heads/d", type: "DELETE" },
        { ref: "refs/heads/d", type: "ADD" },
        { ref: "refs/heads/e", type: "ADD" },
        { ref: "refs/heads/e", type: "DELETE" },
      ]),
    );
    expect((await h.pending()).map((p) => p.branch).sort()).toEqual(["c", "e"]);
    // A tag named like the branch cancels nothing.
    await h.post(OWNED, refsChangedBody([{ ref: "refs/tags/c", type: "ADD" }]));
    expect((await h.pending()).map((p) => p.branch).sort()).toEqual(["c", "e"]);
  });

  it("a pending branch keeps its first deletion time when deleted again", async () => {
    await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/a", type: "DELETE" }], T0));
    now += 60_000;
    await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/a", type: "DELETE" }], now));
    expect(await h.pending()).toMatchObject([{ branch: "a", deletedAt: T0 }]);
  });

  it("keys by workflow: a push to another workflow's webhook cancels nothing there", async () => {
    cds.answer((req) =>
      req.url.endsWith(OTHER_WORKFLOW)
        ? { status: 200, body: JSON.stringify({ config: { project: { value: "PRJ" }, workflow: { value: "deploy" } } }) }
        : undefined,
    );
    await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/a", type: "DELETE" }]));
    await h.post(OTHER_WORKFLOW, refsChangedBody([{ ref: "refs/heads/a", type: "DELETE" }]));
    expect((await h.pending()).map((p) => `${p.workflow}/${p.branch}`).sort()).toEqual(["build/a", "deploy/a"]);
    await h.post(OTHER_WORKFLOW, refsChangedBody([{ ref: "refs/heads/a", type: "ADD" }]));
    expect((await h.pending()).map((p) => `${p.workflow}/${p.branch}`)).toEqual(["build/a"]);
  });

  it("records nothing for an instance without apiUrl and token, another event, a CDS refusal, or an answer without project", async () => {
    const del = refsChangedBody([{ ref: "refs/heads/a", type: "DELETE" }]);
    await forwarded(await h.post(BARE, del));
    await forwarded(await h.post(OWNED, del, { "x-event-key": "repo:modified" }));
    cds.answer(() => ({ status: 400, body: '{"message":"bad"}' }));
    expect((await h.post(OWNED, del)).status).toBe(400);
    cds.answer(() => ({ status: 200, body: '{"uuid":"x","status":"SCHEDULED"}' }));
    await forwarded(await h.post(OWNED, del));
    expect(await h.pending()).toEqual([]);
    expect(h.logs.filter((l) => l.message.startsWith("branch changes not recorded"))).toHaveLength(1);
  });

  it("records no deletion from a webhook whose signature was not verified, unless the server sets unsignedBranchDeletions (issue #11)", async () => {
    const del = refsChangedBody([
      { ref: "refs/heads/a", type: "DELETE" },
      { ref: "refs/heads/b", type: "DELETE" },
    ]);
    const unsigned = await branchHarness({ cds, api, clock, unsigned: true });
    await forwarded(await unsigned.post(OWNED, del));
    expect(await unsigned.pending()).toEqual([]);
    expect(unsigned.logs).toContainEqual(
      expect.objectContaining({
        level: "info",
        message: "branch deletions not recorded: the webhook's signature was not verified",
        fields: expect.objectContaining({ deletions: 2 }),
      }),
    );

    const lenient = await branchHarness({ cds, api, clock, unsigned: true, server: { unsignedBranchDeletions: true } });
    await forwarded(await lenient.post(OWNED, del));
    expect((await lenient.pending()).map((p) => p.branch).sort()).toEqual(["a", "b"]);
  });

  it("an unsigned ADD still cancels a pending deletion: it can only keep runs", async () => {
    const store = createMemoryStore({ clock });
    const signed = await branchHarness({ cds, api, clock, store });
    await forwarded(await signed.post(OWNED, refsChangedBody([{ ref: "refs/heads/a", type: "DELETE" }])));
    const unsigned = await branchHarness({ cds, api, clock, store, unsigned: true });
    await forwarded(await unsigned.post(OWNED, refsChangedBody([{ ref: "refs/heads/a", type: "ADD" }])));
    expect(await signed.pending()).toEqual([]);
  });

  it("refuses (and logs) a branch, project or workflow `.` or `..`: it would move the CDS API path (issue #11)", async () => {
    await forwarded(
      await h.post(
        OWNED,
        refsChangedBody([
          { ref: "refs/heads/..", type: "DELETE" },
          { ref: "refs/heads/.", type: "DELETE" },
          { ref: "refs/heads/ok", type: "DELETE" },
        ]),
      ),
    );
    expect((await h.pending()).map((p) => p.branch)).toEqual(["ok"]);
    expect(
      h.logs
        .filter((l) => l.level === "warn" && l.message === "branch deletion refused: a name cannot be a path segment")
        .map((l) => l.fields?.branch),
    ).toEqual(["..", "."]);
    cds.answer(() => ({ status: 200, body: JSON.stringify({ config: { project: { value: ".." }, workflow: { value: "build" } } }) }));
    await forwarded(await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/other", type: "DELETE" }])));
    expect((await h.pending()).map((p) => p.branch)).toEqual(["ok"]);
  });

  it("collapses repeats: one record per branch however often a push or later pushes delete it", async () => {
    const many = Array.from({ length: 2_000 }, (_, i) => ({ ref: `refs/heads/${i % 2 === 0 ? "x" : "y"}`, type: "DELETE" as const }));
    await forwarded(await h.post(OWNED, refsChangedBody(many)));
    await forwarded(await h.post(OWNED, refsChangedBody(many)));
    expect((await h.pending()).map((p) => p.branch).sort()).toEqual(["x", "y"]);
  });

  it("a failing store never fails the delivery: the error is logged, the answer is the same", async () => {
    const inner = createMemoryStore({ clock });
    const failing: KvStore = {
      ...inner,
      batch: async (ops) => {
        if (ops.some((op) => op.key.startsWith("branchdel"))) throw new Error("disk full");
        return inner.batch(ops);
      },
      batchIf: async (check, ops) => {
        if (ops.some((op) => op.key.startsWith("branchdel"))) throw new Error("disk full");
        return inner.batchIf(check, ops);
      },
    };
    const broken = await branchHarness({ cds, api, clock, store: failing });
    await forwarded(await broken.post(OWNED, refsChangedBody([{ ref: "refs/heads/a", type: "DELETE" }])));
    expect(broken.logs).toContainEqual(
      expect.objectContaining({
        level: "error",
        message: "branch change not recorded",
        fields: expect.objectContaining({ branch: "a", error: "disk full" }),
      }),
    );
  });

  it("a queued delivery records its deletions when it is finally delivered, dated from its receipt", async () => {
    cds.answer(() => ({ status: 503 }));
    const res = await h.post(OWNED, refsChangedBody([{ ref: "refs/heads/late", type: "DELETE" }], T0));
    expect(res.status).toBe(202);
    expect(await h.pending()).toEqual([]);
    cds.answer(undefined);
    now += 60_000;
    await h.gateway.runScheduledWork();
    expect(await h.pending()).toMatchObject([{ branch: "late", deletedAt: T0, dueAt: T0 + DELAY_MS }]);
  });

  it("GET lists and shows one, DELETE cancels one (204, then 404), and all need the bearer token", async () => {
    await h.post(
      OWNED,
      refsChangedBody([
        { ref: "refs/heads/a", type: "DELETE" },
        { ref: "refs/heads/b", type: "DELETE" },
      ]),
    );
    const [first, second] = await h.pending();
    expect(await (await h.admin(`/-/branch-deletions/${second!.id}`)).json()).toEqual(second);
    expect((await h.admin("/-/branch-deletions/0123456789abcdef0123456789abcdef")).status).toBe(404);
    expect((await h.admin(`/-/branch-deletions/${first!.id}`, "DELETE")).status).toBe(204);
    expect((await h.admin(`/-/branch-deletions/${first!.id}`, "DELETE")).status).toBe(404);
    expect((await h.admin("/-/branch-deletions/0123456789abcdef0123456789abcdef", "DELETE")).status).toBe(404);
    expect((await h.admin("/-/branch-deletions/not-an-id", "DELETE")).status).toBe(404);
    expect(await h.pending()).toEqual([second]);
    expect((await h.gateway.app.request("http://gw/-/branch-deletions")).status).toBe(401);
    expect((await h.gateway.app.request(`http://gw/-/branch-deletions/${second!.id}`, { method: "DELETE" })).status).toBe(401);
    expect(
      (await h.gateway.app.request("http://gw/-/branch-deletions", { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } })).status,
    ).toBe(401);
    expect(await h.pending()).toEqual([second]);
  });
});

describe("deletionTime", () => {
  it("takes the push's date within the tolerance before receipt, else the receipt time", () => {
    expect(deletionTime(T0 - 1000, T0)).toBe(T0 - 1000);
    expect(deletionTime(T0 - EVENT_DATE_TOLERANCE_MS, T0)).toBe(T0 - EVENT_DATE_TOLERANCE_MS);
    expect(deletionTime(T0 - EVENT_DATE_TOLERANCE_MS - 1, T0)).toBe(T0);
    expect(deletionTime(T0 + 1, T0)).toBe(T0);
    expect(deletionTime(undefined, T0)).toBe(T0);
  });
});
