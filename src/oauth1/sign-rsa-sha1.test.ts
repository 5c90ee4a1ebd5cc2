import { describe, expect, it } from "vitest";
import { OAUTHLIB_KEY_PKCS1, OAUTHLIB_KEY_PKCS8, RFC_BASE_STRING, RFC_RSA_SHA1 } from "../../test/support/rfc5849-vectors.ts";
import { importRsaPrivateKey } from "./import-rsa-private-key.ts";
import { signRsaSha1 } from "./sign-rsa-sha1.ts";

describe("signRsaSha1 (RFC 5849 §3.4.3)", () => {
  it.each([
    ["PKCS#1", OAUTHLIB_KEY_PKCS1],
    ["PKCS#8", OAUTHLIB_KEY_PKCS8],
    ["PKCS#1 with literal \\n", OAUTHLIB_KEY_PKCS1.replace(/\n/g, "\\n")],
    ["PKCS#8 with literal \\n", OAUTHLIB_KEY_PKCS8.trim().replace(/\n/g, "\\n")],
    ["PKCS#8 with CRLF", OAUTHLIB_KEY_PKCS8.replace(/\n/g, "\r\n")],
  ])("signs the RFC example base string with the oauthlib key (%s)", async (_, pem) => {
    const key = await importRsaPrivateKey(pem);
    expect(await signRsaSha1(key, RFC_BASE_STRING)).toBe(RFC_RSA_SHA1);
  });

  it("refuses a key that is not a PEM private key, without echoing it", async () => {
    const bogus = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ1dC1ub3QtYS1rZXk=\n-----END PRIVATE KEY-----";
    const error = await importRsaPrivateKey(bogus).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_PRIVATE_KEY" });
    expect(String((error as Error).message)).not.toContain("c2VjcmV0");
    await expect(importRsaPrivateKey("hello")).rejects.toMatchObject({ code: "ERR_PRIVATE_KEY" });
  });
});
