import type { OfferResult } from "../relay/offer-webhook.ts";

/** What the gateway believes of one CDS instance (`GET /-/instances`, issue #16). */
export interface InstanceState {
  name: string;
  /** False from an offer that did not reach CDS until the next one that did; true before any offer. */
  reachable: boolean;
  /** When the instance last answered an offer itself (any of its own answers, 404 included); null: not since this process started. */
  lastAnswerAt: number | null;
  lastAccepted: { at: number; status: number; delivery: string } | null;
  lastFailure: { at: number; status?: number; error: string; delivery: string } | null;
}

export interface InstanceHealth {
  /** One offer of delivery `delivery` to `instance`, ended at `at`. */
  record(instance: string, delivery: string, at: number, result: OfferResult): void;
  /** Every configured instance, in configuration order. */
  snapshot(): InstanceState[];
}

/** One instance's figures, updated in place: recording an offer allocates nothing (the relay's path). */
class Slot {
  reachable = true;
  answerAt = 0;
  acceptedAt = 0;
  acceptedStatus = 0;
  acceptedDelivery = "";
  failedAt = 0;
  failedStatus: number | undefined = undefined;
  failedError = "";
  failedDelivery = "";
  constructor(readonly name: string) {}
}

/**
 * The health of each CDS instance as this process saw it, fed by every
 * offer of a webhook (direct or queued): kept in memory, per process
 * (docs/metrics.md, "Per process"). Instances not in the configuration are
 * ignored.
 */
export function createInstanceHealth(names: readonly string[]): InstanceHealth {
  const slots = new Map(names.map((name) => [name, new Slot(name)] as const));
  return {
    record(instance, delivery, at, result) {
      const slot = slots.get(instance);
      if (slot === undefined) return;
      if (result.kind === "unreachable") {
        slot.reachable = false;
        slot.failedAt = at;
        slot.failedStatus = result.status;
        slot.failedError = result.reason;
        slot.failedDelivery = delivery;
        return;
      }
      slot.reachable = true;
      slot.answerAt = at;
      if (result.kind === "answered" && result.status >= 200 && result.status <= 299) {
        slot.acceptedAt = at;
        slot.acceptedStatus = result.status;
        slot.acceptedDelivery = delivery;
      }
    },
    snapshot() {
      return [...slots.values()].map((s) => ({
        name: s.name,
        reachable: s.reachable,
        lastAnswerAt: s.answerAt || null,
        lastAccepted: s.acceptedAt ? { at: s.acceptedAt, status: s.acceptedStatus, delivery: s.acceptedDelivery } : null,
        lastFailure: s.failedAt
          ? {
              at: s.failedAt,
              ...(s.failedStatus !== undefined ? { status: s.failedStatus } : {}),
              error: s.failedError,
              delivery: s.failedDelivery,
            }
          : null,
      }));
    },
  };
}
