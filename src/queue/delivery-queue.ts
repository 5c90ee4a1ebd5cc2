import type { DueClaim } from "../store/due-work.ts";
import type { DeliveryRecord, DeliveryStatus, DeliverySummary } from "./delivery-record.ts";

/** A record as stored, with the version a conditional change of it is based on. */
export interface StoredDelivery {
  record: DeliveryRecord;
  version: string;
}

/** A due delivery this process holds the lease of (src/store/due-work.ts). */
export type ClaimedDelivery = DueClaim<DeliveryRecord>;

/**
 * Where queued deliveries live (docs/RELIABILITY.md). The core decides
 * what happens to a delivery; an implementation only stores records and
 * arranges for due ones to come back:
 * - `createKvDeliveryQueue` (any KvStore: SQLite, Redis, memory, Deno KV) keeps a
 *   time-ordered index and hands due records to `claimDue` (Node timer, Deno.cron);
 * - on Workers a Cloudflare Queue message carries the id back to the consumer.
 *
 * Every state change is conditional on the version of the record it was
 * computed from (issue #12): `replace` and `remove` write nothing when
 * another writer (the drain, an operator, another process) changed the
 * record since it was read. `changeDelivery` is the read-decide-write loop
 * built on them.
 */
export interface DeliveryQueue {
  /** Stores a new queued record durably; resolves only once it is written. */
  enqueue(record: DeliveryRecord): Promise<StoredDelivery>;
  /** The record and its version, for a change; undefined when there is none. */
  read(id: string): Promise<StoredDelivery | undefined>;
  /** The record, for display (may be a little behind on Workers). */
  get(id: string): Promise<DeliveryRecord | undefined>;
  /**
   * Writes `next` in place of `current` (queued → queued, delivered or dead;
   * any → queued on replay), only if the record is still at
   * `current.version`: the new state, or undefined when it had changed.
   */
  replace(current: StoredDelivery, next: DeliveryRecord): Promise<StoredDelivery | undefined>;
  /** Deletes `current`, only if the record is still at its version. */
  remove(current: StoredDelivery): Promise<boolean>;
  /** Summaries (no body, no headers) of one status, oldest first (ids are time-ordered). */
  list(status: DeliveryStatus, options?: { limit?: number; after?: string }): Promise<DeliverySummary[]>;
  /**
   * Claims up to `limit` queued records due at `now`; a claimed record is not
   * handed to another caller (another process) for `leaseMs`.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** Ends a claim early (after the state change was written); never frees a lease another claim holds. */
  release(claim: ClaimedDelivery): Promise<void>;
  /**
   * Ids of the queued deliveries waiting for `instance` (its `unreached`
   * names it: their last attempt did not reach it), oldest first, from an
   * index written with each record (issue #12, finding 6).
   */
  listWaiting(instance: string, options?: { limit?: number; after?: string }): Promise<string[]>;
  /**
   * Erases the index entry of delivery `id` under `instance` when its record
   * does not justify it (a leftover of a batch Workers KV applied in part),
   * on condition that the record is still at `version` (null: absent).
   */
  dropWaiting(instance: string, id: string, version: string | null): Promise<void>;
  /** Housekeeping for the scheduled work: moves up to `limit` records of the previous layout; how many it moved. */
  migrate?(limit: number): Promise<number>;
}
