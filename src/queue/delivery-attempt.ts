import type { DeliveryOutcome } from "../relay/delivery.ts";
import type { DeliveryRecord } from "./delivery-record.ts";

/** Attempts a record keeps (the latest ones): enough to see a pattern, small enough for a Workers Queue message. */
export const MAX_HISTORY = 20;

/** One attempt of a delivery, as the record's `history` keeps it (issue #16; docs/storage-schema.md). */
export interface DeliveryAttempt {
  /** When it started, and how long it took (ms). */
  at: number;
  ms: number;
  /** How it ended; `lost`: its result was never recorded (its process stopped while the answer was awaited, issue #12). */
  outcome: DeliveryOutcome["kind"] | "lost";
  /** The instance that took it, or the one instance that could not be reached. */
  instance?: string;
  /** CDS's status when it took the webhook. */
  status?: number;
  /** Why it was not delivered, in the words of `lastError`. */
  error?: string;
}

/** The attempt that started at `at` and ended at `end` with `outcome`. */
export function attemptOf(outcome: DeliveryOutcome, at: number, end: number): DeliveryAttempt {
  const base = { at, ms: Math.max(0, end - at), outcome: outcome.kind };
  switch (outcome.kind) {
    case "accepted":
      return { ...base, instance: outcome.instance, status: outcome.status };
    case "unreachable":
      return { ...base, ...(outcome.instances.length === 1 ? { instance: outcome.instances[0] } : {}), error: outcome.reasons.join("; ") };
    case "unknown":
      return { ...base, error: outcome.reason ?? UNKNOWN_WEBHOOK };
    case "store-unavailable":
      return { ...base, error: `the store did not answer: ${outcome.reason}` };
  }
}

export const UNKNOWN_WEBHOOK = "every CDS instance answered 404: no instance knows this webhook";

/**
 * `record` with `attempt` added to its history (the oldest dropped beyond
 * MAX_HISTORY), and its `instance` that of the attempt: the instance that
 * took it, the one it waits for, or none when several could not be reached
 * or none knows it. An attempt the store's silence stopped, or one whose
 * result was lost, says nothing about the instances.
 */
export function withAttempt(record: DeliveryRecord, attempt: DeliveryAttempt): DeliveryRecord {
  const history = [...(record.history ?? []), attempt].slice(-MAX_HISTORY);
  const instance = attempt.outcome === "store-unavailable" || attempt.outcome === "lost" ? record.instance : attempt.instance;
  const { instance: _previous, ...rest } = record;
  return { ...rest, ...(instance !== undefined ? { instance } : {}), history };
}
