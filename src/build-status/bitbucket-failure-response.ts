import { BitbucketError } from "../bitbucket/bitbucket-error.ts";
import { GatewayError } from "../core/gateway-error.ts";
import { jsonError } from "../core/json-error.ts";

/**
 * The answer for a failed call to Bitbucket, or undefined when `error` did not
 * come from the Bitbucket client (the caller rethrows it):
 * - an HTTP error: 502 `{"error":"bitbucket_error","message":…,"status":<bb status>,"messages":[…]}`;
 * - a timeout: 504 `bitbucket_timeout`; a connection failure or a non-JSON
 *   answer: 502 `bitbucket_unreachable` / `bitbucket_bad_response`;
 * - a server without credentials: 500 `bitbucket_not_configured`.
 * The client's messages name the server and the request, never a secret.
 */
export function bitbucketFailureResponse(error: unknown): Response | undefined {
  if (error instanceof BitbucketError) {
    return jsonError("bitbucket_error", error.message, { fields: { status: error.status, messages: error.messages } });
  }
  if (!(error instanceof GatewayError)) return undefined;
  switch (error.code) {
    case "ERR_BITBUCKET_TIMEOUT":
      return jsonError("bitbucket_timeout", error.message);
    case "ERR_BITBUCKET_UNREACHABLE":
      return jsonError("bitbucket_unreachable", error.message);
    case "ERR_BITBUCKET_RESPONSE":
      return jsonError("bitbucket_bad_response", error.message);
    case "ERR_BITBUCKET_NO_CREDENTIALS":
      return jsonError("bitbucket_not_configured", error.message);
    default:
      return undefined;
  }
}
