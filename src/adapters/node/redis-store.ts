import { Redis } from "ioredis";
import type { KvEntry, KvStore } from "../../core/ports.ts";
import { type CheckedKvOp, checkedStore } from "../../store/checked-store.ts";
import { newVersion, UNVERSIONED } from "../../store/kv-version.ts";

export interface RedisStoreOptions {
  /** `redis://[:password@]HOST:PORT/DB` (or `rediss://` for TLS), as in the `store` setting. */
  url: string;
  /** Namespace of every Redis key this store touches, so one database can host several gateways. Default `cds-gateway:`. */
  keyPrefix?: string;
  /** Longest wait for a connection and for each command (`gateway.storeTimeout`); default 2 s. */
  timeoutMs?: number;
}

/**
 * ioredis options that bound every call (issue #12): by default it waits
 * 10 s to connect, queues commands while it reconnects and gives up on one
 * only after 20 reconnections, and waits for an answer forever, so a Redis
 * that stopped answering hung requests for a minute or more. Here a command
 * fails after `timeoutMs` whatever the connection does (queued commands
 * included), fails at the second failed reconnection when Redis refuses
 * connections, and a connection that gets no data for twice `timeoutMs`
 * after a command is dropped and made again (a server that froze, a peer
 * that vanished without a reset). Commands still wait in the offline queue
 * for a connection being made, so the first requests after a start are not
 * refused. Reconnections go on forever, at most 2 s apart.
 */
export function boundedRedisOptions(timeoutMs: number) {
  return {
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    socketTimeout: timeoutMs * 2,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2_000),
  };
}

/*
 * Layout under `keyPrefix` (P):
 *
 *   P v:<key>   STRING  the value; TTL'd entries carry a PX expiry, so Redis
 *                       itself decides when an entry is dead.
 *   P r:<key>   STRING  its version, written with the value (same MULTI or
 *                       script, same PX); missing for a value written before
 *                       versions existed, which reads as UNVERSIONED.
 *   P index     ZSET    every key, score 0: ZRANGEBYLEX then walks keys in
 *                       byte order, which gives prefix / after / before scans.
 *   P expiry    ZSET    keys put with a TTL, scored by their approximate
 *                       expiry (ms, client clock): lets a periodic purge find
 *                       index members whose value has expired even when
 *                       nobody lists that prefix again (e.g. dedupe markers).
 *
 * Invariant: every live value key has its index member. Writes set the value
 * and add the member in one MULTI; an index member is only removed together
 * with DEL, or by a Lua script after it saw the value key missing; both are
 * atomic, so a concurrent re-put can never lose its index member. The index
 * may hold members whose value has expired: `list` drops them when it meets
 * them, the purge drops the rest. The scripts name value keys they did not
 * receive in KEYS, so this layout is for standalone Redis, not Redis Cluster.
 */

// KEYS: index, expiry, value keys…; ARGV: the index members, same order.
const DROP_MISSING = `
local removed = 0
for i, member in ipairs(ARGV) do
  if redis.call('EXISTS', KEYS[i + 2]) == 0 then
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[2], member)
    removed = removed + 1
  end
end
return removed`;

// KEYS: index, expiry; ARGV: now (ms), batch size, value-key prefix.
const PURGE_EXPIRED = `
local now = tonumber(ARGV[1])
local members = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(members) do
  local pttl = redis.call('PTTL', ARGV[3] .. member)
  if pttl == -2 then
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[2], member)
  elseif pttl == -1 then
    redis.call('ZREM', KEYS[2], member)
  else
    redis.call('ZADD', KEYS[2], now + pttl, member)
  end
end
return #members`;

// KEYS: index, expiry, value key, version key; ARGV: value, ttl ms or "", version, member, now (ms).
const PUT_IF_ABSENT = `
local ok
if ARGV[2] == '' then ok = redis.call('SET', KEYS[3], ARGV[1], 'NX') else ok = redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2], 'NX') end
if not ok then return 0 end
redis.call('ZADD', KEYS[1], 0, ARGV[4])
if ARGV[2] == '' then
  redis.call('SET', KEYS[4], ARGV[3])
  redis.call('ZREM', KEYS[2], ARGV[4])
else
  redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[2])
  redis.call('ZADD', KEYS[2], tonumber(ARGV[5]) + tonumber(ARGV[2]), ARGV[4])
end
return 1`;

