import { describe, expect, it } from "vitest";
import { authorizationHeader } from "./authorization-header.ts";

describe("authorizationHeader (RFC 5849 §3.5.1)", () => {
  it("writes encoded oauth_* pairs in quotes, separated by comma and space", () => {
    expect(
      authorizationHeader([
        ["oauth_consumer_key", "CDS"],
        ["oauth_signature", "ab+/c=="],
        ["oauth_callback", "oob"],
      ]),
    ).toBe('OAuth oauth_consumer_key="CDS", oauth_signature="ab%2B%2Fc%3D%3D", oauth_callback="oob"');
  });

  it("drops parameters that are not oauth_*", () => {
    expect(
      authorizationHeader([
        ["realm", "x"],
        ["q", "1"],
        ["oauth_nonce", "n n"],
      ]),
    ).toBe('OAuth oauth_nonce="n%20n"');
  });
});
