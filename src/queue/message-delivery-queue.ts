import { type Clock, type KvStore, type Logger, silentLogger, systemClock } from "../core/ports.ts";
import type { DeliveryQueue, StoredDelivery } from "./delivery-queue.ts";
import { compareState, type DeliveryRecord, isInFlight } from "./delivery-record.ts";
import { createKvDeliveryQueue } from "./kv-delivery-queue.ts";

/**
 * What the delivery queue's messages carry (JSON, `contentType: "json"`):
 * which record, in which state, is due when, and the record itself when it
 * fits in a message.
 */
export interface DeliveryMessage {
  /** Format version. */
  v: 1;
  /** The delivery id (the record's key is `delivery-record:<id>`). */
  id: string;
  /** The state the message was sent for: the record's `queuedSince` and `attempts` (see compareState). */
  since: number;
  attempts: number;
  /** The state had an attempt in flight (issue #12): the message is its retry should no result come by `due`. */
  inFlight?: true;
  /** When the attempt is due, ms since the epoch: the record's `nextAttemptAt`. */
  due: number;
  /** When that state was written to KV, ms since the epoch. */
  written: number;
  /** The whole record (body in base64) when the message stays within MAX_INLINE_MESSAGE_BYTES; absent: a pointer. */
  record?: DeliveryRecord;
}

/**
 * How a message is sent: as JSON (its size is then the size of its JSON
 * text, which MAX_INLINE_MESSAGE_BYTES bounds), delivered `delaySeconds`
 * later (0 to MAX_DELAY_SECONDS).
 */
export interface DeliverySendOptions {
  contentType: "json";
  delaySeconds: number;
}

/**
 * The producer port (issue #15): the queue that carries the messages to the
 * consumer, with delayed delivery. On Workers, the Cloudflare Queue's
 * producer binding (`env.DELIVERY_QUEUE`) is one as it is.
 */
export interface DeliveryProducer {
  /** Resolves once the message is accepted (what it resolves to is not used). */
  send(message: DeliveryMessage, options: DeliverySendOptions): Promise<unknown>;
}

/** One message as the consumer receives it (a Cloudflare Queue message is one). */
export interface ReceivedMessage {
  readonly id: string;
  readonly body: unknown;
  /** How many times it has been delivered, this delivery included (1 the first time). */
  readonly attempts: number;
  ack(): void;
  /** Delivers it again later. */
  retry(options?: { delaySeconds?: number }): void;
}

/** Cloudflare Queues delays a message by at most 12 h; a later due time is reached by sending it again when it arrives. */
export const MAX_DELAY_SECONDS = 43_200;
/**
 * Cloudflare refuses messages over 128 KB (128,000 bytes, up to ~100 of
 * which are its own metadata). A record is carried in its message while the
 * message's JSON stays within this; a larger one (a body over about 70 KiB)
 * is left in KV and the message is a pointer.
 */
export const MAX_INLINE_MESSAGE_BYTES = 100_000;
/** How long a KV write may take to be seen in every location (Cloudflare: about 60 s), with a margin. */
export const KV_SETTLE_MS = 90_000;
/** How long a pointer whose record this location cannot read yet is retried before it is dropped. */
export const POINTER_PATIENCE_MS = 10 * 60_000;
/** A message arriving this much before its due time is sent again for the rest. */
const EARLY_TOLERANCE_MS = 1_000;

const encoder = new TextEncoder();

export interface MessageDeliveryQueueOptions {
  /** The gateway's store (on Workers: Workers KV + ClaimLock). */
  store: KvStore;
  /** Where the messages go (on Workers: `env.DELIVERY_QUEUE`). */
  producer: DeliveryProducer;
  clock?: Clock;
  logger?: Logger;
}

export interface MessageDeliveryQueue extends DeliveryQueue {
  /**
   * The consumer (the Worker's `queue` handler): one attempt per due
   * message, through `attempt` (`Gateway.attemptRecord`), then `ack()`;
   * `retry()` when something threw. Messages of one delivery are handled
   * one after the other, different deliveries concurrently.
   */
  consume(batch: { readonly messages: readonly ReceivedMessage[] }, attempt: (record: DeliveryRecord) => Promise<unknown>): Promise<void>;
}

