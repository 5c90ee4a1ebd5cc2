import { GatewayError } from "../core/gateway-error.ts";
import { parseHttpDate } from "./parse-http-date.ts";
import { parseSignatureParams } from "./parse-signature-params.ts";
import { signingStrings } from "./signing-string.ts";

/** How far a signed request's `Date` may be from now (issue #10). */
export const MAX_DATE_SKEW_MS = 5 * 60_000;

/** The headers a signature must cover: what CDS's vcs service requires (engine/service/http.go). */
export const REQUIRED_HEADERS = ["(request-target)", "host", "date"] as const;

export interface VerifyRequestInput {
  method: string;
  url: URL;
  headers: Headers;
  /** The keys the signer may hold; tried in order. */
  keys: readonly CryptoKey[];
  /** Now, in ms since the epoch (validators take `now`). */
  now: number;
}

/**
 * Verifies a draft-cavage HTTP signature (draft-cavage-http-signatures §2.5)
 * as CDS's API makes them: `rsa-sha256` over `(request-target) host date`.
 * Reads headers only, never the body. Resolves to the index of the key that
 * verified; throws GatewayError with code
 * - `ERR_SIGNATURE_MISSING` / `ERR_SIGNATURE_MALFORMED` (see parseSignatureParams);
 * - `ERR_SIGNATURE_ALGORITHM`: another algorithm than `rsa-sha256`;
 * - `ERR_SIGNATURE_HEADERS`: the signature does not cover the three required headers;
 * - `ERR_SIGNATURE_DATE`: a `Date` header that is not an HTTP-date, or more
 *   than MAX_DATE_SKEW_MS from `now`;
 * - `ERR_SIGNATURE_INVALID`: no key verifies it.
 *
 * A request without a `Date` header is verified over the other two lines:
 * CDS's API never sends one and its own vcs service accepts that (issue #10,
 * docs/DECISIONS.md).
 */
export async function verifyRequestSignature(input: VerifyRequestInput): Promise<number> {
  const params = parseSignatureParams(input.headers);
  if (params.algorithm !== "rsa-sha256") {
    throw new GatewayError("ERR_SIGNATURE_ALGORITHM", "the HTTP signature must use algorithm rsa-sha256");
  }
  const missing = REQUIRED_HEADERS.filter((h) => !params.headers.includes(h));
  if (missing.length > 0) {
    throw new GatewayError(
      "ERR_SIGNATURE_HEADERS",
      `the HTTP signature must cover ${REQUIRED_HEADERS.join(" ")} (missing: ${missing.join(" ")})`,
    );
  }
  const date = input.headers.get("date");
  if (date !== null) {
    const at = parseHttpDate(date, input.now);
    if (at === undefined) throw new GatewayError("ERR_SIGNATURE_DATE", "the Date header is not an HTTP date");
    if (Math.abs(input.now - at) > MAX_DATE_SKEW_MS) {
      throw new GatewayError(
        "ERR_SIGNATURE_DATE",
        `the Date header is more than ${MAX_DATE_SKEW_MS / 60_000} minutes from the gateway's clock`,
      );
    }
  }
  const encoder = new TextEncoder();
  const candidates = signingStrings(input.method, input.url, input.headers, params.headers).map((s) => encoder.encode(s));
  for (const [index, key] of input.keys.entries()) {
    for (const data of candidates) {
      if (await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, params.signature, data)) return index;
    }
  }
  throw new GatewayError("ERR_SIGNATURE_INVALID", "the HTTP signature does not verify with the API key of any configured CDS instance");
}
