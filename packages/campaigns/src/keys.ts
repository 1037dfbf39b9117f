/**
 * Compact keys for fingerprints, so the hot path does not build strings per event.
 * 64-bit hashes are keyed by their low 53 bits: exact enough that two different templates
 * colliding is a 1-in-2^53 event, and a plain number is a fast Map key.
 */
export function hash53(h: Uint8Array): number {
  const hi = ((h[0] as number) << 24) | ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number);
  const lo =
    (((h[4] as number) << 24) | ((h[5] as number) << 16) | ((h[6] as number) << 8) | (h[7] as number)) >>> 0;
  return (hi & 0x1fffff) * 4294967296 + lo;
}

export function hex(h: Uint8Array): string {
  let s = "";
  for (let i = 0; i < 8; i++) s += ((h[i] as number) < 16 ? "0" : "") + (h[i] as number).toString(16);
  return s;
}

/**
 * The /24 of an IPv4 address as a number (a·2^16 + b·2^8 + c), parsed without allocating;
 * -1 when `ip` is not dotted IPv4 (then use `networkPrefix`). The hot path keys on this.
 */
export function ipv4Prefix24(ip: string): number {
  let value = 0;
  let part = 0;
  let dots = 0;
  let digits = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      if (++dots === 3) return value * 256 + part;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits++;
    } else {
      return -1;
    }
  }
  return -1;
}

export function prefix24String(key: number): string {
  return `${Math.floor(key / 65536)}.${Math.floor(key / 256) % 256}.${key % 256}.0/24`;
}

/** The /24 of an IPv4 address or the /64 of an IPv6 one, as a printable prefix. */
export function networkPrefix(ip: string): string {
  if (ip.includes(":")) {
    const groups = expandIpv6(ip);
    return groups ? `${groups.slice(0, 4).join(":")}::/64` : ip;
  }
  const last = ip.lastIndexOf(".");
  return last > 0 ? `${ip.slice(0, last)}.0/24` : ip;
}

function expandIpv6(ip: string): string[] | null {
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  if (tail === undefined && h.length !== 8) return null;
  const fill = Array.from({ length: 8 - h.length - t.length }, () => "0");
  return [...h, ...fill, ...t].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""));
}
