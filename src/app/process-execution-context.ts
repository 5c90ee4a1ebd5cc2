/**
 * The execution context a long-running process (Node, Deno) gives Hono. Such
 * a process keeps what goes on after an answer running by itself: no
 * waitUntil is needed. Given all the same, it spares Hono's `executionCtx`
 * getter, which throws (an Error and its stack) per request when there is
 * none: 4 % of the relay's CPU under load (issue #13).
 */
export const PROCESS_EXECUTION_CONTEXT = { waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} };
