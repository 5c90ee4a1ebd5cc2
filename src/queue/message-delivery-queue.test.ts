import { beforeEach, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../app/create-gateway.ts";
import { loadConfig } from "../config/load-config.ts";
import type { FetchFn, KvStore } from "../core/ports.ts";
import { createMemoryStore } from "../store/memory-store.ts";
import type { DeliveryRecord } from "./delivery-record.ts";
import {
  compareState,
  createMessageDeliveryQueue,
  type DeliveryMessage,
  type DeliveryProducer,
  type DeliverySendOptions,
  delaySecondsUntil,
  deliveryMessage,
  KV_SETTLE_MS,
  MAX_DELAY_SECONDS,
  MAX_INLINE_MESSAGE_BYTES,
  type MessageDeliveryQueue,
  POINTER_PATIENCE_MS,
  type ReceivedMessage,
} from "./message-delivery-queue.ts";
import { gatewayToml } from "../../test/support/gateway-toml.ts";

const START = Date.parse("2026-11-25T10:00:00Z");
const UUID = "3f2c8a4e-1b7d-4c2a-9e5f-0a1b2c3d4e5f";
const ID = "01a21315-1736-7b88-8456-57c0c6e4cb40";

/** A producer binding that keeps what was sent (as JSON, like `contentType: "json"`), or refuses it. */
class FakeProducer implements DeliveryProducer {
  sent: Array<{ body: DeliveryMessage; options: DeliverySendOptions | undefined }> = [];
  failing = false;
  async send(body: DeliveryMessage, options?: DeliverySendOptions): Promise<void> {
    if (this.failing) throw new Error("Queue send failed: Too Many Requests");
    this.sent.push({ body: JSON.parse(JSON.stringify(body)) as DeliveryMessage, options });
  }
  take(): DeliveryMessage[] {
    const bodies = this.sent.map((s) => s.body);
    this.sent = [];
    return bodies;
  }
}

/** As a Cloudflare Queue consumer receives it. */
interface FakeMessage extends ReceivedMessage {
  timestamp: Date;
  acked: boolean;
  retried: { delaySeconds?: number } | undefined;
}

let messageCount = 0;
function message(body: unknown, attempts = 1): FakeMessage {
  return {
    id: `msg-${++messageCount}`,
    timestamp: new Date(START),
    body,
    attempts,
    acked: false,
    retried: undefined,
    ack() {
      this.acked = true;
    },
    retry(options) {
      this.retried = options ?? {};
    },
  };
}

const batch = (...messages: FakeMessage[]) => ({ queue: "cds-gateway-deliveries", messages, ackAll() {}, retryAll() {} });

function record(overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    id: ID,
    uuid: UUID,
    server: "B",
    search: "",
    headers: { "content-type": "application/json", "x-event-key": "pr:opened" },
    body: btoa('{"hello":"world"}'),
    receivedAt: START,
    status: "queued",
    attempts: 1,
    nextAttemptAt: START + 500,
    queuedSince: START,
    lastError: "prod: HTTP 503",
    ...overrides,
  };
}

