import type { Delivery, DeliveryOutcome } from "../relay/delivery.ts";
import { isHopByHop } from "../relay/forward-headers.ts";
import { attemptOf, type DeliveryAttempt, withAttempt } from "./delivery-attempt.ts";
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

/** The queued record of a webhook whose first attempt, ended at `now`, reached no instance. */
export function recordFromDelivery(delivery: Delivery, nextAttemptAt: number, outcome: DeliveryOutcome & { kind: "unreachable" }, now: number): DeliveryRecord {
  const repository = repositoryOf(delivery.body);
  const record: DeliveryRecord = {
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
    attempts: 1,
    nextAttemptAt,
    queuedSince: delivery.receivedAt,
    lastError: outcome.reasons.join("; "),
    ...(repository !== undefined ? { repository } : {}),
  };
  return withAttempt(record, attemptOf(outcome, delivery.receivedAt, now));
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
  return { ...rest, event: headers["x-event-key"], bodyBytes: Math.floor((body.length * 3) / 4) - (body.endsWith("==") ? 2 : body.endsWith("=") ? 1 : 0) };
}

/**
 * Orders two states of one delivery. `queuedSince` moves forward only on a
 * replay and `attempts` only with an attempt, so (queuedSince, attempts)
 * grows with every state change; between a queued and a finished state that
 * compare equal (two attempts of the same state), the finished one is later.
 */
export function compareState(
  a: Pick<DeliveryRecord, "queuedSince" | "attempts"> & { status?: DeliveryStatus },
  b: { since: number; attempts: number; status?: DeliveryStatus } | DeliveryRecord,
): number {
  const bSince = "since" in b ? b.since : b.queuedSince;
  if (a.queuedSince !== bSince) return a.queuedSince - bSince;
  if (a.attempts !== b.attempts) return a.attempts - b.attempts;
  return rank(a.status) - rank(b.status);
}

/** A message stands for a queued state. */
const rank = (status: DeliveryStatus | undefined) => (status === undefined || status === "queued" ? 0 : 1);

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function base64ToBytes(b64: string): Uint8Array {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
