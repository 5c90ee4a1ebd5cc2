import { DurableObject } from "cloudflare:workers";
import type { KvCommit, KvVersioned } from "../../core/ports.ts";
import { type CheckedKvOp, lastOpPerKey } from "../../store/checked-store.ts";
import { newVersion, UNVERSIONED } from "../../store/kv-version.ts";
import { deleteEntry, type EntryMeta, isLive, writeEntry } from "./kv-entry.ts";

/**
 * What a ClaimLock keeps in its transactional storage (key `entry`): the
 * version of the last write of its KvStore key, made through it, and when
 * that entry expires; `version: null` after a delete (a tombstone, kept
 * TOMBSTONE_MS). The value itself is in Workers KV.
 */
interface EntryRecord {
  version: string | null;
  /** ms since the epoch; null: no TTL. For a tombstone: when it is forgotten. */
  expiresAt: number | null;
}

/** What the previous version kept (key `claim`): a claim taken with putIfAbsent. Read, never written. */
interface LegacyClaim {
  value: string;
  expiresAt: number | null;
}

const ENTRY = "entry";
const LEGACY_CLAIM = "claim";
/**
 * How long a delete is remembered here. Afterwards the decision reads KV
 * where this object runs, which has long seen the delete: KV shows a write
 * at once where it was made, elsewhere within about a minute.
 */
const TOMBSTONE_MS = 10 * 60_000;
/** Reads of a value whose latest write KV does not show yet here, and the pause between them. */
const READ_ATTEMPTS = 5;
const READ_PAUSE_MS = 200;

export interface ClaimLockEnv {
  GATEWAY_KV: KVNamespace;
  CLAIM_LOCK: DurableObjectNamespace<ClaimLock>;
}

/** The RPC surface of a ClaimLock stub (`env.CLAIM_LOCK.get(id)`). */
export interface ClaimLockStub {
  /** putIfAbsent: writes when the key has no live entry; true when it wrote. */
  claim(key: string, value: string, ttlMs: number | null): Promise<boolean>;
  /** put: writes, and answers the new version. */
  write(key: string, value: string, ttlMs: number | null): Promise<string>;
  /** delete. */
  release(key: string): Promise<void>;
  /** getVersioned, decided here. */
  read(key: string): Promise<KvVersioned | null>;
  /** batchIf with this object's key as the checked one. */
  commit(key: string, expected: string | null, ops: CheckedKvOp[]): Promise<KvCommit>;
}

/**
 * The strongly consistent part of the Workers store: one Durable Object per
 * KvStore key (`idFromName(key)`) through which every write of that key
 * goes, and which alone decides what depends on the key's current state:
 * putIfAbsent, getVersioned and batchIf (issue #12). Workers KV alone cannot:
 * it is eventually consistent, so two isolates could both read "absent", or
 * the same version, and both write.
 *
 * A Durable Object runs one instance at a time, and `blockConcurrencyWhile`
 * makes each operation a critical section, KV writes included. The
 * object's storage holds the version of the last write it made, so its
 * decisions never depend on how fast KV shows that write. A batchIf's ops on
 * other keys are written through those keys' own objects, in order, from
 * inside this critical section: a second batchIf on this key waits until
 * they are all done. (Keys written that way must not themselves be the
 * checked key of a batchIf that writes this one, or the two objects would
 * wait for each other; the gateway's index entries never are.)
 *
 * A key this object has no record of (written before versions existed, or
 * deleted more than TOMBSTONE_MS ago) is read from KV where it runs.
 */
export class ClaimLock extends DurableObject<ClaimLockEnv> implements ClaimLockStub {
  async claim(key: string, value: string, ttlMs: number | null): Promise<boolean> {
    return this.ctx.blockConcurrencyWhile(async () => {
      if ((await this.current(key, Date.now())) !== null) return false;
      await this.writeHere(key, value, ttlMs);
      return true;
    });
  }

  async write(key: string, value: string, ttlMs: number | null): Promise<string> {
    return this.ctx.blockConcurrencyWhile(() => this.writeHere(key, value, ttlMs));
  }

