import type { BitbucketClient } from "../bitbucket/bitbucket-client.ts";
import type { BitbucketServerConfig } from "../core/config-types.ts";
import type { Clock, KvStore, Logger } from "../core/ports.ts";
import { buildStatusKey } from "./build-status-for-event.ts";
import { findPullRequestForRun } from "./find-pull-request-for-run.ts";
import type { RunEvent } from "./parse-run-event.ts";
import { renderCdsReport } from "./render-cds-report.ts";

/** How long a posted (or claimed) comment is remembered. */
export const COMMENT_MEMORY_TTL_MS = 90 * 24 * 3_600_000;

export type CommentOutcome =
  | { posted: true; pullRequest: number }
  | {
      posted: false;
      reason: "not_failed" | "no_repository" | "no_branch" | "no_pull_request" | "already_posted";
      pullRequest?: number;
    };

export interface PostFailureCommentInput {
  client: BitbucketClient;
  store: KvStore;
  server: BitbucketServerConfig;
  event: RunEvent;
  clock: Clock;
  logger: Logger;
}

/** CDS comments on pull requests when a node run ends in one of these. */
export function isCommentDue(status: string): boolean {
  return status === "Fail" || status === "Stopped";
}

/**
 * `comment:<server>:<project>/<repo>:<prId>:<key>:<num>.<subnum>` (components
 * URI-encoded) → the claim of the one comment for that run on that pull request.
 */
export function commentStoreKey(
  server: string,
  project: string,
  repo: string,
  pullRequest: number,
  key: string,
  number: number,
  subNumber: number,
): string {
  const e = encodeURIComponent;
  return `comment:${e(server)}:${e(project)}/${e(repo)}:${pullRequest}:${e(key)}:${number}.${subNumber}`;
}

/**
 * When a node run ended `Fail` or `Stopped`: finds the open pull request of
 * the run's branch whose head is the run's commit and posts CDS's default
 * report on it, once per (pull request, key, run number, sub-number).
 *
 * The store entry is claimed with putIfAbsent before posting, so two
 * concurrent identical events never both comment; if posting fails the
 * claim is released and the error propagates, so a retry can comment.
 * (A crash between claim and post leaves the claim: at most one comment.)
 */
export async function postFailureComment(input: PostFailureCommentInput): Promise<CommentOutcome> {
  const { client, store, server, event, clock, logger } = input;
  if (!isCommentDue(event.status)) return { posted: false, reason: "not_failed" };
  if (!event.repository) return { posted: false, reason: "no_repository" };
  if (!event.branch) return { posted: false, reason: "no_branch" };

  const { project, repo } = event.repository;
  const pullRequests = await client.listPullRequests(project, repo, { state: "OPEN" });
  const pr = findPullRequestForRun(pullRequests, { branch: event.branch, hash: event.hash });
  if (!pr) return { posted: false, reason: "no_pull_request" };

  const key = buildStatusKey(event);
  const claimKey = commentStoreKey(server.name, project, repo, pr.id, key, event.number, event.subNumber);
  const claimed = await store.putIfAbsent(claimKey, JSON.stringify({ claimedAt: clock.now() }), { ttlMs: COMMENT_MEMORY_TTL_MS });
  if (!claimed) return { posted: false, reason: "already_posted", pullRequest: pr.id };

  let commentId: number | undefined;
  try {
    commentId = (await client.addPullRequestComment(project, repo, pr.id, renderCdsReport(event)))?.id;
  } catch (error) {
    await store.delete(claimKey).catch((releaseError: unknown) => {
      logger.log("error", "could not release a pull-request comment claim", {
        server: server.name,
        pullRequest: pr.id,
        error: releaseError instanceof Error ? releaseError.message : String(releaseError),
      });
    });
    throw error;
  }
  await store
    .put(claimKey, JSON.stringify({ claimedAt: clock.now(), commentId: commentId ?? null }), { ttlMs: COMMENT_MEMORY_TTL_MS })
    .catch(() => {
      // The claim itself is still there; only the comment id is not recorded.
    });
  return { posted: true, pullRequest: pr.id };
}