/**
 * The durable queue on Workers (its runtime-neutral half; the Worker
 * passes its bindings): the generic KV queue's records, summaries
 * and leases (so the admin API, replay and delete work alike, every change
 * conditional on the record's version, decided by its ClaimLock), and a
 * Cloudflare Queue message per due attempt, delayed until `nextAttemptAt`,
 * instead of the `queue:` index — delivery is pushed to the consumer
 * instead of polled.
 *
 * - `enqueue` / `replace` write the record, then, while it stays queued,
 *   send a message for its next attempt (each retry is a new message: retries
 *   never depend on the consumer's `max_retries`).
 * - A send that fails leaves the record to the Cron Trigger instead: it gets
 *   the generic queue's `queue:<due>:<id>` index entry, which `claimDue` (the
 *   scheduled work, under the generic queue's leases) lists, as before there
 *   was a queue. A record taken that way stays on that path until delivered
 *   or dead. Normally the index is empty and `claimDue` costs one KV list.
 * - The consumer acts on a message only if KV, read where it runs, does not
 *   show a later state: a delivered, dead, rescheduled or deleted delivery is
 *   never attempted (or brought back) by an old message. KV read elsewhere
 *   may lag about a minute behind a write; a message carrying its record is
 *   then attempted from that copy, a pointer waits (see handle()). Whatever
 *   is attempted, the state change that follows is decided by the record's
 *   ClaimLock against the record as it is (src/queue/change-delivery.ts).
 */
