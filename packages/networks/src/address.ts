/**
 * A client address as gateways log it, parsed once: IPv4 as one uint32, IPv6 as its upper 64
 * bits (two uint32: routing, ASN and /48–/64 prefixes never look below them). Accepts the forms
 * proxies write: `1.2.3.4`, `1.2.3.4:5678`, `::ffff:1.2.3.4` (a dual-stack socket's IPv4 client,
 * unwrapped to IPv4), `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:443`, `fe80::1%eth0`.
 * Anything else is null: an absent address, never a made-up one.
 */
export type ParsedAddress =
  | { readonly family: 4; readonly v4: number }
  | { readonly family: 6; readonly hi: number; readonly lo: number };

/**
 * Result register of scanAddress: the hot path parses without allocating (a lookup per
 * request). Safe because every caller is synchronous and reads it right away. `hi`/`lo` are
 * an IPv6 address's upper 64 bits (its /64), `ihi`/`ilo` the interface id below them, kept
 * only so `canonicalAddress` can print the whole address.
 */
export const scanned = { v4: 0, hi: 0, lo: 0, ihi: 0, ilo: 0 };

export function parseAddress(text: string | null | undefined): ParsedAddress | null {
  const family = scanAddress(text);
  if (family === 4) return { family: 4, v4: scanned.v4 };
  if (family === 6) return { family: 6, hi: scanned.hi, lo: scanned.lo };
  return null;
}

