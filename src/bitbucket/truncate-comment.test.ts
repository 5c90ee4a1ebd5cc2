import { describe, expect, it } from "vitest";
import { truncateComment } from "./truncate-comment.ts";

describe("truncateComment", () => {
  it("keeps a comment of 32 767 characters", () => {
    const text = "x".repeat(32_767);
    expect(truncateComment(text)).toBe(text);
  });

  it("cuts a comment of 32 768 characters to 32 750 plus the marker", () => {
    const text = "a".repeat(32_750) + "b".repeat(18);
    const cut = truncateComment(text);
    expect(cut).toBe("a".repeat(32_750) + "\n[truncated]");
    expect(cut).toHaveLength(32_762);
  });

  it("cuts longer comments the same way", () => {
    expect(truncateComment("y".repeat(100_000))).toBe("y".repeat(32_750) + "\n[truncated]");
  });

  it("does not split a surrogate pair at the cut", () => {
    const text = "z".repeat(32_749) + "😀".repeat(10);
    const cut = truncateComment(text);
    expect(cut).toBe("z".repeat(32_749) + "\n[truncated]");
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
