/**
 * The crypto the gateway relies on, checked against published vectors in
 * whatever runtime imports this module: workerd (test/support/
 * workers-runtime-checks.ts) and Deno (test/deno/). Written against vitest's
 * API; there the `vitest` import is test/support/workers-mini-vitest.ts.
 */
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/core/secret.ts";
import { baseStringUri } from "../../src/oauth1/base-string-uri.ts";
import { collectParameters } from "../../src/oauth1/collect-parameters.ts";
import { importRsaPrivateKey, pemToPkcs8 } from "../../src/oauth1/import-rsa-private-key.ts";
import { normalizeParameters } from "../../src/oauth1/normalize-parameters.ts";
import { OAuth1Signer } from "../../src/oauth1/oauth1-signer.ts";
import { parseAuthorizationHeader } from "../../src/oauth1/parse-authorization-header.ts";
import { signHmacSha1 } from "../../src/oauth1/sign-hmac-sha1.ts";
import { signRsaSha1 } from "../../src/oauth1/sign-rsa-sha1.ts";
import { signatureBaseString } from "../../src/oauth1/signature-base-string.ts";
import { verifyWebhookSignature } from "../../src/relay/verify-webhook-signature.ts";
import {
  OAUTHLIB_KEY_PKCS1,
  OAUTHLIB_KEY_PKCS8,
  RFC_AUTHORIZATION,
  RFC_BASE_STRING,
  RFC_BODY,
  RFC_CLIENT_SECRET,
  RFC_HMAC_SHA1,
  RFC_NORMALIZED,
  RFC_RSA_SHA1,
  RFC_TOKEN_SECRET,
  RFC_URL,
} from "./rfc5849-vectors.ts";

/** Bitbucket's documented X-Hub-Signature example: this secret over an empty body. */
export const HUB_SECRET = "you'll never guess!";
export const HUB_SIGNATURE_EMPTY_BODY = "sha256=462c740e6257160ade468267ae5e71705ef2185a7908859a26383595468b0882";

export function describeRuntimeVectors(runtime: string): void {
  describe(`${runtime}: RFC 5849 and X-Hub-Signature vectors`, () => {
    it("builds the RFC 5849 §3.4.1 base string from the raw request", () => {
      const params = collectParameters({
        url: RFC_URL,
        headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: RFC_AUTHORIZATION },
        body: RFC_BODY,
      });
      const normalized = normalizeParameters(params);
      expect(normalized).toBe(RFC_NORMALIZED);
      expect(signatureBaseString("POST", baseStringUri(RFC_URL), normalized)).toBe(RFC_BASE_STRING);
    });

    it("signs it with RSA-SHA1 and a PKCS#1 key", async () => {
      expect(await signRsaSha1(await importRsaPrivateKey(OAUTHLIB_KEY_PKCS1), RFC_BASE_STRING)).toBe(RFC_RSA_SHA1);
    });

    it("signs it with RSA-SHA1 and a PKCS#8 key", async () => {
      expect(await signRsaSha1(await importRsaPrivateKey(OAUTHLIB_KEY_PKCS8), RFC_BASE_STRING)).toBe(RFC_RSA_SHA1);
    });

    it("signs it with HMAC-SHA1", () => {
      expect(signHmacSha1(RFC_BASE_STRING, RFC_CLIENT_SECRET, RFC_TOKEN_SECRET)).toBe(RFC_HMAC_SHA1);
    });

    it("signs a request end to end with OAuth1Signer, verifiable with the public key", async () => {
      const signer = new OAuth1Signer({
        consumerKey: "CDS",
        privateKey: new Secret(OAUTHLIB_KEY_PKCS1),
        clock: { now: () => 1_700_000_000_000 },
        nonce: () => "0123456789abcdef",
      });
      const url = "https://bitbucket.example.com/rest/build-status/1.0/commits/abc?x=1%202";
      const header = await signer.sign({ method: "POST", url, token: new Secret("access-token"), body: "{}" });
      const params = parseAuthorizationHeader(header);
      expect(params).not.toBeNull();
      const oauth = Object.fromEntries(params ?? []);
      expect(oauth.oauth_signature_method).toBe("RSA-SHA1");
      expect(oauth.oauth_timestamp).toBe("1700000000");
      expect(oauth.oauth_token).toBe("access-token");
      const base = signatureBaseString(
        "POST",
        baseStringUri(url),
        normalizeParameters(collectParameters({ url, headers: { Authorization: header } })),
      );
      const signature = Uint8Array.from(atob(oauth.oauth_signature ?? ""), (c) => c.charCodeAt(0));
      expect(
        await crypto.subtle.verify("RSASSA-PKCS1-v1_5", await publicKeyOf(OAUTHLIB_KEY_PKCS8), signature, new TextEncoder().encode(base)),
      ).toBe(true);
    });

    it("verifies Bitbucket's X-Hub-Signature example and refuses a wrong secret or body", async () => {
      const secret = new Secret(HUB_SECRET);
      expect(await verifyWebhookSignature(HUB_SIGNATURE_EMPTY_BODY, new Uint8Array(0), [secret])).toBe(true);
      expect(await verifyWebhookSignature(HUB_SIGNATURE_EMPTY_BODY, new Uint8Array(0), [new Secret("other"), secret])).toBe(true);
      expect(await verifyWebhookSignature(HUB_SIGNATURE_EMPTY_BODY, new Uint8Array(0), [new Secret("other")])).toBe(false);
      expect(await verifyWebhookSignature(HUB_SIGNATURE_EMPTY_BODY, Uint8Array.of(0x20), [secret])).toBe(false);
    });
  });
}

/** The RSA public key of a PKCS#8 private key, for verifying (WebCrypto has no direct derivation). */
async function publicKeyOf(pkcs8Pem: string): Promise<CryptoKey> {
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" };
  const privateKey = await crypto.subtle.importKey("pkcs8", pemToPkcs8(pkcs8Pem), algorithm, true, ["sign"]);
  const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  return crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, ext: true }, algorithm, false, ["verify"]);
}
