import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RFC_NORMALIZED, RFC_PARAMS } from "../../test/support/rfc5849-vectors.ts";
import { normalizeParameters } from "./normalize-parameters.ts";
import { percentEncode } from "./percent-encode.ts";

const param = fc.tuple(fc.string({ unit: "grapheme", maxLength: 6 }), fc.string({ unit: "grapheme", maxLength: 6 }));

describe("normalizeParameters (RFC 5849 §3.4.1.3.2)", () => {
  it("normalizes the RFC example", () => {
    expect(normalizeParameters(RFC_PARAMS)).toBe(RFC_NORMALIZED);
  });

  it("sorts by encoded name, then encoded value, in byte order", () => {
    // "a%20" < "a%2B" < "a-" < "aB" < "a_" < "ab" < "a~" in ASCII order.
    expect(
      normalizeParameters([
        ["a~", "1"],
        ["ab", "1"],
        ["a_", "1"],
        ["aB", "1"],
        ["a-", "1"],
        ["a+", "1"],
        ["a ", "1"],
      ]),
    ).toBe("a%20=1&a%2B=1&a-=1&aB=1&a_=1&ab=1&a~=1");
    expect(
      normalizeParameters([
        ["k", "b"],
        ["k", "B"],
        ["k", ""],
        ["k", "a"],
      ]),
    ).toBe("k=&k=B&k=a&k=b");
  });

  it("does not depend on the order of the parameters", () => {
    fc.assert(
      fc.property(
        fc
          .array(param, { maxLength: 12 })
          .chain((params) =>
            fc.tuple(fc.constant(params), fc.shuffledSubarray(params, { minLength: params.length, maxLength: params.length })),
          ),
        ([params, shuffled]) => {
          expect(normalizeParameters(shuffled)).toBe(normalizeParameters(params));
        },
      ),
    );
  });

  it("keeps every duplicate pair", () => {
    fc.assert(
      fc.property(fc.array(param, { maxLength: 8 }), fc.integer({ min: 1, max: 4 }), (params, copies) => {
        const repeated = params.flatMap((p) => Array.from({ length: copies }, () => p));
        const pairs = normalizeParameters(repeated) === "" ? [] : normalizeParameters(repeated).split("&");
        expect(pairs).toHaveLength(params.length * copies);
        const expected = params.map(([n, v]) => `${percentEncode(n)}=${percentEncode(v)}`).sort();
        expect([...pairs].sort()).toEqual(expected.flatMap((p) => Array.from({ length: copies }, () => p)).sort());
      }),
    );
  });
});
