/**
 * The delay asked for by a `Retry-After` header (RFC 9110 §10.2.3), in
 * milliseconds: either delay-seconds or an HTTP-date, the latter measured
 * against `nowMs` (the injected clock) and never negative. Undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names a weekday and a month; rejecting bare numbers
  // with signs or decimals keeps Date.parse from guessing.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
