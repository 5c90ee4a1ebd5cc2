import { describe, expect, it } from "vitest";
import type { PullRequest, PullRequestState } from "../bitbucket/bitbucket-types.ts";
import { findPullRequestForRun } from "./find-pull-request-for-run.ts";

const HEAD = "8c5f1e3b2a9d4c7e6f0a1b2c3d4e5f6a7b8c9d0e";

function pr(id: number, branch: string, latestCommit: string, state: PullRequestState = "OPEN"): PullRequest {
  return {
    id,
    state,
    open: state === "OPEN",
    fromRef: { id: `refs/heads/${branch}`, displayId: branch, latestCommit },
    toRef: { id: "refs/heads/main", displayId: "main", latestCommit: "0".repeat(40) },
  };
}

describe("findPullRequestForRun", () => {
  it("picks the open PR of the run's branch whose head is the run's hash", () => {
    const prs = [pr(1, "other", HEAD), pr(2, "feature/x", HEAD), pr(3, "feature/x", HEAD)];
    expect(findPullRequestForRun(prs, { branch: "feature/x", hash: HEAD })?.id).toBe(2);
  });

  it("accepts a 12-character prefix on either side", () => {
    expect(findPullRequestForRun([pr(4, "b", HEAD.slice(0, 12))], { branch: "b", hash: HEAD })?.id).toBe(4);
    expect(findPullRequestForRun([pr(5, "b", HEAD)], { branch: "b", hash: HEAD.slice(0, 12) })?.id).toBe(5);
  });

  it("finds none when the head moved on, the branch differs, or the PR is not open", () => {
    expect(findPullRequestForRun([pr(1, "b", "f".repeat(40))], { branch: "b", hash: HEAD })).toBeUndefined();
    expect(findPullRequestForRun([pr(1, "c", HEAD)], { branch: "b", hash: HEAD })).toBeUndefined();
    expect(findPullRequestForRun([pr(1, "b", HEAD, "MERGED"), pr(2, "b", HEAD, "DECLINED")], { branch: "b", hash: HEAD })).toBeUndefined();
    expect(findPullRequestForRun([], { branch: "b", hash: HEAD })).toBeUndefined();
  });
});
