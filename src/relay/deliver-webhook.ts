import type { CdsInstanceConfig, GatewayConfig } from "../core/config-types.ts";
import type { Metrics } from "../core/metrics.ts";
import { GatewayError } from "../core/gateway-error.ts";
import type { Clock, FetchFn, Logger } from "../core/ports.ts";
import type { Delivery, DeliveryOutcome } from "./delivery.ts";
import { offerWebhook, type OfferResult } from "./offer-webhook.ts";
import { routeAdmits } from "./route-admits.ts";
import { type RouteRecord, type RouteStore, STORE_UNAVAILABLE } from "./route-store.ts";

export interface DeliverDeps {
  config: GatewayConfig;
  /** Routes, served from memory (createRouteStore). */
  routes: RouteStore;
  fetch: FetchFn;
  clock: Clock;
  logger: Logger;
  /** Counts the attempts that did not reach CDS, per instance (issue #12). */
  metrics?: Metrics;
  /** Told of every offer and its result, ended at `at` (instance health and answers by instance, issue #16). */
  onOffer?: (instance: string, delivery: string, at: number, result: OfferResult) => void;
}

/**
 * One delivery attempt (docs/relay.md, step 7 "Owner discovery"). A remembered route goes straight to its
 * instance; otherwise the webhook is offered to every instance at once and the
 * first whose own answer is not 404 owns the UUID (UUIDs are random, so only
 * the owner accepts); an answer that is not CDS's (classifyCdsAnswer, issue
 * #12) makes no owner. When the remembered owner answers 404 the hook was deleted
 * there: the route is dropped and the others are asked once. A UUID whose
 * route is bound to another Bitbucket server's path is refused before
 * anything is sent (routeAdmits, issue #11).
 *
 * The attempt ends at the latest `forwardTimeout + lateAnswerWindow` after it
 * started, whatever it asked (issue #12, finding 2): a request CDS may be
 * working on is not abandoned at forwardTimeout, when the callers stop
 * waiting for it (the relay answers 202, the sweep moves on: `inTime` says
 * "slow"), but listened to until then; only what has not answered by the
 * end counts as a timeout.
 */
export function deliverWebhook(deps: DeliverDeps, delivery: Delivery): DeliveryAttempt {
  const { forwardTimeoutMs, lateAnswerWindowMs } = deps.config.gateway;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let decidedYet = false;
  let markSlow!: (slow: "slow") => void;
  const slow = new Promise<"slow">((resolve) => (markSlow = resolve));
  const decided = () => {
    decidedYet = true;
    if (timer !== undefined) clearTimeout(timer);
  };
  // Every request of the attempt ends by then (Date.now: real time, as the timers that end them).
  const windowMs = forwardTimeoutMs + lateAnswerWindowMs;
  const endsAt = Date.now() + windowMs;
  const outcome = attempt(deps, delivery, {
    window: () => ({ ms: windowMs, leftMs: endsAt - Date.now() }),
    sending() {
      // forwardTimeout counts from the first request, as CDS's answer is what is waited for.
      if (timer === undefined && !decidedYet) timer = setTimeout(() => markSlow("slow"), forwardTimeoutMs);
    },
    decided,
  }).finally(decided);
  const inTime = Promise.race([outcome, slow]);
  // Its failure is the outcome's, for whoever awaits either: never an unhandled rejection of its own.
  inTime.catch(() => undefined);
  return { outcome, inTime };
}

/** One attempt as deliverWebhook starts it. */
export interface DeliveryAttempt {
  /** Its outcome, once CDS answered (or every instance failed, or the answer window ended). */
  outcome: Promise<DeliveryOutcome>;
  /**
   * The outcome, if CDS's answers decide it within forwardTimeout of the first
   * request; else "slow" then, while `outcome` goes on (issue #12, finding 2).
   * A store slow to record a route after CDS answered does not make it slow.
   */
  inTime: Promise<DeliveryOutcome | "slow">;
}

/** What the steps of one attempt share: its answer deadline, and the forwardTimeout clock. */
interface AttemptRun {
  /** The answer window: its length, and what is left of it now. */
  window(): { ms: number; leftMs: number };
  /** A request goes out: forwardTimeout starts counting at the first one. */
  sending(): void;
  /** CDS's answers decided the outcome; what is left is the store's. */
  decided(): void;
}