  async release(key: string): Promise<void> {
    await this.ctx.blockConcurrencyWhile(() => this.releaseHere(key));
  }

  async read(key: string): Promise<KvVersioned | null> {
    return this.ctx.blockConcurrencyWhile(async () => {
      for (let attempt = 1; ; attempt++) {
        const version = await this.current(key, Date.now());
        if (version === null) return null;
        const { value, metadata } = await this.env.GATEWAY_KV.getWithMetadata<EntryMeta>(key, "text");
        if (value !== null && (metadata?.r ?? UNVERSIONED) === version) return { value, version };
        if (attempt >= READ_ATTEMPTS) throw new Error(`Workers KV does not show the latest write of ${JSON.stringify(key)} yet`);
        await new Promise((resolve) => setTimeout(resolve, READ_PAUSE_MS));
      }
    });
  }

  async commit(key: string, expected: string | null, ops: CheckedKvOp[]): Promise<KvCommit> {
    return this.ctx.blockConcurrencyWhile(async () => {
      let version = await this.current(key, Date.now());
      if (version !== expected) return { ok: false };
      for (const op of lastOpPerKey(ops)) {
        if (op.key === key) {
          if (op.type === "put") version = await this.writeHere(key, op.value, op.ttlMs ?? null);
          else {
            await this.releaseHere(key);
            version = null;
          }
        } else {
          const other = this.env.CLAIM_LOCK.get(this.env.CLAIM_LOCK.idFromName(op.key));
          if (op.type === "put") await other.write(op.key, op.value, op.ttlMs ?? null);
          else await other.release(op.key);
        }
      }
      return { ok: true, version };
    });
  }

  override async alarm(): Promise<void> {
    await this.ctx.blockConcurrencyWhile(async () => {
      const entry = await this.ctx.storage.get<EntryRecord>(ENTRY);
      const claim = await this.ctx.storage.get<LegacyClaim>(LEGACY_CLAIM);
      const expiresAt = entry?.expiresAt ?? claim?.expiresAt ?? null;
      if (expiresAt === null) return;
      if (Date.now() < expiresAt) await this.ctx.storage.setAlarm(expiresAt);
      else await this.ctx.storage.deleteAll();
    });
  }

  /** The key's live version; null: no live entry. */
  private async current(key: string, now: number): Promise<string | null> {
    const entry = await this.ctx.storage.get<EntryRecord>(ENTRY);
    if (entry !== undefined && (entry.expiresAt === null || now < entry.expiresAt)) return entry.version;
    if (entry !== undefined && entry.version !== null) return null;
    const claim = await this.ctx.storage.get<LegacyClaim>(LEGACY_CLAIM);
    if (claim !== undefined && (claim.expiresAt === null || now < claim.expiresAt)) return UNVERSIONED;
    // No record here (or a tombstone past its time): KV, read where this object runs.
    const { value, metadata } = await this.env.GATEWAY_KV.getWithMetadata<EntryMeta>(key, "text");
    return value !== null && isLive(metadata, now) ? (metadata?.r ?? UNVERSIONED) : null;
  }

  private async writeHere(key: string, value: string, ttlMs: number | null): Promise<string> {
    const now = Date.now();
    const version = newVersion();
    await writeEntry(this.env.GATEWAY_KV, key, value, ttlMs ?? undefined, now, version);
    const expiresAt = ttlMs === null ? null : now + ttlMs;
    await this.ctx.storage.put<EntryRecord>(ENTRY, { version, expiresAt });
    await this.ctx.storage.delete(LEGACY_CLAIM);
    if (expiresAt === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(expiresAt);
    return version;
  }

  private async releaseHere(key: string): Promise<void> {
    await deleteEntry(this.env.GATEWAY_KV, key);
    const forgetAt = Date.now() + TOMBSTONE_MS;
    await this.ctx.storage.put<EntryRecord>(ENTRY, { version: null, expiresAt: forgetAt });
    await this.ctx.storage.delete(LEGACY_CLAIM);
    await this.ctx.storage.setAlarm(forgetAt);
  }
}
