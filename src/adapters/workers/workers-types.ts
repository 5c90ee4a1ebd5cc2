/**
 * The few Cloudflare Workers runtime types this adapter uses, declared here
 * instead of depending on @cloudflare/workers-types: the adapter is
 * type-checked by the repository's Node typecheck (tsconfig.check.json), and
 * these are only the members called below. Shapes follow the Workers runtime
 * API reference (KV, Durable Objects, Queues, Cron Triggers).
 */

/** One key of a KV `list()` page, with the metadata stored beside it. */
export interface KvListKey<M> {
  name: string;
  /** Absolute expiry, seconds since the epoch (KV's own TTL). */
  expiration?: number;
  metadata?: M;
}

export interface KvListPage<M> {
  keys: KvListKey<M>[];
  list_complete: boolean;
  cursor?: string;
}

export interface KvPutOptionsNative {
  /** Seconds; Workers KV refuses less than 60. */
  expirationTtl?: number;
  /** At most 1024 bytes once serialized as JSON. */
  metadata?: unknown;
}

/** A Workers KV namespace binding (`env.GATEWAY_KV`). */
export interface KvNamespace {
  get(key: string, type: "text"): Promise<string | null>;
  /** Bulk read: at most 100 keys, 25 MiB of values in total. */
  get(keys: string[], type: "text"): Promise<Map<string, string | null>>;
  getWithMetadata<M>(key: string, type: "text"): Promise<{ value: string | null; metadata: M | null }>;
  put(key: string, value: string, options?: KvPutOptionsNative): Promise<void>;
  delete(key: string): Promise<void>;
  list<M>(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<KvListPage<M>>;
}

export interface DurableObjectId {
  toString(): string;
}

/** A Durable Object namespace binding whose stubs expose the class's RPC methods as `T`. */
export interface DurableObjectNamespace<T> {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): T;
}

/** A Queue producer binding (`env.DELIVERY_QUEUE`). */
export interface Queue<Body = unknown> {
  send(body: Body, options?: { delaySeconds?: number }): Promise<void>;
}

export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

/** The `controller` of a Cron Trigger invocation. */
export interface ScheduledController {
  /** Milliseconds since the epoch at which the trigger was due. */
  readonly scheduledTime: number;
  /** The cron expression that fired, as written in wrangler.toml. */
  readonly cron: string;
  noRetry(): void;
}
