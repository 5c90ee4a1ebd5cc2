/**
 * The signing strings a signed request may have been signed over
 * (draft-cavage-http-signatures §2.3): one line `name: value` per header the
 * signature lists, in its order, joined by `\n`.
 *
 * - `(request-target)` is the lower-cased method, a space, the path and the
 *   query. CDS's signer (gopkg.in/spacemonkeygo/httpsig.v0) writes the
 *   *decoded* path (Go's `URL.Path`) with the query as sent, other signers the
 *   path as sent: when the path holds `%`, both strings are returned.
 * - `host` is the Host header the request arrived with.
 * - Any other header: its value, trimmed. A listed header the request does
 *   not carry adds no line: that is what CDS's signer and verifier do, and
 *   CDS's API lists `date` without ever sending a Date header (issue #10).
 */
export function signingStrings(method: string, url: URL, headers: Headers, listed: readonly string[]): string[] {
  const target = url.pathname + url.search;
  const targets = [target];
  if (url.pathname.includes("%")) {
    const decoded = decodePath(url.pathname);
    if (decoded !== undefined && decoded !== url.pathname) targets.unshift(decoded + url.search);
  }
  return targets.map((requestTarget) => {
    const lines: string[] = [];
    for (const name of listed) {
      if (name === "(request-target)") lines.push(`(request-target): ${method.toLowerCase()} ${requestTarget}`);
      else if (name === "host") lines.push(`host: ${headers.get("host") ?? url.host}`);
      else {
        const value = headers.get(name);
        if (value !== null) lines.push(`${name}: ${value.trim()}`);
      }
    }
    return lines.join("\n");
  });
}

/** Percent-decoding of a path as Go's url.PathUnescape does it (a `+` stays a `+`); undefined when malformed. */
function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
