import { ERROR_CODES, type ErrorCode, type ErrorFields } from "./error-codes.ts";

const JSON_CONTENT = "application/json; charset=utf-8";

/**
 * The gateway's error answer: the status of `code` (error-codes.ts) and the
 * short JSON body `{"error":"<code>","message":"…"}`, with the extra fields
 * the catalogue lists for that code. Messages are fixed texts chosen by the
 * gateway, never echoed input or secrets.
 */
export function jsonError<C extends ErrorCode>(
  code: C,
  message: string,
  options: { headers?: Record<string, string>; fields?: ErrorFields<C> } = {},
): Response {
  return new Response(JSON.stringify({ error: code, message, ...options.fields }), {
    status: ERROR_CODES[code].status,
    headers: { "content-type": JSON_CONTENT, ...options.headers },
  });
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": JSON_CONTENT, ...headers },
  });
}
