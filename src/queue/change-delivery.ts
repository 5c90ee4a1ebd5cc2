import type { DeliveryQueue, StoredDelivery } from "./delivery-queue.ts";
import type { DeliveryRecord } from "./delivery-record.ts";

/** What `decide` wants done with the current record: a new state, its removal, or nothing. */
export type DeliveryChange = DeliveryRecord | "delete" | undefined;

export type ChangeResult =
  | { kind: "written"; stored: StoredDelivery }
  | { kind: "deleted"; previous: DeliveryRecord }
  | { kind: "unchanged"; current: DeliveryRecord }
  | { kind: "missing" };

/** Rounds of read-decide-write before giving up: each lost round means another writer changed the record. */
const MAX_ROUNDS = 20;

/**
 * The one way a delivery's state changes (issue #12): read the record with
 * its version, let `decide` compute the change from what is stored now,
 * and write it on condition that nobody changed the record meanwhile;
 * when somebody did, read again and decide again. So a change is always
 * based on the latest state: an operator's replay cannot bring back a
 * delivery the drain has just delivered, and an attempt's result does not
 * undo an operator's "retry now".
 */
export async function changeDelivery(
  queue: DeliveryQueue,
  id: string,
  decide: (current: DeliveryRecord) => DeliveryChange,
): Promise<ChangeResult> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const current = await queue.read(id);
    if (current === undefined) return { kind: "missing" };
    const change = decide(current.record);
    if (change === undefined) return { kind: "unchanged", current: current.record };
    if (change === "delete") {
      if (await queue.remove(current)) return { kind: "deleted", previous: current.record };
      continue;
    }
    const stored = await queue.replace(current, change);
    if (stored !== undefined) return { kind: "written", stored };
  }
  throw new Error(`delivery ${id} kept changing: gave up after ${MAX_ROUNDS} rounds`);
}
