/** Integer mixing for synthetic fingerprints: no allocation, no BigInt, stable forever. */
export function mix32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Writes a pseudo-random 64-bit value derived from (a, b) into out[0..8). */
export function writeHash(out: Buffer, a: number, b: number): void {
  out.writeUInt32BE(mix32(a, b), 0);
  out.writeUInt32BE(mix32(b ^ 0x5bd1e995, a + 0x1b873593), 4);
}

/** Flips `count` bits of out, chosen by (seed, i): near-duplicates of a base hash. */
export function flipBits(out: Buffer, count: number, seed: number): void {
  for (let i = 0; i < count; i++) {
    const bit = mix32(seed, i) & 63;
    const byte = bit >> 3;
    out[byte] = (out[byte] as number) ^ (1 << (bit & 7));
  }
}
