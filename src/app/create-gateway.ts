import { Hono, type Context } from "hono";
import { registerAdminPage } from "../admin/register-admin-page.ts";
import { registerConsoleRoutes } from "../admin/register-console-routes.ts";
import { registerDeliveryRoutes } from "../admin/register-delivery-routes.ts";
import { registerRouteRoutes } from "../admin/register-route-routes.ts";
import { createBranchDeletionStore } from "../branches/branch-deletion-store.ts";
import { createCdsSessions } from "../cds-api/cds-session.ts";
import { createCallPacer } from "../cds-api/create-call-pacer.ts";
import { recordBranchChanges } from "../branches/record-branch-changes.ts";
import { registerBranchDeletionRoutes } from "../admin/register-branch-deletion-routes.ts";
import { runDueBranchDeletions } from "../branches/run-due-branch-deletions.ts";
import { createConsoleState } from "../console/create-console-state.ts";
import { registerStoreGauges } from "../console/register-store-gauges.ts";
import type { DeliveryQueue } from "../queue/delivery-queue.ts";
import type { DeliveryRecord } from "../queue/delivery-record.ts";
import { attemptQueuedDelivery, type QueueDeps } from "../queue/attempt-queued-delivery.ts";
import { drainInstance } from "../queue/drain-instance.ts";
import { createInstanceBacklog } from "../queue/instance-backlog.ts";
import { createKvDeliveryQueue } from "../queue/kv-delivery-queue.ts";
import { queueInFlight } from "../queue/queue-in-flight.ts";
import { queueWhenUnreachable } from "../queue/queue-when-unreachable.ts";
import { runDueDeliveries } from "../queue/run-due-deliveries.ts";
import { uuidV7 } from "../lib/uuid-v7.ts";
import { parseIpRange } from "../lib/parse-ip-range.ts";
import { createRateLimiter } from "../relay/rate-limiter.ts";
import { createRouteStore } from "../relay/route-store.ts";
import { relayWebhook, type RelayDeps, webhookServers } from "../relay/relay-webhook.ts";
import { createBitbucketClients } from "../build-status/bitbucket-clients.ts";
import { createCdsCallers } from "../cds-vcs-service/cds-caller-keys.ts";
import { registerSignedVcsCalls } from "../cds-vcs-service/register-signed-vcs-calls.ts";
import { registerBuildStatusRoutes } from "../build-status/register-build-status-routes.ts";
import type { GatewayConfig } from "../core/config-types.ts";
import { createBodyBudget } from "../lib/create-body-budget.ts";
import { json, jsonError } from "../core/json-error.ts";
import { createMetrics, type Metrics } from "../core/metrics.ts";
import { createPendingWork, type Invocation } from "../lib/pending-work.ts";
import {
  type ChangeFeed,
  type Clock,
  type FetchFn,
  type HmacSha256,
  type KvStore,
  type Logger,
  type PassThroughFn,
  silentLogger,
  systemClock,
} from "../core/ports.ts";
import { requireBearer } from "./require-bearer.ts";
import { within } from "../lib/with-timeout.ts";

export interface AppDeps {
  config: GatewayConfig;
  store: KvStore;
  /** Upstream HTTP (CDS, Bitbucket). Node injects its undici forwarder. */
  fetch: FetchFn;
  clock?: Clock;
  logger?: Logger;
  /** The peer address of a request, as the runtime knows it. */
  clientIp?: (c: Context) => string | undefined;
  newId?: () => string;
  /** Where queued deliveries live; default: the KV queue on `store`. Workers passes its Queue-backed one. */
  queue?: DeliveryQueue;
  /** Told when a queued delivery becomes due at `at` (Node arms a timer; cron-driven runtimes ignore it). */
  wake?: (at: number) => void;
  /** Jitter source for retries (tests). */
  random?: () => number;
  metrics?: Metrics;
  /** Passes CDS's signed vcs calls on to its vcs service, Host kept (issue #10). Node only; without it they get 501. */
  passThrough?: PassThroughFn;
  /** Changes announced by the other processes sharing the store (Node on Redis), so the routes held in memory stay right. */
  changes?: ChangeFeed;
  /** The runtime's synchronous HMAC-SHA256, for webhook signatures (Node and Deno: node:crypto); default WebCrypto. */
  hmacSha256?: HmacSha256;
}

