import type { Clock } from "../core/ports.ts";
import type { Secret } from "../core/secret.ts";
import { bytesToHex } from "../lib/bytes.ts";
import { randomBytes } from "../lib/random-bytes.ts";
import { authorizationHeader } from "./authorization-header.ts";
import { baseStringUri } from "./base-string-uri.ts";
import { collectParameters } from "./collect-parameters.ts";
import { importRsaPrivateKey } from "./import-rsa-private-key.ts";
import { normalizeParameters } from "./normalize-parameters.ts";
import { signatureBaseString } from "./signature-base-string.ts";
import { signRsaSha1 } from "./sign-rsa-sha1.ts";

export interface OAuth1SignerOptions {
  consumerKey: string;
  /** RSA private key PEM (PKCS#8 or PKCS#1). */
  privateKey: Secret;
  /** Source of `oauth_timestamp` (§3.3: seconds since the epoch). */
  clock: Clock;
  /** Source of `oauth_nonce`; tests pin it. Default: 128 random bits, hex. */
  nonce?: () => string;
}

export interface OAuth1SignInput {
  method: string;
  /** The full request URL, query included, exactly as it will be fetched. */
  url: string;
  /** Request headers; only `Content-Type` matters (form bodies are signed). */
  headers?: Record<string, string> | Headers;
  body?: string | Uint8Array | null;
  /** `oauth_token`: the access token, or the request token during the access-token step. Omitted for 2-legged calls. */
  token?: string | Secret;
  /** Flow parameters: `oauth_callback` (request-token step), `oauth_verifier` (access-token step). */
  extraOauthParams?: { oauth_callback?: string; oauth_verifier?: string };
}

/**
 * Signs requests with OAuth 1.0a RSA-SHA1 (RFC 5849) the way Bitbucket Server
 * application links expect it. The private key is imported once, on first
 * use, and the CryptoKey is reused for every later signature.
 */
export class OAuth1Signer {
  readonly #consumerKey: string;
  readonly #privateKey: Secret;
  readonly #clock: Clock;
  readonly #nonce: () => string;
  #key: Promise<CryptoKey> | undefined;

  constructor(options: OAuth1SignerOptions) {
    this.#consumerKey = options.consumerKey;
    this.#privateKey = options.privateKey;
    this.#clock = options.clock;
    this.#nonce = options.nonce ?? randomNonce;
  }

  /** The value of the `Authorization` header for this request (`OAuth oauth_consumer_key="…", …`). */
  async sign(input: OAuth1SignInput): Promise<string> {
    // §3.1: the protocol parameters; oauth_version is OPTIONAL but CDS and
    // Atlassian's own clients send it, so we do too.
    const oauth: Array<[string, string]> = [
      ["oauth_consumer_key", this.#consumerKey],
      ["oauth_nonce", this.#nonce()],
      ["oauth_signature_method", "RSA-SHA1"],
      ["oauth_timestamp", String(Math.floor(this.#clock.now() / 1000))],
      ["oauth_version", "1.0"],
    ];
    if (input.token !== undefined) {
      const token = typeof input.token === "string" ? input.token : input.token.reveal();
      if (token !== "") oauth.push(["oauth_token", token]);
    }
    const extra = input.extraOauthParams ?? {};
    if (extra.oauth_callback !== undefined) oauth.push(["oauth_callback", extra.oauth_callback]);
    if (extra.oauth_verifier !== undefined) oauth.push(["oauth_verifier", extra.oauth_verifier]);

    const url = new URL(input.url);
    // §3.4.1.3.1: query + form body; the header parameters are the ones above
    // (an Authorization header in `headers` would be replaced, so it is ignored).
    const headers = new Headers(input.headers ?? {});
    headers.delete("authorization");
    const params = [...collectParameters({ url, headers, body: input.body ?? null }), ...oauth];
    const base = signatureBaseString(input.method, baseStringUri(url), normalizeParameters(params));
    const signature = await signRsaSha1(await this.#cryptoKey(), base);
    return authorizationHeader([...oauth, ["oauth_signature", signature]]);
  }

  #cryptoKey(): Promise<CryptoKey> {
    this.#key ??= importRsaPrivateKey(this.#privateKey.reveal(), "SHA-1");
    return this.#key;
  }
}

/** §3.3: a nonce unique per timestamp; 128 bits from the CSPRNG, as lowercase hex. */
function randomNonce(): string {
  return bytesToHex(randomBytes(16));
}

export function createOAuth1Signer(options: OAuth1SignerOptions): OAuth1Signer {
  return new OAuth1Signer(options);
}
