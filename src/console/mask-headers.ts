/** Headers always masked: signatures and credentials. */
const SECRET_NAMES = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-hub-signature", "x-hub-signature-256"]);
/** And any whose name says it carries one. */
const SECRET_WORDS = /token|secret|signature|password|passwd|credential|session|cookie|auth|api-?key/i;

export const MASKED = "[masked]";

/**
 * A delivery's headers as the console shows them (issue #16): a signature
 * or credential becomes `[masked]`, keeping only what names its kind (the
 * `sha256=` of X-Hub-Signature, the scheme of Authorization), so an
 * operator sees that it was sent and how, never the value.
 */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isSecretHeader(name) ? maskValue(name.toLowerCase(), value) : value;
  return out;
}

export function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAMES.has(lower) || SECRET_WORDS.test(lower);
}

/** Only a signature's algorithm (`sha256=`) or an authorization's scheme is kept: any other part of a value may be the secret. */
function maskValue(name: string, value: string): string {
  const algorithm = name.startsWith("x-hub-signature") ? /^(sha1|sha256|sha512)=/i.exec(value) : null;
  if (algorithm) return `${algorithm[1]}=${MASKED}`;
  const scheme = name.endsWith("authorization") ? /^(Basic|Bearer|Digest|OAuth|Negotiate|Token)\s/i.exec(value) : null;
  return scheme ? `${scheme[1]} ${MASKED}` : MASKED;
}
