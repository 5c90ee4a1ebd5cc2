import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "./parse-retry-after.ts";

const now = Date.parse("2026-05-01T12:00:00Z");

describe("parseRetryAfter (RFC 9110 §10.2.3)", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 7 ", now)).toBe(7_000);
  });

  it("reads an HTTP-date against the given clock", () => {
    expect(parseRetryAfter("Fri, 01 May 2026 12:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter("Fri, 01 May 2026 11:59:00 GMT", now)).toBe(0);
  });

  it("ignores absent or unreadable values", () => {
    for (const v of [null, undefined, "", "-1", "1.5", "soon", "2e3"]) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});
