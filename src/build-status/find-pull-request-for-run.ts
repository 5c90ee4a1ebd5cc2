import type { PullRequest } from "../bitbucket/bitbucket-types.ts";
import { isSameCommit } from "./is-same-commit.ts";

/**
 * The pull request a failed run reports to (CDS `sendVCSPullRequestComment`):
 * the first one that is open, whose source branch (`fromRef.displayId`) is
 * the run's branch and whose head (`fromRef.latestCommit`) is the run's hash.
 * A run on a commit that is no longer the head finds none.
 */
export function findPullRequestForRun(
  pullRequests: readonly PullRequest[],
  run: { branch: string; hash: string },
): PullRequest | undefined {
  return pullRequests.find(
    (pr) =>
      pr.state === "OPEN" &&
      pr.open !== false &&
      pr.fromRef?.displayId === run.branch &&
      typeof pr.fromRef.latestCommit === "string" &&
      isSameCommit(pr.fromRef.latestCommit, run.hash),
  );
}
