import type { Hono } from "hono";
import { ConfigError } from "../../config/config-error.ts";
import { loadConfig } from "../../config/load-config.ts";
import { createGateway, type Gateway } from "../../app/create-gateway.ts";
import { jsonError } from "../../core/json-error.ts";
import type { FetchFn, Logger } from "../../core/ports.ts";
import { createMessageDeliveryQueue, type DeliveryMessage, type MessageDeliveryQueue } from "../../queue/message-delivery-queue.ts";
import type { ClaimLock } from "./claim-lock.ts";
import { createConsoleLogger } from "./console-logger.ts";
import { missingBindings, missingBindingsResponse } from "./missing-bindings.ts";
import { runScheduled } from "./run-scheduled.ts";
import { createWorkersKvStore } from "./workers-kv-store.ts";

export { ClaimLock } from "./claim-lock.ts";

/** The bindings wrangler.toml declares, plus the secrets `env:NAME` references read. */
export interface WorkerEnv {
  /** The gateway's TOML configuration (a var, or a secret when it holds secrets inline). */
  GATEWAY_CONFIG?: string;
  GATEWAY_KV: KVNamespace;
  CLAIM_LOCK: DurableObjectNamespace<ClaimLock>;
  /**
   * Producer binding of the delivery queue (this Worker is also its consumer).
   * Without it, queued deliveries are retried by the Cron Trigger alone.
   */
  DELIVERY_QUEUE?: Queue<DeliveryMessage>;
  /** debug | info | warn | error (default info). */
  LOG_LEVEL?: string;
  [name: string]: unknown;
}

interface WorkerGateway {
  gateway: Gateway;
  logger: Logger;
  /** The Queue-backed durable queue; undefined without a DELIVERY_QUEUE binding. */
  deliveries: MessageDeliveryQueue | undefined;
}

/**
 * One gateway per isolate, built on its first request (or cron run) and kept
 * while GATEWAY_CONFIG stays the same text. A configuration that does not
 * load is kept too: it is logged once, and every request gets the 500.
 */
let built: { text: string | undefined; gateway: Promise<WorkerGateway> } | undefined;

/** The client address of each request handed to the app (CF-Connecting-IP). */
const clientIps = new WeakMap<Request, string>();

// `globalThis.fetch` takes the core's FetchInit as is (body: bytes or text); it never follows a redirect (issue #11).
const workersFetch: FetchFn = (url, init) => fetch(url, { ...init, redirect: "manual" } as RequestInit);

function gatewayFor(env: WorkerEnv): Promise<WorkerGateway> {
  const text = env.GATEWAY_CONFIG;
  if (built === undefined || built.text !== text) built = { text, gateway: buildGateway(env, text) };
  return built.gateway;
}

async function buildGateway(env: WorkerEnv, text: string | undefined): Promise<WorkerGateway> {
  const logger = createConsoleLogger(env.LOG_LEVEL);
  try {
    if (text === undefined || text.trim() === "") {
      throw new ConfigError([
        { path: "", message: "GATEWAY_CONFIG is not set: put the gateway's TOML configuration in that var or secret" },
      ]);
    }
    // `env:NAME` reads the Worker's string vars and secrets; there is no file system for `file:`.
    const config = await loadConfig(
      text,
      { env: (name) => (typeof env[name] === "string" ? (env[name] as string) : undefined) },
      { serving: true },
    );
    const store = createWorkersKvStore({ kv: env.GATEWAY_KV, claims: env.CLAIM_LOCK });
    // Queued deliveries: records in KV, each due attempt a delayed message to this Worker's `queue` handler.
    const deliveries =
      env.DELIVERY_QUEUE === undefined ? undefined : createMessageDeliveryQueue({ store, producer: env.DELIVERY_QUEUE, logger });
    if (deliveries === undefined)
      logger.log("warn", "no DELIVERY_QUEUE binding: queued deliveries are retried by the Cron Trigger, once a minute");
    const gateway = createGateway({
      config,
      store,
      fetch: workersFetch,
      logger,
      clientIp: (c) => clientIps.get(c.req.raw),
      queue: deliveries,
    });
    for (const cds of Object.values(config.cds)) {
      if (!cds.apiUrl || !cds.token)
        logger.log("info", "no branch deletions for this CDS instance (apiUrl and token are needed)", { instance: cds.name });
    }
    logger.log("info", "gateway configured", { instances: Object.keys(config.cds).length, servers: Object.keys(config.servers).length });
    return { gateway, logger, deliveries };
  } catch (error) {
    // ConfigError messages name key paths, never values.
    const message = error instanceof ConfigError ? error.message : "the configuration could not be loaded";
    logger.log("error", "configuration error", { message });
    throw error;
  }
}

