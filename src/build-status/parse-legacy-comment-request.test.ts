import { describe, expect, it } from "vitest";
import { parseLegacyCommentRequest } from "./parse-legacy-comment-request.ts";

describe("parseLegacyCommentRequest", () => {
  it("takes the id from the path and the comment from a bare JSON string", () => {
    expect(parseLegacyCommentRequest("7", "CDS Report build#12.0 ✘")).toEqual({
      kind: "comment",
      id: 7,
      message: "CDS Report build#12.0 ✘",
    });
  });

  it.each([
    ["0", "x", "the pull request id in the path must be a positive integer"],
    ["7a", "x", "the pull request id in the path must be a positive integer"],
    ["99999999999999999999", "x", "the pull request id in the path must be a positive integer"],
    ["7", { id: 7, message: "x" }, "the body must be a JSON string (the comment)"],
    ["7", "", "the comment is empty"],
  ])("refuses id %j with body %j", (id, body, message) => {
    expect(parseLegacyCommentRequest(id, body)).toEqual({ kind: "invalid", message });
  });
});
