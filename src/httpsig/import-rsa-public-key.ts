import { GatewayError } from "../core/gateway-error.ts";
import { base64ToBytes, concatBytes, decodeUtf8 } from "../lib/bytes.ts";
import { derElement, readPem, RSA_ALGORITHM_IDENTIFIER } from "../lib/der.ts";

/**
 * Imports the RSA public key of CDS's API for RSASSA-PKCS1-v1_5 / SHA-256
 * verification (draft-cavage `rsa-sha256`). CDS publishes it as a PKCS#1
 * `RSA PUBLIC KEY` PEM (sdk/jws `ExportPublicKey`), base64-encoded in the
 * `X-Api-Pub-Signing-Key` header of its signin answer; this takes that PEM,
 * the header value itself, or an SPKI `PUBLIC KEY` PEM (what `openssl rsa
 * -pubout` writes). PKCS#1 is wrapped in SPKI, the only public-key form
 * WebCrypto imports.
 *
 * Errors carry code `ERR_PUBLIC_KEY` and never include key material.
 */
export async function importRsaPublicKey(text: string): Promise<CryptoKey> {
  const block = readPem(unwrapBase64(text.trim()));
  if (!block.ok) throw new GatewayError("ERR_PUBLIC_KEY", "not a PEM public key (RSA PUBLIC KEY or PUBLIC KEY), nor the base64 of one");
  let spki: Uint8Array<ArrayBuffer>;
  if (block.label === "RSA PUBLIC KEY") spki = wrapPkcs1InSpki(block.der);
  else if (block.label === "PUBLIC KEY") spki = block.der;
  else throw new GatewayError("ERR_PUBLIC_KEY", `unsupported PEM type "${block.label}" (want RSA PUBLIC KEY or PUBLIC KEY)`);
  try {
    return await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
  } catch {
    throw new GatewayError("ERR_PUBLIC_KEY", "not a usable RSA public key");
  }
}

/** The PEM inside `X-Api-Pub-Signing-Key` (base64 of the PEM text); other text as it is. */
function unwrapBase64(text: string): string {
  if (text.startsWith("-----BEGIN")) return text;
  try {
    const decoded = decodeUtf8(base64ToBytes(text.replace(/\s+/g, "")));
    return decoded.trim().startsWith("-----BEGIN") ? decoded : text;
  } catch {
    return text;
  }
}

/** SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING pkcs1 } (RFC 5280 §4.1, RFC 8017 appendix A.1.1). */
function wrapPkcs1InSpki(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const bits = derElement(0x03, concatBytes(Uint8Array.of(0x00), pkcs1));
  return derElement(0x30, concatBytes(RSA_ALGORITHM_IDENTIFIER, bits));
}
