import type { KvStore } from "../core/ports.ts";
import { bytesToHex } from "../lib/bytes.ts";
import { createDueWork, type DueClaim } from "../store/due-work.ts";

/**
 * A pending deletion of the workflow runs of a deleted branch (README.md,
 * "Branch-deletion lifecycle"),
 * one per (CDS instance, project, workflow, branch). Stored as JSON;
 * docs/storage-schema.md, "Branch deletions".
 */
export interface BranchDeletion {
  /** 32 hex digits, derived from (instance, project, workflow, branch): see branchDeletionId. */
  id: string;
  instance: string;
  project: string;
  workflow: string;
  branch: string;
  /** When the branch was deleted (ms). */
  deletedAt: number;
  /** deletedAt + branchDeletionDelay: not asked of CDS before then. */
  dueAt: number;
  /** When the next attempt is due: dueAt, later after failures. */
  nextAttemptAt: number;
  /** Failed attempts so far. */
  attempts: number;
  lastError?: string;
}

/** A record as stored, with the version a conditional change of it is based on. */
export interface StoredBranchDeletion {
  record: BranchDeletion;
  version: string;
}

/** A due deletion this process holds the lease of (src/store/due-work.ts). */
export type ClaimedBranchDeletion = DueClaim<BranchDeletion>;

/**
 * Every change is conditional on the version of the record it was computed
 * from (issue #12): a sweep never overwrites or erases a deletion cancelled
 * and recorded again while it was talking to CDS.
 */
export interface BranchDeletionStore {
  get(id: string): Promise<BranchDeletion | undefined>;
  /** The record and its version, for a change. */
  read(id: string): Promise<StoredBranchDeletion | undefined>;
  /** Writes a new record, only if none is pending for its id; false when one is (it stays as it is). */
  create(record: BranchDeletion): Promise<boolean>;
  /** Writes `next` in place of `current`, only if the record is still at `current.version`. */
  replace(current: StoredBranchDeletion, next: BranchDeletion): Promise<boolean>;
  /** Removes `current` and its due entry, only if the record is still at its version. */
  remove(current: StoredBranchDeletion): Promise<boolean>;
  /** Removes whatever record is pending for `id` now (a cancel); false when there is none. */
  cancel(id: string): Promise<boolean>;
  /** Records in id order, for the admin API. */
  list(options?: { limit?: number; after?: string }): Promise<BranchDeletion[]>;
  /**
   * Up to `limit` records due at `now`, oldest first, each leased for
   * `leaseMs`: of several processes sharing the store, only one gets a given
   * record until it calls `release` or the lease expires. Fewer than `limit`
   * means no other due record is free.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedBranchDeletion[]>;
  release(claim: ClaimedBranchDeletion): Promise<void>;
}

const RECORD_PREFIX = "branchdel:";
const recordKey = (id: string) => `${RECORD_PREFIX}${id}`;
const ID_PATTERN = /^[0-9a-f]{32}$/;
/** Rounds of a cancel that keeps losing to other writers before it gives up. */
const MAX_ROUNDS = 20;

/**
 * The id of the pending deletion of (instance, project, workflow, branch):
 * the first 128 bits of the SHA-256 of their JSON array, in hex. Fixed
 * length, URL-safe, and the same for every process, so an ADD finds the
 * record a DELETE wrote without any index.
 */
export async function branchDeletionId(instance: string, project: string, workflow: string, branch: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify([instance, project, workflow, branch])));
  return bytesToHex(new Uint8Array(digest).subarray(0, 16));
}

/**
 * Pending branch deletions on any KvStore. A record and its due entry
 * (`branchdel-due:`, time-ordered: a sweep costs what is due, not what is
 * pending) are written in one batchIf conditional on the record's version:
 * a transaction on SQLite, a script on Redis, an atomic operation on Deno
 * KV, the record's ClaimLock on Workers, where the ops are applied in order
 * (record first, then the new due entry, then the old one erased) so a
 * partial write leaves a due entry that the sweep's re-check drops. Due
 * records are claimed through the shared due-work module.
 */
export function createBranchDeletionStore(store: KvStore): BranchDeletionStore {
  const read = async (id: string): Promise<StoredBranchDeletion | undefined> => {
    if (!ID_PATTERN.test(id)) return undefined;
    const found = await store.getVersioned(recordKey(id));
    return found === null ? undefined : { record: JSON.parse(found.value) as BranchDeletion, version: found.version };
  };
  const due = createDueWork<BranchDeletion>({
    store,
    duePrefix: "branchdel-due:",
    leasePrefix: "lease:branchdel:",
    itemKey: recordKey,
    read: async (id) => {
      const found = await read(id);
      return found && { item: found.record, version: found.version };
    },
    dueAt: (record) => record.nextAttemptAt,
  });
  const write = (version: string | null, next: BranchDeletion, previous?: BranchDeletion): Promise<boolean> =>
    store
      .batchIf({ key: recordKey(next.id), version }, [
        { type: "put", key: recordKey(next.id), value: JSON.stringify(next) },
        ...due.moveOps(next.id, previous?.nextAttemptAt, next.nextAttemptAt),
      ])
      .then((result) => result.ok);
  const remove = async (current: StoredBranchDeletion): Promise<boolean> => {
    const { record } = current;
    const result = await store.batchIf({ key: recordKey(record.id), version: current.version }, [
      { type: "delete", key: recordKey(record.id) },
      ...due.moveOps(record.id, record.nextAttemptAt, undefined),
    ]);
    return result.ok;
  };

  return {
    get: async (id) => (await read(id))?.record,
    read,
    create: (record) => write(null, record),
    replace: (current, next) => write(current.version, next, current.record),
    remove,
    async cancel(id) {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const current = await read(id);
        if (current === undefined) return false;
        if (await remove(current)) return true;
      }
      throw new Error(`branch deletion ${id} kept changing: gave up after ${MAX_ROUNDS} rounds`);
    },
    async list(options = {}) {
      const entries = await store.list(RECORD_PREFIX, {
        limit: options.limit ?? 100,
        after: options.after === undefined ? undefined : recordKey(options.after),
      });
      return entries.map((e) => JSON.parse(e.value) as BranchDeletion);
    },
    claimDue: (now, limit, leaseMs) => due.claim(now, limit, leaseMs),
    release: (claim) => due.release(claim),
  };
}
