import type { BitbucketServerConfig, GatewayConfig } from "../core/config-types.ts";
import { json, jsonError } from "../core/json-error.ts";
import type { BodyBudget } from "../lib/create-body-budget.ts";
import type { Invocation } from "../lib/pending-work.ts";
import type { Clock, FetchFn, HmacSha256, KvStore, Logger } from "../core/ports.ts";
import type { Delivery, DeliveryOutcome, Queued } from "./delivery.ts";
import { deliverWebhook } from "./deliver-webhook.ts";
import { forwardHeaders } from "./forward-headers.ts";
import { matchWebhookPath, type WebhookTarget } from "./match-webhook-path.ts";
import type { IpRange } from "../lib/parse-ip-range.ts";
import { bodyReadRefusal } from "../lib/body-read-refusal.ts";
import { readBodyLimited, ABORTED, OVER_BUDGET, TIMED_OUT, TOO_LARGE } from "../lib/read-body-limited.ts";
import { verifyWebhookSignature } from "./verify-webhook-signature.ts";
import { claimRequestId, releaseRequestId, usableRequestId } from "./request-id-dedup.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { RouteStore } from "./route-store.ts";
import { type OnAccepted, runAfterAccepted } from "./run-after-accepted.ts";
import type { ForwardLog, OnWebhookOutcome, RejectReason } from "./webhook-outcome.ts";

export interface RelayDeps {
  config: GatewayConfig;
  /** X-Request-Id claims. */
  store: KvStore;
  /** Routes, served from memory (createRouteStore). */
  routes: RouteStore;
  fetch: FetchFn;
  clock: Clock;
  logger: Logger;
  newId: () => string;
  /** The servers whose paths take webhooks (see webhookServers). */
  servers: readonly BitbucketServerConfig[];
  /**
   * Called when no instance accepted and some could not be reached
   * (docs/RELIABILITY.md): stores the delivery and resolves to "queued" once it
   * is written (the relay then answers 202); rejects when it could not be.
   * Without it the gateway answers 502.
   */
  onUnreachable?: (delivery: Delivery, outcome: DeliveryOutcome & { kind: "unreachable" }) => Promise<Queued>;
  /**
   * Called when no instance has answered within forwardTimeout while the
   * attempt goes on (issue #12, finding 2): writes the delivery as an attempt
   * in flight, keeps `attempt` going and resolves to "queued" as
   * onUnreachable does. Without it the relay waits for the attempt to end.
   */
  onLate?: (delivery: Delivery, attempt: Promise<DeliveryOutcome>, invocation?: Invocation) => Promise<Queued>;
  /** Per client IP; absent or off: no limit. */
  rateLimiter?: RateLimiter;
  /** Body bytes in flight across requests (`gateway.maxBodyBytesInFlight`); absent: no budget. */
  bodyBudget?: BodyBudget;
  /** `gateway.trustedProxies`, parsed: peers whose X-Forwarded-* are kept. */
  trustedProxies?: readonly IpRange[];
  /** Called after an instance accepted the delivery (branch-deletion bookkeeping). */
  onAccepted?: OnAccepted;
  /** Told how each webhook was answered (metrics, the console's chart; issue #16). */
  onOutcome?: OnWebhookOutcome;
  /** The direct forwards the console lists (metadata only, in memory; issue #16). */
  recent?: ForwardLog;
  /** The runtime's synchronous HMAC-SHA256 for webhook signatures; without it, WebCrypto (verifyWebhookSignature). */
  hmacSha256?: HmacSha256;
}

/**
 * `POST [/<prefix>]/<uuid>` — the webhook relay, docs/relay.md steps 1–8, in
 * that order: nothing is read before the path and method are known to
 * be right, nothing is parsed before the signature is checked, and nothing
 * reaches CDS unless all checks passed.
 */
