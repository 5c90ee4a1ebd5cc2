/**
 * Why an attempt did not reach CDS: the `reason` label of
 * `cds_gateway_cds_unreachable_total` (a fixed set, so the series stay
 * bounded) and the word the logs use.
 */
export type NotReachedCause =
  "connection" | "timeout" | "redirect" | "auth" | "rate_limited" | "server_error" | "html" | "unexpected_status";

export type CdsAnswerClass =
  /** CDS took the webhook (2xx), or refused it itself (400, 405, 413): its status goes back to Bitbucket. */
  | { kind: "answered" }
  /** CDS does not know the UUID: another instance may own it. */
  | { kind: "not-found" }
  /** Not CDS's answer: whatever stands in front of it, or CDS failing. The webhook is queued. */
  | { kind: "not-cds"; cause: NotReachedCause };

/** The statuses CDS's hooks service itself gives a webhook it refuses (docs/relay.md, step 7). */
const CDS_REFUSALS = new Set([400, 405, 413]);

/**
 * Sorts the answer to `POST {hooksUrl}/webhook/{uuid}` (issue #12, finding
 * 3). CDS's hooks service answers 200 with a JSON task execution, 404 for a
 * UUID it does not know (JSON, or Go's plain-text page when the path is not
 * routed), 405 when the hook was made for another method, 500 when it could
 * not read the request; always JSON or plain text (engine/hooks,
 * 0.40–0.53). Only those count: a redirect, 401/403/407 (an auth proxy or a
 * login in front of CDS), 429, 5xx, any other status, and an HTML page with
 * any status are not CDS taking or refusing the webhook, so they never make
 * an instance the owner nor end a queued delivery.
 */
export function classifyCdsAnswer(status: number, contentType: string | null, body: string): CdsAnswerClass {
  const ownStatus = (status >= 200 && status <= 299) || status === 404 || CDS_REFUSALS.has(status);
  if (ownStatus) {
    if (isHtmlAnswer(contentType, body)) return { kind: "not-cds", cause: "html" };
    return status === 404 ? { kind: "not-found" } : { kind: "answered" };
  }
  if (status >= 300 && status <= 399) return { kind: "not-cds", cause: "redirect" };
  if (status === 401 || status === 403 || status === 407) return { kind: "not-cds", cause: "auth" };
  if (status === 429) return { kind: "not-cds", cause: "rate_limited" };
  if (status >= 500 && status <= 599) return { kind: "not-cds", cause: "server_error" };
  return { kind: "not-cds", cause: "unexpected_status" };
}

/**
 * An HTML page (docs/DECISIONS.md): the media type of `Content-Type` is
 * `text/html` or `application/xhtml+xml`, whatever its parameters and case;
 * or there is no `Content-Type` and the body starts, after white space, with
 * `<!DOCTYPE html` or `<html`. CDS always labels its answers (Go's server
 * labels even an unlabelled body), and never as HTML.
 */
export function isHtmlAnswer(contentType: string | null, body: string): boolean {
  if (contentType !== null && contentType.trim() !== "") {
    const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
    return mediaType === "text/html" || mediaType === "application/xhtml+xml";
  }
  return /^\s*<(!doctype\s+html|html)[\s>]/i.test(body.slice(0, 1024));
}
