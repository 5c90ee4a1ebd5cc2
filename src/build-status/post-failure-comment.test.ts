import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBitbucketClient } from "../bitbucket/bitbucket-client.ts";
import { BitbucketError } from "../bitbucket/bitbucket-error.ts";
import type { KvStore } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import { bitbucketServerConfig } from "../../test/support/bitbucket-server-config.ts";
import { startStubBitbucket, type StubBitbucket } from "../../test/support/stub-bitbucket.ts";
import type { RunEvent } from "./parse-run-event.ts";
import { commentStoreKey, postFailureComment } from "./post-failure-comment.ts";

const HASH = "8c5f1e3b2a9d4c7e6f0a1b2c3d4e5f6a7b8c9d0e";
const PRS = "/rest/api/1.0/projects/PRJ/repos/my-repo/pull-requests";
const run: RunEvent = {
  projectKey: "PRJ",
  workflowName: "wf",
  nodeName: "build",
  number: 12,
  subNumber: 0,
  status: "Fail",
  hash: HASH,
  branch: "feature/x",
  repository: { project: "PRJ", repo: "my-repo" },
  stages: [{ name: "Stage 1", jobs: [{ name: "my job", status: "Fail" }] }],
};

const pr = (id: number, branch: string, latestCommit = HASH) => ({
  id,
  state: "OPEN",
  open: true,
  fromRef: { id: `refs/heads/${branch}`, displayId: branch, latestCommit },
  toRef: { id: "refs/heads/main", displayId: "main", latestCommit: "0".repeat(40) },
});

describe("postFailureComment against a stub Bitbucket", () => {
  let bb: StubBitbucket;
  let store: KvStore;
  const server = () => bitbucketServerConfig({ url: bb.url, token: "t0k" });
  const comments = () => bb.requests.filter((r) => r.method === "POST");

  beforeAll(async () => {
    bb = await startStubBitbucket();
  });
  afterAll(async () => {
    await bb?.close();
  });
  beforeEach(() => {
    bb.reset();
    bb.setHandler("GET", PRS, { json: { values: [pr(6, "other"), pr(7, "feature/x")], isLastPage: true } });
    bb.setHandler("POST", `${PRS}/7/comments`, { status: 201, json: { id: 555, text: "…" } });
    store = createMemoryStore();
  });

  const comment = (event: RunEvent = run) =>
    postFailureComment({
      client: createBitbucketClient({
        server: server(),
        fetch: (url, init) => fetch(url, init as RequestInit),
        clock: { now: () => Date.now() },
        sleep: async () => {},
      }),
      store,
      server: server(),
      event,
      clock: { now: () => 1_700_000_000_000 },
      logger: { log() {} },
    });

  it("comments once on the pull request of the run's branch and head", async () => {
    expect(await comment()).toEqual({ posted: true, pullRequest: 7 });
    expect(comments()).toHaveLength(1);
    expect(JSON.parse(comments()[0]!.body)).toEqual({ text: "\nCDS Report build#12.0 ✘  \n* Stage 1\n  * my job ✘  \n" });
    expect(bb.requests[0]!.query.get("state")).toBe("OPEN");
    const claim = await store.get(commentStoreKey("Bitbucket", "PRJ", "my-repo", 7, "PRJ-wf-build", 12, 0));
    expect(JSON.parse(claim!)).toEqual({ claimedAt: 1_700_000_000_000, commentId: 555 });

    expect(await comment()).toEqual({ posted: false, reason: "already_posted", pullRequest: 7 });
    expect(comments()).toHaveLength(1);
    // Another sub-run is another run: it comments.
    expect(await comment({ ...run, subNumber: 1 })).toEqual({ posted: true, pullRequest: 7 });
    expect(comments()).toHaveLength(2);
  });

  it("never comments twice for two concurrent identical events", async () => {
    const outcomes = await Promise.all([comment(), comment(), comment()]);
    expect(outcomes.filter((o) => o.posted)).toHaveLength(1);
    expect(comments()).toHaveLength(1);
  });

  it("releases the claim when posting fails, so a retry comments", async () => {
    bb.setHandler("POST", `${PRS}/7/comments`, [
      { status: 403, json: { errors: [{ message: "You are not permitted to access this resource" }] } },
      { status: 201, json: { id: 556, text: "…" } },
    ]);
    const error = await comment().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BitbucketError);
    expect(await store.get(commentStoreKey("Bitbucket", "PRJ", "my-repo", 7, "PRJ-wf-build", 12, 0))).toBeNull();
    expect(await comment()).toEqual({ posted: true, pullRequest: 7 });
  });

  it("marks a stopped run with ■", async () => {
    expect(await comment({ ...run, status: "Stopped", stages: [{ name: "S", jobs: [{ name: "j", status: "Stopped" }] }] })).toMatchObject({
      posted: true,
    });
    expect(JSON.parse(comments()[0]!.body).text).toBe("\nCDS Report build#12.0 ■   \n* S\n  * j ■   \n");
  });

  it("does nothing when no comment is due or possible", async () => {
    expect(await comment({ ...run, status: "Success" })).toEqual({ posted: false, reason: "not_failed" });
    expect(await comment({ ...run, repository: undefined })).toEqual({ posted: false, reason: "no_repository" });
    expect(await comment({ ...run, branch: undefined })).toEqual({ posted: false, reason: "no_branch" });
    expect(bb.requests).toHaveLength(0);
    expect(await comment({ ...run, hash: "f".repeat(40) })).toEqual({ posted: false, reason: "no_pull_request" });
    expect(await comment({ ...run, branch: "main" })).toEqual({ posted: false, reason: "no_pull_request" });
    expect(comments()).toHaveLength(0);
  });
});