export interface Gateway {
  app: Hono;
  queue: DeliveryQueue;
  /**
   * Periodic work (Node timer, Workers Cron Trigger, Deno.cron): due queued deliveries and due branch deletions.
   * `invocation`: the runtime's waitUntil for what goes on after the run (answers awaited, issue #12).
   */
  runScheduledWork(invocation?: Invocation): Promise<void>;
  /**
   * One attempt of this queued record, as a consumer holds it (a Queue message may carry it); resolves to
   * the state that follows, or to the in-flight state when the answer is still awaited after forwardTimeout.
   */
  attemptRecord(record: DeliveryRecord, invocation?: Invocation): Promise<DeliveryRecord>;
  /**
   * Waits, at most `timeoutMs`, for the work still going after its answer was given: CDS's answers awaited
   * past forwardTimeout and recovery drains (issue #12). For a shutdown; true when nothing is left.
   */
  settle(timeoutMs: number): Promise<boolean>;
}

/**
 * The one factory that builds the gateway from its ports; every runtime
 * adapter calls it. Routes: `/healthz`, CDS's signed vcs calls on `/vcs/*`
 * (issue #10), bearer-protected `/vcs/*` and `/-/*`, and the webhook relay
 * for everything else.
 */
export function createGateway(deps: AppDeps): Gateway {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const queue = deps.queue ?? createKvDeliveryQueue(deps.store);
  const metrics = deps.metrics ?? createMetrics();
  const { storeTimeoutMs, routeCacheTtlMs, routeCacheSize } = deps.config.gateway;
  // Routes served from memory (issue #12): the relay's normal read path, and what it goes on when the store is silent.
  const routes = createRouteStore({
    store: deps.store,
    clock,
    logger,
    ttlMs: routeCacheTtlMs,
    maxEntries: routeCacheSize,
    changes: deps.changes,
  });
  // What the operator's console shows of this process, and the counter series it feeds (issue #16).
  const servers = webhookServers(deps.config);
  const consoleState = createConsoleState({ config: deps.config, metrics, servers: servers.map((s) => s.name) });
  const base = { config: deps.config, store: deps.store, fetch: deps.fetch, clock, logger, metrics, routes, onOffer: consoleState.onOffer };
  // Branch-deletion lifecycle (issue #5): recorded after CDS accepted a push, executed by the scheduled work.
  const deletions = createBranchDeletionStore(deps.store);
  // One pacer for the process: CDS API calls stay within cdsApiCallsPerSecond per instance across runs (issue #11).
  const pacer = createCallPacer({ perSecond: deps.config.gateway.cdsApiCallsPerSecond });
  const sessions = createCdsSessions({ fetch: deps.fetch, clock, timeoutMs: deps.config.gateway.forwardTimeoutMs, pacer });
  const branchDeps = { ...base, deletions, sessions, pacer, wake: deps.wake, random: deps.random };
  // Answers awaited after forwardTimeout, and recovery drains: they go on after their answer was given (issue #12).
  const pending = createPendingWork(logger);
  // An instance taking a webhook again drains what waits for it (issue #12, finding 6).
  const backlog = createInstanceBacklog({
    clock,
    pending,
    drain: (instance, invocation) => drainInstance({ ...queueDeps, store: deps.store }, instance, invocation),
  });
  const onAccepted: RelayDeps["onAccepted"] = (delivery, outcome, invocation) => {
    backlog.accepted(outcome.instance, invocation);
    return recordBranchChanges(branchDeps, delivery, outcome);
  };
  const onUnreached = (instances: string[]) => backlog.unreached(instances);
  const queueDeps: QueueDeps = {
    ...base,
    queue,
    random: deps.random,
    metrics,
    onAccepted,
    onUnreached,
    wake: deps.wake,
    pending,
    onQueueResult: consoleState.onQueueResult,
  };
  // One budget of webhook body bytes in flight for the process (issue #11).
  const bodyBudget = createBodyBudget(deps.config.gateway.maxBodyBytesInFlight);
  metrics.gauge("cds_gateway_body_bytes_in_flight", bodyBudget.inFlight);
  const relayDeps: RelayDeps = {
    ...base,
    newId: deps.newId ?? (() => uuidV7(clock.now())),
    servers,
    rateLimiter: createRateLimiter({ ...deps.config.gateway.rateLimit, clock }),
    trustedProxies: deps.config.gateway.trustedProxies.map((text) => parseIpRange(text)!),
    bodyBudget,
    onUnreachable: queueWhenUnreachable({ queue, clock, random: deps.random, wake: deps.wake, onUnreached }),
    onLate: queueInFlight(queueDeps),
    onAccepted,
    onOutcome: (server, outcome) => consoleState.onWebhook(server, outcome, clock.now()),
    recent: consoleState.recent,
    hmacSha256: deps.hmacSha256,
  };

  // Deliveries stored by the previous version (docs/storage-schema.md, "Schema changes"): moved a
  // batch per scheduled run until a run finds none. Until then they are read and listed where they are.
  let oldDeliveriesLeft = queue.migrate !== undefined;
  const migrateOldDeliveries = async () => {
    if (!oldDeliveriesLeft) return;
    const moved = await queue.migrate!(100);
    if (moved > 0) logger.log("info", "deliveries moved to the current storage layout", { moved });
    else oldDeliveriesLeft = false;
  };

  const app = new Hono();

  // Bounded here too (issue #12), whatever bounds the backend's own calls: 503 within storeTimeout.
  app.get("/healthz", async () => {
    try {
      await within(storeTimeoutMs, deps.store.get("health:probe"));
      return json(200, { status: "ok" });
    } catch {
      return jsonError("store_unavailable", "the store does not answer");
    }
  });

  // Gauges only the store knows are read at each scrape, bounded (docs/metrics.md).
  const readStoreGauges = registerStoreGauges(metrics, { queue, deletions, clock, timeoutMs: storeTimeoutMs });
  app.get("/metrics", async () => {
    await readStoreGauges();
    return new Response(metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
  });

  registerAdminPage(app);
  // CDS's API calling the gateway as its vcs service (issue #10): signed calls, before the bearer check.
  const vcsDeps = { ...base, clients: createBitbucketClients({ fetch: deps.fetch, clock, onCall: consoleState.onBitbucketCall }) };
  const callers = createCdsCallers({ config: deps.config, sessions, clock, logger });
  registerSignedVcsCalls(app, { ...vcsDeps, callers, passThrough: deps.passThrough });
  // Separate scopes (issue #11): apiTokens open both, vcsTokens only /vcs/*, adminTokens only /-/*.
  const { apiTokens, vcsTokens, adminTokens } = deps.config.gateway;
  app.use("/vcs/*", requireBearer([...apiTokens, ...vcsTokens]));
  app.use("/-/*", requireBearer([...apiTokens, ...adminTokens]));
  registerBuildStatusRoutes(app, vcsDeps);
  registerDeliveryRoutes(app, { queue, clock, wake: deps.wake, recent: consoleState.recent });
  registerConsoleRoutes(app, { console: consoleState, queue, clock, timeoutMs: storeTimeoutMs, servers: Object.keys(deps.config.servers) });
  registerRouteRoutes(app, base);
  registerBranchDeletionRoutes(app, { deletions });
  app.all("/vcs/*", () => jsonError("not_found", "no such route"));
  app.all("/-/*", () => jsonError("not_found", "no such route"));

  app.all("*", async (c) => {
    const started = performance.now();
    const response = await relayWebhook(relayDeps, c.req.raw, deps.clientIp?.(c), invocationOf(c));
    metrics.observe("cds_gateway_relay_seconds", (performance.now() - started) / 1000);
    return response;
  });

  app.onError((error, c) => {
    logger.log("error", "unhandled error", { path: new URL(c.req.url).pathname, error: error.name, message: error.message });
    return jsonError("internal_error", "the gateway failed to handle this request");
  });

  return {
    app,
    queue,
    async runScheduledWork(invocation) {
      // One failing never keeps the other from running.
      const results = await Promise.allSettled([
        migrateOldDeliveries(),
        runDueDeliveries(queueDeps, { invocation }),
        runDueBranchDeletions(branchDeps),
      ]);
      for (const result of results) if (result.status === "rejected") throw result.reason;
    },
    attemptRecord: async (record, invocation) => {
      const result = await attemptQueuedDelivery(queueDeps, record, invocation);
      return result.record ?? record;
    },
    settle: (timeoutMs) => pending.settled(timeoutMs),
  };
}

/** The runtime's waitUntil for this request, where it has one (Workers); Node and Deno keep work in their process. */
function invocationOf(c: Context): Invocation | undefined {
  try {
    const ctx = c.executionCtx;
    return { waitUntil: (work) => ctx.waitUntil(work) };
  } catch {
    // Hono throws when the runtime passed no execution context.
    return undefined;
  }
}

/** The HTTP app alone (tests and adapters that need no scheduled work). */
export function createApp(deps: AppDeps): Hono {
  return createGateway(deps).app;
}
