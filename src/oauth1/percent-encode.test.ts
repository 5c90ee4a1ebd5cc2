import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { percentEncode } from "./percent-encode.ts";

describe("percentEncode (RFC 5849 §3.6)", () => {
  it.each([
    ["abcXYZ019-._~", "abcXYZ019-._~"],
    [" ", "%20"],
    ["%", "%25"],
    ["+", "%2B"],
    ["&=*", "%26%3D%2A"],
    ["!'()*", "%21%27%28%29%2A"],
    ["\n", "%0A"],
    ["\u007f", "%7F"],
    ["\u0080", "%C2%80"],
    ["\u3001", "%E3%80%81"],
    ["😀", "%F0%9F%98%80"],
    ["", ""],
  ])("encodes %j as %s", (input, expected) => {
    expect(percentEncode(input)).toBe(expected);
  });

  it("encodes a lone surrogate as U+FFFD instead of throwing", () => {
    expect(percentEncode("\ud800")).toBe("%EF%BF%BD");
  });

  it("round-trips through decodeURIComponent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        expect(decodeURIComponent(percentEncode(s))).toBe(s);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(decodeURIComponent(percentEncode(s))).toBe(s);
      }),
    );
  });

  it("outputs only unreserved characters and uppercase %XX escapes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(percentEncode(s)).toMatch(/^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
      }),
    );
  });

  it("agrees with encodeURIComponent once !'()* are escaped", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const reference = encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
        expect(percentEncode(s)).toBe(reference);
      }),
    );
  });
});
