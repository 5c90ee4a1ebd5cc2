import type { ParsedCommentRequest } from "./parse-comment-request.ts";

/**
 * The comment call of CDS 0.40–0.45, `POST /vcs/<name>/repos/<owner>/<repo>/pullrequests/<id>/comments`:
 * the pull request id is in the path and the body is the comment as a bare
 * JSON string (`"CDS Report …"`).
 */
export function parseLegacyCommentRequest(id: string, body: unknown): ParsedCommentRequest {
  const number = /^[0-9]+$/.test(id) ? Number(id) : NaN;
  if (!Number.isSafeInteger(number) || number < 1)
    return { kind: "invalid", message: "the pull request id in the path must be a positive integer" };
  if (typeof body !== "string") return { kind: "invalid", message: "the body must be a JSON string (the comment)" };
  if (body === "") return { kind: "invalid", message: "the comment is empty" };
  return { kind: "comment", id: number, message: body };
}
