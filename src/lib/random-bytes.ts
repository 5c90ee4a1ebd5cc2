// One getRandomValues call per 4096 bytes instead of one per caller: it is a system call, and ids and
// nonces are drawn on hot paths (a delivery id per webhook, a nonce per OAuth signature; issue #13).
const POOL = new Uint8Array(4096);
let offset = POOL.length;

/** `n` (at most 4096) bytes from the platform's CSPRNG, through a pool. */
export function randomBytes(n: number): Uint8Array {
  if (offset + n > POOL.length) {
    crypto.getRandomValues(POOL);
    offset = 0;
  }
  const out = POOL.slice(offset, offset + n);
  offset += n;
  return out;
}
