import { base64ToBytes, bytesToBase64 } from "../lib/bytes.ts";
import type { Delivery } from "../relay/delivery.ts";
import { isHopByHop } from "../relay/forward-headers.ts";
import type { DeliveryAttempt } from "./delivery-attempt.ts";
import { repositoryOf } from "./repository-of.ts";

export type DeliveryStatus = "queued" | "delivered" | "dead";

/**
 * A delivery that went through the durable queue: stored before the gateway
 * answered 202, kept until delivered (then 7 days) or dead (until an operator
 * replays or deletes it). Stored as JSON; docs/storage-schema.md.
 */
export interface DeliveryRecord {
  id: string;
  uuid: string;
  server: string;
  search: string;
  headers: Record<string, string>;
  /** The raw body, base64. */
  body: string;
  requestId?: string;
  receivedAt: number;
  /** Its signature was verified (issue #11); absent in records written before: not verified. */
  verified?: boolean;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (queued only). */
  nextAttemptAt?: number;
  /** Age origin for dead-lettering: receivedAt, or the time of the last replay. */
  queuedSince: number;
  lastError?: string;
  /**
   * Queued only: an attempt was started and its answer is awaited until
   * then (issue #12, finding 2); no other attempt starts before. Then
   * `nextAttemptAt` is this time too, so if the attempt's process stops, the
   * delivery is due when the window has passed. Cleared by the attempt's
   * result; absent in records written before.
   */
  inFlightUntil?: number;
  /** With `inFlightUntil`: when that attempt began (its history entry's time, issue #16). */
  inFlightSince?: number;
  /**
   * Queued only: the CDS instances its last attempt did not reach (the owner
   * is among them, the others answered 404). When one of them accepts a
   * webhook again, the delivery is attempted at once (issue #12, finding 6).
   * Absent in records written before, and before a first attempt failed.
   */
  unreached?: string[];
  /** The instance that took it; while queued or dead, the one instance it waits for (see withAttempt). */
  instance?: string;
  responseStatus?: number;
  deliveredAt?: number;
  deadAt?: number;
  /** `PROJECT/slug` from the payload, read once when stored (issue #16); absent when it names none, and in records written before. */
  repository?: string;
  /** The latest attempts, oldest first (issue #16); absent in records written before. */
  history?: DeliveryAttempt[];
}

/**
 * A delivery as the queue first holds it, before its first attempt's result
 * (the relay could not deliver it at once): queued, no attempt counted, its
 * repository read once (issue #16). Its first state follows that attempt:
 * failed (nextDeliveryState), or its answer still awaited past
 * forwardTimeout (inFlightState).
 */
export function recordFromDelivery(delivery: Delivery): DeliveryRecord {
  const repository = repositoryOf(delivery.body);
  return {
    id: delivery.id,
    uuid: delivery.uuid,
    server: delivery.server,
    search: delivery.search,
    headers: delivery.headers,
    body: bytesToBase64(delivery.body),
    requestId: delivery.headers["x-request-id"],
    receivedAt: delivery.receivedAt,
    verified: delivery.verified,
    status: "queued",
    attempts: 0,
    queuedSince: delivery.receivedAt,
    ...(repository !== undefined ? { repository } : {}),
  };
}

/** An attempt of this delivery is awaiting CDS's answer at `now`: none other may start. */
export function isInFlight(record: Pick<DeliveryRecord, "status" | "inFlightUntil">, now: number): boolean {
  return record.status === "queued" && record.inFlightUntil !== undefined && record.inFlightUntil > now;
}

export function deliveryFromRecord(record: DeliveryRecord): Delivery {
  return {
    id: record.id,
    uuid: record.uuid,
    server: record.server,
    search: record.search,
    // Records queued before `Expect` was a header of this hop still carry it (issue #12).
    headers: Object.fromEntries(Object.entries(record.headers).filter(([name]) => !isHopByHop(name))),
    body: base64ToBytes(record.body),
    receivedAt: record.receivedAt,
    verified: record.verified === true,
  };
}

/**
 * What the listings show: everything but the body, headers and history.
 * Also what the listing index holds (docs/storage-schema.md), so listings
 * never read bodies (issue #12).
 */
export type DeliverySummary = Omit<DeliveryRecord, "body" | "headers" | "history"> & { bodyBytes: number; event?: string };

export function summarizeRecord(record: DeliveryRecord): DeliverySummary {
  const { body, headers, history: _history, ...rest } = record;
  return {
    ...rest,
    event: headers["x-event-key"],
    bodyBytes: Math.floor((body.length * 3) / 4) - (body.endsWith("==") ? 2 : body.endsWith("=") ? 1 : 0),
  };
}

/**
 * Orders two states of one delivery. `queuedSince` moves forward only on a
 * replay and `attempts` only with an attempt's result, so (queuedSince,
 * attempts) grows with every state change but one: an attempt starting
 * (issue #12, finding 2) writes the same pair with `inFlightUntil`, which
 * its result clears as it counts the attempt. So between states that
 * compare equal on the pair, a queued one is earliest, then the one with an
 * attempt in flight, then a finished one.
 */
export function compareState(
  a: Pick<DeliveryRecord, "queuedSince" | "attempts"> & { status?: DeliveryStatus; inFlightUntil?: number },
  b: { since: number; attempts: number; status?: DeliveryStatus; inFlight?: boolean } | DeliveryRecord,
): number {
  const bSince = "since" in b ? b.since : b.queuedSince;
  if (a.queuedSince !== bSince) return a.queuedSince - bSince;
  if (a.attempts !== b.attempts) return a.attempts - b.attempts;
  const bInFlight = "since" in b ? b.inFlight === true : b.inFlightUntil !== undefined;
  return rank(a.status, a.inFlightUntil !== undefined) - rank(b.status, bInFlight);
}

/** A message stands for a queued state, or for one with an attempt in flight. */
const rank = (status: DeliveryStatus | undefined, inFlight: boolean) =>
  status === undefined || status === "queued" ? (inFlight ? 1 : 0) : 2;
