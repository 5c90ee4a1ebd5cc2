/**
 * Why the relay did not take a webhook: the `reason` label of
 * `cds_gateway_webhooks_total{outcome="rejected"}` (a fixed set, so the
 * series stay bounded; docs/metrics.md).
 */
export const REJECT_REASONS = [
  "rate_limited",
  "no_route",
  "method_not_allowed",
  "webhooks_disabled",
  "too_large",
  "busy",
  "body_timeout",
  "body_unreadable",
  "bad_signature",
  "unknown_webhook",
  "store_unavailable",
  "upstream_unreachable",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** How the relay answered one webhook: forwarded (CDS answered it itself), queued, a duplicate, a ping, or a rejection. */
export type WebhookOutcome = "forwarded" | "queued" | "duplicate" | "ping" | RejectReason;

/** Told of each webhook's outcome, with the Bitbucket server whose path it came on (undefined before the path named one). */
export type OnWebhookOutcome = (server: string | undefined, outcome: WebhookOutcome) => void;

/**
 * Where the relay notes each webhook CDS took at once (metadata only, in
 * memory): the console's list of direct forwards (issue #16). Positional
 * arguments, so the relay's path allocates nothing.
 */
export interface ForwardLog {
  add(
    id: string,
    receivedAt: number,
    server: string,
    uuid: string,
    event: string | null,
    instance: string,
    status: number,
    durationMs: number,
  ): void;
}
