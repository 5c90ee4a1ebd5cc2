import { describe, expect, it } from "vitest";
import { matchCdsVcsRoute } from "./match-cds-vcs-route.ts";

describe("matchCdsVcsRoute", () => {
  it("recognises the four calls the gateway answers", () => {
    expect(matchCdsVcsRoute("POST", "/vcs/bitbucket/status")).toEqual({ kind: "status", name: "bitbucket" });
    expect(matchCdsVcsRoute("GET", "/vcs/bitbucket/repos/~jdoe/my%20repo/commits/abc/statuses")).toEqual({
      kind: "statuses",
      name: "bitbucket",
      owner: "~jdoe",
      repo: "my repo",
      commit: "abc",
    });
    expect(matchCdsVcsRoute("POST", "/vcs/bitbucket/repos/PRJ/r/pullrequests/comments")).toEqual({
      kind: "comment",
      name: "bitbucket",
      owner: "PRJ",
      repo: "r",
    });
    expect(matchCdsVcsRoute("POST", "/vcs/bitbucket/repos/PRJ/r/pullrequests/7/comments")).toEqual({
      kind: "legacy-comment",
      name: "bitbucket",
      owner: "PRJ",
      repo: "r",
      id: "7",
    });
  });

  it.each([
    ["GET", "/vcs/bitbucket/status"],
    ["POST", "/vcs/bitbucket/repos/PRJ/r/commits/abc/statuses"],
    ["GET", "/vcs/bitbucket/repos/PRJ/r/pullrequests"],
    ["GET", "/vcs/bitbucket/repos/PRJ/r/pullrequests/7"],
    ["GET", "/vcs/bitbucket"],
    ["GET", "/vcs"],
    ["GET", "/vcsgerrit"],
    ["POST", "/vcs/bitbucket/status/extra"],
    ["GET", "/vcs/bitbucket/repos/PRJ/%E0%A4%A/commits/abc/statuses"],
  ])("leaves %s %s to the vcs service", (method, path) => {
    expect(matchCdsVcsRoute(method, path)).toBeUndefined();
  });
});
