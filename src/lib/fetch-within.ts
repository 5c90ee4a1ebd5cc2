import type { FetchFn, FetchInit } from "../core/ports.ts";
import { withTimeout } from "./with-timeout.ts";

/**
 * `fetch(url, init)` that fails with a TimeoutError once `timeoutMs` has
 * passed without an answer. A FetchFn that `enforcesTimeout` is handed the
 * time and ends the call itself (the Node forwarder, with a timer); any
 * other gets an abort signal that fires then. A relayed webhook thus costs
 * no AbortController on Node (issue #13), and the same deadline holds on
 * every runtime.
 */
export function fetchWithin(fetch: FetchFn, url: string, init: FetchInit, timeoutMs: number): Promise<Response> {
  if (fetch.enforcesTimeout) return fetch(url, { ...init, timeoutMs });
  return withTimeout(timeoutMs, (signal) => fetch(url, { ...init, signal }));
}
