import { describe, expect, it } from "vitest";
import { bitbucketCallKind } from "./bitbucket-call-kind.ts";

describe("bitbucketCallKind", () => {
  it.each([
    ["POST", "/rest/build-status/1.0/commits/abc123", "status"],
    ["GET", "/rest/build-status/1.0/commits/abc123", "statuses"],
    ["POST", "/rest/api/latest/projects/P/repos/r/commits/abc123/builds", "status"],
    ["POST", "/rest/api/1.0/projects/P/repos/r/pull-requests/7/comments", "comment"],
    ["GET", "/rest/api/1.0/projects/P/repos/r/pull-requests/7", "pull_requests"],
    ["GET", "/rest/api/1.0/projects/P/repos/r/pull-requests", "pull_requests"],
    ["PUT", "/rest/api/latest/projects/P/repos/r/webhooks/3", "webhooks"],
    ["GET", "/rest/api/latest/projects/P/repos", "repositories"],
    ["GET", "/rest/api/1.0/users", "other"],
  ])("%s %s is %s", (method, path, kind) => {
    expect(bitbucketCallKind(method, path)).toBe(kind);
  });
});
