import { bytesToBase64 } from "../lib/bytes.ts";

/**
 * RSA-SHA1 (RFC 5849 §3.4.3): RSASSA-PKCS1-v1_5 (RFC 3447 §8.2) with SHA-1 over
 * the UTF-8 bytes of the signature base string, base64-encoded (RFC 2045
 * §6.8, padded). The consumer and token secrets play no part. `key` is an
 * RSASSA-PKCS1-v1_5 / SHA-1 private key, see importRsaPrivateKey.
 */
const encoder = new TextEncoder();
const RSASSA = { name: "RSASSA-PKCS1-v1_5" };

export async function signRsaSha1(key: CryptoKey, baseString: string): Promise<string> {
  const signature = await crypto.subtle.sign(RSASSA, key, encoder.encode(baseString));
  return bytesToBase64(new Uint8Array(signature));
}
