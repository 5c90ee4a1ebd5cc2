import { GatewayError } from "../core/gateway-error.ts";
import { base64ToBytes } from "../lib/bytes.ts";

/** The parameters of a draft-cavage HTTP signature (draft-cavage-http-signatures §2.1). */
export interface SignatureParams {
  keyId: string;
  algorithm: string;
  /** Lower-cased; `["date"]` when the parameter is absent (§2.1.3). */
  headers: string[];
  /** The decoded signature bytes. */
  signature: Uint8Array<ArrayBuffer>;
}

const PARAM = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*"([^"]*)"\s*$/;

/**
 * The signature a request carries: `Authorization: Signature <params>` (§3.1,
 * what CDS's API sends) or, without an Authorization header, a `Signature:
 * <params>` header (§4.1). Throws GatewayError `ERR_SIGNATURE_MISSING` when
 * there is neither, `ERR_SIGNATURE_MALFORMED` when the parameters cannot be
 * read (a parameter twice, an unquoted value, keyId or signature missing, a
 * signature that is not base64). Unknown parameters are ignored (§2.1).
 */
export function parseSignatureParams(headers: Headers): SignatureParams {
  const authorization = headers.get("authorization");
  let text: string | null;
  if (authorization !== null) {
    const match = /^Signature\s+(.*)$/is.exec(authorization.trim());
    text = match ? match[1]! : null;
  } else {
    text = headers.get("signature");
  }
  if (text === null) throw new GatewayError("ERR_SIGNATURE_MISSING", "the request carries no HTTP signature (Authorization: Signature …)");

  const found = new Map<string, string>();
  for (const part of text.split(",")) {
    const match = PARAM.exec(part);
    if (!match) throw malformed('every parameter must be name="value"');
    const name = match[1]!;
    if (found.has(name)) throw malformed(`the parameter ${name} appears twice`);
    found.set(name, match[2]!);
  }
  const keyId = found.get("keyId");
  const signature = found.get("signature");
  if (!keyId) throw malformed("keyId is required");
  if (!signature) throw malformed("signature is required");
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64ToBytes(signature);
  } catch {
    throw malformed("signature must be base64");
  }
  const listed = found.get("headers");
  return {
    keyId,
    algorithm: (found.get("algorithm") ?? "").toLowerCase(),
    headers:
      listed === undefined
        ? ["date"]
        : listed
            .split(" ")
            .filter((h) => h !== "")
            .map((h) => h.toLowerCase()),
    signature: bytes,
  };
}

function malformed(reason: string): GatewayError {
  return new GatewayError("ERR_SIGNATURE_MALFORMED", `the HTTP signature cannot be read: ${reason}`);
}
