/**
 * 64-bit hashing without BigInt: every 64-bit value is a pair of 32-bit halves (hi, lo).
 *
 * WIRE CONTRACT. `hash64(s)` = murmur3 `fmix64`( FNV-1a-64( UTF-8 bytes of `s` ) ), big-endian.
 * Hashes are persisted and compared across services and versions; the vectors pinned in
 * hash.test.ts must never change. A new algorithm needs a new field, not a new value here.
 */

/** 8 bytes, big-endian; on the wire as Avro `fixed(8)`. */
export type Hash64 = Uint8Array;

export const FNV64_OFFSET_HI = 0xcbf29ce4 | 0;
export const FNV64_OFFSET_LO = 0x84222325 | 0;

// Halves are signed int32 and all arithmetic is on 16-bit limbs or Math.imul, so no
// intermediate leaves V8's small-integer range: a first version with uint32 halves and
// float carries (`/ 2^32`, `%`) ran simhash64 at half the speed in bench/fingerprint.
//
// Result register of the helpers below. Returning a tuple would allocate once per term in
// the simhash loop; one shared register is safe because every caller is synchronous.
export const acc = { hi: 0, lo: 0 };

/**
 * Feeds the UTF-8 encoding of `s[start..end)` (UTF-16 indices) into an FNV-1a-64 state:
 * per byte, state ^= byte; state *= 0x100000001b3 (mod 2^64). Lone surrogates are encoded
 * as U+FFFD, as TextEncoder does.
 */
export function fnvUtf8(hi: number, lo: number, s: string, start: number, end: number): void {
  // 16-bit limbs, least significant first. The prime is 2^40 + 0x1b3, so the product needs
  // only limb * 0x1b3 plus the two low limbs shifted left 8 into the two high ones.
  let v0 = lo & 0xffff;
  let v1 = lo >>> 16;
  let v2 = hi & 0xffff;
  let v3 = hi >>> 16;
  let pending = 0; // bytes of the current code point still to feed, most significant first
  let cp = 0;
  let i = start;
  for (;;) {
    let byte: number;
    if (pending > 0) {
      pending--;
      byte = 0x80 | ((cp >>> (6 * pending)) & 0x3f);
    } else {
      if (i >= end) break;
      cp = s.charCodeAt(i++);
      if (cp < 0x80) {
        byte = cp;
      } else {
        if (cp >= 0xd800 && cp <= 0xdfff) {
          const next = i < end ? s.charCodeAt(i) : 0;
          if (cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
            i++;
          } else {
            cp = 0xfffd;
          }
        }
        if (cp < 0x800) {
          byte = 0xc0 | (cp >>> 6);
          pending = 1;
        } else if (cp < 0x10000) {
          byte = 0xe0 | (cp >>> 12);
          pending = 2;
        } else {
          byte = 0xf0 | (cp >>> 18);
          pending = 3;
        }
      }
    }
    v0 ^= byte;
    const t0 = v0 * 0x1b3;
    const t1 = v1 * 0x1b3 + (t0 >>> 16);
    const t2 = v2 * 0x1b3 + (v0 << 8) + (t1 >>> 16);
    v3 = (v3 * 0x1b3 + (v1 << 8) + (t2 >>> 16)) & 0xffff;
    v0 = t0 & 0xffff;
    v1 = t1 & 0xffff;
    v2 = t2 & 0xffff;
  }
  acc.hi = (v3 << 16) | v2;
  acc.lo = (v1 << 16) | v0;
}

/** (ah:al) * (bh:bl) mod 2^64. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  // High half of al * bl from 16-bit pieces; every partial sum stays below 2^35, and the
  // final `| 0` reduces mod 2^32.
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const m1 = a1 * b0;
  const m2 = a0 * b1;
  const mid = ((a0 * b0) >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  acc.hi = (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16) + Math.imul(ah, bl) + Math.imul(al, bh)) | 0;
  acc.lo = Math.imul(al, bl);
}

/**
 * murmur3's 64-bit finaliser. FNV-1a alone leaves a short token's last byte in the low bits
 * only, so words sharing a prefix would agree on many simhash bits; fmix64 spreads every
 * input bit over all 64.
 */
export function fmix64(hi: number, lo: number): void {
  let h = hi;
  let l = lo ^ (h >>> 1); // k ^= k >>> 33
  mul64(h, l, 0xff51afd7 | 0, 0xed558ccd | 0);
  h = acc.hi;
  l = acc.lo ^ (h >>> 1);
  mul64(h, l, 0xc4ceb9fe | 0, 0x1a85ec53);
  h = acc.hi;
  acc.lo = acc.lo ^ (h >>> 1);
  acc.hi = h;
}

export function toHash64(hi: number, lo: number): Hash64 {
  const out = new Uint8Array(8);
  out[0] = hi >>> 24;
  out[1] = (hi >>> 16) & 0xff;
  out[2] = (hi >>> 8) & 0xff;
  out[3] = hi & 0xff;
  out[4] = lo >>> 24;
  out[5] = (lo >>> 16) & 0xff;
  out[6] = (lo >>> 8) & 0xff;
  out[7] = lo & 0xff;
  return out;
}

/** Plain FNV-1a-64 of the UTF-8 bytes; exported so the spec's first stage has its own vectors. */
export function fnv1a64(s: string): Hash64 {
  fnvUtf8(FNV64_OFFSET_HI, FNV64_OFFSET_LO, s, 0, s.length);
  return toHash64(acc.hi, acc.lo);
}

/** fmix64(FNV-1a-64(UTF-8 bytes of `s`)): the hash behind every fingerprint in this package. */
export function hash64(s: string): Hash64 {
  fnvUtf8(FNV64_OFFSET_HI, FNV64_OFFSET_LO, s, 0, s.length);
  fmix64(acc.hi, acc.lo);
  return toHash64(acc.hi, acc.lo);
}

function checkHash64(h: Hash64, name: string): void {
  if (h.length !== 8) throw new RangeError(`${name} must be 8 bytes, got ${h.length}`);
}

const POPCOUNT8 = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let v = i; v !== 0; v >>>= 1) n += v & 1;
  return n;
});

export function hammingDistance(a: Hash64, b: Hash64): number {
  checkHash64(a, "a");
  checkHash64(b, "b");
  let d = 0;
  for (let i = 0; i < 8; i++) d += POPCOUNT8[((a[i] ?? 0) ^ (b[i] ?? 0)) & 0xff] ?? 0;
  return d;
}

/** 16 lowercase hex characters, most significant byte first. */
export function hash64Hex(h: Hash64): string {
  checkHash64(h, "hash");
  let s = "";
  for (const byte of h) s += byte.toString(16).padStart(2, "0");
  return s;
}

export function hash64FromHex(hex: string): Hash64 {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new RangeError(`expected 16 lowercase hex characters, got "${hex}"`);
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