describe("Workers delivery queue: messages", () => {
  it("carries the record while the message's JSON stays within the limit, else only points to it", () => {
    const small = deliveryMessage(record(), START);
    expect(small).toMatchObject({ v: 1, id: ID, since: START, attempts: 1, due: START + 500, written: START });
    expect(small.record).toEqual(record());

    // A 100 KB body is 133 KB of base64: over Cloudflare's 128 KB per message.
    const large = record({ body: btoa("x".repeat(100_000)) });
    const pointer = deliveryMessage(large, START);
    expect(pointer.record).toBeUndefined();
    expect(pointer).toMatchObject({ id: ID, since: START, attempts: 1, due: START + 500 });
    expect(new TextEncoder().encode(JSON.stringify(pointer)).byteLength).toBeLessThan(1000);

    // Right at the limit, counted in UTF-8 bytes of the JSON.
    const base = new TextEncoder().encode(JSON.stringify(deliveryMessage(record({ body: "" }), START))).byteLength;
    expect(deliveryMessage(record({ body: "A".repeat(MAX_INLINE_MESSAGE_BYTES - base) }), START).record).toBeDefined();
    expect(deliveryMessage(record({ body: "A".repeat(MAX_INLINE_MESSAGE_BYTES - base + 1) }), START).record).toBeUndefined();
  });

  it("delays by whole seconds, from 0 up to Cloudflare's 12 h", () => {
    expect(delaySecondsUntil(START - 5000, START)).toBe(0);
    expect(delaySecondsUntil(START, START)).toBe(0);
    expect(delaySecondsUntil(START + 1, START)).toBe(1);
    expect(delaySecondsUntil(START + 61_500, START)).toBe(62);
    expect(delaySecondsUntil(START + 24 * 3_600_000, START)).toBe(MAX_DELAY_SECONDS);
  });

  it("orders the states of a delivery by (queuedSince, attempts), a finished state after a queued one", () => {
    const queued = record();
    expect(compareState(record({ attempts: 2 }), queued)).toBeGreaterThan(0);
    expect(compareState(record({ queuedSince: START + 1, attempts: 1 }), record({ attempts: 5 }))).toBeGreaterThan(0);
    expect(compareState(record({ status: "delivered" }), queued)).toBeGreaterThan(0);
    expect(compareState(queued, { since: START, attempts: 1 })).toBe(0);
    expect(compareState(record({ status: "dead" }), { since: START, attempts: 1 })).toBeGreaterThan(0);
  });
});