export async function relayWebhook(
  deps: RelayDeps,
  request: Request,
  clientIp: string | undefined,
  invocation?: Invocation,
): Promise<Response> {
  const retryAfterMs = deps.rateLimiter?.hit(clientIp ?? "unknown") ?? 0;
  if (retryAfterMs > 0) {
    deps.onOutcome?.(undefined, "rate_limited");
    return jsonError("too_many_requests", "too many webhooks from this address", {
      headers: { "retry-after": String(Math.ceil(retryAfterMs / 1000)) },
    });
  }
  const url = new URL(request.url);
  const target = matchWebhookPath(url.pathname, deps.servers);
  if (!target) {
    deps.onOutcome?.(undefined, "no_route");
    return jsonError("not_found", "no webhook route for this path");
  }
  if (request.method !== "POST") {
    deps.onOutcome?.(target.server.name, "method_not_allowed");
    return jsonError("method_not_allowed", "webhooks are POST requests", { headers: { allow: "POST" } });
  }
  if (target.server.disableWebHooks) {
    deps.onOutcome?.(target.server.name, "webhooks_disabled");
    return jsonError("webhooks_disabled", "webhooks are disabled for this Bitbucket server");
  }

  const { maxBodyBytes, bodyTimeoutMs } = deps.config.gateway;
  const body = await readBodyLimited(request, maxBodyBytes, { budget: deps.bodyBudget, timeoutMs: bodyTimeoutMs });
  if (!(body instanceof Uint8Array)) {
    deps.onOutcome?.(target.server.name, REFUSED_BODY[body]);
    return bodyReadRefusal(body, maxBodyBytes);
  }
  // Set when CDS's answer is awaited after the 202 (issue #12): the body is still in use until it comes.
  const held: BodyHold = {};
  try {
    return await relayBody(deps, request, url, target, body, clientIp, invocation, held);
  } finally {
    // The body is held until the webhook was forwarded or queued (issue #11), or its late answer came.
    const release = () => deps.bodyBudget?.release(body.byteLength);
    if (held.until) held.until.then(release, release);
    else release();
  }
}

/** What keeps a webhook's body in memory after its answer to Bitbucket. */
interface BodyHold {
  until?: Promise<unknown>;
}

