import { formatPrefix48, scanAddress, scanned } from "@distillguard/networks";

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
 * The networks of one client address, filled by `scanNetwork` without allocating: `p24` the
 * IPv4 /24 (a·2^16 + b·2^8 + c); `p48` the IPv6 /48 as a 48-bit number; `h64` a 48-bit hash of
 * the IPv6 /64 (64 bits do not fit a double; a collision between two /64s is a 1-in-2^48 event).
 */
export const net = { p24: 0, p48: 0, h64: 0 };

let lastText: string | null = null;
let lastFamily: 0 | 4 | 6 = 0;

/**
 * Scans `ip` into `net`: 4 or 6, or 0 for an absent or unparseable address. The linker, the
 * account windows and the entity windows each ask about the same event's address; the last
 * answer is kept, so the three cost one scan (bench/detector).
 */
export function scanNetwork(ip: string): 0 | 4 | 6 {
  if (ip === lastText) return lastFamily;
  const family = scanAddress(ip);
  if (family === 4) {
    net.p24 = scanned.v4 >>> 8;
  } else if (family === 6) {
    const { hi, lo } = scanned;
    net.p48 = hi * 65536 + (lo >>> 16);
    let a = Math.imul(hi ^ (lo >>> 15), 0x85ebca6b);
    a ^= a >>> 13;
    let b = Math.imul(lo ^ a, 0xc2b2ae35);
    b ^= b >>> 16;
    net.h64 = ((a ^ (b >>> 7)) & 0xffff) * 4294967296 + (b >>> 0);
  }
  lastText = ip;
  lastFamily = family;
  return family;
}

/**
 * The network an address counts as when the linker asks whether accounts rotate through
 * networks or share them: the IPv4 /24 as its number (≥ 0), the IPv6 /48 as −1 − its number
 * (< 0), NaN when the address is absent or unparseable. Exact numbers, so no table of
 * prefixes is kept anywhere.
 *
 * Why /48 for IPv6 and not /64: a phone's privacy addresses change the interface id inside one
 * /64, and carriers hand a phone a new /64 inside their /48s when it reconnects: one person,
 * one network either way at /48. A proxy pool that gives each request a fresh /64 inside a /48
 * shares that /48 between its accounts, which is what shared-prefix density counts; at /64 its
 * accounts would share nothing. A /48 is an allocation to one site (RIR policy), the IPv6
 * analogue of an IPv4 /24. Carriers whose users share a /48 look like a NAT: one prefix for
 * many accounts, density ≈ 1 / members, which scores low.
 */
export function networkKey(ip: string): number {
  const family = scanNetwork(ip);
  return family === 4 ? net.p24 : family === 6 ? -1 - net.p48 : Number.NaN;
}

/** A `networkKey` as reports print it: "203.0.113.0/24" or "2001:db8:7::/48". */
export function networkName(key: number): string {
  if (key >= 0) return prefix24String(key);
  const p48 = -1 - key;
  const hi = Math.floor(p48 / 65536);
  return formatPrefix48(hi >>> 0, ((p48 % 65536) * 65536) >>> 0);
}

/** The network of an address as reports print it (`networkName(networkKey(ip))`); "" when absent. */
export function networkPrefix(ip: string): string {
  const key = networkKey(ip);
  return Number.isNaN(key) ? "" : networkName(key);
}

export function prefix24String(key: number): string {
  return `${Math.floor(key / 65536)}.${Math.floor(key / 256) % 256}.${key % 256}.0/24`;
}
