import { bytesToHex } from "./bytes.ts";
import { randomBytes } from "./random-bytes.ts";

/**
 * A UUID version 7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then a 42-bit
 * counter, then 32 random bits, so delivery ids sort in creation order and
 * listings come out in order.
 *
 * Order within one millisecond follows RFC 9562 §6.2, Method 1 (fixed
 * bit-length dedicated counter): each new millisecond seeds the counter with
 * a random value whose top bit is clear (room to count up), and each further
 * id in the same millisecond adds one. A clock that steps back keeps the last
 * timestamp and goes on counting; a counter that would overflow moves the
 * timestamp on by one millisecond. The order holds within one process, which
 * is where ids are made.
 */
export function uuidV7(now: number): string {
  const ms = Math.max(0, Math.floor(now));
  if (ms > lastMs) {
    lastMs = ms;
    counter = randomSeed();
  } else if (++counter >= COUNTER_LIMIT) {
    lastMs++;
    counter = randomSeed();
  }
  const bytes = randomBytes(16);
  let t = lastMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  const c = counter;
  bytes[6] = 0x70 | (Math.floor(c / 2 ** 38) & 0x0f);
  bytes[7] = Math.floor(c / 2 ** 30) & 0xff;
  bytes[8] = 0x80 | (Math.floor(c / 2 ** 24) & 0x3f);
  bytes[9] = Math.floor(c / 2 ** 16) & 0xff;
  bytes[10] = Math.floor(c / 2 ** 8) & 0xff;
  bytes[11] = c & 0xff;
  const hex = bytesToHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** 42 bits: rand_a (12) and the first 30 bits of rand_b, below the variant. */
const COUNTER_LIMIT = 2 ** 42;
let lastMs = -1;
let counter = 0;

/** A random 41-bit seed: the counter's top bit starts clear (RFC 9562 §6.2, "counter rollover guards"). */
function randomSeed(): number {
  const b = randomBytes(6);
  return (b[0]! & 0x01) * 2 ** 40 + b[1]! * 2 ** 32 + ((b[2]! << 24) >>> 0) + (b[3]! << 16) + (b[4]! << 8) + b[5]!;
}
