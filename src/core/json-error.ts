/**
 * The gateway's short JSON error answer: `{"error":"<code>","message":"…"}`.
 * Messages are fixed texts chosen by the gateway, never echoed input or secrets.
 */
export function jsonError(status: number, error: string, message: string, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify({ error, message }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}
