/**
 * A URL with its user information (`user:password@`, RFC 3986 §3.2.1)
 * replaced by `[redacted]@`, for summaries and logs (issue #11). Parsers
 * disagree on a password holding `/` or `@` (`redis://u:pa/ss@host`), so the
 * user information is taken to end at the last `@` before any `?` or `#`:
 * a stray `@` in a path costs some of the path, never a password.
 */
export function redactUrl(text: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text);
  if (!scheme) return text;
  const rest = text.slice(scheme[0].length);
  const end = rest.search(/[?#]/);
  const at = (end < 0 ? rest : rest.slice(0, end)).lastIndexOf("@");
  return at < 0 ? text : `${scheme[0]}[redacted]@${rest.slice(at + 1)}`;
}
