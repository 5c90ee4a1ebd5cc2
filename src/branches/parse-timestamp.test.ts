import { describe, expect, it } from "vitest";
import { parseTimestamp } from "./parse-timestamp.ts";

describe("parseTimestamp", () => {
  it("reads epoch milliseconds, as numbers or digit strings (older servers)", () => {
    expect(parseTimestamp(1551433034000)).toBe(1551433034000);
    expect(parseTimestamp("1551433034000")).toBe(1551433034000);
  });

  it("reads ISO-8601 strings (Data Center 10), with or without a colon in the offset", () => {
    expect(parseTimestamp("2019-03-01T10:37:14+0100")).toBe(Date.UTC(2019, 2, 1, 9, 37, 14));
    expect(parseTimestamp("2019-03-01T10:37:14+01:00")).toBe(Date.UTC(2019, 2, 1, 9, 37, 14));
    expect(parseTimestamp("2025-06-17T09:37:57.123Z")).toBe(Date.UTC(2025, 5, 17, 9, 37, 57, 123));
    expect(parseTimestamp("2019-06-17T19:37:57+1000")).toBe(Date.UTC(2019, 5, 17, 9, 37, 57));
  });

  it("gives undefined for anything else", () => {
    for (const value of [
      undefined,
      null,
      "",
      "yesterday",
      "Tue, 01 Mar 2019 10:37:14 GMT",
      "2019-13-45T99:99:99Z",
      Number.NaN,
      Infinity,
      {},
      "1e3",
    ]) {
      expect(parseTimestamp(value)).toBeUndefined();
    }
  });
});
