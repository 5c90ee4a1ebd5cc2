import type { FetchFn, FetchInit } from "../core/ports.ts";
import { withTimeout } from "./with-timeout.ts";

/**
 * `fetch(url, init)` that fails with a TimeoutError once `init.timeoutMs`
 * has passed without an answer. A FetchFn that `enforcesTimeout` is handed
 * `init` as it is and ends the call itself (the Node forwarder, with a
 * timer); any other gets an abort signal that fires then. A relayed webhook
 * thus costs no AbortController on Node (issue #13), and the same deadline
 * holds on every runtime.
 */
export function fetchWithin(fetch: FetchFn, url: string, init: FetchInit & { timeoutMs: number }): Promise<Response> {
  if (fetch.enforcesTimeout) return fetch(url, init);
  const { timeoutMs, ...rest } = init;
  return withTimeout(timeoutMs, (signal) => fetch(url, { ...rest, signal }));
}
