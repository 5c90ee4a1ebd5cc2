import { describe, expect, it } from "vitest";
import { parseCommentRequest } from "./parse-comment-request.ts";

describe("parseCommentRequest", () => {
  it("reads CDS's {id, message, revision}", () => {
    expect(parseCommentRequest({ id: 42, message: "hello", revision: "abc" })).toEqual({ kind: "comment", id: 42, message: "hello" });
    expect(parseCommentRequest({ id: "7", message: "x" })).toEqual({ kind: "comment", id: 7, message: "x" });
  });

  it.each([
    ["x", 'the body must be a JSON object {"id":…,"message":…}'],
    [[1], 'the body must be a JSON object {"id":…,"message":…}'],
    [{ message: "x" }, "id is required"],
    [{ id: 0, message: "x" }, "id must be a positive integer (the pull request id)"],
    [{ id: 1.5, message: "x" }, "id must be a positive integer (the pull request id)"],
    [{ id: "1x", message: "x" }, "id must be a positive integer (the pull request id)"],
    [{ id: 1 }, "message is required"],
    [{ id: 1, message: "" }, "message is required"],
    [{ id: 1, message: 5 }, "message must be a string"],
  ])("refuses %j", (body, message) => {
    expect(parseCommentRequest(body)).toEqual({ kind: "invalid", message });
  });
});
