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

export interface QueueSendOptions {
  /** Seconds before the message is delivered: 0 to 43200 (12 h). */
  delaySeconds?: number;
  /** How the body is serialized; "json" makes its size the size of its JSON text. Default "v8". */
  contentType?: "text" | "bytes" | "json" | "v8";
}

/** A Queue producer binding (`env.DELIVERY_QUEUE`). A message is at most 128 KB (128,000 bytes). */
export interface Queue<Body = unknown> {
  send(body: Body, options?: QueueSendOptions): Promise<void>;
}

/** One message handed to a Queue consumer (`queue` handler). */
export interface QueueMessage<Body = unknown> {
  readonly id: string;
  /** When the message was sent. */
  readonly timestamp: Date;
  readonly body: Body;
  /** How many times it has been delivered, this delivery included (1 the first time). */
  readonly attempts: number;
  ack(): void;
  /** Delivers it again later (counts against the consumer's max_retries). */
  retry(options?: { delaySeconds?: number }): void;
}

/** What a Queue consumer's `queue(batch, env, ctx)` handler receives. */
export interface MessageBatch<Body = unknown> {
  /** The name of the queue the messages come from. */
  readonly queue: string;
  readonly messages: readonly QueueMessage<Body>[];
  ackAll(): void;
  retryAll(options?: { delaySeconds?: number }): void;
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
