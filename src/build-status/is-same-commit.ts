/** Abbreviated hashes CDS accepts as "the same commit" have at least this many characters. */
export const SHORT_HASH_LENGTH = 12;

/**
 * Whether two commit ids name the same commit, as CDS compares a pull
 * request's head with a run's hash: equal (ignoring case), or the shorter one
 * has at least 12 characters and starts the longer one.
 */
export function isSameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  const [shorter, longer] = x.length <= y.length ? [x, y] : [y, x];
  return shorter.length >= SHORT_HASH_LENGTH && longer.startsWith(shorter);
}
