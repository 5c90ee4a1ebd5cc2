/**
 * Key order shared by every store: UTF-8 byte order, which is code point
 * order. SQLite (BINARY collation), Redis (ZRANGEBYLEX), Workers KV and Deno
 * KV all order keys this way; JavaScript's `<` compares UTF-16 code units and
 * would put astral characters (surrogate pairs, e.g. emoji) before
 * U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Moves surrogates (D800..DFFF, which encode U+10000 and up) above E000..FFFF
// while keeping the order inside each group.
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * The smallest string greater than every string that starts with `prefix`
 * (undefined when there is none: an empty prefix, or one made only of
 * U+10FFFF). It is the prefix with its last code point incremented, so,
 * unlike `prefix + "\uffff"`, keys continuing with astral characters are
 * still below it.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0 && points[points.length - 1] === 0x10ffff) points.pop();
  if (points.length === 0) return undefined;
  const last = points.pop()!;
  // Surrogate code points have no UTF-8 form; the next real one is U+E000.
  points.push(last === 0xd7ff ? 0xe000 : last + 1);
  return String.fromCodePoint(...points);
}