// The compare-and-set. KEYS: index, expiry, the checked key's value and version keys.
// ARGV: "1" and the expected version, or "0" (expected absent); now (ms); value-key prefix;
// version-key prefix; then the ops: "d", key | "p", key, value, ttl ms or "", version.
// Redis runs a script alone: nothing comes between the check and the writes.
// Answers nil (condition failed) or {1[, version of the checked key afterwards]}.
const BATCH_IF = `
local exists = redis.call('EXISTS', KEYS[3]) == 1
if ARGV[1] == '0' then
  if exists then return false end
elseif not exists or (redis.call('GET', KEYS[4]) or '${UNVERSIONED}') ~= ARGV[2] then
  return false
end
local now, vp, rp = tonumber(ARGV[3]), ARGV[4], ARGV[5]
local i = 6
while i <= #ARGV do
  local key = ARGV[i + 1]
  if ARGV[i] == 'd' then
    redis.call('DEL', vp .. key, rp .. key)
    redis.call('ZREM', KEYS[1], key)
    redis.call('ZREM', KEYS[2], key)
    i = i + 2
  else
    local ttl = ARGV[i + 3]
    if ttl == '' then
      redis.call('SET', vp .. key, ARGV[i + 2])
      redis.call('SET', rp .. key, ARGV[i + 4])
      redis.call('ZREM', KEYS[2], key)
    else
      redis.call('SET', vp .. key, ARGV[i + 2], 'PX', ttl)
      redis.call('SET', rp .. key, ARGV[i + 4], 'PX', ttl)
      redis.call('ZADD', KEYS[2], now + tonumber(ttl), key)
    end
    redis.call('ZADD', KEYS[1], 0, key)
    i = i + 5
  end
end
if redis.call('EXISTS', KEYS[3]) == 0 then return {1} end
return {1, redis.call('GET', KEYS[4]) or '${UNVERSIONED}'}`;

const PURGE_INTERVAL_MS = 60_000;
const PURGE_BATCH = 500;
// Index members fetched per round trip of `list`; bounded because each one
// costs an MGET of a value that may be megabytes (queued webhook bodies).
const LIST_BATCH = 100;

