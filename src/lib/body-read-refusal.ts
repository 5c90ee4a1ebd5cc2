import { jsonError } from "../core/json-error.ts";
import { ABORTED, OVER_BUDGET, TIMED_OUT, TOO_LARGE } from "./read-body-limited.ts";

/** Seconds a client is asked to wait when the budget of bodies in flight is used up (issue #11). */
export const BUSY_RETRY_AFTER_S = 5;

/** The answer to a body that was not read whole (see readBodyLimited). */
export function bodyReadRefusal(
  outcome: typeof TOO_LARGE | typeof OVER_BUDGET | typeof TIMED_OUT | typeof ABORTED,
  maxBytes: number,
): Response {
  switch (outcome) {
    case TOO_LARGE:
      return jsonError("payload_too_large", `bodies are limited to ${maxBytes} bytes`);
    case OVER_BUDGET:
      return jsonError("busy", "too many request bodies in flight; retry later", {
        headers: { "retry-after": String(BUSY_RETRY_AFTER_S) },
      });
    case TIMED_OUT:
      // The rest of the body is not waited for: the connection cannot be reused.
      return jsonError("request_timeout", "the request body did not arrive in time", { headers: { connection: "close" } });
    case ABORTED:
      return jsonError("bad_request", "the request body could not be read", { headers: { connection: "close" } });
  }
}
