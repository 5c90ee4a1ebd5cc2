export type ParsedCommentRequest = { kind: "comment"; id: number; message: string } | { kind: "invalid"; message: string };

/**
 * The body of `POST /vcs/<server>/repos/<project>/<repo>/pullrequests/comments`,
 * CDS's `VCSPullRequestCommentRequest`: `{"id":<pr id>,"message":"…"}` (other
 * fields such as `revision` are ignored). `id` is a positive integer, or its
 * decimal string; `message` a non-empty string.
 */
export function parseCommentRequest(body: unknown): ParsedCommentRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { kind: "invalid", message: 'the body must be a JSON object {"id":…,"message":…}' };
  }
  const { id, message } = body as Record<string, unknown>;
  if (id === undefined || id === null || id === "") return { kind: "invalid", message: "id is required" };
  const number = typeof id === "string" && /^[0-9]+$/.test(id) ? Number(id) : id;
  if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 1) {
    return { kind: "invalid", message: "id must be a positive integer (the pull request id)" };
  }
  if (message === undefined || message === null || message === "") return { kind: "invalid", message: "message is required" };
  if (typeof message !== "string") return { kind: "invalid", message: "message must be a string" };
  return { kind: "comment", id: number, message };
}
