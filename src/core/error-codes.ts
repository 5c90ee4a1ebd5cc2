/**
 * The gateway's error codes (issue #15): every error answer is
 * `{"error":"<code>","message":"…"}` with the status of its code here, plus
 * the extra fields listed for codes whose answers carry more. Callers and
 * tests branch on the code, never on the message. What each code means and
 * what to do about it: docs/errors.md.
 */
export interface ErrorCodeSpec {
  readonly status: number;
  /** Fields of the body besides `error` and `message`, and what they hold. */
  readonly fields?: Readonly<Record<string, string>>;
}

export const ERROR_CODES = {
  bad_request: { status: 400 },
  bad_signature: { status: 401 },
  unauthorized: { status: 401 },
  webhooks_disabled: { status: 403 },
  not_found: { status: 404 },
  unknown_webhook: { status: 404, fields: { delivery: "the gateway's id of the refused webhook" } },
  unknown_server: { status: 404 },
  method_not_allowed: { status: 405 },
  request_timeout: { status: 408 },
  conflict: { status: 409 },
  payload_too_large: { status: 413 },
  too_many_requests: { status: 429 },
  internal_error: { status: 500 },
  config_error: { status: 500 },
  bitbucket_not_configured: { status: 500 },
  pass_through_unavailable: { status: 501 },
  upstream_unreachable: { status: 502, fields: { delivery: "the gateway's id of the webhook" } },
  bitbucket_error: { status: 502, fields: { status: "Bitbucket's HTTP status", messages: "Bitbucket's error messages" } },
  bitbucket_unreachable: { status: 502 },
  bitbucket_bad_response: { status: 502 },
  vcs_not_configured: { status: 502 },
  vcs_unreachable: { status: 502 },
  busy: { status: 503 },
  store_unavailable: { status: 503, fields: { delivery: "the gateway's id of the webhook, when the answer is to a webhook" } },
  missing_binding: { status: 503 },
  bitbucket_timeout: { status: 504 },
} as const satisfies Readonly<Record<string, ErrorCodeSpec>>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The extra fields an answer with `code` may carry. */
export type ErrorFields<C extends ErrorCode> = (typeof ERROR_CODES)[C] extends { fields: infer F }
  ? { [K in keyof F]?: unknown }
  : Record<never, never>;
