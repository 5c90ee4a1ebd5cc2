/** Comments longer than this many UTF-16 code units are cut (SPEC; CDS cuts at 32 768 or more). */
export const COMMENT_LIMIT = 32_767;
/** How much of an over-long comment is kept before the marker, as CDS does. */
export const COMMENT_KEPT = 32_750;
export const TRUNCATION_MARKER = "\n[truncated]";

/**
 * Cuts a pull-request comment that Bitbucket would refuse: a text of
 * more than COMMENT_LIMIT characters becomes its first COMMENT_KEPT characters
 * followed by `\n[truncated]` (CDS `engine/vcs/bitbucketserver`, PR comment).
 * A surrogate pair is never split: the cut moves one unit back instead.
 */
export function truncateComment(text: string): string {
  if (text.length <= COMMENT_LIMIT) return text;
  let end = COMMENT_KEPT;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end) + TRUNCATION_MARKER;
}
