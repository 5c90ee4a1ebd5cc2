import type { DeliveryRecord, DeliveryStatus } from "./delivery-record.ts";

/**
 * Where queued deliveries live (docs/RELIABILITY.md). The core decides
 * what happens to a delivery; an implementation only stores records and
 * arranges for due ones to come back:
 * - `createKvDeliveryQueue` (any KvStore: SQLite, Redis, memory, Deno KV) keeps a
 *   time-ordered index and hands due records to `claimDue` (Node timer, Deno.cron);
 * - on Workers a Cloudflare Queue message carries the id back to the consumer.
 */
export interface DeliveryQueue {
  /** Stores a new queued record durably; resolves only once it is written. */
  enqueue(record: DeliveryRecord): Promise<void>;
  /**
   * Records a state change of an existing record (one transaction): queued →
   * queued (rescheduled), delivered or dead; dead/delivered → queued (replay).
   */
  update(previous: DeliveryRecord, next: DeliveryRecord): Promise<void>;
  get(id: string): Promise<DeliveryRecord | undefined>;
  /** Records of one status, oldest first (ids are time-ordered). */
  list(status: DeliveryStatus, options?: { limit?: number; after?: string }): Promise<DeliveryRecord[]>;
  remove(id: string): Promise<boolean>;
  /**
   * Claims up to `limit` queued records due at `now`; a claimed record is not
   * handed to another caller (another process) for `leaseMs`.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<DeliveryRecord[]>;
  /** Ends a claim early (after the state change was written). */
  release(id: string): Promise<void>;
}
