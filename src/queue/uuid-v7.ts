/**
 * A UUID version 7 (RFC 9562 §5.7): 48-bit Unix milliseconds then random
 * bits, so delivery ids sort by arrival time and listings come out in order.
 */
export function uuidV7(now: number): string {
  const bytes = randomBytes16();
  let ms = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// One getRandomValues call per 256 ids instead of one per id: it is a system call.
const POOL = new Uint8Array(4096);
let offset = POOL.length;

function randomBytes16(): Uint8Array {
  if (offset + 16 > POOL.length) {
    crypto.getRandomValues(POOL);
    offset = 0;
  }
  const out = POOL.slice(offset, offset + 16);
  offset += 16;
  return out;
}
