/**
 * The base string URI of RFC 5849 §3.4.1.2: `scheme://host[:port]/path`.
 *
 * - scheme and host in lowercase (item 1);
 * - the port only when it is not the scheme's default, i.e. not 80 for http
 *   nor 443 for https (item 3) — the WHATWG URL parser already drops a
 *   default port, the explicit check keeps that true for any URL object;
 * - the path exactly as it goes on the wire: `fetch` serialises the same
 *   WHATWG URL, so `pathname` is what the server receives; an empty path is
 *   `/` (RFC 2616 §5.1.2, as oauthlib does);
 * - no query and no fragment.
 */
export function baseStringUri(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url;
  const scheme = u.protocol.slice(0, -1).toLowerCase();
  const host = u.hostname.toLowerCase();
  const defaultPort = (scheme === "http" && u.port === "80") || (scheme === "https" && u.port === "443");
  const port = u.port === "" || defaultPort ? "" : `:${u.port}`;
  const path = u.pathname === "" ? "/" : u.pathname;
  return `${scheme}://${host}${port}${path}`;
}