export function createRedisStore(options: RedisStoreOptions): KvStore {
  const prefix = options.keyPrefix ?? "cds-gateway:";
  const indexKey = `${prefix}index`;
  const expiryKey = `${prefix}expiry`;
  const valuePrefix = `${prefix}v:`;
  const versionPrefix = `${prefix}r:`;
  const valueKey = (key: string): string => valuePrefix + key;
  const versionKey = (key: string): string => versionPrefix + key;

  const redis = new Redis(options.url, boundedRedisOptions(options.timeoutMs ?? 2_000));
  // Connection errors reach each command as its failure; without a listener ioredis prints every one.
  redis.on("error", () => undefined);
  // Scripts run by EVALSHA once Redis knows them (ioredis loads them on NOSCRIPT).
  redis.defineCommand("kvPutIfAbsent", { numberOfKeys: 4, lua: PUT_IF_ABSENT });
  redis.defineCommand("kvBatchIf", { numberOfKeys: 4, lua: BATCH_IF });
  const scripts = redis as unknown as {
    kvPutIfAbsent(...args: Array<string | number>): Promise<number>;
    kvBatchIf(...args: Array<string | number>): Promise<[number, string?] | null>;
  };
  let nextPurgeAt = 0;

  /** Runs a MULTI and throws the first command error, if any. */
  async function exec(multi: ReturnType<Redis["multi"]>): Promise<unknown[]> {
    const replies = await multi.exec();
    if (replies === null) throw new Error("Redis transaction aborted");
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
  }

  // The purge only tidies the index; a failure is retried at the next
  // interval and must not fail the write that triggered it.
  async function purgeIfDue(): Promise<void> {
    const now = Date.now();
    if (now < nextPurgeAt) return;
    nextPurgeAt = now + PURGE_INTERVAL_MS;
    try {
      await redis.eval(PURGE_EXPIRED, 2, indexKey, expiryKey, now, PURGE_BATCH, valuePrefix);
    } catch {
      nextPurgeAt = 0;
    }
  }

  /** Adds the commands of one op (value, version and index) to `multi`. */
  function queueOp(multi: ReturnType<Redis["multi"]>, op: CheckedKvOp, now: number): void {
    if (op.type === "delete") {
      multi.del(valueKey(op.key), versionKey(op.key)).zrem(indexKey, op.key).zrem(expiryKey, op.key);
    } else if (op.ttlMs === undefined) {
      multi.set(valueKey(op.key), op.value).set(versionKey(op.key), newVersion()).zadd(indexKey, 0, op.key).zrem(expiryKey, op.key);
    } else {
      multi
        .set(valueKey(op.key), op.value, "PX", op.ttlMs)
        .set(versionKey(op.key), newVersion(), "PX", op.ttlMs)
        .zadd(indexKey, 0, op.key)
        .zadd(expiryKey, now + op.ttlMs, op.key);
    }
  }

  async function dropMissing(members: string[]): Promise<void> {
    await redis.eval(DROP_MISSING, 2 + members.length, indexKey, expiryKey, ...members.map(valueKey), ...members);
  }

  return checkedStore({
    async get(key) {
      return redis.get(valueKey(key));
    },

    async getVersioned(key) {
      // One MULTI: the value and the version of the same write.
      const [value, version] = (await exec(redis.multi().get(valueKey(key)).get(versionKey(key)))) as Array<string | null>;
      return value === null || value === undefined ? null : { value, version: version ?? UNVERSIONED };
    },

    async put(key, value, ttlMs) {
      const multi = redis.multi();
      queueOp(multi, { type: "put", key, value, ttlMs }, Date.now());
      await exec(multi);
      await purgeIfDue();
    },

    async putIfAbsent(key, value, ttlMs) {
      // SET NX is the claim; Redis drops an expired key before looking, so an
      // expired entry counts as absent. The script writes the version and the
      // index members only when the claim won.
      const claimed = await scripts.kvPutIfAbsent(
        indexKey,
        expiryKey,
        valueKey(key),
        versionKey(key),
        value,
        ttlMs ?? "",
        newVersion(),
        key,
        Date.now(),
      );
      await purgeIfDue();
      return claimed === 1;
    },

    async delete(key) {
      const multi = redis.multi();
      queueOp(multi, { type: "delete", key }, Date.now());
      await exec(multi);
    },

    async batch(ops) {
      // One MULTI: other clients see all of the batch or none of it. Redis
      // does not roll back a command that fails inside EXEC, which is why
      // every op was checked before anything was sent.
      const multi = redis.multi();
      const now = Date.now();
      for (const op of ops) queueOp(multi, op, now);
      await exec(multi);
      await purgeIfDue();
    },

    async batchIf({ key, version }, ops) {
      const args: Array<string | number> = version === null ? ["0", ""] : ["1", version];
      args.push(Date.now(), valuePrefix, versionPrefix);
      for (const op of ops) {
        if (op.type === "delete") args.push("d", op.key);
        else args.push("p", op.key, op.value, op.ttlMs ?? "", newVersion());
      }
      const reply = await scripts.kvBatchIf(indexKey, expiryKey, valueKey(key), versionKey(key), ...args);
      if (reply === null) return { ok: false };
      await purgeIfDue();
      return { ok: true, version: reply[1] ?? null };
    },

    async list(keyPrefix, { after, before, limit }): Promise<KvEntry[]> {
      // ZRANGEBYLEX bounds: "[x" inclusive, "(x" exclusive, "+" no upper
      // bound. 0xFF never occurs in UTF-8, so prefix + 0xFF is above every
      // key that starts with the prefix and below every other key above it.
      const prefixBytes = Buffer.from(keyPrefix, "utf8");
      let min: Buffer = after !== undefined ? lexBound("(", Buffer.from(after, "utf8")) : lexBound("[", prefixBytes);
      const prefixEnd = Buffer.concat([prefixBytes, Buffer.from([0xff])]);
      let max: Buffer | string = keyPrefix === "" ? "+" : lexBound("(", prefixEnd);
      if (before !== undefined) {
        const beforeBytes = Buffer.from(before, "utf8");
        if (keyPrefix === "" || Buffer.compare(beforeBytes, prefixEnd) < 0) max = lexBound("(", beforeBytes);
      }

      const result: KvEntry[] = [];
      // The index walk and the value reads are separate round trips: a key
      // written meanwhile may or may not be seen, as with any paged scan.
      while (result.length < limit) {
        const count = Math.min(LIST_BATCH, limit - result.length);
        const members = await redis.zrangebylex(indexKey, min, max, "LIMIT", 0, count);
        if (members.length === 0) break;
        const values = await redis.mget(members.map(valueKey));
        const missing: string[] = [];
        members.forEach((member, i) => {
          const value = values[i];
          if (value === null || value === undefined) missing.push(member);
          else result.push({ key: member, value });
        });
        if (missing.length > 0) await dropMissing(missing);
        if (members.length < count) break;
        min = lexBound("(", Buffer.from(members[members.length - 1] as string, "utf8"));
      }
      return result;
    },

    async close() {
      if (redis.status === "end") return;
      try {
        await redis.quit();
      } catch {
        // Not connected (e.g. still retrying): nothing to say goodbye to.
        redis.disconnect();
      }
    },
  });
}

function lexBound(kind: "[" | "(", bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(kind), bytes]);
}
