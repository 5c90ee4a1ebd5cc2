import type { HmacSha256 } from "../core/ports.ts";
import type { Secret } from "../core/secret.ts";
import { hexToBytes } from "../lib/bytes.ts";
import { constantTimeEqual } from "../lib/constant-time-equal.ts";

const encoder = new TextEncoder();
const keyCache = new WeakMap<Secret, Promise<CryptoKey>>();
const rawKeys = new WeakMap<Secret, Uint8Array>();

/**
 * Up to this size a body's HMAC is computed on the spot when the runtime
 * gives a synchronous HmacSha256 (Node and Deno: node:crypto's, about 8 µs for a
 * push webhook here): WebCrypto hands each call to another thread and back,
 * which cost the relay a quarter of its throughput under load (issue #13,
 * docs/BENCHMARKS.md). Larger bodies, and runtimes without one (Workers,
 * where WebCrypto runs in the isolate), use WebCrypto, so that hashing
 * megabytes never holds the event loop.
 */
const ON_THE_SPOT = 64 * 1024;

/**
 * Checks Bitbucket's `X-Hub-Signature: sha256=<hex>` (HMAC-SHA256 of the raw
 * body) against each configured secret, so a secret can be rotated by listing
 * the new one beside the old (docs/relay.md, step 5). The MAC is compared in
 * constant time (constantTimeEqual, or `crypto.subtle.verify`); it runs on the
 * raw bytes before anything parses them.
 */
export async function verifyWebhookSignature(
  header: string | null,
  body: Uint8Array,
  secrets: readonly Secret[],
  hmacSha256?: HmacSha256,
): Promise<boolean> {
  if (header === null) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  const signature = hexToBytes(match[1]!);
  for (const secret of secrets) {
    if (hmacSha256 && body.byteLength <= ON_THE_SPOT) {
      if (constantTimeEqual(hmacSha256(rawKey(secret), body), signature)) return true;
      continue;
    }
    const key = await hmacKey(secret);
    if (await crypto.subtle.verify("HMAC", key, signature, body as Uint8Array<ArrayBuffer>)) return true;
  }
  return false;
}

function rawKey(secret: Secret): Uint8Array {
  let key = rawKeys.get(secret);
  if (!key) {
    key = encoder.encode(secret.reveal());
    rawKeys.set(secret, key);
  }
  return key;
}

function hmacKey(secret: Secret): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret.reveal()), { name: "HMAC", hash: "SHA-256" }, false, ["verify", "sign"]);
    keyCache.set(secret, key);
  }
  return key;
}
