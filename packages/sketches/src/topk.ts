import { fmix32, hash32 } from "./hash.ts";
import { allocMem, type Mem } from "./mem.ts";

/*
 * Space-saving top-k (Metwally et al. 2005) with k counters, as a region of a shared buffer.
 *
 * Region at byte offset `off` (4-aligned): u32 × k item hashes, then u32 × k counts; a counter
 * with count 0 is free. topkBytes(k) = 8k (48 bytes at k = 6).
 *
 * add(x, w): if x is tracked its count grows by w; else a free counter takes it; else the
 * counter with the smallest count (lowest index on ties) is given to x and grows by w. The
 * counts always sum to the total weight N added, and for every tracked item
 * true(x) ≤ count(x) ≤ true(x) + N/k; an untracked item has true(x) ≤ min count ≤ N/k.
 * With at most k distinct items every count is exact.
 */

export function topkBytes(k: number): number {
  checkK(k);
  return 8 * k;
}

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > 64)
    throw new RangeError(`top-k size ${k} is not an integer in 1..64`);
}

/** Adds weight w of the mixed 32-bit hash x. */
export function topkInsert(mem: Mem, off: number, k: number, x: number, w: number): void {
  const u32 = mem.u32;
  const h = off >>> 2;
  const c = h + k;
  let free = -1;
  let min = -1;
  let minCount = Number.POSITIVE_INFINITY;
  for (let i = 0; i < k; i++) {
    const n = u32[c + i] ?? 0;
    if (n === 0) {
      if (free < 0) free = i;
    } else if (u32[h + i] === x) {
      u32[c + i] = n + w;
      return;
    } else if (n < minCount) {
      minCount = n;
      min = i;
    }
  }
  if (free >= 0) {
    u32[h + free] = x;
    u32[c + free] = w;
    return;
  }
  u32[h + min] = x;
  u32[c + min] = minCount + w;
}

/** dst ← dst + src: src's counters are added to dst as weighted items (highest count first). */
export function topkMerge(dst: Mem, dstOff: number, src: Mem, srcOff: number, k: number): void {
  const h = srcOff >>> 2;
  const order = sortedCounters(src, srcOff, k);
  for (const i of order) topkInsert(dst, dstOff, k, src.u32[h + i] ?? 0, src.u32[h + k + i] ?? 0);
}

function sortedCounters(mem: Mem, off: number, k: number): number[] {
  const h = off >>> 2;
  const idx: number[] = [];
  for (let i = 0; i < k; i++) if ((mem.u32[h + k + i] ?? 0) > 0) idx.push(i);
  return idx.sort((a, b) => (mem.u32[h + k + b] ?? 0) - (mem.u32[h + k + a] ?? 0) || a - b);
}

/**
 * Shannon entropy in bits of the counts' shares, Σ −pᵢ log₂ pᵢ with pᵢ = cᵢ/Σc (0 when empty).
 * Over space-saving counters this is the entropy of the item distribution when there are at
 * most k distinct items; with more, the tail is folded into the tracked counters, so it is a
 * concentration score bounded by log₂ k (0 = a single item), not the full entropy.
 */
export function entropyBits(counts: ArrayLike<number>, n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i] ?? 0;
  if (total <= 0) return 0;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i] ?? 0;
    if (c > 0) {
      const p = c / total;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

const FORMAT = 1;

/** A standalone space-saving summary: one region in its own buffer. */
export class SpaceSaving {
  readonly k: number;
  readonly mem: Mem;

  constructor(k = 6) {
    this.k = k;
    this.mem = allocMem(topkBytes(k));
  }

  add(hi: number, lo: number, weight = 1): void {
    topkInsert(this.mem, 0, this.k, hash32(hi, lo), weight);
  }

  addHash32(h: number, weight = 1): void {
    topkInsert(this.mem, 0, this.k, fmix32(h), weight);
  }

  merge(other: SpaceSaving): void {
    if (other.k !== this.k) throw new RangeError(`cannot merge top-${other.k} into top-${this.k}`);
    topkMerge(this.mem, 0, other.mem, 0, this.k);
  }

  /** Total weight added. */
  get total(): number {
    let t = 0;
    for (let i = 0; i < this.k; i++) t += this.mem.u32[this.k + i] ?? 0;
    return t;
  }

  /** Tracked items, highest count first: mixed hash (`hash32`) and count (an overestimate by ≤ N/k). */
  top(): Array<{ hash: number; count: number }> {
    return sortedCounters(this.mem, 0, this.k).map((i) => ({
      hash: this.mem.u32[i] ?? 0,
      count: this.mem.u32[this.k + i] ?? 0,
    }));
  }

  /** Largest count / total (0 when empty): the top item's share, overestimated by ≤ 1/k. */
  topShare(): number {
    const t = this.total;
    return t === 0 ? 0 : (this.top()[0]?.count ?? 0) / t;
  }

  entropyBits(): number {
    return entropyBits(this.mem.u32.subarray(this.k, 2 * this.k), this.k);
  }

  /** [format, k, region bytes…]: 2 + 8k bytes. */
  serialize(): Uint8Array {
    const out = new Uint8Array(2 + topkBytes(this.k));
    out[0] = FORMAT;
    out[1] = this.k;
    out.set(this.mem.u8.subarray(0, topkBytes(this.k)), 2);
    return out;
  }

  static deserialize(bytes: Uint8Array): SpaceSaving {
    if (bytes[0] !== FORMAT) throw new RangeError(`unknown top-k format ${bytes[0]}`);
    const s = new SpaceSaving(bytes[1] ?? 0);
    if (bytes.length !== 2 + topkBytes(s.k)) throw new RangeError("top-k bytes have the wrong length");
    s.mem.u8.set(bytes.subarray(2));
    return s;
  }
}
