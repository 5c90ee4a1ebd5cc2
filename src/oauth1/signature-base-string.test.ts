import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RFC_AUTHORIZATION, RFC_BASE_STRING, RFC_BODY, RFC_NORMALIZED, RFC_URL } from "../../test/support/rfc5849-vectors.ts";
import { baseStringUri } from "./base-string-uri.ts";
import { collectParameters } from "./collect-parameters.ts";
import { normalizeParameters } from "./normalize-parameters.ts";
import { signatureBaseString } from "./signature-base-string.ts";

describe("signatureBaseString (RFC 5849 §3.4.1.1)", () => {
  it("builds the RFC example end to end from the raw request", () => {
    const params = collectParameters({
      url: RFC_URL,
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: RFC_AUTHORIZATION },
      body: RFC_BODY,
    });
    const normalized = normalizeParameters(params);
    expect(normalized).toBe(RFC_NORMALIZED);
    expect(signatureBaseString("post", baseStringUri(RFC_URL), normalized)).toBe(RFC_BASE_STRING);
  });

  it("is the same whatever the order of the query parameters, and keeps duplicates", () => {
    const pair = fc.tuple(fc.string({ unit: "grapheme", maxLength: 5 }), fc.string({ unit: "grapheme", maxLength: 5 }));
    fc.assert(
      fc.property(
        fc
          .array(pair, { maxLength: 10 })
          .chain((ps) => fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length, maxLength: ps.length }))),
        ([params, shuffled]) => {
          const toUrl = (ps: Array<[string, string]>) => {
            const u = new URL("https://bitbucket.example.com/rest/api/1.0/projects");
            for (const [n, v] of ps) u.searchParams.append(n, v);
            return u;
          };
          const base = (u: URL) => signatureBaseString("GET", baseStringUri(u), normalizeParameters(collectParameters({ url: u })));
          expect(base(toUrl(shuffled))).toBe(base(toUrl(params)));
          const doubled = toUrl([...params, ...params]);
          expect(collectParameters({ url: doubled })).toHaveLength(params.length * 2);
          if (params.length > 0) expect(base(doubled)).not.toBe(base(toUrl(params)));
        },
      ),
    );
  });
});
