import { parseAuthorizationHeader } from "./parse-authorization-header.ts";

export interface CollectParametersInput {
  /** The request URI as sent; its query is a parameter source. */
  url: string | URL;
  /** Request headers: `Content-Type` decides whether the body is signed; an `Authorization: OAuth` header is a source too. */
  headers?: Record<string, string> | Headers;
  /** Entity body; only a form-urlencoded body contributes. */
  body?: string | Uint8Array | null;
}

const FORM_TYPE = "application/x-www-form-urlencoded";
const decoder = new TextDecoder();

/**
 * The request parameters of RFC 5849 §3.4.1.3.1, decoded, in source order:
 *
 * 1. the query component, parsed as `application/x-www-form-urlencoded`
 *    (W3C HTML 4.0 §17.13.4: `+` is a space), repeated names kept;
 * 2. the `Authorization: OAuth` header parameters except `realm`;
 * 3. the entity body, but only when it is single-part form data and the
 *    request says `Content-Type: application/x-www-form-urlencoded` — JSON
 *    bodies are never signed (Bitbucket clients such as requests-oauthlib and
 *    CDS sign JSON calls without them).
 *
 * `oauth_signature` is always excluded (§3.4.1.3.1, last paragraph).
 */
export function collectParameters(input: CollectParametersInput): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  const url = typeof input.url === "string" ? new URL(input.url) : input.url;
  // URLSearchParams implements exactly the form decoding §3.4.1.3.1 asks for.
  for (const [name, value] of url.searchParams) params.push([name, value]);

  const headers = new Headers(input.headers ?? {});
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const oauth = parseAuthorizationHeader(authorization);
    if (oauth) for (const [name, value] of oauth) if (name !== "realm") params.push([name, value]);
  }

  if (input.body != null && isFormContentType(headers.get("content-type"))) {
    const text = typeof input.body === "string" ? input.body : decoder.decode(input.body);
    for (const [name, value] of new URLSearchParams(text)) params.push([name, value]);
  }

  return params.filter(([name]) => name !== "oauth_signature");
}

/** Media type comparison ignores case and parameters such as `; charset=UTF-8` (RFC 9110 §8.3.1). */
function isFormContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  return contentType.split(";")[0]!.trim().toLowerCase() === FORM_TYPE;
}
