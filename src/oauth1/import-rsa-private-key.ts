import { GatewayError } from "../core/gateway-error.ts";
import { concatBytes } from "../lib/bytes.ts";
import { derElement, readPem, RSA_ALGORITHM_IDENTIFIER } from "../lib/der.ts";

const PKCS8_LABEL = "PRIVATE KEY";
const PKCS1_LABEL = "RSA PRIVATE KEY";

/**
 * Imports an RSA private key PEM for RSASSA-PKCS1-v1_5 signing (RFC 5849 §3.4.3
 * RSA-SHA1 by default). Accepts PKCS#8 (`BEGIN PRIVATE KEY`) and PKCS#1
 * (`BEGIN RSA PRIVATE KEY`, what older `openssl genrsa` writes), the latter
 * wrapped in a PKCS#8 envelope because WebCrypto only imports PKCS#8. PEMs
 * whose line breaks are the two characters `\n` (as pasted into TOML) work too.
 *
 * Errors carry code `ERR_PRIVATE_KEY` and never include key material.
 */
export async function importRsaPrivateKey(pem: string, hash: "SHA-1" | "SHA-256" = "SHA-1"): Promise<CryptoKey> {
  const pkcs8 = pemToPkcs8(pem);
  try {
    return await crypto.subtle.importKey("pkcs8", pkcs8, { name: "RSASSA-PKCS1-v1_5", hash }, false, ["sign"]);
  } catch {
    throw new GatewayError("ERR_PRIVATE_KEY", "not a usable RSA private key");
  }
}

/** The PKCS#8 DER bytes of an RSA private key PEM (PKCS#8 or PKCS#1). */
export function pemToPkcs8(pem: string): Uint8Array<ArrayBuffer> {
  const block = readPem(pem);
  if (!block.ok) {
    throw new GatewayError(
      "ERR_PRIVATE_KEY",
      block.reason === "not_pem" ? "not a PEM private key" : "not a PEM private key: the base64 body does not decode",
    );
  }
  if (block.label !== PKCS8_LABEL && block.label !== PKCS1_LABEL) {
    throw new GatewayError("ERR_PRIVATE_KEY", `unsupported PEM type "${block.label}" (want PRIVATE KEY or RSA PRIVATE KEY)`);
  }
  return block.label === PKCS1_LABEL ? wrapPkcs1InPkcs8(block.der) : block.der;
}

/** PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING pkcs1 } (RFC 5208 §5). */
export function wrapPkcs1InPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const version = Uint8Array.of(0x02, 0x01, 0x00);
  const octets = derElement(0x04, pkcs1);
  return derElement(0x30, concatBytes(version, RSA_ALGORITHM_IDENTIFIER, octets));
}
