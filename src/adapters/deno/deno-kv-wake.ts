import { type Clock, type Logger, silentLogger, systemClock } from "../../core/ports.ts";

/** The one message the gateway puts on Deno KV's queue: "run the scheduled work at `at`". */
export interface WakeMessage {
  kind: "wake";
  /** ms since the epoch. */
  at: number;
}

export interface KvWake {
  /** The core's `wake(at)`: asks Deno KV to deliver a wake-up at `at`. */
  wake(at: number): void;
  /** Handles the wake-ups (`kv.listenQueue`) until the database is closed. */
  listen(): Promise<void>;
}

/** Wake-ups due within the same quarter second are one message. */
const BUCKET_MS = 250;
/** Deno KV refuses delays over 30 days. */
const MAX_DELAY_MS = 30 * 24 * 60 * 60_000;

/**
 * Wake-ups on Deno KV's queue: `wake(at)` enqueues `{ kind: "wake", at }`
 * with `delay: at - now`, and the listener runs the scheduled work when it
 * arrives (`run`: the core's `runScheduledWork`, which claims due work under
 * leases, so a wake-up and the cron never both deliver one webhook).
 *
 * A queue message is durable, unlike a timer: it survives a restart, and on
 * Deno Deploy it is handed to a running isolate (or starts one). Deno KV
 * delivers each message at least once, to one listener of the database.
 * A failed enqueue is logged; `Deno.cron` still runs the work every minute.
 */
export function createKvWake(kv: Deno.Kv, options: { run: () => Promise<void> | void; logger?: Logger; clock?: Clock }): KvWake {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  /** Buckets this process has enqueued and not seen delivered (another process's listener may take them). */
  const pending = new Set<number>();

  return {
    wake(at) {
      const now = clock.now();
      for (const bucket of pending) if (bucket < now - 60_000) pending.delete(bucket);
      const bucket = Math.ceil(at / BUCKET_MS) * BUCKET_MS;
      if (pending.has(bucket)) return;
      pending.add(bucket);
      const message: WakeMessage = { kind: "wake", at: bucket };
      kv.enqueue(message, { delay: Math.min(MAX_DELAY_MS, Math.max(0, bucket - now)) }).catch((error: unknown) => {
        pending.delete(bucket);
        logger.log("warn", "Deno KV queue: wake-up not enqueued; the cron will run the work", {
          at: bucket,
          error: error instanceof Error ? error.message : String(error),
        });
      });
    },

    listen() {
      return kv.listenQueue(async (value: unknown) => {
        if (!isWakeMessage(value)) {
          logger.log("warn", "Deno KV queue: unknown message ignored");
          return;
        }
        pending.delete(value.at);
        logger.log("debug", "Deno KV queue: wake-up", { at: value.at });
        // Errors are the work's own to log; a throw here would only make Deno KV deliver the wake-up again.
        await options.run();
      });
    },
  };
}

function isWakeMessage(value: unknown): value is WakeMessage {
  return (
    typeof value === "object" && value !== null && (value as WakeMessage).kind === "wake" && typeof (value as WakeMessage).at === "number"
  );
}
