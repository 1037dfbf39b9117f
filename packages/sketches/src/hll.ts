import { fmix32, hash32 } from "./hash.ts";
import { allocMem, type Mem } from "./mem.ts";

/*
 * HyperLogLog over 32-bit hashes, as a fixed-size region of a shared buffer.
 *
 * Region at byte offset `off` (4-aligned), precision p (4..16), m = 2^p registers:
 *   u32 header   number of sparse entries (0..sparseCapacity), or DENSE
 *   m/2 bytes    sparse: sorted distinct uint32 hashes; dense: m 4-bit registers (two a byte,
 *                register j in the low nibble of byte j/2 when j is even, the high nibble when odd)
 * Total hllBytes(p) = 4 + m/2 (36 bytes at p = 6, 132 at p = 8).
 *
 * Sparse mode stores the hashes themselves, so small sets are counted exactly (up to 32-bit
 * collisions: ~n²/2³³). It turns dense when one more distinct hash would not fit. Dense mode
 * is classic HLL (Flajolet et al. 2007) with linear counting below 2.5m: standard error
 * 1.04/√m (13% at p = 6, 6.5% at p = 8). Registers are 4 bits, so ρ is capped at 15: estimates
 * stay unbiased up to ≈ m·2^12 distinct values (262k at p = 6), far above per-key needs.
 *
 * The state is canonical: it depends only on the set of hashes added, not on order or on how
 * it was split across merges (sparse entries are kept sorted). So merge(a, b) is byte-equal to
 * the sketch of the union, which the tests check.
 */

export const HLL_DENSE = 0xffffffff;
const RHO_MAX = 15;
const SPARSE_LIMIT = 64;

export function hllBytes(p: number): number {
  checkPrecision(p);
  return 4 + (1 << p) / 2;
}

/** Distinct hashes the sparse form holds before it turns dense: min(64, m/8). */
export function hllSparseCapacity(p: number): number {
  return Math.min(SPARSE_LIMIT, (1 << p) >>> 3);
}

export function checkPrecision(p: number): void {
  if (!Number.isInteger(p) || p < 4 || p > 16)
    throw new RangeError(`HLL precision ${p} is not an integer in 4..16`);
}

/** Relative standard error of the dense estimator: 1.04/√m. */
export function hllStandardError(p: number): number {
  return 1.04 / Math.sqrt(1 << p);
}

export function hllClear(mem: Mem, off: number, p: number): void {
  mem.u8.fill(0, off, off + 4 + (1 << p) / 2);
}

export function hllIsDense(mem: Mem, off: number): boolean {
  return mem.u32[off >>> 2] === HLL_DENSE;
}

const scratch = new Uint32Array(SPARSE_LIMIT + 1);

/** Adds an already mixed 32-bit hash (see `hash32`). */
export function hllInsert(mem: Mem, off: number, p: number, x: number): void {
  const u32 = mem.u32;
  const h = off >>> 2;
  const n = u32[h] ?? 0;
  if (n !== HLL_DENSE) {
    const base = h + 1;
    let i = 0;
    while (i < n && (u32[base + i] ?? 0) < x) i++;
    if (i < n && u32[base + i] === x) return;
    if (n < hllSparseCapacity(p)) {
      for (let j = n; j > i; j--) u32[base + j] = u32[base + j - 1] ?? 0;
      u32[base + i] = x;
      u32[h] = n + 1;
      return;
    }
    toDense(mem, off, p);
  }
  setRegister(mem.u8, off + 4, p, x);
}

function toDense(mem: Mem, off: number, p: number): void {
  const u32 = mem.u32;
  const h = off >>> 2;
  const n = u32[h] ?? 0;
  for (let i = 0; i < n; i++) scratch[i] = u32[h + 1 + i] ?? 0;
  mem.u8.fill(0, off + 4, off + 4 + (1 << p) / 2);
  u32[h] = HLL_DENSE;
  for (let i = 0; i < n; i++) setRegister(mem.u8, off + 4, p, scratch[i] ?? 0);
}

/** Register index and ρ (position of the first 1 bit after the index bits, capped at 15). */
export function hllRho(p: number, x: number): number {
  const w = (x << p) >>> 0;
  const rho = w === 0 ? 33 - p : Math.clz32(w) + 1;
  return Math.min(rho, RHO_MAX);
}

function setRegister(u8: Uint8Array, body: number, p: number, x: number): void {
  const j = x >>> (32 - p);
  const rho = hllRho(p, x);
  const at = body + (j >>> 1);
  const shift = (j & 1) << 2;
  const cur = ((u8[at] ?? 0) >>> shift) & 15;
  if (rho > cur) u8[at] = ((u8[at] ?? 0) & ~(15 << shift)) | (rho << shift);
}

/** dst ← dst ∪ src (same precision; the regions may be in different buffers). */
export function hllMerge(dst: Mem, dstOff: number, src: Mem, srcOff: number, p: number): void {
  const n = src.u32[srcOff >>> 2] ?? 0;
  if (n !== HLL_DENSE) {
    for (let i = 0; i < n; i++) hllInsert(dst, dstOff, p, src.u32[(srcOff >>> 2) + 1 + i] ?? 0);
    return;
  }
  if (dst.u32[dstOff >>> 2] !== HLL_DENSE) toDense(dst, dstOff, p);
  const a = dst.u8;
  const b = src.u8;
  const bytes = (1 << p) / 2;
  for (let i = 0; i < bytes; i++) {
    const x = a[dstOff + 4 + i] ?? 0;
    const y = b[srcOff + 4 + i] ?? 0;
    const lo = Math.max(x & 15, y & 15);
    const hi = Math.max(x & 0xf0, y & 0xf0);
    a[dstOff + 4 + i] = hi | lo;
  }
}

