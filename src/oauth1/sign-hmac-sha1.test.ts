import { describe, expect, it } from "vitest";
import { RFC_BASE_STRING, RFC_CLIENT_SECRET, RFC_HMAC_SHA1, RFC_TOKEN_SECRET } from "../../test/support/rfc5849-vectors.ts";
import { signHmacSha1 } from "./sign-hmac-sha1.ts";

describe("signHmacSha1 (RFC 5849 §3.4.2)", () => {
  it("gives the RFC example signature (the key encodes the token secret's spaces as %20)", () => {
    expect(signHmacSha1(RFC_BASE_STRING, RFC_CLIENT_SECRET, RFC_TOKEN_SECRET)).toBe(RFC_HMAC_SHA1);
  });

  it("changes when the token secret is encoded differently", () => {
    expect(signHmacSha1(RFC_BASE_STRING, RFC_CLIENT_SECRET, RFC_TOKEN_SECRET.replace(/ /g, "+"))).not.toBe(RFC_HMAC_SHA1);
  });
});
