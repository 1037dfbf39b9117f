import { allocMem, type Mem } from "./mem.ts";

/*
 * Log-bucket quantile sketch (DDSketch's mapping, Masson et al. 2019) with a fixed number of
 * bins, as a region of a shared buffer.
 *
 * Mapping: γ = (1 + α)/(1 − α); a value x > 0 goes to key k = ⌈ln x / ln γ⌉, i.e. the bin
 * (γ^(k−1), γ^k], and is read back as 2γ^k/(γ + 1), which is within relative error α of every
 * value in the bin. Values ≤ 0 go to a zero bin and read back as 0. NaN is ignored.
 *
 * Region at byte offset `off` (4-aligned), B bins:
 *   i32 top     key of the highest bin
 *   u32 zero    count of values ≤ 0
 *   u32 × B     counts of keys top − B + 1 … top
 * Total quantileBytes(B) = 8 + 4B (72 bytes at B = 16).
 *
 * Bounded bins: `top` is always the largest key seen, and keys below top − B + 1 are collapsed
 * into the lowest bin (DDSketch's "collapsing lowest" store). So the state depends only on the
 * multiset added (canonical: merge(a, b) is byte-equal to the sketch of the union), and
 * quantile(q) is within relative error α of the exact quantile whenever that quantile is 0 or
 * lies in the top B bins, i.e. ≥ max·γ^−(B−1) (at α = 0.1, B = 16: ≥ max/20). Lower quantiles
 * are overestimated, never underestimated. Counts are uint32 per bin (saturating).
 *
 * Exact quantile, as the tests define it: the value at 0-based rank ⌊q·(n − 1)⌋ of the sorted
 * values.
 */

export function quantileBytes(bins: number): number {
  checkBins(bins);
  return 8 + 4 * bins;
}

export function checkBins(bins: number): void {
  if (!Number.isInteger(bins) || bins < 2 || bins > 4096)
    throw new RangeError(`quantile bins ${bins} is not an integer in 2..4096`);
}

/** Value ↔ key mapping for a relative accuracy α in (0, 1). */
export class LogMapping {
  readonly alpha: number;
  readonly gamma: number;
  private readonly invLnGamma: number;

  constructor(alpha: number) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`relative accuracy ${alpha} is not in (0, 1)`);
    this.alpha = alpha;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.invLnGamma = 1 / Math.log(this.gamma);
  }

  /** Key of a value > 0. */
  key(x: number): number {
    return Math.ceil(Math.log(x) * this.invLnGamma);
  }

  /** Representative value of a key: within α of every value in its bin. */
  value(k: number): number {
    return (2 * this.gamma ** k) / (this.gamma + 1);
  }
}

const U32_MAX = 0xffffffff;

export function quantileClear(mem: Mem, off: number, bins: number): void {
  mem.u8.fill(0, off, off + 8 + 4 * bins);
}

/** Adds `weight` values ≤ 0. */
export function quantileInsertZero(mem: Mem, off: number, weight: number): void {
  const z = (off >>> 2) + 1;
  mem.u32[z] = Math.min(U32_MAX, (mem.u32[z] ?? 0) + weight);
}

/** Adds `weight` values of key `k` (from `LogMapping.key`). */
export function quantileInsertKey(mem: Mem, off: number, bins: number, k: number, weight: number): void {
  const u32 = mem.u32;
  const h = off >>> 2;
  const base = h + 2;
  const top = mem.i32[h] ?? 0;
  // Invariant: the top bin is non-zero unless no value > 0 was added (then `top` is ignored).
  if ((u32[base + bins - 1] ?? 0) === 0) {
    mem.i32[h] = k;
    u32[base + bins - 1] = weight;
    return;
  }
  let i: number;
  if (k > top) {
    const d = k - top;
    // Shift down by d: new bin i holds old bin i + d; old bins 0..d collapse into new bin 0.
    if (d >= bins) {
      let s = 0;
      for (let j = 0; j < bins; j++) s += u32[base + j] ?? 0;
      u32.fill(0, base, base + bins);
      u32[base] = Math.min(U32_MAX, s);
    } else {
      let s = 0;
      for (let j = 0; j <= d; j++) s += u32[base + j] ?? 0;
      u32.copyWithin(base + 1, base + d + 1, base + bins);
      u32.fill(0, base + bins - d, base + bins);
      u32[base] = Math.min(U32_MAX, s);
    }
    mem.i32[h] = k;
    i = bins - 1;
  } else {
    i = k - top + bins - 1;
    if (i < 0) i = 0;
  }
  u32[base + i] = Math.min(U32_MAX, (u32[base + i] ?? 0) + weight);
}