describe("Workers delivery queue: producer and consumer", () => {
  let now: number;
  let store: KvStore;
  let producer: FakeProducer;
  let queue: MessageDeliveryQueue;
  let attempted: DeliveryRecord[];
  const clock = { now: () => now };
  const attempt = async (r: DeliveryRecord) => {
    attempted.push(r);
  };

  beforeEach(() => {
    now = START;
    store = createMemoryStore({ clock });
    producer = new FakeProducer();
    queue = createMessageDeliveryQueue({ store, producer, clock });
    attempted = [];
  });

  const keys = async (prefix: string) => (await store.list(prefix)).map((e) => e.key);
  /** Writes `next` over the stored state of the delivery (as an attempt or an operator does). */
  const update = async (next: DeliveryRecord) => {
    const current = await queue.read(next.id);
    expect(await queue.replace(current!, next)).toBeDefined();
  };

  it("enqueue writes the record and its summary, no index entry, and sends a JSON message delayed until it is due", async () => {
    await queue.enqueue(record({ nextAttemptAt: START + 2_300 }));
    expect(await keys("delivery")).toEqual([`delivery-record:${ID}`, `delivery-summary:queued:${ID}`]);
    expect(await keys("queue:")).toEqual([]);
    expect(producer.sent).toHaveLength(1);
    expect(producer.sent[0]!.options).toEqual({ contentType: "json", delaySeconds: 3 });
    expect(producer.sent[0]!.body).toMatchObject({ id: ID, due: START + 2_300, written: START });
    expect(await queue.claimDue(START + 60_000, 10, 30_000)).toEqual([]);
  });

  it("replace writes the next state and moves the summary, sends a message only while queued, and only over the state it was based on", async () => {
    const first = await queue.enqueue(record());
    producer.take();
    const retry = record({ attempts: 2, nextAttemptAt: START + 4_000 });
    const second = await queue.replace(first, retry);
    expect(second?.record).toEqual(retry);
    expect(await keys("delivery")).toEqual([`delivery-record:${ID}`, `delivery-summary:queued:${ID}`]);
    expect(producer.take().map((m) => m.attempts)).toEqual([2]);
    // Based on the first state, which is gone: nothing is written, no message sent.
    expect(await queue.replace(first, record({ attempts: 2, status: "dead", nextAttemptAt: undefined }))).toBeUndefined();
    expect(producer.sent).toEqual([]);
    const delivered = record({ attempts: 3, status: "delivered", nextAttemptAt: undefined, deliveredAt: START });
    await queue.replace(second!, delivered);
    expect(await keys("delivery")).toEqual([`delivery-record:${ID}`, `delivery-summary:delivered:${ID}`]);
    expect(producer.sent).toEqual([]);
    expect((await queue.get(ID))?.status).toBe("delivered");
  });

  it("attempts a message whose state KV shows, and acknowledges it", async () => {
    await queue.enqueue(record());
    const m = message(producer.take()[0]);
    now = START + 600;
    await queue.consume(batch(m), attempt);
    expect(attempted).toEqual([record()]);
    expect(m.acked).toBe(true);
  });

  it("drops a message whose delivery has moved on: retried since, delivered, dead", async () => {
    await queue.enqueue(record());
    const old = producer.take()[0]!;
    now = START + 600;
    await update(record({ attempts: 2, nextAttemptAt: START + 1_000 }));
    const m1 = message(old);
    await queue.consume(batch(m1), attempt);
    expect(m1.acked).toBe(true);

    await update(record({ attempts: 3, status: "delivered", nextAttemptAt: undefined }));
    const current = producer.take()[0]!;
    const m2 = message(current);
    await queue.consume(batch(m2), attempt);
    expect(m2.acked).toBe(true);
    expect(attempted).toEqual([]);
  });

  it("attempts the carried copy when this location still shows an earlier state (KV not caught up)", async () => {
    // KV here: attempts 1 (e.g. a replica that has not seen the write of attempts 2 yet).
    await store.put(`delivery-record:${ID}`, JSON.stringify(record()));
    const later = record({ attempts: 2, nextAttemptAt: START + 1_000 });
    const m = message(deliveryMessage(later, START));
    now = START + 1_000;
    await queue.consume(batch(m), attempt);
    expect(attempted).toEqual([later]);
    expect(m.acked).toBe(true);
  });

  it("waits for a carried record KV does not show yet, and drops it once KV has had time: the delivery was deleted", async () => {
    const r = record();
    const young = message(deliveryMessage(r, START));
    now = START + 1_000;
    await queue.consume(batch(young), attempt);
    expect(young.acked).toBe(false);
    expect(young.retried?.delaySeconds).toBeGreaterThanOrEqual(5);
    expect(young.retried?.delaySeconds).toBeLessThanOrEqual(30);

    const old = message(deliveryMessage(r, START), 4);
    now = START + KV_SETTLE_MS;
    await queue.consume(batch(old), attempt);
    expect(old.acked).toBe(true);
    expect(attempted).toEqual([]);
  });

  it("retries a pointer whose record is not visible yet, with a growing delay, and gives up after 10 minutes", async () => {
    const pointer = deliveryMessage(record({ body: btoa("x".repeat(120_000)) }), START);
    expect(pointer.record).toBeUndefined();
    const delays: number[] = [];
    for (const attempts of [1, 2, 3, 6]) {
      const m = message(pointer, attempts);
      now = START + 5_000;
      await queue.consume(batch(m), attempt);
      expect(m.acked).toBe(false);
      delays.push(m.retried!.delaySeconds!);
    }
    expect(delays).toEqual([5, 10, 20, 60]);

    const late = message(pointer, 12);
    now = START + POINTER_PATIENCE_MS;
    await queue.consume(batch(late), attempt);
    expect(late.acked).toBe(true);
    expect(attempted).toEqual([]);
  });

  it("reads a pointer's record from KV once it is there", async () => {
    const large = record({ body: btoa("x".repeat(120_000)) });
    await queue.enqueue(large);
    const sent = producer.take()[0]!;
    expect(sent.record).toBeUndefined();
    now = START + 600;
    const m = message(sent);
    await queue.consume(batch(m), attempt);
    expect(attempted).toEqual([large]);
    expect(m.acked).toBe(true);
  });

  it("sends a message that arrives early (delays stop at 12 h) again for the rest of its delay", async () => {
    const due = START + 20 * 3_600_000;
    await queue.enqueue(record({ nextAttemptAt: due }));
    expect(producer.sent[0]!.options?.delaySeconds).toBe(MAX_DELAY_SECONDS);
    const first = producer.take()[0]!;
    now = START + MAX_DELAY_SECONDS * 1000;
    const m = message(first);
    await queue.consume(batch(m), attempt);
    expect(m.acked).toBe(true);
    expect(attempted).toEqual([]);
    expect(producer.sent).toHaveLength(1);
    expect(producer.sent[0]!.body).toEqual(first);
    expect(producer.sent[0]!.options?.delaySeconds).toBe(8 * 3600);
  });

  it("drops an unreadable message, and retries one whose attempt threw, with backoff", async () => {
    const junk = message({ hello: "world" });
    await queue.consume(batch(junk), attempt);
    expect(junk.acked).toBe(true);

    await queue.enqueue(record());
    const body = producer.take()[0]!;
    now = START + 600;
    const m = message(body, 3);
    await queue.consume(batch(m), async () => {
      throw new Error("KV PUT failed: 503");
    });
    expect(m.acked).toBe(false);
    expect(m.retried).toEqual({ delaySeconds: 40 });
  });

  it("handles two messages of one delivery in a batch one after the other: the second finds it moved on", async () => {
    await queue.enqueue(record());
    const body = producer.take()[0]!;
    now = START + 600;
    const a = message(body);
    const b = message(body);
    await queue.consume(batch(a, b), async (r) => {
      attempted.push(r);
      await update({ ...r, status: "delivered", attempts: r.attempts + 1, nextAttemptAt: undefined });
    });
    expect(attempted).toHaveLength(1);
    expect(a.acked && b.acked).toBe(true);
  });

  it("reads the newest state of the previous layout when an interrupted update left two status keys, and moves it, leaving neither", async () => {
    await store.put(`delivery:queued:${ID}`, JSON.stringify(record()));
    await store.put(
      `delivery:delivered:${ID}`,
      JSON.stringify(record({ status: "delivered", attempts: 2, nextAttemptAt: undefined, deliveredAt: START })),
    );
    expect((await queue.get(ID))?.status).toBe("delivered");
    const current = await queue.read(ID);
    expect(current?.record.status).toBe("delivered");
    expect(await keys("delivery")).toEqual([`delivery-record:${ID}`, `delivery-summary:delivered:${ID}`]);
    expect(await queue.remove(current!)).toBe(true);
    expect(await keys("delivery")).toEqual([]);
    expect(await queue.read(ID)).toBeUndefined();
  });
});

