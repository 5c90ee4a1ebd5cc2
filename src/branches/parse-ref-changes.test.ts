import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRefChanges } from "./parse-ref-changes.ts";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/bitbucket");
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const ZERO = "0000000000000000000000000000000000000000";

describe("parseRefChanges", () => {
  it("reads the branch DELETE of the fixture, with its +0100 date", () => {
    expect(parseRefChanges(fixture("refs-changed-delete.json"))).toEqual({
      eventKey: "repo:refs_changed",
      date: Date.UTC(2019, 2, 1, 9, 37, 14),
      changes: [{ branch: "feature/wip", type: "DELETE" }],
    });
  });

  it("reads the branch UPDATE of an older server", () => {
    expect(parseRefChanges(fixture("refs-changed-update.json"))?.changes).toEqual([{ branch: "master", type: "UPDATE" }]);
  });

  it("keeps branches in order, ignores tags and other refs, takes epoch-ms dates", () => {
    const body = JSON.stringify({
      eventKey: "repo:refs_changed",
      date: 1764064800000,
      changes: [
        {
          ref: { id: "refs/heads/a", displayId: "a", type: "BRANCH" },
          refId: "refs/heads/a",
          fromHash: ZERO,
          toHash: "1".repeat(40),
          type: "ADD",
        },
        {
          ref: { id: "refs/tags/v1", displayId: "v1", type: "TAG" },
          refId: "refs/tags/v1",
          fromHash: "2".repeat(40),
          toHash: ZERO,
          type: "DELETE",
        },
        { refId: "refs/tags/v2", type: "DELETE" },
        { ref: { id: "refs/pull-requests/3/from", type: "BRANCH" }, type: "DELETE" },
        { ref: { displayId: "only-display", type: "BRANCH" }, type: "delete" },
        { ref: { id: "refs/heads/b", type: "BRANCH" }, type: "DELETE" },
        { refId: "refs/heads/c", type: "MOVE" },
        "nonsense",
      ],
    });
    expect(parseRefChanges(body)).toEqual({
      eventKey: "repo:refs_changed",
      date: 1764064800000,
      changes: [
        { branch: "a", type: "ADD" },
        { branch: "only-display", type: "DELETE" },
        { branch: "b", type: "DELETE" },
      ],
    });
  });

  it("gives undefined for bodies that are not JSON objects, and no changes when there are none", () => {
    expect(parseRefChanges("not json")).toBeUndefined();
    expect(parseRefChanges("[1,2]")).toBeUndefined();
    expect(parseRefChanges('{"eventKey":"pr:opened"}')).toEqual({ eventKey: "pr:opened", date: undefined, changes: [] });
  });
});
