import { GatewayError } from "../core/gateway-error.ts";

const PKCS8_LABEL = "PRIVATE KEY";
const PKCS1_LABEL = "RSA PRIVATE KEY";

/** DER of AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
const RSA_ALGORITHM_IDENTIFIER = Uint8Array.of(
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
);

/**
 * Imports an RSA private key PEM for RSASSA-PKCS1-v1_5 signing (RFC 5849 §3.4.3
 * RSA-SHA1 by default). Accepts PKCS#8 (`BEGIN PRIVATE KEY`) and PKCS#1
 * (`BEGIN RSA PRIVATE KEY`, what older `openssl genrsa` writes), the latter
 * wrapped in a PKCS#8 envelope because WebCrypto only imports PKCS#8. PEMs
 * whose line breaks are the two characters `\n` (as pasted into TOML) work too.
 *
 * Errors carry code `ERR_PRIVATE_KEY` and never include key material.
 */
export async function importRsaPrivateKey(
  pem: string,
  hash: "SHA-1" | "SHA-256" = "SHA-1",
): Promise<CryptoKey> {
  const pkcs8 = pemToPkcs8(pem);
  try {
    return await crypto.subtle.importKey(
      "pkcs8",
      pkcs8,
      { name: "RSASSA-PKCS1-v1_5", hash },
      false,
      ["sign"],
    );
  } catch {
    throw new GatewayError("ERR_PRIVATE_KEY", "not a usable RSA private key");
  }
}

/** The PKCS#8 DER bytes of an RSA private key PEM (PKCS#8 or PKCS#1). */
export function pemToPkcs8(pem: string): Uint8Array<ArrayBuffer> {
  const text = pem.replace(/\\n/g, "\n").trim();
  const match = /^-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----$/.exec(text);
  if (!match) throw new GatewayError("ERR_PRIVATE_KEY", "not a PEM private key");
  const label = match[1];
  if (label !== PKCS8_LABEL && label !== PKCS1_LABEL) {
    throw new GatewayError("ERR_PRIVATE_KEY", `unsupported PEM type "${label}" (want PRIVATE KEY or RSA PRIVATE KEY)`);
  }
  let der: Uint8Array<ArrayBuffer>;
  try {
    der = base64ToBytes((match[2] ?? "").replace(/\s+/g, ""));
  } catch {
    throw new GatewayError("ERR_PRIVATE_KEY", "not a PEM private key: the base64 body does not decode");
  }
  return label === PKCS1_LABEL ? wrapPkcs1InPkcs8(der) : der;
}

/** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING pkcs1 } (RFC 5208 §5). */
export function wrapPkcs1InPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const version = Uint8Array.of(0x02, 0x01, 0x00);
  const octets = derElement(0x04, pkcs1);
  return derElement(0x30, concatBytes(version, RSA_ALGORITHM_IDENTIFIER, octets));
}

function derElement(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(Uint8Array.of(tag), derLength(content.length), content);
}

function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