describe("Workers delivery queue in the gateway", () => {
  let now: number;
  let cdsUp: boolean;
  let received: Array<{ url: string; body: Uint8Array }>;
  let producer: FakeProducer;
  let store: KvStore;
  let gateway: Gateway;
  const clock = { now: () => now };

  const fakeCds: FetchFn = async (url, init) => {
    const body = init.body instanceof Uint8Array ? init.body : new TextEncoder().encode(init.body ?? "");
    received.push({ url, body });
    if (!cdsUp) return new Response("{}", { status: 503 });
    const uuid = /\/webhook\/([^/?]+)/.exec(url)?.[1];
    return Response.json({
      uuid,
      type: "RepoWebHook",
      status: "SCHEDULED",
      config: { project: { value: "PRJ" }, workflow: { value: "wf" } },
    });
  };

  beforeEach(async () => {
    now = START;
    cdsUp = false;
    received = [];
    producer = new FakeProducer();
    store = createMemoryStore({ clock });
    const config = await loadConfig(
      gatewayToml({
        gateway: { forwardTimeout: "1s", apiTokens: ["admin-token"] },
        cds: { prod: { hooksUrl: "http://cds.test/cdshooks" } },
        servers: { B: { url: "https://bb", bitbucket: { proxyWebhook: "https://gw/" } } },
      }),
      { env: () => undefined },
    );
    const queue = createMessageDeliveryQueue({ store, producer, clock });
    gateway = createGateway({ config, store, fetch: fakeCds, clock, queue, random: () => 0.5 });
  });

  const post = (body: string) =>
    gateway.app.request(`https://gw/${UUID}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-event-key": "pr:opened" },
    });
  const consumeSent = async () => {
    const messages = producer.take().map((body) => message(body));
    await (gateway.queue as MessageDeliveryQueue).consume(batch(...messages), (r) => gateway.attemptRecord(r));
    return messages;
  };

  it("queues on 202, and each consumed message is one attempt that sends the next until CDS takes it", async () => {
    const res = await post('{"n":1}');
    expect(res.status).toBe(202);
    const { delivery } = (await res.json()) as { delivery: string };
    expect(producer.sent).toHaveLength(1);

    now += 1_000;
    const first = await consumeSent();
    expect(first[0]!.acked).toBe(true);
    expect(received).toHaveLength(2);
    // The attempt marked the record in flight before sending (that state's message is its retry should no
    // result come: due when the answer window ends, issue #12), then wrote its result.
    const [inFlight, retry] = producer.take();
    expect(inFlight).toMatchObject({ attempts: 1, inFlight: true, due: now + 1_000 + 60_000 + 5_000 });
    expect(retry).toMatchObject({ attempts: 2 });
    expect(retry!.inFlight).toBeUndefined();

    cdsUp = true;
    now += 2_000;
    const consume = (...bodies: DeliveryMessage[]) =>
      (gateway.queue as MessageDeliveryQueue).consume(batch(...bodies.map((b) => message(b))), (r) => gateway.attemptRecord(r));
    await consume(retry!);
    expect(received).toHaveLength(3);
    expect(new TextDecoder().decode(received[2]!.body)).toBe('{"n":1}');
    expect((await gateway.queue.get(delivery))?.status).toBe("delivered");
    // The in-flight messages of both attempts come at their windows' end and find it delivered.
    const [secondInFlight] = producer.take();
    expect(secondInFlight).toMatchObject({ attempts: 2, inFlight: true });
    now = secondInFlight!.due;
    await consume(inFlight!, secondInFlight!);
    expect(received).toHaveLength(3);
    expect(producer.sent).toEqual([]);
  });

  it("a message meeting an attempt in flight comes back at the window's end; an attempt whose result never came is retried then, and counted", async () => {
    const res = await post('{"n":4}');
    const { delivery } = (await res.json()) as { delivery: string };
    const queued = (await gateway.queue.read(delivery))!;
    // An attempt marked in flight by an invocation that was cut off before CDS answered.
    const until = now + 66_000;
    await gateway.queue.replace(queued, { ...queued.record, inFlightUntil: until, nextAttemptAt: until });
    const [early] = producer.take().slice(-1);
    expect(early).toMatchObject({ inFlight: true, due: until });
    now = until - 500;
    const consume = (...bodies: DeliveryMessage[]) =>
      (gateway.queue as MessageDeliveryQueue).consume(batch(...bodies.map((b) => message(b))), (r) => gateway.attemptRecord(r));
    await consume(early!);
    expect(received).toHaveLength(1);
    const [again] = producer.take();
    expect(again).toMatchObject({ inFlight: true, due: until });
    cdsUp = true;
    now = until;
    await consume(again!);
    expect(received).toHaveLength(2);
    // The lost attempt and this one: attempts 1 → 3.
    expect(await gateway.queue.get(delivery)).toMatchObject({ status: "delivered", attempts: 3 });
  });

  it("leaves a delivery whose message could not be sent to the Cron Trigger, which keeps it until delivered", async () => {
    producer.failing = true;
    const res = await post('{"n":2}');
    expect(res.status).toBe(202);
    const { delivery } = (await res.json()) as { delivery: string };
    expect((await store.list("queue:")).map((e) => e.value)).toEqual([delivery]);

    // Still down: the sweep attempts it and reschedules it on the index, not through the queue.
    producer.failing = false;
    now += 1_000;
    await gateway.runScheduledWork();
    expect(received).toHaveLength(2);
    expect(producer.sent).toEqual([]);
    const index = await store.list("queue:");
    expect(index.map((e) => e.value)).toEqual([delivery]);

    cdsUp = true;
    now += 2_000;
    await gateway.runScheduledWork();
    expect(received).toHaveLength(3);
    expect((await gateway.queue.get(delivery))?.status).toBe("delivered");
    expect(await store.list("queue:")).toEqual([]);
    expect(await store.list("lease:")).toEqual([]);
  });

  it("replays a dead delivery (admin API) through a new message", async () => {
    const res = await post('{"n":3}');
    const { delivery } = (await res.json()) as { delivery: string };
    const queued = (await gateway.queue.read(delivery))!;
    await gateway.queue.replace(queued, { ...queued.record, status: "dead", nextAttemptAt: undefined, deadAt: now });
    producer.take();
    cdsUp = true;
    now += 60_000;
    const replayed = await gateway.app.request(`https://gw/-/deliveries/${delivery}/replay`, {
      method: "POST",
      headers: { authorization: "Bearer admin-token" },
    });
    expect(replayed.status).toBe(202);
    expect(producer.sent).toHaveLength(1);
    expect(producer.sent[0]!.options?.delaySeconds).toBe(0);
    await consumeSent();
    expect((await gateway.queue.get(delivery))?.status).toBe("delivered");
    expect(new TextDecoder().decode(received.at(-1)!.body)).toBe('{"n":3}');
  });
});
