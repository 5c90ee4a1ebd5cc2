import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareUtf8, prefixUpperBound } from "./utf8-order.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const byteOrder = (a: string, b: string) => {
  const x = bytes(a);
  const y = bytes(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
};
const sign = (n: number) => Math.sign(n);

describe("compareUtf8", () => {
  it("orders astral characters after U+E000..U+FFFF, as UTF-8 bytes do", () => {
    expect(compareUtf8("\uffff", "😀")).toBeLessThan(0);
    expect("\uffff" < "😀").toBe(false); // what plain `<` gets wrong
  });

  it("agrees with UTF-8 byte order on any strings", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }),
        fc.string({ unit: "grapheme" }),
        (a, b) => sign(compareUtf8(a, b)) === sign(byteOrder(a, b)),
      ),
    );
  });
});

describe("prefixUpperBound", () => {
  it("bounds every string with the prefix, and nothing else below it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1 }), fc.string({ unit: "grapheme" }), (prefix, rest) => {
        const upper = prefixUpperBound(prefix)!;
        return compareUtf8(prefix + rest, upper) < 0 && compareUtf8(prefix, upper) < 0;
      }),
    );
  });

  it("skips the surrogate range and has no bound for the empty prefix", () => {
    expect(prefixUpperBound("a\ud7ff")).toBe("a\ue000");
    expect(prefixUpperBound("ab")).toBe("ac");
    expect(prefixUpperBound("a\u{10ffff}")).toBe("b");
    expect(prefixUpperBound("")).toBeUndefined();
  });
});
