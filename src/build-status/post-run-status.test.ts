import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBitbucketClient } from "../bitbucket/bitbucket-client.ts";
import { BitbucketError } from "../bitbucket/bitbucket-error.ts";
import type { BitbucketServerConfig } from "../core/config-types.ts";
import type { KvStore } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import { bitbucketServerConfig } from "../../test/support/bitbucket-server-config.ts";
import { startStubBitbucket, type StubBitbucket } from "../../test/support/stub-bitbucket.ts";
import type { RunEvent } from "./parse-run-event.ts";
import { postRunStatus, statusStoreKey } from "./post-run-status.ts";

const HASH = "8c5f1e3b2a9d4c7e6f0a1b2c3d4e5f6a7b8c9d0e";
const PATH = `/rest/build-status/1.0/commits/${HASH}`;
const run: RunEvent = {
  projectKey: "PRJ",
  workflowName: "wf",
  nodeName: "build",
  number: 12,
  subNumber: 0,
  status: "Building",
  hash: HASH,
  stages: [],
};

describe("postRunStatus against a stub Bitbucket", () => {
  let bb: StubBitbucket;
  let store: KvStore;

  beforeAll(async () => {
    bb = await startStubBitbucket();
  });
  afterAll(async () => {
    await bb?.close();
  });
  beforeEach(() => {
    bb.reset();
    bb.setHandler("POST", PATH, { status: 204 });
    store = createMemoryStore();
  });

  const post = (event: RunEvent, server: BitbucketServerConfig = bitbucketServerConfig({ url: bb.url, token: "t0k" })) =>
    postRunStatus({
      client: createBitbucketClient({
        server,
        fetch: (url, init) => fetch(url, init as RequestInit),
        clock: { now: () => Date.now() },
        sleep: async () => {},
      }),
      store,
      server,
      event,
      uiUrl: "https://cds.example.com",
    });

  it("posts the status, then not the same one again, then a changed one", async () => {
    expect(await post(run)).toEqual({ posted: true, state: "INPROGRESS" });
    expect(bb.requests).toHaveLength(1);
    expect(JSON.parse(bb.requests[0]!.body)).toEqual({
      state: "INPROGRESS",
      key: "PRJ-wf-build",
      name: "PRJ-wf-build12",
      description: "CDS/PRJ-wf-build",
      url: "https://cds.example.com/project/PRJ/workflow/wf/run/12",
    });
    expect(await store.get(statusStoreKey("Bitbucket", HASH, "PRJ-wf-build"))).not.toBeNull();

    expect(await post(run)).toEqual({ posted: false, reason: "unchanged", state: "INPROGRESS" });
    expect(bb.requests).toHaveLength(1);

    expect(await post({ ...run, status: "Fail" })).toEqual({ posted: true, state: "FAILED" });
    // A re-run on the same commit links to the new run, even with the same state.
    expect(await post({ ...run, status: "Fail", number: 13 })).toEqual({ posted: true, state: "FAILED" });
    expect(bb.requests).toHaveLength(3);
  });

  it("posts nothing for a server with Status.disable", async () => {
    const server = bitbucketServerConfig({ url: bb.url, token: "t0k", status: { disable: true, showDetail: true } });
    expect(await post({ ...run, status: "Success" }, server)).toEqual({ posted: false, reason: "disabled", state: "SUCCESSFUL" });
    expect(bb.requests).toHaveLength(0);
  });

  it("remembers nothing when Bitbucket refuses, so the next event posts again", async () => {
    bb.setHandler("POST", PATH, [{ status: 400, json: { errors: [{ message: "Invalid build status" }] } }, { status: 204 }]);
    const error = await post(run).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BitbucketError);
    expect((error as BitbucketError).messages).toEqual(["Invalid build status"]);
    expect(await store.get(statusStoreKey("Bitbucket", HASH, "PRJ-wf-build"))).toBeNull();
    expect(await post(run)).toEqual({ posted: true, state: "INPROGRESS" });
  });
});
