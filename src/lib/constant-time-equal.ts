/**
 * Whether two byte strings are equal, in a time that depends on their
 * lengths only, not on where they differ (a MAC compared this way leaks
 * nothing of the expected value; RFC 2104 §5 and the reason WebCrypto's
 * `verify` exists).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
