/** MurmurHash3's 32-bit finaliser: a bijection on uint32 that spreads every input bit. */
export function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The 32-bit value every sketch here works on, from a 64-bit hash given as two uint32 halves
 * (`hi` = first four bytes big-endian of an 8-byte hash, `lo` = the last four). A 32-bit hash
 * or a small integer (IPv4 address, ASN) is passed as `(h, 0)`. Mixing makes raw integers safe
 * inputs; `hash32(h, 0) = fmix32(h)`, a bijection, so distinct 32-bit inputs stay distinct.
 */
export function hash32(hi: number, lo: number): number {
  return fmix32((hi ^ fmix32(lo)) >>> 0);
}

/** `hash32` of an 8-byte hash (e.g. a template hash), big-endian as on the wire. */
export function hash32OfBytes(b: Uint8Array, offset = 0): number {
  const hi =
    (((b[offset] ?? 0) << 24) |
      ((b[offset + 1] ?? 0) << 16) |
      ((b[offset + 2] ?? 0) << 8) |
      (b[offset + 3] ?? 0)) >>>
    0;
  const lo =
    (((b[offset + 4] ?? 0) << 24) |
      ((b[offset + 5] ?? 0) << 16) |
      ((b[offset + 6] ?? 0) << 8) |
      (b[offset + 7] ?? 0)) >>>
    0;
  return hash32(hi, lo);
}