export function quantileInsert(mem: Mem, off: number, bins: number, mapping: LogMapping, x: number): void {
  if (x > 0) quantileInsertKey(mem, off, bins, mapping.key(x), 1);
  else if (x <= 0) quantileInsertZero(mem, off, 1);
}

/** dst ← dst ∪ src (same bin count). */
export function quantileMerge(dst: Mem, dstOff: number, src: Mem, srcOff: number, bins: number): void {
  const h = srcOff >>> 2;
  const z = src.u32[h + 1] ?? 0;
  if (z > 0) quantileInsertZero(dst, dstOff, z);
  const top = src.i32[h] ?? 0;
  // Highest key first, so dst shifts at most once and lower keys land in place or collapse.
  for (let i = bins - 1; i >= 0; i--) {
    const c = src.u32[h + 2 + i] ?? 0;
    if (c > 0) quantileInsertKey(dst, dstOff, bins, top - bins + 1 + i, c);
  }
}

export function quantileCount(mem: Mem, off: number, bins: number): number {
  const h = off >>> 2;
  let n = mem.u32[h + 1] ?? 0;
  for (let i = 0; i < bins; i++) n += mem.u32[h + 2 + i] ?? 0;
  return n;
}

/** Estimated quantile q ∈ [0, 1]; NaN when empty. */
export function quantileAt(mem: Mem, off: number, bins: number, mapping: LogMapping, q: number): number {
  const n = quantileCount(mem, off, bins);
  if (n === 0) return Number.NaN;
  const rank = Math.floor(Math.min(1, Math.max(0, q)) * (n - 1));
  const h = off >>> 2;
  let c = mem.u32[h + 1] ?? 0;
  if (c > rank) return 0;
  const top = mem.i32[h] ?? 0;
  for (let i = 0; i < bins; i++) {
    c += mem.u32[h + 2 + i] ?? 0;
    if (c > rank) return mapping.value(top - bins + 1 + i);
  }
  return mapping.value(top);
}

const FORMAT = 1;

/** A standalone quantile sketch: one region in its own buffer. */
export class QuantileSketch {
  readonly mapping: LogMapping;
  readonly bins: number;
  readonly mem: Mem;

  constructor(alpha = 0.02, bins = 128) {
    this.mapping = new LogMapping(alpha);
    this.bins = bins;
    this.mem = allocMem(quantileBytes(bins));
  }

  add(x: number): void {
    quantileInsert(this.mem, 0, this.bins, this.mapping, x);
  }

  merge(other: QuantileSketch): void {
    if (other.bins !== this.bins || other.mapping.alpha !== this.mapping.alpha) {
      throw new RangeError("cannot merge quantile sketches of different α or bin count");
    }
    quantileMerge(this.mem, 0, other.mem, 0, this.bins);
  }

  quantile(q: number): number {
    return quantileAt(this.mem, 0, this.bins, this.mapping, q);
  }

  get count(): number {
    return quantileCount(this.mem, 0, this.bins);
  }

  /** [format, f64 α, u16 bins, region bytes…]: 11 + quantileBytes(bins) bytes. */
  serialize(): Uint8Array {
    const n = quantileBytes(this.bins);
    const out = new Uint8Array(11 + n);
    const dv = new DataView(out.buffer);
    out[0] = FORMAT;
    dv.setFloat64(1, this.mapping.alpha, true);
    dv.setUint16(9, this.bins, true);
    out.set(this.mem.u8.subarray(0, n), 11);
    return out;
  }

  static deserialize(bytes: Uint8Array): QuantileSketch {
    if (bytes[0] !== FORMAT) throw new RangeError(`unknown quantile sketch format ${bytes[0]}`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const s = new QuantileSketch(dv.getFloat64(1, true), dv.getUint16(9, true));
    if (bytes.length !== 11 + quantileBytes(s.bins))
      throw new RangeError("quantile sketch bytes have the wrong length");
    s.mem.u8.set(bytes.subarray(11));
    return s;
  }
}
