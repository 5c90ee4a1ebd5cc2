import { describe, expect, it } from "vitest";
import { truncateComment } from "./truncate-comment.ts";

const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;
const MARKER = "\n[truncated]";

/*
 * CDS's Bitbucket Server client (engine/vcs/bitbucketserver, PullRequestComment,
 * from 0.51) cuts a message whose Go `len` — its UTF-8 byte count — is 32 768
 * or more to its first 32 750 bytes followed by the marker. The expected texts
 * below count bytes the same way: "é" is 2 bytes, "€" 3, "😀" 4 (and 2 UTF-16
 * units); byte positions are counted from 0. Where CDS's byte slice would end
 * inside a character, the gateway ends before that character instead.
 */
describe("truncateComment", () => {
  it("keeps a comment of 32 767 bytes", () => {
    const text = "x".repeat(32_767);
    expect(truncateComment(text)).toBe(text);
  });

  it("cuts a comment of 32 768 bytes to 32 750 plus the marker", () => {
    const text = "a".repeat(32_750) + "b".repeat(18);
    const cut = truncateComment(text);
    expect(cut).toBe("a".repeat(32_750) + MARKER);
    expect(cut).toHaveLength(32_762);
  });

  it("cuts longer comments the same way", () => {
    expect(truncateComment("y".repeat(100_000))).toBe("y".repeat(32_750) + MARKER);
  });

  it("counts UTF-8 bytes, not UTF-16 units: 16 383 × é plus one byte is kept, 16 384 × é is cut", () => {
    const kept = "é".repeat(16_383) + "a"; // 32 767 bytes, 16 384 units
    expect(truncateComment(kept)).toBe(kept);
    const long = "é".repeat(16_384); // 32 768 bytes, 16 384 units
    expect(truncateComment(long)).toBe("é".repeat(16_375) + MARKER); // 32 750 bytes kept
  });

  it("ends before a 2-byte character that would straddle byte 32 750", () => {
    // "a" × 32 749, then é at bytes 32 749–32 750: CDS's slice would keep half of it.
    expect(truncateComment("a".repeat(32_749) + "é".repeat(20))).toBe("a".repeat(32_749) + MARKER);
  });

  it("ends before a 3-byte character that would straddle byte 32 750", () => {
    // € at bytes 32 748–32 750 straddles; one more "a" first and it would end exactly at 32 750.
    expect(truncateComment("a".repeat(32_748) + "€".repeat(20))).toBe("a".repeat(32_748) + MARKER);
    expect(truncateComment("a".repeat(32_747) + "€".repeat(20))).toBe("a".repeat(32_747) + "€" + MARKER);
  });

  it("never splits a 4-byte character (a surrogate pair) at the cut", () => {
    // 😀 at bytes 32 746–32 749 fits exactly; the next one (32 750–32 753) does not.
    expect(truncateComment("z".repeat(32_746) + "😀".repeat(10))).toBe("z".repeat(32_746) + "😀" + MARKER);
    // 😀 at bytes 32 748–32 751 straddles.
    const cut = truncateComment("z".repeat(32_748) + "😀".repeat(10));
    expect(cut).toBe("z".repeat(32_748) + MARKER);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it("keeps what it returns within 32 750 bytes plus the marker, for any mix of widths", () => {
    const text = "aé€😀".repeat(5_000); // 10 bytes a round, 50 000 bytes
    const cut = truncateComment(text);
    expect(utf8Bytes(cut)).toBe(32_750 + utf8Bytes(MARKER)); // 3 275 whole rounds
    expect(cut).toBe("aé€😀".repeat(3_275) + MARKER);
  });
});
