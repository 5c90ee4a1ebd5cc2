/**
 * The few DER and PEM pieces the gateway needs to hand RSA keys to WebCrypto,
 * which imports only PKCS#8 private keys and SPKI public keys: PKCS#1 keys
 * (what `openssl genrsa` and CDS's API write) are wrapped in those envelopes.
 */
import { base64ToBytes, concatBytes } from "./bytes.ts";

/** DER of AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL } (RFC 8017 appendix C). */
export const RSA_ALGORITHM_IDENTIFIER = Uint8Array.of(
  0x30,
  0x0d,
  0x06,
  0x09,
  0x2a,
  0x86,
  0x48,
  0x86,
  0xf7,
  0x0d,
  0x01,
  0x01,
  0x01,
  0x05,
  0x00,
);

export type PemBlock = { ok: true; label: string; der: Uint8Array<ArrayBuffer> } | { ok: false; reason: "not_pem" | "bad_base64" };

/**
 * The label and DER bytes of one PEM block (RFC 7468). Line breaks written as
 * the two characters `\n` (a PEM pasted into TOML) count as line breaks.
 */
export function readPem(text: string): PemBlock {
  const match = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----$/.exec(text.replace(/\\n/g, "\n").trim());
  if (!match) return { ok: false, reason: "not_pem" };
  try {
    return { ok: true, label: match[1]!, der: base64ToBytes((match[2] ?? "").replace(/\s+/g, "")) };
  } catch {
    return { ok: false, reason: "bad_base64" };
  }
}

/** One DER TLV: tag, definite length, content (X.690 §8.1). */
export function derElement(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(Uint8Array.of(tag), derLength(content.length), content);
}

function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}
