import { Agent, type Dispatcher } from "undici";
import type { FetchFn } from "../../core/ports.ts";
import { TimeoutError } from "../../lib/with-timeout.ts";
import { BufferedResponse } from "./buffered-response.ts";

/**
 * The Node forwarder behind the core's fetch port: undici on a keep-alive
 * Agent. On this machine Hono + Node 20's global fetch relayed about 4,300
 * req/s and Hono + undici about 12,700 (issue #2), so the relay's hot path
 * goes through here. It dispatches with a handler of its own that gathers
 * the answer's chunks (issue #13): undici's `request` would wrap each answer
 * in a Readable stream to read it back whole. Answers are read whole: CDS
 * and Bitbucket answers are small JSON documents, handed over as a
 * BufferedResponse (a native Response would copy them through a web stream).
 * A dispatch never follows a redirect, which is what FetchInit's
 * `redirect: "manual"` asks for.
 */
export function createUndiciFetch(
  options: { connections?: number; keepAliveTimeoutMs?: number } = {},
): FetchFn & { close(): Promise<void>; enforcesTimeout: true } {
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
  });
  const fetchFn = (url: string, init: Parameters<FetchFn>[1]): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const { signal } = init;
      if (signal?.aborted) return reject(abortReason(signal));
      const target = new URL(url);
      const headers: Record<string, string> = {};
      if (init.headers instanceof Headers) init.headers.forEach((v, k) => (headers[k] = v));
      else if (init.headers) Object.assign(headers, init.headers);

      let controller: Dispatcher.DispatchController | undefined;
      const onAbort = () => controller?.abort(abortReason(signal!) as Error);
      // `timeoutMs` (lib/fetch-within.ts): a timer ends the call, where an AbortSignal would cost an
      // EventTarget and its listener per request (issue #13).
      let timedOut: TimeoutError | undefined;
      const timer =
        init.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = new TimeoutError(init.timeoutMs!);
              if (controller) controller.abort(timedOut);
              else reject(timedOut);
            }, init.timeoutMs);
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      let status = 0;
      let answerHeaders: Record<string, string | string[] | undefined> = {};
      let chunks: Buffer[] = [];
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          if (timedOut) c.abort(timedOut);
          else if (signal?.aborted) c.abort(abortReason(signal) as Error);
        },
        onResponseStart(_c, statusCode, responseHeaders) {
          // Called again after a 1xx: the final answer is the last one.
          status = statusCode;
          answerHeaders = responseHeaders;
          chunks = [];
        },
        onResponseData(_c, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          done();
          const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          resolve(new BufferedResponse(status, answerHeaders, bytes, url) as unknown as Response);
        },
        onResponseError(_c, error) {
          done();
          reject(timedOut ?? (signal?.aborted ? abortReason(signal) : error));
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      agent.dispatch(
        {
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: init.method as Dispatcher.HttpMethod,
          headers,
          body: init.body ?? null,
        },
        handler,
      );
    });
  return Object.assign(fetchFn, { close: () => agent.close(), enforcesTimeout: true as const });
}

/** What an aborted call rejects with: the signal's reason (a TimeoutError for the core's deadlines), as fetch does. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}
