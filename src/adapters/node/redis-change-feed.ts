import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { ChangeFeed } from "../../core/ports.ts";
import { boundedRedisOptions } from "./redis-store.ts";

/**
 * The core's ChangeFeed on Redis pub/sub (issue #12): the processes sharing
 * one Redis announce the keys they change on `<keyPrefix>changes`, each
 * message `<origin> <key>`, and skip their own. Two connections of its own:
 * a subscribed connection can send nothing else. Pub/sub loses what is
 * published while a subscriber is disconnected, so every time the
 * subscription is made (again) the subscriber is told it may have missed
 * some (`missed`), and what it holds is read again.
 */
export function createRedisChangeFeed(options: {
  url: string;
  keyPrefix?: string;
  timeoutMs?: number;
}): ChangeFeed & { close(): Promise<void> } {
  const channel = `${options.keyPrefix ?? "cds-gateway:"}changes`;
  const origin = randomUUID();
  const bounded = boundedRedisOptions(options.timeoutMs ?? 2_000);
  const publisher = new Redis(options.url, bounded);
  // Subscribes itself at each connection (below), waits as long as it takes, and is never
  // cut for silence: a quiet channel is the normal state.
  const subscriber = new Redis(options.url, {
    connectTimeout: bounded.connectTimeout,
    retryStrategy: bounded.retryStrategy,
    autoResubscribe: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: null,
  });
  // Failures reach publish() as rejections and the subscriber reconnects by itself; unheard, ioredis prints each.
  publisher.on("error", () => undefined);
  subscriber.on("error", () => undefined);
  let closing: Promise<void> | undefined;
  const listeners: Array<{ changed: (key: string) => void; missed: () => void }> = [];

  subscriber.on("message", (_channel: string, message: string) => {
    const space = message.indexOf(" ");
    if (space <= 0 || message.slice(0, space) === origin) return;
    for (const listener of listeners) listener.changed(message.slice(space + 1));
  });
  subscriber.on("ready", () => {
    subscriber.subscribe(channel).then(
      () => {
        for (const listener of listeners) listener.missed();
      },
      () => subscriber.disconnect(true), // made again, and subscribed at its next "ready"
    );
  });

  return {
    async publish(key) {
      await publisher.publish(channel, `${origin} ${key}`);
    },
    subscribe(changed, missed) {
      listeners.push({ changed, missed });
    },
    close() {
      closing ??= (async () => {
        for (const client of [subscriber, publisher]) {
          try {
            await client.quit();
          } catch {
            client.disconnect();
          }
        }
      })();
      return closing;
    },
  };
}
