/**
 * RFC 9110 §7.6.1 hop-by-hop fields, the legacy ones proxies still see, and
 * `Expect` (issue #12): `100-continue` asks the server of this hop to say
 * whether to send the body (RFC 9110 §10.1.1). The gateway's server answers
 * it, and the body is read whole before anything goes on, so the expectation
 * is met here; undici refuses to send it at all.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);

/** Whether a header describes one connection only and is never passed on (see HOP_BY_HOP). */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name.toLowerCase());
}

/**
 * Not passed on: `host` and `content-length` describe this hop; credentials
 * that Bitbucket's webhook may carry (`authorization`, `cookie`) were meant for
 * the gateway, not for CDS, whose `/webhook/{uuid}` takes no auth
 * (docs/cds-behaviour.md#webhooks-and-the-hooks-service); the forwarding
 * headers are rebuilt.
 */
const NOT_FORWARDED = new Set([
  "host",
  "content-length",
  "authorization",
  "cookie",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
]);

export interface ForwardContext {
  /** Address of the peer that sent the request, when the runtime knows it. */
  clientIp?: string;
  /** The URL the gateway was called at (for proto and host). */
  url: URL;
  /** The peer is one of `gateway.trustedProxies`: its X-Forwarded-* describe the original call. */
  fromTrustedProxy: boolean;
}

/**
 * Headers of the forwarded webhook (docs/relay.md, "Forwarded request"): every end-to-end header of
 * the original request (Content-Type, X-Event-Key, X-Request-Id,
 * X-Hub-Signature, User-Agent…) as sent, hop-by-hop ones dropped, and
 * X-Forwarded-For / -Proto / -Host added. A trusted proxy in front of the
 * gateway may already have set them: its X-Forwarded-Proto/-Host describe the
 * original call better than our own URL, so they are kept and the peer is
 * appended to its X-Forwarded-For. From any other peer they are whatever the
 * client chose to send, and are rebuilt from the gateway's own view (issue #11).
 */
export function forwardHeaders(incoming: Headers, context: ForwardContext): Record<string, string> {
  const connectionTokens = new Set(
    (incoming.get("connection") ?? "")
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string> = {};
  incoming.forEach((value, name) => {
    const key = name.toLowerCase();
    if (HOP_BY_HOP.has(key) || NOT_FORWARDED.has(key) || connectionTokens.has(key)) return;
    out[key] = value;
  });
  const trusted = (name: string) => (context.fromTrustedProxy ? incoming.get(name) : null);
  const chain = [trusted("x-forwarded-for"), context.clientIp].filter((v): v is string => Boolean(v));
  if (chain.length > 0) out["x-forwarded-for"] = chain.join(", ");
  out["x-forwarded-proto"] = trusted("x-forwarded-proto") ?? context.url.protocol.replace(/:$/, "");
  out["x-forwarded-host"] = trusted("x-forwarded-host") ?? incoming.get("host") ?? context.url.host;
  return out;
}
