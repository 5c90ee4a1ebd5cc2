import type { CdsInstanceConfig } from "../core/config/config-types.ts";
import type { FetchFn } from "../core/ports.ts";
import type { Delivery } from "./delivery.ts";
import { parseRetryAfter } from "../core/parse-retry-after.ts";
import { TimeoutError, withTimeout } from "../core/with-timeout.ts";

export type OfferResult =
  | { kind: "answered"; status: number; responseText: string }
  | { kind: "not-found" }
  | { kind: "unreachable"; reason: string; retryAfterMs?: number };

/**
 * POSTs the webhook to one CDS instance's `{hooksUrl}/webhook/{uuid}` with
 * the original body, query string and headers (docs/relay.md, "Forwarded
 * request"), within
 * `timeoutMs` for this attempt. 5xx and 429 count as "could not be reached":
 * they say nothing about who owns the UUID; so does a redirect, never followed.
 */
export async function offerWebhook(
  fetch: FetchFn,
  instance: CdsInstanceConfig,
  delivery: Delivery,
  timeoutMs: number,
  now: number,
): Promise<OfferResult> {
  const url = `${instance.hooksUrl}/webhook/${delivery.uuid}${delivery.search}`;
  let response: Response;
  let responseText: string;
  try {
    [response, responseText] = await withTimeout(timeoutMs, async (signal) => {
      const res = await fetch(url, { method: "POST", headers: delivery.headers, body: delivery.body, signal, redirect: "manual" });
      return [res, await res.text()] as const;
    });
  } catch (error) {
    const reason = error instanceof TimeoutError ? error.message : "connection failed";
    return { kind: "unreachable", reason: `${instance.name}: ${reason}` };
  }
  if (response.status === 404) return { kind: "not-found" };
  // Not followed (issue #11): the instance did not take the webhook, and a moved hooksUrl is the operator's to fix.
  if (response.status >= 300 && response.status <= 399) {
    return { kind: "unreachable", reason: `${instance.name}: HTTP ${response.status} (redirects are not followed)` };
  }
  if (response.status >= 500 || response.status === 429) {
    return {
      kind: "unreachable",
      reason: `${instance.name}: HTTP ${response.status}`,
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), now),
    };
  }
  return { kind: "answered", status: response.status, responseText };
}
