/** An address range: `contains` takes an IPv4 or IPv6 address as a runtime reports a peer. */
export interface IpRange {
  contains(address: string): boolean;
}

/**
 * `192.0.2.1`, `10.0.0.0/8`, `::1`, `2001:db8::/32` (RFC 4632 / RFC 4291
 * §2.3 notation) → a range, or undefined when the text is none of those.
 * IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, how a dual-stack socket
 * reports an IPv4 peer) count as the IPv4 address; an IPv6 zone (`%eth0`)
 * is ignored. Used for `gateway.trustedProxies` (issue #11).
 */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const base = parseIp(address);
  if (!base) return undefined;
  let prefix = base.length * 8;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    // A prefix on the IPv4-mapped form counts its 96 leading bits.
    const written = base.length === 4 && address.includes(":") ? 128 : prefix;
    if (!/^\d{1,3}$/.test(digits) || Number(digits) > written) return undefined;
    prefix = Number(digits) - (written - prefix);
    if (prefix < 0) return undefined;
  }
  return {
    contains(address) {
      const ip = parseIp(address);
      if (!ip || ip.length !== base.length) return false;
      for (let bit = 0; bit < prefix; bit += 8) {
        const mask = prefix - bit >= 8 ? 0xff : (0xff << (8 - (prefix - bit))) & 0xff;
        if ((ip[bit / 8]! & mask) !== (base[bit / 8]! & mask)) return false;
      }
      return true;
    },
  };
}

/** 4 bytes (IPv4, or IPv4-mapped IPv6) or 16 bytes (IPv6); undefined for anything else. */
function parseIp(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = parseIpv6(text.replace(/%[\w.-]+$/, ""));
  if (!v6) return undefined;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (const [i, part] of parts.entries()) {
      // The last 32 bits may be written as an IPv4 address.
      const v4 = i === parts.length - 1 && part.includes(".") ? parseIpv4(part) : undefined;
      if (v4) out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      else if (/^[0-9a-fA-F]{1,4}$/.test(part)) out.push(parseInt(part, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}