async function attempt(deps: DeliverDeps, delivery: Delivery, run: AttemptRun): Promise<DeliveryOutcome> {
  const instances = Object.values(deps.config.cds);
  let known: RouteRecord | undefined;
  try {
    known = await deps.routes.get(delivery.uuid);
  } catch (error) {
    if (!(error instanceof GatewayError && error.code === STORE_UNAVAILABLE)) throw error;
    // Neither the store nor memory knows the server this UUID is bound to: only a verified
    // signature may then reach an owner, or the trust issue's bypass would be open (issue #11).
    if (!delivery.verified) return { kind: "store-unavailable", reason: error.message };
    deps.logger.log("warn", "route unreadable: the verified webhook is offered to every instance", {
      delivery: delivery.id,
      uuid: delivery.uuid,
    });
    return discover(deps, delivery, instances, run);
  }
  if (known && !routeAdmits(deps.config, known, delivery)) {
    deps.logger.log("warn", "webhook refused: its UUID belongs to another Bitbucket server's path", {
      delivery: delivery.id,
      uuid: delivery.uuid,
      server: delivery.server,
      boundTo: known.server,
    });
    return { kind: "unknown", reason: `the webhook belongs to the path of Bitbucket server ${known.server}, not ${delivery.server}` };
  }
  const owner = known && deps.config.cds[known.instance];
  if (known && owner) {
    const result = await offer(deps, owner, delivery, run, deps.clock.now());
    if (result.kind === "answered") {
      run.decided();
      await bindRoute(deps, delivery, known);
      return accepted(owner.name, result);
    }
    if (result.kind === "unreachable")
      return { kind: "unreachable", instances: [result.instance], reasons: [result.reason], retryAfterMs: result.retryAfterMs };
    await saveRoute(deps, delivery, "drop", () => deps.routes.drop(delivery.uuid));
    deps.logger.log("info", "route dropped: owner answered 404", { delivery: delivery.id, uuid: delivery.uuid, instance: owner.name });
    return discover(
      deps,
      delivery,
      instances.filter((i) => i.name !== owner.name),
      run,
    );
  }
  return discover(deps, delivery, instances, run);
}

async function discover(
  deps: DeliverDeps,
  delivery: Delivery,
  instances: GatewayConfig["cds"][string][],
  run: AttemptRun,
): Promise<DeliveryOutcome> {
  if (instances.length === 0) return { kind: "unknown" };
  const now = deps.clock.now();
  const winner = await new Promise<{ name: string; result: OfferResult & { kind: "answered" } } | OfferResult[]>((resolve) => {
    const results: OfferResult[] = [];
    let settled = false;
    for (const instance of instances) {
      // An unexpected failure counts as "could not be reached", so this promise always settles.
      offer(deps, instance, delivery, run, now).then((result) => {
        results.push(result);
        if (settled) return;
        if (result.kind === "answered") {
          settled = true;
          resolve({ name: instance.name, result });
        } else if (results.length === instances.length) {
          settled = true;
          resolve(results);
        }
      });
    }
  });

  if (!Array.isArray(winner)) {
    run.decided();
    await saveRoute(deps, delivery, "discovery", () =>
      deps.routes.put(delivery.uuid, { instance: winner.name, discoveredAt: now, server: delivery.server }),
    );
    deps.logger.log("info", "route discovered", { delivery: delivery.id, uuid: delivery.uuid, instance: winner.name });
    return accepted(winner.name, winner.result);
  }
  const unreachable = winner.filter((r): r is OfferResult & { kind: "unreachable" } => r.kind === "unreachable");
  if (unreachable.length === 0) return { kind: "unknown" };
  const retryAfters = unreachable.map((r) => r.retryAfterMs).filter((v): v is number => v !== undefined);
  return {
    kind: "unreachable",
    instances: unreachable.map((r) => r.instance),
    reasons: unreachable.map((r) => r.reason),
    retryAfterMs: retryAfters.length ? Math.max(...retryAfters) : undefined,
  };
}

/** Records the server of an admitted route that had none, another one's, or a gone one's (see routeAdmits). */
async function bindRoute(deps: DeliverDeps, delivery: Delivery, route: RouteRecord): Promise<void> {
  if (route.server === delivery.server) return;
  await saveRoute(deps, delivery, "binding", () => deps.routes.put(delivery.uuid, { ...route, server: delivery.server }));
  deps.logger.log("info", "route bound to the Bitbucket server it came through", {
    delivery: delivery.id,
    uuid: delivery.uuid,
    server: delivery.server,
    previous: route.server ?? "none",
  });
}

/**
 * A route change after CDS answered: a store that fails here must not undo
 * an accepted delivery (the webhook reached CDS), so it is logged and the
 * route stays this process's knowledge until the store answers again.
 */
async function saveRoute(deps: DeliverDeps, delivery: Delivery, change: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    deps.logger.log("warn", "route change not stored", {
      delivery: delivery.id,
      uuid: delivery.uuid,
      change,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * offerWebhook, plus the record of an attempt that did not reach CDS: one
 * log line with the instance and the status, one count; and every result
 * told to `onOffer`. An unexpected failure counts as "could not be
 * reached", so the promise always resolves.
 */
async function offer(
  deps: DeliverDeps,
  instance: CdsInstanceConfig,
  delivery: Delivery,
  run: AttemptRun,
  now: number,
): Promise<OfferResult> {
  run.sending();
  const result = await offerWebhook(deps.fetch, instance, delivery, run.window(), now).catch((): OfferResult => ({
    kind: "unreachable",
    instance: instance.name,
    cause: "connection",
    reason: `${instance.name}: unexpected error`,
  }));
  deps.onOffer?.(instance.name, delivery.id, deps.clock.now(), result);
  if (result.kind === "unreachable") {
    deps.logger.log("warn", "CDS not reached", {
      delivery: delivery.id,
      uuid: delivery.uuid,
      instance: result.instance,
      status: result.status,
      reason: result.cause,
    });
    deps.metrics?.count("cds_gateway_cds_unreachable_total", { cds_instance: result.instance, reason: result.cause });
  }
  return result;
}

function accepted(instance: string, result: OfferResult & { kind: "answered" }): DeliveryOutcome {
  return { kind: "accepted", instance, status: result.status, responseText: result.responseText };
}
