import type { Secret } from "../core/secret.ts";
import { hexToBytes } from "../lib/bytes.ts";

const encoder = new TextEncoder();
const keyCache = new WeakMap<Secret, Promise<CryptoKey>>();

/**
 * Checks Bitbucket's `X-Hub-Signature: sha256=<hex>` (HMAC-SHA256 of the raw
 * body) against each configured secret, so a secret can be rotated by listing
 * the new one beside the old (docs/relay.md, step 5). `crypto.subtle.verify` compares in
 * constant time; it runs on the raw bytes before anything parses them.
 */
export async function verifyWebhookSignature(header: string | null, body: Uint8Array, secrets: readonly Secret[]): Promise<boolean> {
  if (header === null) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  const signature = hexToBytes(match[1]!);
  for (const secret of secrets) {
    const key = await hmacKey(secret);
    if (await crypto.subtle.verify("HMAC", key, signature, body as Uint8Array<ArrayBuffer>)) return true;
  }
  return false;
}

function hmacKey(secret: Secret): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret.reveal()), { name: "HMAC", hash: "SHA-256" }, false, ["verify", "sign"]);
    keyCache.set(secret, key);
  }
  return key;
}
