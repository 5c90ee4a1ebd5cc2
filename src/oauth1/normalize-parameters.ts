import { percentEncode } from "./percent-encode.ts";

/**
 * RFC 5849 §3.4.1.3.2: every name and value is percent-encoded (§3.6), the
 * pairs are sorted by encoded name and then by encoded value (ascending byte
 * order; encoded strings are ASCII, so UTF-16 comparison is byte order),
 * each pair is written `name=value` (the `=` stays for empty values) and the
 * pairs are joined with `&`. Repeated names are kept.
 */
export function normalizeParameters(params: Iterable<readonly [string, string]>): string {
  const encoded: Array<[string, string]> = [];
  for (const [name, value] of params) encoded.push([percentEncode(name), percentEncode(value)]);
  encoded.sort(([an, av], [bn, bv]) => compare(an, bn) || compare(av, bv));
  return encoded.map(([name, value]) => `${name}=${value}`).join("&");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
