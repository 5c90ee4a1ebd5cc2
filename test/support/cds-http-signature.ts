import { generateKeyPairSync } from "node:crypto";
import httpSignature from "http-signature";

/**
 * Requests signed the way CDS's API signs its calls to its vcs service
 * (engine/api/services/http.go: draft-cavage `rsa-sha256` over
 * `(request-target) host date`, keyId = the API's issuer name), made with an
 * independent implementation: npm's `http-signature` (Joyent's reference
 * implementation of the draft), never the gateway's own code.
 */

/** A key pair like CDS's API signing key: the public half as CDS publishes it (PKCS#1 PEM, and base64 of it for X-Api-Pub-Signing-Key). */
export interface CdsApiKey {
  privateKeyPem: string;
  /** `-----BEGIN RSA PUBLIC KEY-----` (sdk/jws ExportPublicKey). */
  publicKeyPem: string;
  /** What the signin answer's `X-Api-Pub-Signing-Key` holds: base64 of the PEM. */
  signinHeader: string;
}

export function cdsApiKey(): CdsApiKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: "pkcs1", format: "pem" }).toString();
  return {
    privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    publicKeyPem,
    signinHeader: Buffer.from(publicKeyPem).toString("base64"),
  };
}

export interface SignOptions {
  method: string;
  /** Path and query, as on the request line. */
  path: string;
  /** The Host header the request will carry. */
  host: string;
  privateKeyPem: string;
  keyId?: string;
  /**
   * The Date header: undefined → now (http-signature adds it), a string → that
   * value, null → none at all, as CDS's API really sends it (its httpsig
   * library lists `date` but, with no Date header, signs the other two lines).
   */
  date?: string | null;
}

/** The headers that carry the signature: `authorization`, and `date` unless `date: null`. */
export function signLikeCds(options: SignOptions): Record<string, string> {
  const headers = new Map<string, string>([["host", options.host]]);
  if (typeof options.date === "string") headers.set("date", options.date);
  // The part of an http.ClientRequest that http-signature's signRequest reads and writes.
  const request = {
    method: options.method,
    path: options.path,
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    setHeader: (name: string, value: string) => void headers.set(name.toLowerCase(), value),
  };
  const withoutDate = options.date === null;
  httpSignature.signRequest(request as never, {
    key: options.privateKeyPem,
    keyId: options.keyId ?? "cds-api",
    algorithm: "rsa-sha256",
    headers: withoutDate ? ["(request-target)", "host"] : ["(request-target)", "host", "date"],
  });
  let authorization = headers.get("authorization")!;
  if (withoutDate) authorization = authorization.replace('headers="(request-target) host"', 'headers="(request-target) host date"');
  return withoutDate ? { authorization } : { authorization, date: headers.get("date")! };
}