function configErrorResponse(error: unknown): Response {
  const message = error instanceof ConfigError ? error.message : "the configuration could not be loaded";
  return jsonError("config_error", message);
}

/** Headers Cloudflare adds on its way in; they describe the edge hop, not the webhook, and CDS gets none of them. */
const EDGE_HEADER = /^(?:cf-|cdn-loop$|x-real-ip$)/;

/**
 * The request as the app should see it: Cloudflare's own headers removed,
 * and the client address (CF-Connecting-IP) remembered for X-Forwarded-For.
 * Cloudflare also appends that address to X-Forwarded-For; it is taken off
 * again so the relay, which appends the client address itself, does not
 * name it twice.
 */
function edgeRequest(request: Request): Request {
  const clientIp = request.headers.get("cf-connecting-ip") ?? undefined;
  const drop: string[] = [];
  request.headers.forEach((_value, name) => {
    if (EDGE_HEADER.test(name)) drop.push(name);
  });
  let chain: string | undefined;
  const xff = request.headers.get("x-forwarded-for");
  if (xff !== null && clientIp !== undefined) {
    const hops = xff
      .split(",")
      .map((hop) => hop.trim())
      .filter(Boolean);
    if (hops.at(-1) === clientIp) chain = hops.slice(0, -1).join(", ");
  }
  let out = request;
  if (drop.length > 0 || chain !== undefined) {
    const headers = new Headers(request.headers);
    for (const name of drop) headers.delete(name);
    if (chain === "") headers.delete("x-forwarded-for");
    else if (chain !== undefined) headers.set("x-forwarded-for", chain);
    out = new Request(request, { headers });
  }
  if (clientIp !== undefined) clientIps.set(out, clientIp);
  return out;
}

/**
 * Bindings checked once per isolate, at its first request or run: a Worker
 * deployed without GATEWAY_KV or CLAIM_LOCK answers every request 503, naming
 * what is missing and where wrangler.toml declares it, instead of failing
 * deep inside the store with a TypeError (issue #12).
 */
let bindingsChecked: string[] | undefined;

function checkBindings(env: WorkerEnv): string[] {
  if (bindingsChecked === undefined) {
    bindingsChecked = missingBindings(env);
    const logger = createConsoleLogger(env.LOG_LEVEL);
    for (const message of bindingsChecked) logger.log("error", "missing binding", { message });
  }
  return bindingsChecked;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const missing = checkBindings(env);
    if (missing.length > 0) return missingBindingsResponse(missing);
    let current: WorkerGateway;
    try {
      current = await gatewayFor(env);
    } catch (error) {
      return configErrorResponse(error);
    }
    return current.gateway.app.fetch(edgeRequest(request), env, ctx as Parameters<Hono["fetch"]>[2]);
  },

  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const missing = checkBindings(env);
    if (missing.length > 0) throw new Error(missing.join("; "));
    // A configuration error fails the run (it shows in the Cron Events), after being logged.
    const { gateway, logger } = await gatewayFor(env);
    await runScheduled({
      // Answers awaited past forwardTimeout go on within the invocation (up to 15 min, issue #12).
      work: () => gateway.runScheduledWork({ waitUntil: (work) => ctx.waitUntil(work) }),
      logger,
      scheduledTime: controller.scheduledTime,
      cron: controller.cron,
    });
  },

  /** The delivery queue's consumer: one attempt per due message (src/queue/message-delivery-queue.ts). */
  async queue(batch: MessageBatch, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    // Without the store the messages wait (Cloudflare re-delivers them) until the Worker is deployed with it.
    if (checkBindings(env).length > 0) {
      batch.retryAll({ delaySeconds: 300 });
      return;
    }
    // A configuration error throws: the whole batch is retried (and the error logged once).
    const { gateway, logger, deliveries } = await gatewayFor(env);
    if (deliveries === undefined) {
      logger.log("error", "delivery queue messages arrived, but the DELIVERY_QUEUE producer binding is missing", { queue: batch.queue });
      batch.retryAll({ delaySeconds: 300 });
      return;
    }
    // Answers awaited past forwardTimeout go on within the invocation (up to 15 min, issue #12).
    await deliveries.consume(batch, (record) => gateway.attemptRecord(record, { waitUntil: (work) => ctx.waitUntil(work) }));
  },
};
