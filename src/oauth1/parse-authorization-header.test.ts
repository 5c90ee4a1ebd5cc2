import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authorizationHeader } from "./authorization-header.ts";
import { parseAuthorizationHeader } from "./parse-authorization-header.ts";

describe("parseAuthorizationHeader (RFC 5849 §3.5.1)", () => {
  it("decodes names and values and keeps realm", () => {
    expect(parseAuthorizationHeader('OAuth realm="Example", oauth_token="a%2Fb%3D",oauth_nonce="x"')).toEqual([
      ["realm", "Example"],
      ["oauth_token", "a/b="],
      ["oauth_nonce", "x"],
    ]);
  });

  it("rejects other schemes and malformed parameter lists", () => {
    expect(parseAuthorizationHeader("Bearer abc")).toBeNull();
    expect(parseAuthorizationHeader("OAuth oauth_token=unquoted")).toBeNull();
    expect(parseAuthorizationHeader('OAuth oauth_token="%E0%A4%A"')).toBeNull();
  });

  it("reads back what authorizationHeader writes", () => {
    const name = fc.string({ unit: "binary", minLength: 1 }).map((s) => `oauth_${s}`);
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.string({ unit: "grapheme" }))), (pairs) => {
        expect(parseAuthorizationHeader(authorizationHeader(pairs))).toEqual(pairs);
      }),
    );
  });
});