/** parseAddress without allocating: 4 or 6 with the address in `scanned`, or 0. */
export function scanAddress(text: string | null | undefined): 0 | 4 | 6 {
  if (!text) return 0;
  let from = 0;
  let to = text.length;
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  if (to === from || to - from > 64) return 0;
  if (text.charCodeAt(from) === 0x5b) {
    // [v6] or [v6]:port
    const close = text.indexOf("]", from);
    if (close < 0 || close >= to) return 0;
    if (close + 1 < to && !isPort(text, close + 1, to)) return 0;
    return scanV6(text, from + 1, close);
  }
  let colon = -1;
  let colons = 0;
  for (let i = from; i < to; i++) {
    if (text.charCodeAt(i) === 0x3a) {
      colons++;
      colon = i;
    }
  }
  if (colons === 0 || (colons === 1 && isPort(text, colon, to))) {
    const v4 = parseV4(text, from, colons === 0 ? to : colon);
    if (v4 < 0) return 0;
    scanned.v4 = v4;
    return 4;
  }
  return colons === 1 ? 0 : scanV6(text, from, to);
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** ":" then 1–5 digits, up to `to`. */
function isPort(s: string, colon: number, to: number): boolean {
  if (s.charCodeAt(colon) !== 0x3a || to - colon < 2 || to - colon > 6) return false;
  for (let i = colon + 1; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Dotted quad in s[from, to) → uint32 as a non-negative number, or -1. No leading zeros. */
export function parseV4(s: string, from: number, to: number): number {
  let value = 0;
  let octets = 0;
  let i = from;
  while (i <= to) {
    let octet = 0;
    let digits = 0;
    const start = i;
    while (i < to) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      octet = octet * 10 + (c - 0x30);
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && s.charCodeAt(start) === 0x30)) return -1;
    value = value * 256 + octet;
    octets++;
    if (i === to) break;
    if (s.charCodeAt(i) !== 0x2e || octets === 4) return -1;
    i++;
  }
  return octets === 4 ? value : -1;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

const groups = new Uint16Array(8);

/** IPv6 text in s[from, to) (zone allowed, IPv4 tail allowed) → 6 with `scanned.hi/lo`, 4 if IPv4-mapped, else 0. */
function scanV6(s: string, from: number, end: number): 0 | 4 | 6 {
  let to = end;
  const zone = s.indexOf("%", from);
  if (zone >= 0 && zone < to) {
    if (zone === to - 1) return 0;
    to = zone;
  }
  groups.fill(0);
  let n = 0;
  let gapAt = -1;
  let i = from;
  if (s.charCodeAt(i) === 0x3a) {
    if (s.charCodeAt(i + 1) !== 0x3a) return 0;
    gapAt = 0;
    i += 2;
  }
  while (i < to) {
    let j = i;
    let value = 0;
    while (j < to) {
      const d = hexDigit(s.charCodeAt(j));
      if (d < 0) break;
      value = value * 16 + d;
      j++;
    }
    if (j < to && s.charCodeAt(j) === 0x2e) {
      // The last 32 bits as a dotted quad.
      const v4 = parseV4(s, i, to);
      if (v4 < 0 || n > 6) return 0;
      groups[n++] = Math.floor(v4 / 65536);
      groups[n++] = v4 % 65536;
      i = to;
      break;
    }
    if (j === i || j - i > 4 || n === 8) return 0;
    groups[n++] = value;
    i = j;
    if (i === to) break;
    if (s.charCodeAt(i) !== 0x3a) return 0;
    i++;
    if (i === to) return 0; // a trailing single ":"
    if (s.charCodeAt(i) === 0x3a) {
      if (gapAt >= 0) return 0;
      gapAt = n;
      i++;
    }
  }
  if (gapAt < 0) {
    if (n !== 8) return 0;
  } else {
    if (n >= 8) return 0;
    const shift = 8 - n;
    for (let k = n - 1; k >= gapAt; k--) {
      groups[k + shift] = groups[k] ?? 0;
      groups[k] = 0;
    }
  }
  const g = groups;
  // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket: it is that IPv4 address.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    scanned.v4 = (g[6] ?? 0) * 65536 + (g[7] ?? 0);
    return 4;
  }
  scanned.hi = ((g[0] ?? 0) * 65536 + (g[1] ?? 0)) >>> 0;
  scanned.lo = ((g[2] ?? 0) * 65536 + (g[3] ?? 0)) >>> 0;
  scanned.ihi = ((g[4] ?? 0) * 65536 + (g[5] ?? 0)) >>> 0;
  scanned.ilo = ((g[6] ?? 0) * 65536 + (g[7] ?? 0)) >>> 0;
  return 6;
}

/** The canonical text of a parsed address: dotted IPv4, or the IPv6 /64 as `x:x:x:x::/64`. */
export function formatAddress(a: ParsedAddress): string {
  if (a.family === 4) return formatV4(a.v4);
  const g = [a.hi >>> 16, a.hi & 0xffff, a.lo >>> 16, a.lo & 0xffff].map((x) => x.toString(16));
  return `${g.join(":")}::/64`;
}

/**
 * The one text form a client address travels in (ApiRequest.client_address): dotted IPv4 for
 * IPv4 and IPv4-mapped IPv6, RFC 5952 IPv6 (lower case, no leading zeros, the first longest run
 * of two or more zero groups as "::") without brackets, port or zone; "" for anything
 * scanAddress rejects. Already-canonical IPv4, nearly every request, is returned as it came:
 * no string is built for it.
 */
export function canonicalAddress(text: string | null | undefined): string {
  const family = scanAddress(text);
  if (family === 0 || !text) return "";
  if (family === 4) {
    // scanAddress accepted it and it has no colon, bracket or space: it is the dotted quad itself.
    const c0 = text.charCodeAt(0);
    const cn = text.charCodeAt(text.length - 1);
    if (!isSpace(c0) && !isSpace(cn) && c0 !== 0x5b && text.indexOf(":") < 0) return text;
    return formatV4(scanned.v4);
  }
  return formatV6(scanned.hi, scanned.lo, scanned.ihi, scanned.ilo);
}

export function formatV4(v4: number): string {
  return `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
}

/** An IPv6 address given as four uint32 (most significant first), in RFC 5952 text. */
export function formatV6(a: number, b: number, c: number, d: number): string {
  const g = [a >>> 16, a & 0xffff, b >>> 16, b & 0xffff, c >>> 16, c & 0xffff, d >>> 16, d & 0xffff];
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    g
      .slice(from, to)
      .map((x) => x.toString(16))
      .join(":");
  return best < 0 ? hex(0, 8) : `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

/** The /48 holding an IPv6 address whose upper 64 bits are `hi`, `lo`: "2001:db8:7::/48". */
export function formatPrefix48(hi: number, lo: number): string {
  return `${formatV6(hi, (lo & 0xffff0000) >>> 0, 0, 0)}/48`;
}

/** The /64 holding an IPv6 address whose upper 64 bits are `hi`, `lo`: "2001:db8:7:1::/64". */
export function formatPrefix64(hi: number, lo: number): string {
  return `${formatV6(hi, lo, 0, 0)}/64`;
}
