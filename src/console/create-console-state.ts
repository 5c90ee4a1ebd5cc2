import type { BitbucketCall } from "../bitbucket/bitbucket-client.ts";
import type { GatewayConfig } from "../core/config-types.ts";
import type { Counter, Metrics } from "../core/metrics.ts";
import type { DeliveryStatus } from "../queue/delivery-record.ts";
import type { OfferResult } from "../relay/offer-webhook.ts";
import { REJECT_REASONS, type WebhookOutcome } from "../relay/webhook-outcome.ts";
import { type ActivityKind, type ActivityMinutes, createActivityMinutes } from "./activity-minutes.ts";
import { type BitbucketCallLog, createBitbucketCallLog } from "./bitbucket-call-log.ts";
import { createInstanceHealth, type InstanceHealth } from "./instance-health.ts";
import { createRecentForwards, type RecentForwards } from "./recent-forwards.ts";

/** What the console shows of this process, and the hooks that feed it and the metrics (issue #16). */
export interface ConsoleState {
  health: InstanceHealth;
  recent: RecentForwards;
  activity: ActivityMinutes;
  calls: BitbucketCallLog;
  /** One offer of a webhook to a CDS instance, ended at `at`. */
  onOffer(instance: string, delivery: string, at: number, result: OfferResult): void;
  /** The relay's answer to one webhook, at `now`. */
  onWebhook(server: string | undefined, outcome: WebhookOutcome, now: number): void;
  /** A queued delivery's attempt left it delivered or dead (a retry is neither). */
  onQueueResult(status: DeliveryStatus, now: number): void;
  onBitbucketCall(call: BitbucketCall): void;
}

const OUTCOMES: readonly WebhookOutcome[] = ["forwarded", "queued", "duplicate", "ping", ...REJECT_REASONS];
const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;
const NO_ANSWER = ["timeout", "connection"] as const;

/**
 * The in-memory half of the console, per process (docs/metrics.md, "Per
 * process"): instance health, recent direct forwards, outcomes per minute,
 * the last Bitbucket calls. Counter series are resolved here, once per label
 * set; the relay's hooks look them up by the server's and instance's names
 * and increment them, building no label string (issue #16).
 */
export function createConsoleState(deps: { config: GatewayConfig; metrics: Metrics; servers: readonly string[] }): ConsoleState {
  const { metrics } = deps;
  const instances = Object.keys(deps.config.cds);
  const health = createInstanceHealth(instances);
  const recent = createRecentForwards();
  const activity = createActivityMinutes();
  const calls = createBitbucketCallLog();

  // Resolved on first use and kept: every configured server's at start, so each series shows from 0.
  const webhookTables = new Map<string | undefined, Map<WebhookOutcome, Counter>>();
  const webhookCounter = (server: string | undefined, outcome: WebhookOutcome): Counter => {
    let table = webhookTables.get(server);
    if (table === undefined) webhookTables.set(server, (table = new Map()));
    let counter = table.get(outcome);
    if (counter === undefined)
      table.set(outcome, (counter = metrics.counter("cds_gateway_webhooks_total", webhookLabels(server, outcome))));
    return counter;
  };
  for (const server of deps.servers) for (const outcome of OUTCOMES) webhookCounter(server, outcome);
  for (const outcome of ["rate_limited", "no_route"] as const) webhookCounter(undefined, outcome);
  const activityOf = (outcome: WebhookOutcome): ActivityKind | undefined =>
    outcome === "forwarded" || outcome === "queued" || outcome === "duplicate" ? outcome : outcome === "ping" ? undefined : "rejected";

  const answerSeries = new Map(
    instances.map((name) => {
      const series: Record<string, Counter> = {};
      for (const answer of [...STATUS_CLASSES, ...NO_ANSWER])
        series[answer] = metrics.counter("cds_gateway_cds_answers_total", { cds_instance: name, class: answer });
      return [name, series] as const;
    }),
  );

  return {
    health,
    recent,
    activity,
    calls,
    onOffer(instance, delivery, at, result) {
      health.record(instance, delivery, at, result);
      const series = answerSeries.get(instance);
      if (series === undefined) return;
      const status = result.kind === "answered" ? result.status : result.kind === "not-found" ? 404 : result.status;
      const answer =
        status !== undefined
          ? STATUS_CLASSES[Math.floor(status / 100) - 1]
          : result.kind === "unreachable" && result.cause === "timeout"
            ? "timeout"
            : "connection";
      if (answer !== undefined) series[answer]!.inc();
    },
    onWebhook(server, outcome, now) {
      webhookCounter(server, outcome).inc();
      const kind = activityOf(outcome);
      if (kind !== undefined) activity.add(kind, now);
    },
    onQueueResult(status, now) {
      if (status === "delivered" || status === "dead") activity.add(status, now);
    },
    onBitbucketCall(call) {
      metrics.count("cds_gateway_bitbucket_calls_total", { server: call.server, kind: call.kind, class: bitbucketAnswerClass(call) });
      calls.record(call);
    },
  };
}

/** `server` (when known), `outcome`, and `reason` for a rejection. */
function webhookLabels(server: string | undefined, outcome: WebhookOutcome): Record<string, string> {
  const labels: Record<string, string> = server === undefined ? {} : { server };
  if (outcome === "forwarded" || outcome === "queued" || outcome === "duplicate" || outcome === "ping") labels.outcome = outcome;
  else Object.assign(labels, { outcome: "rejected", reason: outcome });
  return labels;
}

/** The status class of a Bitbucket call's answer, or timeout / connection when there was none. */
function bitbucketAnswerClass(call: BitbucketCall): string {
  if (call.status !== undefined) return STATUS_CLASSES[Math.floor(call.status / 100) - 1] ?? "other";
  return call.error === "ERR_BITBUCKET_TIMEOUT" ? "timeout" : "connection";
}
