import { BitbucketError } from "../bitbucket/bitbucket-error.ts";
import { GatewayError } from "../core/gateway-error.ts";
import { json, jsonError } from "../core/json-error.ts";

/**
 * The answer for a failed call to Bitbucket, or undefined when `error` did not
 * come from the Bitbucket client (the caller rethrows it):
 * - an HTTP error: 502 `{"error":"bitbucket_error","status":<bb status>,"messages":[…],"message":…}`;
 * - a timeout: 504 `bitbucket_timeout`; a connection failure or a non-JSON
 *   answer: 502 `bitbucket_unreachable` / `bitbucket_bad_response`;
 * - a server without credentials: 500 `bitbucket_not_configured`.
 * The client's messages name the server and the request, never a secret.
 */
export function bitbucketFailureResponse(error: unknown): Response | undefined {
  if (error instanceof BitbucketError) {
    return json(502, { error: "bitbucket_error", status: error.status, messages: error.messages, message: error.message });
  }
  if (!(error instanceof GatewayError)) return undefined;
  switch (error.code) {
    case "ERR_BITBUCKET_TIMEOUT":
      return jsonError(504, "bitbucket_timeout", error.message);
    case "ERR_BITBUCKET_UNREACHABLE":
      return jsonError(502, "bitbucket_unreachable", error.message);
    case "ERR_BITBUCKET_RESPONSE":
      return jsonError(502, "bitbucket_bad_response", error.message);
    case "ERR_BITBUCKET_NO_CREDENTIALS":
      return jsonError(500, "bitbucket_not_configured", error.message);
    default:
      return undefined;
  }
}
