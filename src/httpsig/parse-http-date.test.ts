import { describe, expect, it } from "vitest";
import { parseHttpDate } from "./parse-http-date.ts";

const NOW = Date.UTC(2024, 0, 10);
const AT = Date.UTC(1994, 10, 6, 8, 49, 37);

describe("parseHttpDate", () => {
  it.each([
    ["Sun, 06 Nov 1994 08:49:37 GMT", AT],
    ["Sunday, 06-Nov-94 08:49:37 GMT", AT],
    ["Sun Nov  6 08:49:37 1994", AT],
    ["Sun, 06 Nov 1994 08:49:37 UTC", AT],
    ["Sun, 06 Nov 1994 09:49:37 +0100", AT],
    ["Sun, 06 Nov 1994 03:49:37 -0500", AT],
    ["  Sun, 06 Nov 1994 08:49:37 GMT ", AT],
  ])("reads %j (RFC 9110 §5.6.7)", (text, expected) => {
    expect(parseHttpDate(text, NOW)).toBe(expected);
  });

  it("reads a two-digit year as the nearest one", () => {
    expect(parseHttpDate("Wednesday, 10-Jan-24 00:00:00 GMT", NOW)).toBe(NOW);
  });

  it.each([
    "",
    "yesterday",
    "2024-01-10T00:00:00Z",
    "Sun, 06 Nov 1994 08:49:37",
    "Sun, 31 Feb 1994 08:49:37 GMT",
    "Sun, 06 Foo 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 25:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 CET",
  ])("refuses %j", (text) => {
    expect(parseHttpDate(text, NOW)).toBeUndefined();
  });
});
