import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { Agent, request } from "undici";
import type { PassThroughFn } from "../../core/ports.ts";

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, and are not passed on. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "http2-settings",
]);
/** Statuses whose Response must have a null body (Fetch standard "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The core's pass-through port on Node (issue #10): undici's `request`, which
 * sends the `Host` header it is given (Node's and undici's `fetch` replace it
 * with the target's), so CDS's vcs service can verify the signature CDS made
 * for the gateway's address. The body is streamed both ways, redirects are
 * not followed, and the answer comes back as the vcs service gave it.
 */
export function createUndiciPassThrough(): PassThroughFn & { close(): Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const passThrough: PassThroughFn = async (incoming, target) => {
    const named = new Set((incoming.headers.get("connection") ?? "").split(",").map((t) => t.trim().toLowerCase()));
    const headers: Record<string, string> = {};
    incoming.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name) && !named.has(name)) headers[name] = value;
    });
    headers.host = incoming.headers.get("host") ?? new URL(incoming.url).host;
    const res = await request(target, {
      method: incoming.method as "POST",
      headers,
      body: incoming.body ? Readable.fromWeb(incoming.body as NodeReadableStream<Uint8Array>) : null,
      dispatcher: agent,
    });
    const answer = new Headers();
    const answerNamed = new Set(
      String(res.headers.connection ?? "")
        .split(",")
        .map((t) => t.trim().toLowerCase()),
    );
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || answerNamed.has(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) answer.append(name, v);
    }
    if (NULL_BODY.has(res.statusCode) || incoming.method === "HEAD") {
      await res.body.dump();
      return new Response(null, { status: res.statusCode, headers: answer });
    }
    return new Response(Readable.toWeb(res.body) as ReadableStream<Uint8Array>, { status: res.statusCode, headers: answer });
  };
  return Object.assign(passThrough, { close: () => agent.close() });
}
