import { percentEncode } from "./percent-encode.ts";

/**
 * The value of an `Authorization` header for RFC 5849 §3.5.1: the scheme
 * `OAuth`, then `name="value"` pairs with name and value percent-encoded
 * (§3.6), separated by `, `. Only `oauth_*` parameters belong in the header;
 * anything else given here is dropped. Order is kept as given.
 */
export function authorizationHeader(oauthParams: Iterable<readonly [string, string]>): string {
  const pairs: string[] = [];
  for (const [name, value] of oauthParams) {
    if (!name.startsWith("oauth_")) continue;
    pairs.push(`${percentEncode(name)}="${percentEncode(value)}"`);
  }
  return `OAuth ${pairs.join(", ")}`;
}
