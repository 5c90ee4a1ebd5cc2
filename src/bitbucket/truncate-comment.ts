/** Comments of this many UTF-8 bytes or more are cut (CDS: Go's `len(message) >= 32768`). */
export const COMMENT_LIMIT_BYTES = 32_768;
/** How many bytes of an over-long comment are kept before the marker, as CDS does. */
export const COMMENT_KEPT_BYTES = 32_750;
export const TRUNCATION_MARKER = "\n[truncated]";

const encoder = new TextEncoder();

/**
 * Cuts a pull-request comment the way CDS's Bitbucket Server client does
 * (from 0.51; docs/build-status.md): a text of 32 768 UTF-8 bytes or more
 * becomes its first 32 750 bytes followed by `\n[truncated]`. Unlike CDS's
 * byte slice, the cut never ends inside a character: `encodeInto` writes
 * whole characters only, so a character that would straddle the limit is
 * left out with the rest.
 */
export function truncateComment(text: string): string {
  const probe = encoder.encodeInto(text, new Uint8Array(COMMENT_LIMIT_BYTES));
  if (probe.read === text.length && probe.written < COMMENT_LIMIT_BYTES) return text;
  const kept = encoder.encodeInto(text, new Uint8Array(COMMENT_KEPT_BYTES));
  return text.slice(0, kept.read) + TRUNCATION_MARKER;
}