export function createMessageDeliveryQueue(options: MessageDeliveryQueueOptions): MessageDeliveryQueue {
  const { store, producer } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  /** Deliveries this isolate's sweep claimed from the index: their next state stays on the index. */
  const fromSweep = new Set<string>();
  /** The generic queue on the same store, with due entries only for what the sweep holds. */
  const generic = createKvDeliveryQueue(store, { clock, indexDue: (id) => fromSweep.has(id) });

  /** The newest state of a delivery that KV shows here. */
  const latest = (id: string) => generic.get(id);

  async function send(message: DeliveryMessage): Promise<void> {
    await producer.send(message, { contentType: "json", delaySeconds: delaySecondsUntil(message.due, clock.now()) });
  }

  /** Sends the message for a queued record just written; when that fails, puts the record on the Cron Trigger's index. */
  async function schedule(stored: StoredDelivery): Promise<void> {
    try {
      await send(deliveryMessage(stored.record, clock.now()));
    } catch (error) {
      logger.log("warn", "delivery queue: send failed, the Cron Trigger will retry the delivery", {
        delivery: stored.record.id,
        error: errorText(error),
      });
      await generic.addDueEntry(stored);
    }
  }

  type Decision = { ack: true } | { ack: false; delaySeconds: number };
  const ACK: Decision = { ack: true };

  async function handle(message: ReceivedMessage, attempt: (record: DeliveryRecord) => Promise<unknown>): Promise<Decision> {
    const m = parseDeliveryMessage(message.body);
    if (m === undefined) {
      logger.log("warn", "delivery queue: unreadable message dropped", { message: message.id });
      return ACK;
    }
    const now = clock.now();
    const fields = { delivery: m.id, message: message.id };
    if (m.due - now > EARLY_TOLERANCE_MS) {
      // Before its due time: delays stop at 12 h. The rest is a new message.
      await send(m);
      return ACK;
    }
    const stored = await latest(m.id);
    const order = stored === undefined ? -1 : compareState(stored, m);
    if (stored !== undefined && order >= 0) {
      if (order === 0 && isInFlight(stored, now)) {
        // The in-flight state's own message, a little early (or a copy of it): it comes back when the window ends.
        await send({ ...m, due: stored.inFlightUntil! });
      } else if (order === 0 && stored.status === "queued") {
        await attempt(stored);
      } else {
        logger.log("debug", "delivery queue: message superseded", { ...fields, status: stored.status });
      }
      return ACK;
    }
    // This location shows an earlier state, or none: the write is not visible here yet, or the delivery was deleted.
    const age = now - m.written;
    if (m.record !== undefined) {
      // An earlier state proves the delivery was not deleted before this one was written: attempt the copy.
      if (stored !== undefined) {
        await attempt(m.record);
        return ACK;
      }
      if (age >= KV_SETTLE_MS) {
        logger.log("info", "delivery queue: the delivery was deleted, message dropped", fields);
        return ACK;
      }
      return { ack: false, delaySeconds: Math.max(5, Math.min(30, Math.ceil((KV_SETTLE_MS - age) / 1000))) };
    }
    if (age >= POINTER_PATIENCE_MS) {
      logger.log("warn", "delivery queue: record still not found 10 min after it was written, message dropped", fields);
      return ACK;
    }
    return { ack: false, delaySeconds: Math.min(60, 5 * 2 ** Math.min(4, message.attempts - 1)) };
  }

  return {
    async enqueue(record) {
      const stored = await generic.enqueue(record);
      await schedule(stored);
      return stored;
    },

    async replace(current, next) {
      const onIndex = fromSweep.has(next.id);
      const stored = await generic.replace(current, next);
      if (stored !== undefined && !onIndex && next.status === "queued") await schedule(stored);
      return stored;
    },

    read: (id) => generic.read(id),
    get: latest,
    list: (status, listOptions) => generic.list(status, listOptions),
    listWaiting: (instance, listOptions) => generic.listWaiting(instance, listOptions),
    dropWaiting: (instance, id, version) => generic.dropWaiting(instance, id, version),
    remove: (current) => generic.remove(current),
    migrate: (limit) => generic.migrate(limit),

    async claimDue(now, limit, leaseMs) {
      const claimed = await generic.claimDue(now, limit, leaseMs);
      for (const claim of claimed) fromSweep.add(claim.id);
      return claimed;
    },

    async release(claim) {
      fromSweep.delete(claim.id);
      await generic.release(claim);
    },

    async consume(batch, attempt) {
      const byDelivery = new Map<string, ReceivedMessage[]>();
      for (const message of batch.messages) {
        const id = parseDeliveryMessage(message.body)?.id ?? `message:${message.id}`;
        byDelivery.set(id, [...(byDelivery.get(id) ?? []), message]);
      }
      await Promise.all(
        [...byDelivery.values()].map(async (messages) => {
          for (const message of messages) {
            try {
              const decision = await handle(message, attempt);
              if (decision.ack) message.ack();
              else message.retry({ delaySeconds: decision.delaySeconds });
            } catch (error) {
              logger.log("error", "delivery queue: message failed, retried", {
                message: message.id,
                attempts: message.attempts,
                error: errorText(error),
              });
              message.retry({ delaySeconds: Math.min(300, 10 * 2 ** Math.min(5, message.attempts - 1)) });
            }
          }
        }),
      );
    },
  };
}

/** The message for a queued record: the whole record when it fits, else a pointer. */
export function deliveryMessage(record: DeliveryRecord, written: number): DeliveryMessage {
  const pointer: DeliveryMessage = {
    v: 1,
    id: record.id,
    since: record.queuedSince,
    attempts: record.attempts,
    due: record.nextAttemptAt ?? written,
    written,
    ...(record.inFlightUntil !== undefined ? { inFlight: true as const } : {}),
  };
  const carrying: DeliveryMessage = { ...pointer, record };
  return encoder.encode(JSON.stringify(carrying)).byteLength <= MAX_INLINE_MESSAGE_BYTES ? carrying : pointer;
}

export { compareState };

export function parseDeliveryMessage(body: unknown): DeliveryMessage | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const m = body as Partial<DeliveryMessage>;
  const numbers = [m.since, m.attempts, m.due, m.written].every((n) => typeof n === "number" && Number.isFinite(n));
  if (m.v !== 1 || typeof m.id !== "string" || !numbers || (m.inFlight !== undefined && m.inFlight !== true)) return undefined;
  if (m.record !== undefined && (typeof m.record !== "object" || m.record === null || m.record.id !== m.id)) return undefined;
  return m as DeliveryMessage;
}

/** Whole seconds from `now` until `due`, within what Cloudflare Queues accepts (0 to 12 h). */
export function delaySecondsUntil(due: number, now: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((due - now) / 1000)));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
