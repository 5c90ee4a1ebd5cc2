import { DurableObject } from "cloudflare:workers";
import { deleteEntry, readLive, writeEntry } from "./kv-entry.ts";
import type { KvNamespace } from "./workers-types.ts";

/** What a ClaimLock keeps in its transactional storage. */
interface ClaimRecord {
  value: string;
  /** ms since the epoch; null: held until released. */
  expiresAt: number | null;
}

const RECORD = "claim";

export interface ClaimLockEnv {
  GATEWAY_KV: KvNamespace;
}

/** The RPC surface of a ClaimLock stub (`env.CLAIM_LOCK.get(id)`). */
export interface ClaimLockStub {
  claim(key: string, value: string, ttlMs: number | null): Promise<boolean>;
  release(key: string): Promise<void>;
}

/**
 * The strongly consistent part of the Workers store: one Durable Object per
 * KvStore key (`idFromName(key)`) decides `putIfAbsent` for that key. Workers
 * KV alone cannot: it is eventually consistent, so two isolates could both
 * read "absent" and both write.
 *
 * A Durable Object runs one instance at a time, and `blockConcurrencyWhile`
 * makes each claim and release a critical section, KV write included. So of
 * any number of concurrent claims exactly one wins, and a claim after a
 * release (KvStore.delete goes through `release`) sees the release. The
 * record expires with the claim's TTL: checked on every claim, and an alarm
 * clears the storage once it is due.
 *
 * An entry written with `put()` (not through here) also makes a claim fail;
 * that check is a KV read, so a `put()` made in another location less than
 * about a minute earlier may not be seen yet (KV's eventual consistency).
 * Claims against claims and deletes are exact.
 */
export class ClaimLock extends DurableObject<ClaimLockEnv> implements ClaimLockStub {
  async claim(key: string, value: string, ttlMs: number | null): Promise<boolean> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const now = Date.now();
      const current = await this.ctx.storage.get<ClaimRecord>(RECORD);
      if (current !== undefined && (current.expiresAt === null || now < current.expiresAt)) return false;
      // No live claim; an entry written with put() (never claimed) holds the key too. Read here,
      // where this object's own writes and deletes are always seen, not where the caller runs.
      if ((await readLive(this.env.GATEWAY_KV, key, now)) !== null) return false;
      const expiresAt = ttlMs === null ? null : now + ttlMs;
      await writeEntry(this.env.GATEWAY_KV, key, value, ttlMs ?? undefined, now);
      await this.ctx.storage.put<ClaimRecord>(RECORD, { value, expiresAt });
      if (expiresAt === null) await this.ctx.storage.deleteAlarm();
      else await this.ctx.storage.setAlarm(expiresAt);
      return true;
    });
  }

  /** Deletes the KV entry and forgets the claim, in one critical section. */
  async release(key: string): Promise<void> {
    await this.ctx.blockConcurrencyWhile(async () => {
      await deleteEntry(this.env.GATEWAY_KV, key);
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
    });
  }

  override async alarm(): Promise<void> {
    await this.ctx.blockConcurrencyWhile(async () => {
      const current = await this.ctx.storage.get<ClaimRecord>(RECORD);
      if (current?.expiresAt != null && Date.now() < current.expiresAt) {
        await this.ctx.storage.setAlarm(current.expiresAt);
        return;
      }
      if (current?.expiresAt !== null) await this.ctx.storage.deleteAll();
    });
  }
}
