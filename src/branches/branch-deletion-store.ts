import type { KvOp, KvStore } from "../core/ports.ts";

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

export interface BranchDeletionStore {
  get(id: string): Promise<BranchDeletion | undefined>;
  /** Writes a new record, or replaces `previous` (its due entry is erased in the same batch). */
  put(record: BranchDeletion, previous?: BranchDeletion): Promise<void>;
  /**
   * Removes the record and its due entry; false when there was none. With
   * `expected`, only while the stored record is still that one (same
   * deletedAt and nextAttemptAt): a sweep never erases a deletion recorded
   * again while it was talking to CDS.
   */
  remove(id: string, expected?: BranchDeletion): Promise<boolean>;
  /** Records in id order, for the admin API. */
  list(options?: { limit?: number; after?: string }): Promise<BranchDeletion[]>;
  /**
   * Up to `limit` records due at `now`, oldest first, each claimed for
   * `leaseMs` with `putIfAbsent`: of several processes sharing the store,
   * only one gets a given record until it calls `release` or the lease
   * expires. Fewer than `limit` means no other due record is free.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<BranchDeletion[]>;
  release(id: string): Promise<void>;
}

const RECORD_PREFIX = "branchdel:";
const DUE_PREFIX = "branchdel-due:";
const recordKey = (id: string) => `${RECORD_PREFIX}${id}`;
/** Time-ordered: listing up to now yields only what is due, so a sweep costs what is due, not what is pending. */
const dueKey = (at: number, id: string) => `${DUE_PREFIX}${String(Math.max(0, Math.floor(at))).padStart(15, "0")}:${id}`;
const leaseKey = (id: string) => `lease:branchdel:${id}`;
const ID_PATTERN = /^[0-9a-f]{32}$/;

/** The same pending deletion, not a later one of the same branch. */
export function sameRecord(a: BranchDeletion, b: BranchDeletion): boolean {
  return a.id === b.id && a.deletedAt === b.deletedAt && a.nextAttemptAt === b.nextAttemptAt;
}

/**
 * The id of the pending deletion of (instance, project, workflow, branch):
 * the first 128 bits of the SHA-256 of their JSON array, in hex. Fixed
 * length, URL-safe, and the same for every process, so an ADD finds the
 * record a DELETE wrote without any index.
 */
export async function branchDeletionId(instance: string, project: string, workflow: string, branch: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify([instance, project, workflow, branch])));
  return Array.from(new Uint8Array(digest).subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Pending branch deletions on any KvStore. Every change is one `batch` (a
 * transaction on SQLite, Redis and memory). Where a backend has no
 * transactions the ops are ordered so a partial write is recoverable: a
 * record is written before its due entry and erased before it, so a due
 * entry whose record is gone or points elsewhere is left over, and
 * `claimDue` drops it.
 */
export function createBranchDeletionStore(store: KvStore): BranchDeletionStore {
  const read = async (id: string): Promise<BranchDeletion | undefined> => {
    if (!ID_PATTERN.test(id)) return undefined;
    const raw = await store.get(recordKey(id));
    return raw === null ? undefined : (JSON.parse(raw) as BranchDeletion);
  };

  return {
    get: read,
    async put(record, previous) {
      const due = dueKey(record.nextAttemptAt, record.id);
      const ops: KvOp[] = [
        { type: "put", key: recordKey(record.id), value: JSON.stringify(record) },
        { type: "put", key: due, value: record.id },
      ];
      const stale = previous && dueKey(previous.nextAttemptAt, previous.id);
      if (stale && stale !== due) ops.push({ type: "delete", key: stale });
      await store.batch(ops);
    },
    async remove(id, expected) {
      const record = await read(id);
      if (!record || (expected && !sameRecord(record, expected))) return false;
      await store.batch([
        { type: "delete", key: recordKey(id) },
        { type: "delete", key: dueKey(record.nextAttemptAt, id) },
      ]);
      return true;
    },
    async list(options = {}) {
      const entries = await store.list(RECORD_PREFIX, {
        limit: options.limit ?? 100,
        after: options.after === undefined ? undefined : recordKey(options.after),
      });
      return entries.map((e) => JSON.parse(e.value) as BranchDeletion);
    },
    async claimDue(now, limit, leaseMs) {
      const claimed: BranchDeletion[] = [];
      const before = dueKey(now + 1, "");
      let after: string | undefined;
      // Pages past entries leased by other processes, so fewer than `limit` claimed means nothing more is due.
      while (claimed.length < limit) {
        const want = limit - claimed.length;
        const due = await store.list(DUE_PREFIX, { after, before, limit: want });
        for (const entry of due) {
          const id = entry.value;
          if (!(await store.putIfAbsent(leaseKey(id), String(now), { ttlMs: leaseMs }))) continue;
          const record = await read(id);
          // Checked under the lease: another process may have finished, rescheduled or cancelled it meanwhile.
          if (!record || dueKey(record.nextAttemptAt, id) !== entry.key) {
            await store.delete(entry.key);
            await store.delete(leaseKey(id));
            continue;
          }
          claimed.push(record);
        }
        if (due.length < want) break;
        after = due[due.length - 1]!.key;
      }
      return claimed;
    },
    release: (id) => store.delete(leaseKey(id)),
  };
}