/** Steps 3–7, once the body was read whole. */
async function relayBody(
  deps: RelayDeps,
  request: Request,
  url: URL,
  target: WebhookTarget,
  body: Uint8Array,
  clientIp: string | undefined,
  invocation: Invocation | undefined,
  held: BodyHold,
): Promise<Response> {
  const { server, uuid } = target;
  const eventKey = request.headers.get("x-event-key");
  const signature = request.headers.get("x-hub-signature");
  const isPing = eventKey === "diagnostics:ping";
  // Checked when the server has secrets (an unsigned ping excepted: answered below, never
  // forwarded); past the check, `verified` means the signature matched (issue #11).
  const verified = server.webhookSecrets.length > 0 && !(isPing && signature === null);
  if (verified) {
    if (!(await verifyWebhookSignature(signature, body, server.webhookSecrets, deps.hmacSha256))) {
      deps.logger.log("warn", "webhook signature rejected", { server: server.name, uuid, signed: signature !== null });
      deps.onOutcome?.(server.name, "bad_signature");
      return jsonError("bad_signature", signature === null ? "X-Hub-Signature is required" : "X-Hub-Signature does not match");
    }
  }

  const id = deps.newId();
  // Bitbucket's "Test connection" is answered here (docs/relay.md step 6). CDS's hooks service
  // does not refuse a ping: it answers 200 for a UUID it owns, then records an execution that
  // fails (it handles no diagnostics:ping); answering here keeps that out of CDS's history.
  if (isPing) {
    deps.onOutcome?.(server.name, "ping");
    return json(200, { delivery: id, status: "pong" });
  }

  // Bitbucket's X-Request-Id: a repeat within 24 h is acknowledged, not delivered again.
  const requestId = usableRequestId(request.headers.get("x-request-id"));
  const dedupScope = { server: server.name, uuid };
  let claim: "none" | "held" | "unknown" = "none";
  if (requestId) {
    try {
      const earlier = await claimRequestId(deps.store, dedupScope, requestId, id);
      if (earlier !== undefined) {
        deps.logger.log("info", "duplicate X-Request-Id acknowledged", {
          delivery: earlier.delivery ?? "unknown",
          uuid,
          server: server.name,
        });
        deps.onOutcome?.(server.name, "duplicate");
        return json(200, { delivery: earlier.delivery ?? null, status: "duplicate" });
      }
      claim = "held";
    } catch (error) {
      // A store that does not answer must not stop a webhook CDS can take (issue #12): it goes
      // on unchecked, and may then reach CDS twice if it was sent twice.
      claim = "unknown";
      deps.logger.log("warn", "X-Request-Id not checked: the store did not answer", {
        delivery: id,
        uuid,
        server: server.name,
        error: errorText(error),
      });
    }
  }

  const delivery: Delivery = {
    id,
    uuid,
    server: server.name,
    search: url.search,
    headers: forwardHeaders(request.headers, {
      clientIp,
      url,
      fromTrustedProxy: clientIp !== undefined && (deps.trustedProxies ?? []).some((range) => range.contains(clientIp)),
    }),
    body,
    receivedAt: deps.clock.now(),
    verified,
  };
  // The request-id claim stays only when CDS got the webhook or the queue holds it.
  let kept = false;
  try {
    const { response, delivered } = await forward(deps, delivery, eventKey, invocation, held);
    kept = delivered;
    return response;
  } finally {
    if (requestId && !kept && claim !== "none") {
      const release = releaseRequestId(deps.store, dedupScope, requestId).catch((error: unknown) => {
        deps.logger.log("warn", "X-Request-Id claim not released", { delivery: id, uuid, error: errorText(error) });
      });
      // A claim whose write timed out may still be applied when the store answers again: the
      // release, sent after it on the same connection, then follows it. Not waited for.
      if (claim === "held") await release;
    }
  }
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The rejection reason of each way a body is not read whole (see bodyReadRefusal). */
const REFUSED_BODY: Record<typeof TOO_LARGE | typeof OVER_BUDGET | typeof TIMED_OUT | typeof ABORTED, RejectReason> = {
  [TOO_LARGE]: "too_large",
  [OVER_BUDGET]: "busy",
  [TIMED_OUT]: "body_timeout",
  [ABORTED]: "body_unreadable",
};

/** 503 for a webhook the store's silence kept from CDS or from the queue (issue #12). */
function storeUnavailable(id: string, message: string): Response {
  return jsonError("store_unavailable", message, { headers: { "retry-after": "5" }, fields: { delivery: id } });
}

async function forward(
  deps: RelayDeps,
  delivery: Delivery,
  eventKey: string | null,
  invocation: Invocation | undefined,
  held: BodyHold,
): Promise<{ response: Response; delivered: boolean }> {
  const fields = { delivery: delivery.id, uuid: delivery.uuid, server: delivery.server, event: eventKey ?? "" };
  const attempt = deliverWebhook(deps, delivery);
  // Bitbucket waits forwardTimeout at most; CDS's answer may come later (issue #12, finding 2).
  const outcome = deps.onLate ? await attempt.inTime : await attempt.outcome;
  if (outcome === "slow") {
    deps.logger.log("info", "CDS slow: no answer within forwardTimeout, queued while its answer is awaited", fields);
    // Its bytes stay counted in maxBodyBytesInFlight until the answer came: memory stays bounded (issue #11).
    held.until = attempt.outcome;
    return toQueue(
      deps,
      delivery,
      fields,
      () => deps.onLate!(delivery, attempt.outcome, invocation),
      "CDS did not answer within forwardTimeout, and the queue did not confirm the write: the webhook could not be queued (CDS may still take it)",
    );
  }
  switch (outcome.kind) {
    case "accepted":
      deps.logger.log("info", "webhook forwarded", { ...fields, instance: outcome.instance, status: outcome.status });
      deps.onOutcome?.(delivery.server, "forwarded");
      deps.recent?.add(
        delivery.id,
        delivery.receivedAt,
        delivery.server,
        delivery.uuid,
        eventKey,
        outcome.instance,
        outcome.status,
        deps.clock.now() - delivery.receivedAt,
      );
      await runAfterAccepted(deps, delivery, outcome, invocation);
      // CDS answers with its internal task configuration: never passed back (docs/relay.md, step 8).
      return { response: json(outcome.status, { delivery: delivery.id, status: "forwarded" }), delivered: true };
    case "unknown":
      if (outcome.reason === undefined) deps.logger.log("info", "webhook for an unknown UUID", fields);
      deps.onOutcome?.(delivery.server, "unknown_webhook");
      return {
        response: jsonError("unknown_webhook", "no CDS instance knows this webhook", { fields: { delivery: delivery.id } }),
        delivered: false,
      };
    case "store-unavailable":
      deps.logger.log("warn", "webhook not forwarded: the store did not answer", { ...fields, reason: outcome.reason });
      deps.onOutcome?.(delivery.server, "store_unavailable");
      return {
        response: storeUnavailable(delivery.id, `the store did not answer: ${outcome.reason}; nothing was sent to CDS`),
        delivered: false,
      };
    case "unreachable": {
      deps.logger.log("warn", "CDS unreachable", { ...fields, reasons: outcome.reasons.join("; ") });
      if (!deps.onUnreachable) {
        deps.onOutcome?.(delivery.server, "upstream_unreachable");
        return {
          response: jsonError("upstream_unreachable", "no CDS instance could be reached", { fields: { delivery: delivery.id } }),
          delivered: false,
        };
      }
      const onUnreachable = deps.onUnreachable;
      return toQueue(
        deps,
        delivery,
        fields,
        () => onUnreachable(delivery, outcome),
        "no CDS instance could be reached, and the queue did not confirm the write: the webhook could not be queued",
      );
    }
  }
}

/**
 * Hands a webhook CDS did not take in time to the queue (`write` resolves
 * once the record is stored: the answer is then 202 queued) and tells how
 * that went; a write the store did not confirm is a 503 saying `notQueued`
 * (issue #12).
 */
async function toQueue(
  deps: RelayDeps,
  delivery: Delivery,
  fields: Record<string, string>,
  write: () => Promise<Queued>,
  notQueued: string,
): Promise<{ response: Response; delivered: boolean }> {
  try {
    await write();
    deps.onOutcome?.(delivery.server, "queued");
    return { response: json(202, { delivery: delivery.id, status: "queued" }), delivered: true };
  } catch (error) {
    deps.logger.log("error", "webhook not queued: the store did not answer", { ...fields, error: errorText(error) });
    deps.onOutcome?.(delivery.server, "store_unavailable");
    return { response: storeUnavailable(delivery.id, notQueued), delivered: false };
  }
}

/**
 * The servers whose prefixes take webhooks. Without any Bitbucket server in
 * the configuration, webhooks are still relayed under the path of
 * `gateway.publicUrl` (or the root), with no signature check.
 */
export function webhookServers(config: GatewayConfig): BitbucketServerConfig[] {
  const servers = Object.values(config.servers);
  if (servers.length > 0) return servers;
  const prefix = config.gateway.publicUrl ? new URL(config.gateway.publicUrl).pathname.replace(/\/+$/, "") : "";
  return [
    {
      name: "default",
      url: "",
      consumerKey: "CDS",
      disablePolling: false,
      disableWebHooks: false,
      prefix,
      webhookSecrets: [],
      unsignedBranchDeletions: false,
      status: { disable: false, showDetail: true },
    },
  ];
}
