import { hmac } from "@noble/hashes/hmac.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { percentEncode } from "./percent-encode.ts";
import { bytesToBase64 } from "../lib/bytes.ts";

/**
 * HMAC-SHA1 (RFC 5849 §3.4.2): the key is the encoded consumer secret, `&`,
 * and the encoded token secret (the `&` stays when the token secret is
 * empty); the text is the signature base string; the digest is base64.
 *
 * Bitbucket application links use RSA-SHA1; this method exists so that the
 * RFC's HMAC example pins our percent-encoder (the key encoding included).
 */
export function signHmacSha1(baseString: string, consumerSecret: string, tokenSecret = ""): string {
  const encoder = new TextEncoder();
  const key = encoder.encode(`${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`);
  return bytesToBase64(hmac(sha1, key, encoder.encode(baseString)));
}
