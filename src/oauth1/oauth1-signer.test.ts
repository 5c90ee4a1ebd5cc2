import { describe, expect, it } from "vitest";
import { OAUTHLIB_KEY_PKCS1, OAUTHLIB_KEY_PKCS8, RFC_BODY, RFC_URL } from "../../test/support/rfc5849-vectors.ts";
import { Secret } from "../core/secret.ts";
import { OAuth1Signer } from "./oauth1-signer.ts";
import { parseAuthorizationHeader } from "./parse-authorization-header.ts";

const clock = { now: () => 137131201_000 + 999 };
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
// Computed independently: Python's quote(safe="~") for the base string,
// `openssl dgst -sha1 -sign` with the oauthlib key for the signature.
const EXPECTED_SIGNATURE =
  "WS/FVCttW53y8m2+wRJDSdRoKC9urk+LgCP9NPy1pvpMDww2BZJcXOMr0QsqBVDloODkhMhq5h1N6lgKF5Asioj0J/lZes+Hs7pk2gJl20L/zm6Er2tiCQ56pHM0512hcgmN55218Iit7wHhJk6iuJupqdRrJ4nB0woHGP0nXFY=";

function signer(pem = OAUTHLIB_KEY_PKCS8, nonce: (() => string) | null = () => "7d8f3e4a") {
  return new OAuth1Signer({ consumerKey: "9djdj82h48djs9d2", privateKey: new Secret(pem), clock, ...(nonce ? { nonce } : {}) });
}

describe("OAuth1Signer", () => {
  it("signs the RFC request with RSA-SHA1 and oauth_version=1.0", async () => {
    for (const pem of [OAUTHLIB_KEY_PKCS8, OAUTHLIB_KEY_PKCS1]) {
      const header = await signer(pem).sign({ method: "POST", url: RFC_URL, headers: FORM, body: RFC_BODY, token: "kkk9d7dh3k39sjv7" });
      expect(header.startsWith("OAuth ")).toBe(true);
      expect(parseAuthorizationHeader(header)).toEqual([
        ["oauth_consumer_key", "9djdj82h48djs9d2"],
        ["oauth_nonce", "7d8f3e4a"],
        ["oauth_signature_method", "RSA-SHA1"],
        ["oauth_timestamp", "137131201"],
        ["oauth_version", "1.0"],
        ["oauth_token", "kkk9d7dh3k39sjv7"],
        ["oauth_signature", EXPECTED_SIGNATURE],
      ]);
    }
  });

  it("accepts the token as a Secret and leaves it out when empty (2-legged)", async () => {
    const withSecret = await signer().sign({ method: "GET", url: "https://h/x", token: new Secret("tok") });
    expect(parseAuthorizationHeader(withSecret)).toContainEqual(["oauth_token", "tok"]);
    for (const token of [undefined, "", new Secret("")]) {
      const header = await signer().sign({ method: "GET", url: "https://h/x", ...(token !== undefined ? { token } : {}) });
      expect(header).not.toContain("oauth_token");
    }
  });

  it("adds oauth_callback and oauth_verifier, encoded", async () => {
    const header = await signer().sign({
      method: "POST",
      url: "https://h/plugins/servlet/oauth/access-token",
      token: "req",
      extraOauthParams: { oauth_callback: "oob", oauth_verifier: "a b/c" },
    });
    expect(header).toContain('oauth_callback="oob"');
    expect(header).toContain('oauth_verifier="a%20b%2Fc"');
  });

  it("makes a fresh 128-bit hex nonce per request by default", async () => {
    const s = signer(OAUTHLIB_KEY_PKCS8, null);
    const nonces = await Promise.all(
      [1, 2, 3].map(async () => {
        const params = new Map(parseAuthorizationHeader(await s.sign({ method: "GET", url: "https://h/" }))!);
        return params.get("oauth_nonce")!;
      }),
    );
    for (const n of nonces) expect(n).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(nonces).size).toBe(3);
  });

  it("imports the key once and reuses it", async () => {
    let reveals = 0;
    const key = new Secret(OAUTHLIB_KEY_PKCS8);
    const counting = Object.assign(Object.create(key) as Secret, {
      reveal: () => {
        reveals++;
        return key.reveal();
      },
    });
    const s = new OAuth1Signer({ consumerKey: "k", privateKey: counting, clock });
    await Promise.all([s.sign({ method: "GET", url: "https://h/" }), s.sign({ method: "GET", url: "https://h/" })]);
    await s.sign({ method: "GET", url: "https://h/" });
    expect(reveals).toBe(1);
  });

  it("fails with ERR_PRIVATE_KEY on an unusable key", async () => {
    await expect(signer("not a key").sign({ method: "GET", url: "https://h/" })).rejects.toMatchObject({ code: "ERR_PRIVATE_KEY" });
  });
});
