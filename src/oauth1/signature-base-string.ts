import { percentEncode } from "./percent-encode.ts";

/**
 * RFC 5849 §3.4.1.1: the uppercase HTTP method, the base string URI
 * (§3.4.1.2) and the normalized parameters (§3.4.1.3.2), each percent-encoded
 * (§3.6) and joined by `&`.
 */
export function signatureBaseString(method: string, baseUri: string, normalizedParameters: string): string {
  return `${percentEncode(method.toUpperCase())}&${percentEncode(baseUri)}&${percentEncode(normalizedParameters)}`;
}
