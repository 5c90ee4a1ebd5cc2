import type { CdsInstanceConfig } from "../core/config-types.ts";
import type { FetchFn } from "../core/ports.ts";
import type { Delivery } from "./delivery.ts";
import { fetchWithin } from "../lib/fetch-within.ts";
import { parseRetryAfter } from "../lib/parse-retry-after.ts";
import { TimeoutError } from "../lib/with-timeout.ts";
import { classifyCdsAnswer, type NotReachedCause } from "./classify-cds-answer.ts";

export type OfferResult =
  | { kind: "answered"; status: number; responseText: string }
  | { kind: "not-found" }
  | {
      kind: "unreachable";
      /** The instance, its answer's status when there was one, and why it is not CDS's (issue #12). */
      instance: string;
      status?: number;
      cause: NotReachedCause;
      reason: string;
      retryAfterMs?: number;
    };

/**
 * POSTs the webhook to one CDS instance's `{hooksUrl}/webhook/{uuid}` with
 * the original body, query string and headers (docs/relay.md, "Forwarded request"), until
 * the attempt's answer window ends (`window`: its length, and the time left
 * of it; issue #12), and sorts the answer (classifyCdsAnswer): only CDS's
 * own answers count, anything else is "could not be reached". A redirect is
 * never followed (issue #11).
 */
export async function offerWebhook(
  fetch: FetchFn,
  instance: CdsInstanceConfig,
  delivery: Delivery,
  window: { ms: number; leftMs: number },
  now: number,
): Promise<OfferResult> {
  const url = `${instance.hooksUrl}/webhook/${delivery.uuid}${delivery.search}`;
  let response: Response;
  let responseText: string;
  try {
    const timeoutMs = Math.max(0, window.leftMs);
    const res = await fetchWithin(fetch, url, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
      redirect: "manual",
      timeoutMs,
    });
    [response, responseText] = [res, await res.text()];
  } catch (error) {
    const timedOut = error instanceof TimeoutError;
    return {
      kind: "unreachable",
      instance: instance.name,
      cause: timedOut ? "timeout" : "connection",
      reason: `${instance.name}: ${timedOut ? `no answer within ${window.ms} ms` : "connection failed"}`,
    };
  }
  const { status } = response;
  const answer = classifyCdsAnswer(status, response.headers.get("content-type"), responseText);
  if (answer.kind === "answered") return { kind: "answered", status, responseText };
  if (answer.kind === "not-found") return { kind: "not-found" };
  return {
    kind: "unreachable",
    instance: instance.name,
    status,
    cause: answer.cause,
    reason: `${instance.name}: HTTP ${status}${EXPLAINED[answer.cause] ?? ""}`,
    retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), now),
  };
}

/** Said after the status in `lastError` and the logs, where the status alone would not say it. */
const EXPLAINED: Partial<Record<NotReachedCause, string>> = {
  // Not followed (issue #11): the instance did not take the webhook, and a moved hooksUrl is the operator's to fix.
  redirect: " (redirects are not followed)",
  auth: " (not CDS's answer: a proxy or sign-in in front of it)",
  html: " with an HTML page (not CDS's answer)",
  unexpected_status: " (not an answer CDS gives)",
};
