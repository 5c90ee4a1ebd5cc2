import { GatewayError } from "../core/gateway-error.ts";

/**
 * Bitbucket answered an HTTP error. `messages` holds the `message` fields of
 * Bitbucket's error body (`{"errors":[{"context":…,"message":…,"exceptionName":…}]}`,
 * RestErrors in the DC REST API); it is empty when the body had none.
 */
export class BitbucketError extends GatewayError {
  readonly status: number;
  readonly messages: string[];

  constructor(status: number, messages: string[], message: string) {
    super("ERR_BITBUCKET_HTTP", message);
    this.name = "BitbucketError";
    this.status = status;
    this.messages = messages;
  }
}

/**
 * Builds the error for a non-2xx answer. `what` names the call (`POST /rest/…`,
 * no query string) so the message says which request failed.
 */
export function bitbucketErrorFromResponse(serverName: string, what: string, status: number, body: string): BitbucketError {
  const messages = errorMessages(body);
  const detail = messages.length > 0 ? `: ${messages.join("; ")}` : "";
  return new BitbucketError(status, messages, `Bitbucket "${serverName}" answered ${status} to ${what}${detail}`);
}

function errorMessages(body: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof parsed !== "object" || parsed === null) return [];
  const errors = (parsed as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .map((e: unknown) => (typeof e === "object" && e !== null ? (e as { message?: unknown }).message : undefined))
    .filter((m): m is string => typeof m === "string" && m !== "");
}