const inversePow2 = Float64Array.from({ length: 64 }, (_, r) => 2 ** -r);

/** HLL estimate from m registers (1 byte each). */
export function estimateFromRegisters(regs: Uint8Array, m: number): number {
  let sum = 0;
  let zeros = 0;
  for (let j = 0; j < m; j++) {
    const r = regs[j] ?? 0;
    sum += inversePow2[r] ?? 0;
    if (r === 0) zeros++;
  }
  const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
  const raw = (alpha * m * m) / sum;
  if (raw <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
  return raw;
}

const unpacked = new Uint8Array(1 << 16);

export function hllEstimate(mem: Mem, off: number, p: number): number {
  const n = mem.u32[off >>> 2] ?? 0;
  if (n !== HLL_DENSE) return n;
  const m = 1 << p;
  const u8 = mem.u8;
  for (let i = 0; i < m / 2; i++) {
    const b = u8[off + 4 + i] ?? 0;
    unpacked[2 * i] = b & 15;
    unpacked[2 * i + 1] = b >>> 4;
  }
  return estimateFromRegisters(unpacked, m);
}

/**
 * Union of many HLL regions of one precision, for reads that merge a window's buckets.
 * Keeps up to `sparseCapacity` distinct hashes exactly (more than one region holds), so a
 * union of sparse regions is counted exactly while it fits; otherwise it is the dense HLL of
 * the union. Reusable: `reset()`, `add…`, `estimate()`; allocates nothing after construction.
 */
export class HllUnion {
  readonly p: number;
  private readonly m: number;
  private readonly set: Uint32Array;
  private size = 0;
  private dense = false;
  private readonly regs: Uint8Array;

  constructor(p: number, sparseCapacity = 256) {
    checkPrecision(p);
    this.p = p;
    this.m = 1 << p;
    this.set = new Uint32Array(sparseCapacity);
    this.regs = new Uint8Array(this.m);
  }

  reset(): void {
    this.size = 0;
    if (this.dense) this.regs.fill(0);
    this.dense = false;
  }

  /** Adds a mixed 32-bit hash. */
  insert(x: number): void {
    if (this.dense) {
      this.setReg(x);
      return;
    }
    const set = this.set;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((set[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.size && set[lo] === x) return;
    if (this.size === set.length) {
      this.goDense();
      this.setReg(x);
      return;
    }
    set.copyWithin(lo + 1, lo, this.size);
    set[lo] = x;
    this.size++;
  }

  addRegion(mem: Mem, off: number): void {
    const n = mem.u32[off >>> 2] ?? 0;
    if (n !== HLL_DENSE) {
      for (let i = 0; i < n; i++) this.insert(mem.u32[(off >>> 2) + 1 + i] ?? 0);
      return;
    }
    if (!this.dense) this.goDense();
    const regs = this.regs;
    const u8 = mem.u8;
    for (let i = 0; i < this.m / 2; i++) {
      const b = u8[off + 4 + i] ?? 0;
      if ((b & 15) > (regs[2 * i] ?? 0)) regs[2 * i] = b & 15;
      if (b >>> 4 > (regs[2 * i + 1] ?? 0)) regs[2 * i + 1] = b >>> 4;
    }
  }

  estimate(): number {
    return this.dense ? estimateFromRegisters(this.regs, this.m) : this.size;
  }

  private goDense(): void {
    this.dense = true;
    for (let i = 0; i < this.size; i++) this.setReg(this.set[i] ?? 0);
    this.size = 0;
  }

  private setReg(x: number): void {
    const j = x >>> (32 - this.p);
    const rho = hllRho(this.p, x);
    if (rho > (this.regs[j] ?? 0)) this.regs[j] = rho;
  }
}

const FORMAT = 1;

/** A standalone HyperLogLog: one region in its own buffer. */
export class HyperLogLog {
  readonly p: number;
  readonly mem: Mem;

  constructor(p = 6) {
    this.p = p;
    this.mem = allocMem(hllBytes(p));
  }

  /** Adds a 64-bit hash given as two uint32 halves; a 32-bit value is `add(h, 0)`. */
  add(hi: number, lo: number): void {
    hllInsert(this.mem, 0, this.p, hash32(hi, lo));
  }

  addHash32(h: number): void {
    hllInsert(this.mem, 0, this.p, fmix32(h));
  }

  merge(other: HyperLogLog): void {
    if (other.p !== this.p) throw new RangeError(`cannot merge HLL precision ${other.p} into ${this.p}`);
    hllMerge(this.mem, 0, other.mem, 0, this.p);
  }

  estimate(): number {
    return hllEstimate(this.mem, 0, this.p);
  }

  get isDense(): boolean {
    return hllIsDense(this.mem, 0);
  }

  /** [format, p, region bytes…]: 2 + hllBytes(p) bytes. */
  serialize(): Uint8Array {
    const n = hllBytes(this.p);
    const out = new Uint8Array(2 + n);
    out[0] = FORMAT;
    out[1] = this.p;
    out.set(this.mem.u8.subarray(0, n), 2);
    return out;
  }

  static deserialize(bytes: Uint8Array): HyperLogLog {
    const p = bytes[1] ?? 0;
    if (bytes[0] !== FORMAT) throw new RangeError(`unknown HLL format ${bytes[0]}`);
    const h = new HyperLogLog(p);
    if (bytes.length !== 2 + hllBytes(p))
      throw new RangeError(`HLL p=${p} needs ${2 + hllBytes(p)} bytes, got ${bytes.length}`);
    h.mem.u8.set(bytes.subarray(2));
    return h;
  }
}
