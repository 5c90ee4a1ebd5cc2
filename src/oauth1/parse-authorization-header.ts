/**
 * The parameters of an `Authorization: OAuth …` header (RFC 5849 §3.5.1):
 * comma-separated `name="value"` pairs whose names and values are
 * percent-encoded. Returns decoded `[name, value]` pairs in header order,
 * `realm` included (callers building a base string drop it, §3.4.1.3.1), or
 * null when the value is not an OAuth header or cannot be parsed.
 */
export function parseAuthorizationHeader(header: string): Array<[string, string]> | null {
  const match = /^\s*OAuth(?:\s+(.*))?$/is.exec(header);
  if (!match) return null;
  const rest = match[1] ?? "";
  const pairs: Array<[string, string]> = [];
  const pair = /\s*([^\s=,]+)\s*=\s*"([^"]*)"\s*(?:,|$)/y;
  let offset = 0;
  while (offset < rest.length) {
    if (/^\s*$/.test(rest.slice(offset))) break;
    pair.lastIndex = offset;
    const m = pair.exec(rest);
    if (!m) return null;
    try {
      pairs.push([decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)]);
    } catch {
      return null;
    }
    offset = pair.lastIndex;
  }
  return pairs;
}
