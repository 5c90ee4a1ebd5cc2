const encoder = new TextEncoder();

/**
 * RFC 5849 §3.6 percent-encoding: the value is taken as UTF-8 bytes; the
 * unreserved characters of RFC 3986 §2.3 (`A-Z a-z 0-9 - . _ ~`) stay as they
 * are, every other byte becomes `%XX` with uppercase hex. A space is `%20`,
 * never `+`.
 *
 * Written over bytes rather than on top of `encodeURIComponent`, which leaves
 * `! ' ( ) *` unescaped and throws on lone surrogates (those become U+FFFD, as
 * TextEncoder does, so a signature can still be computed).
 */
export function percentEncode(value: string): string {
  let out = "";
  for (const byte of encoder.encode(value)) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : HEX[byte];
  }
  return out;
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

/** `%00` … `%FF`, uppercase as §3.6 requires ("hexadecimal digits MUST be uppercase"). */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => "%" + b.toString(16).toUpperCase().padStart(2, "0"));
