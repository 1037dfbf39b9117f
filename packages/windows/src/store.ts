import {
  allocMem,
  entropyBits,
  HllUnion,
  hash32,
  hllInsert,
  littleEndian,
  type Mem,
  quantileAt,
  quantileBytes,
  quantileClear,
  quantileInsertKey,
  quantileInsertZero,
  quantileMerge,
} from "@distillguard/sketches";
import { compileLayout, Kind, type Layout, type Op, type RingLayout, type WindowSpec } from "./spec.ts";

export type Key = string | number;
export type EvictReason = "idle" | "lru";

/** Callbacks; the store never logs. Both run synchronously inside `update`/`expire`. */
export interface StoreHooks {
  /** An event before the watermark was dropped; `lateByMs` = watermark − event time > 0. */
  onLate?(key: Key, eventTimeMs: number, lateByMs: number): void;
  /** A key's state was removed: idle past the timeout (`expire`) or least recently updated at the cap. */
  onEvict?(key: Key, reason: EvictReason, lastEventMs: number): void;
}

export interface StoreStats {
  /** Live keys. */
  keys: number;
  /** Allocated key slots. */
  capacity: number;
  /** Events applied. */
  accepted: number;
  /** Events dropped as late, and the largest lateness seen (ms past the watermark). */
  lateEvents: number;
  maxLateByMs: number;
  /** Keys evicted by the LRU cap, and removed by `expire`. */
  evictions: number;
  expired: number;
  /** Max event time seen (−∞ before any), and watermark = that − allowed lateness. */
  maxEventMs: number;
  watermarkMs: number;
  /** Bytes of one key's state, and of all slot storage allocated (state + LRU links). */
  blockBytes: number;
  allocatedBytes: number;
  /** Storage chunks allocated (each a fixed number of slots). */
  chunks: number;
}

const EMPTY_HEAD = Number.NEGATIVE_INFINITY;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
const ZERO_KEY = Number.NEGATIVE_INFINITY;

interface OpScratch {
  union: HllUnion | null;
  qmem: Mem | null;
  counts: Float64Array | null;
}

/**
 * Event-time sliding-window state for many keys. Window definition: see `time.ts`.
 *
 * Usage per event: fill `values` and `hashes` (indices from `layout.valueInputs` /
 * `layout.hashInputs`, or `valueIndex(name)` / `hashIndex(name)`), then `update(key, t)`.
 * Reads fill a caller-provided Float64Array of `layout.outputs.length`.
 */
export class WindowStore {
  readonly layout: Layout;
  /** Event row read by `update`: one value per value input (sums, quantiles; NaN = absent for quantiles). */
  readonly values: Float64Array;
  /** Event row read by `update`: two uint32 per hash input, hi then lo; (0, 0) = absent. */
  readonly hashes: Uint32Array;

  private readonly hooks: StoreHooks;
  private readonly block: number;
  private readonly maxKeys: number;
  /**
   * Slot storage in fixed chunks of 2^chunkShift slots: growth adds a chunk instead of copying
   * everything into a buffer twice the size, so allocation stays within one chunk of the live
   * state and no pause grows with the key count. `mem` is the chunk of the slot last addressed
   * through `at` (a cursor: every block access goes through `at` first).
   */
  private readonly chunks: Mem[] = [];
  private readonly chunkShift: number;
  private readonly chunkMask: number;
  private mem: Mem;
  private capacity: number;
  private readonly map = new Map<Key, number>();
  private keys: Array<Key | undefined> = [];
  /** Arrival counter; each key's block holds the value of its latest update (its recency). */
  private clock = 0;
  private free: Int32Array;
  private freeTop = 0;
  private highWater = 0;
  private live = 0;

  private accepted = 0;
  private lateEvents = 0;
  private maxLateByMs = 0;
  private evictions = 0;
  private expired = 0;
  private maxEventMs = Number.NEGATIVE_INFINITY;
  /** Keys removed since `trackRemovals`, oldest first; `removedBase` counts those forgotten. */
  private removedLog: Key[] | null = null;
  private removedBase = 0;

  // Per-event scratch (no allocation on the hot path).
  private readonly mixed: Uint32Array;
  private readonly present: Uint8Array;
  private readonly perField: Float64Array;
  private readonly quantileFields: number[];
  private readonly regularityFields: number[];
  private readonly scratch: OpScratch[][];
  private readonly outIndex: Map<string, number>;
  private readonly ringByName: Map<string, number>;
  private readonly minT: number;
  private readonly maxT: number;

  constructor(spec: WindowSpec, hooks: StoreHooks = {}) {
    this.layout = compileLayout(spec);
    this.hooks = hooks;
    this.block = this.layout.blockBytes;
    this.maxKeys = spec.maxKeys;
    this.values = new Float64Array(this.layout.valueInputs.length);
    this.hashes = new Uint32Array(2 * this.layout.hashInputs.length);
    this.mixed = new Uint32Array(this.layout.hashInputs.length);
    this.present = new Uint8Array(this.layout.hashInputs.length);
    this.perField = new Float64Array(this.layout.fields.length);
    this.quantileFields = [];
    this.regularityFields = [];
    this.layout.fields.forEach((f, i) => {
      if (f.spec.kind === "quantile") this.quantileFields.push(i);
      if (f.spec.kind === "regularity") this.regularityFields.push(i);
    });
    this.scratch = this.layout.rings.map((r) =>
      r.ops.map((op) => ({
        union: op.kind === Kind.Distinct ? new HllUnion(op.param, 64 * r.buckets) : null,
        qmem: op.kind === Kind.Quantile ? allocMem(quantileBytes(op.param)) : null,
        counts: op.kind === Kind.TopK ? new Float64Array(op.param) : null,
      })),
    );
    this.outIndex = new Map(this.layout.outputs.map((n, i) => [n, i]));
    this.ringByName = new Map(this.layout.rings.map((r) => [r.name, r.index]));
    this.maxT = Number.MAX_SAFE_INTEGER;
    this.minT = -Number.MAX_SAFE_INTEGER;
    const chunkSlots = 2 ** Math.ceil(Math.log2(Math.max(1, Math.min(this.maxKeys, 1024))));
    this.chunkShift = Math.log2(chunkSlots);
    this.chunkMask = chunkSlots - 1;
    const initial = Math.max(1, Math.min(this.maxKeys, spec.initialKeys ?? chunkSlots));
    this.capacity = 0;
    this.free = new Int32Array(0);
    this.mem = allocMem(0);
    while (this.capacity < initial) this.grow();
  }

  /** Points `mem` at the slot's chunk and returns the slot's byte offset inside it. */
  private at(slot: number): number {
    this.mem = this.chunks[slot >>> this.chunkShift] as Mem;
    return (slot & this.chunkMask) * this.block;
  }

  /** Index into `values` of a value input. */
  valueIndex(name: string): number {
    const i = this.layout.valueInputs.indexOf(name);
    if (i < 0) throw new RangeError(`no value input ${name}; inputs: ${this.layout.valueInputs.join(", ")}`);
    return i;
  }

  /** Index of a hash input: its hi word is `hashes[2i]`, lo word `hashes[2i + 1]`. */
  hashIndex(name: string): number {
    const i = this.layout.hashInputs.indexOf(name);
    if (i < 0) throw new RangeError(`no hash input ${name}; inputs: ${this.layout.hashInputs.join(", ")}`);
    return i;
  }

  /** Index of a named output in the read vector, e.g. `outputIndex("ips@24h/6h")`. */
  outputIndex(name: string): number {
    const i = this.outIndex.get(name);
    if (i === undefined) throw new RangeError(`no output ${name}`);
    return i;
  }

  ringIndex(name: string): number {
    const i = this.ringByName.get(name);
    if (i === undefined) throw new RangeError(`no ring ${name}`);
    return i;
  }

  get watermarkMs(): number {
    return this.maxEventMs - this.layout.spec.allowedLatenessMs;
  }

  get size(): number {
    return this.live;
  }

  has(key: Key): boolean {
    return this.map.has(key);
  }

  /** Newest event time applied for the key (−∞ when unknown). */
  lastEventMs(key: Key): number {
    const s = this.map.get(key);
    if (s === undefined) return Number.NEGATIVE_INFINITY;
    const base = this.at(s);
    return this.mem.f64[base >>> 3] ?? 0;
  }

  stats(): StoreStats {
    return {
      keys: this.live,
      capacity: this.capacity,
      accepted: this.accepted,
      lateEvents: this.lateEvents,
      maxLateByMs: this.maxLateByMs,
      evictions: this.evictions,
      expired: this.expired,
      maxEventMs: this.maxEventMs,
      watermarkMs: this.watermarkMs,
      blockBytes: this.block,
      allocatedBytes: this.capacity * (this.block + 4),
      chunks: this.chunks.length,
    };
  }

  /**
   * Applies one event, reading the row in `values`/`hashes`. Returns false when the event is
   * late (before the watermark): then nothing changes but the late counters, and `onLate` is
   * called. Throws RangeError on a time that is not a finite number within ±2^53.
   */
  update(key: Key, eventTimeMs: number): boolean {
    const t = eventTimeMs;
    if (!(t >= this.minT && t <= this.maxT))
      throw new RangeError(`event time ${t} is not a finite ms timestamp in range`);
    const watermark = this.maxEventMs - this.layout.spec.allowedLatenessMs;
    if (t < watermark) {
      const lateBy = watermark - t;
      this.lateEvents++;
      if (lateBy > this.maxLateByMs) this.maxLateByMs = lateBy;
      this.hooks.onLate?.(key, t, lateBy);
      return false;
    }
    if (t > this.maxEventMs) this.maxEventMs = t;
    const slot = this.intern(key);
    this.lastSlot = slot;
    // Recency for the LRU cap: a stamp in the block's header line, which `apply` touches anyway.
    // An exact LRU linked list touched two more random cache lines per event; replacing it
    // took the update row of bench/windows from ~640k to ~710k events/s (synthetic, 130k keys).
    const base = this.at(slot);
    this.mem.f64[(base >>> 3) + 1] = ++this.clock;
    this.apply(base, t);
    this.accepted++;
    return true;
  }

  /**
   * Applies n events given as rows: `values` holds n × valueInputs, `hashes` n × 2·hashInputs,
   * row-major. Returns the number accepted.
   */
  updateBatch(
    keys: ArrayLike<Key>,
    times: ArrayLike<number>,
    values: Float64Array,
    hashes: Uint32Array,
    n: number,
  ): number {
    const nv = this.values.length;
    const nh = this.hashes.length;
    let ok = 0;
    for (let e = 0; e < n; e++) {
      for (let i = 0; i < nv; i++) this.values[i] = values[e * nv + i] ?? 0;
      for (let i = 0; i < nh; i++) this.hashes[i] = hashes[e * nh + i] ?? 0;
      if (this.update(keys[e] as Key, times[e] ?? Number.NaN)) ok++;
    }
    return ok;
  }

  /**
   * Fills the outputs of one ring (`layout.rings[ring].outputs`, at their indices in `out`) for
   * the window read at `nowMs`. Exact for nowMs in or after the key's newest bucket of the ring;
   * for earlier times, buckets that slid out of the ring are missing. Unknown key: empty window,
   * returns false.
   */
  read(key: Key, ring: number | string, nowMs: number, out: Float64Array): boolean {
    const r = this.layout.rings[typeof ring === "number" ? ring : this.ringIndex(ring)];
    if (r === undefined) throw new RangeError(`no ring ${ring}`);
    const slot = this.map.get(key);
    this.readRing(slot ?? -1, r, nowMs, out);
    return slot !== undefined;
  }

  /**
   * Slot of the key the last accepted `update` applied to: lets a caller keep per-key side
   * data in its own typed arrays without a second key lookup. A slot is reused after its key
   * expires or is evicted, so pair it with `keyOf`.
   */
  lastSlot = -1;

  /** The slot a live key lives in. */
  slotOf(key: Key): number | undefined {
    return this.map.get(key);
  }

  /** The key living in `slot`, or undefined for a free slot. */
  keyOf(slot: number): Key | undefined {
    return this.keys[slot];
  }

  /** `readAll` by slot (from `lastSlot`), skipping the key lookup. */
  readAllSlot(slot: number, nowMs: number, out: Float64Array): boolean {
    const live = this.keys[slot] !== undefined;
    for (const r of this.layout.rings) this.readRing(live ? slot : -1, r, nowMs, out);
    return live;
  }

  /** `read` for every ring. */
  readAll(key: Key, nowMs: number, out: Float64Array): boolean {
    const slot = this.map.get(key);
    for (const r of this.layout.rings) this.readRing(slot ?? -1, r, nowMs, out);
    return slot !== undefined;
  }

  /** Removes keys whose newest event is older than nowMs − idleTimeoutMs, least recently updated first. */
  expire(nowMs: number): number {
    const threshold = nowMs - this.layout.spec.idleTimeoutMs;
    // Only the idle slots are ordered (every evaluation calls this; sorting every live slot
    // was a sort of the whole store each time). The order is liveSlots': a stable sort of
    // the slots in slot order by recency.
    const found: number[] = [];
    for (let s = 0; s < this.highWater; s++) {
      if (this.keys[s] !== undefined && this.lastOf(s) < threshold) found.push(s);
    }
    const stamps = new Float64Array(found.length);
    for (let i = 0; i < found.length; i++) stamps[i] = this.recencyOf(found[i] as number);
    const idle = found
      .map((_, i) => i)
      .sort((a, b) => (stamps[a] as number) - (stamps[b] as number))
      .map((i) => found[i] as number);
    for (const s of idle) this.remove(s, "idle");
    this.expired += idle.length;
    return idle.length;
  }

  /** Removes one key; returns whether it was present. */
  delete(key: Key): boolean {
    const s = this.map.get(key);
    if (s === undefined) return false;
    this.remove(s, null);
    return true;
  }

  /** Keys from least to most recently updated. */
  keysByRecency(): Key[] {
    return this.liveSlots().map((s) => this.keys[s] as Key);
  }

  /** Live slots, least recently updated first (O(n log n): for expiry, eviction and checkpoints). */
  private liveSlots(): number[] {
    const slots: number[] = [];
    const stamps = new Float64Array(this.highWater);
    for (let s = 0; s < this.highWater; s++) {
      if (this.keys[s] === undefined) continue;
      slots.push(s);
      stamps[s] = this.recencyOf(s);
    }
    return slots.sort((a, b) => (stamps[a] as number) - (stamps[b] as number));
  }

  /** Recency stamp of a live slot: what least recently updated orders by. */
  private recencyOf(slot: number): number {
    const base = this.at(slot);
    return this.mem.f64[(base >>> 3) + 1] ?? 0;
  }

  /** Newest event time of a live slot. */
  private lastOf(slot: number): number {
    const base = this.at(slot);
    return this.mem.f64[base >>> 3] ?? 0;
  }

  // ---- hot path -------------------------------------------------------------------------

  /** `base`: the slot's offset in `mem`, from `at`. */
  private apply(base: number, t: number): void {
    const mem = this.mem;
    const f64 = mem.f64;
    const u32 = mem.u32;
    const last = f64[base >>> 3] ?? 0;
    const layout = this.layout;

    const nh = this.present.length;
    for (let i = 0; i < nh; i++) {
      const hi = this.hashes[2 * i] ?? 0;
      const lo = this.hashes[2 * i + 1] ?? 0;
      this.present[i] = (hi | lo) !== 0 ? 1 : 0;
      this.mixed[i] = hash32(hi, lo);
    }
    for (const f of this.quantileFields) {
      const info = layout.fields[f];
      const v = this.values[info?.input ?? 0] ?? Number.NaN;
      this.perField[f] = v > 0 && info?.mapping ? info.mapping.key(v) : v <= 0 ? ZERO_KEY : Number.NaN;
    }
    for (const f of this.regularityFields) {
      const cap = layout.fields[f]?.gapCapMs ?? 0;
      // Gap = time since the key's newest event, for events not older than it (arrival order).
      this.perField[f] = last === Number.NEGATIVE_INFINITY || t < last ? -1 : Math.min(t - last, cap);
    }
    if (t > last) f64[base >>> 3] = t;

    const heads = (base + HEADS) >>> 3;
    for (const r of layout.rings) {
      const n = r.buckets;
      const b = Math.floor(t / r.bucketMs);
      const h = f64[heads + r.index] ?? 0;
      if (h === EMPTY_HEAD) f64[heads + r.index] = b;
      else if (b > h) {
        this.advance(base, r, h, b);
        f64[heads + r.index] = b;
      } else if (b <= h - n) continue; // slid out of this ring already: in no window at or after the head
      const j = mod(b, n);
      const bo = base + r.bucketsOff + j * r.bucketBytes;
      const ci = (bo + r.countOff) >>> 2;
      const c = u32[ci] ?? 0;
      if (c !== U32_MAX) u32[ci] = c + 1;
      for (const op of r.ops) this.applyOp(op, base, r, bo, j);
    }
  }

  private applyOp(op: Op, base: number, r: RingLayout, bo: number, j: number): void {
    const mem = this.mem;
    switch (op.kind) {
      case Kind.Sum32: {
        const v = this.values[op.input] ?? 0;
        if (v !== 0) {
          const i = (bo + op.off) >>> 2;
          const s = (mem.u32[i] ?? 0) + v;
          mem.u32[i] = Math.min(U32_MAX, Math.max(0, s));
        }
        return;
      }
      case Kind.Sum16: {
        const v = this.values[op.input] ?? 0;
        if (v !== 0) {
          const i = (bo + op.off) >>> 1;
          const s = (mem.u16[i] ?? 0) + v;
          mem.u16[i] = Math.min(U16_MAX, Math.max(0, s));
        }
        return;
      }
      case Kind.Distinct:
        if (this.present[op.input] === 1) hllInsert(mem, bo + op.off, op.param, this.mixed[op.input] ?? 0);
        return;
      case Kind.Quantile: {
        const k = this.perField[op.input] ?? Number.NaN;
        if (k === ZERO_KEY) quantileInsertZero(mem, bo + op.off, 1);
        else if (!Number.isNaN(k)) quantileInsertKey(mem, bo + op.off, op.param, k, 1);
        return;
      }
      case Kind.TopK:
        if (this.present[op.input] === 1) this.topkInsert(op, base, r, j, this.mixed[op.input] ?? 0);
        return;
      case Kind.Regularity: {
        const g = this.perField[op.input] ?? -1;
        if (g >= 0) {
          const o = bo + op.off;
          mem.f64[o >>> 3] = (mem.f64[o >>> 3] ?? 0) + g * g;
          mem.u32[(o + 8) >>> 2] = (mem.u32[(o + 8) >>> 2] ?? 0) + g;
          mem.u32[(o + 12) >>> 2] = (mem.u32[(o + 12) >>> 2] ?? 0) + 1;
        }
        return;
      }
    }
  }

  /**
   * Sliding space-saving: k item hashes per ring, each with a count per bucket. A tracked item
   * counts in the event's bucket; a new item takes a counter whose counts are all zero, else the
   * one with the smallest ring total (lowest index on ties) and inherits its counts (as
   * space-saving does), so per bucket the counts still sum to the events with this input.
   */
  private topkInsert(op: Op, base: number, r: RingLayout, j: number, x: number): void {
    const u32 = this.mem.u32;
    const k = op.param;
    const hashes = (base + r.off + op.ringOff) >>> 2;
    const counts = (base + r.bucketsOff + j * r.bucketBytes + op.off) >>> 2;
    for (let i = 0; i < k; i++) {
      if (u32[hashes + i] === x) {
        u32[counts + i] = (u32[counts + i] ?? 0) + 1;
        return;
      }
    }
    let best = 0;
    let bestTotal = Number.POSITIVE_INFINITY;
    const stride = r.bucketBytes >>> 2;
    const first = (base + r.bucketsOff + op.off) >>> 2;
    for (let i = 0; i < k; i++) {
      let total = 0;
      for (let q = 0; q < r.buckets; q++) total += u32[first + q * stride + i] ?? 0;
      if (total < bestTotal) {
        bestTotal = total;
        best = i;
        if (total === 0) break;
      }
    }
    u32[hashes + best] = x;
    u32[counts + best] = (u32[counts + best] ?? 0) + 1;
  }

  // Clears the buckets a head move from `head` to `b` recycles, with plain uint32 stores rather
  // than a TypedArray#fill call per 4–224 byte bucket. This and `mod` below together took the
  // update row of bench/windows from ~660k to ~750k events/s (synthetic stream, 130k keys).
  private advance(base: number, r: RingLayout, head: number, b: number): void {
    const n = r.buckets;
    const u32 = this.mem.u32;
    const words = r.bucketBytes >>> 2;
    const start = (base + r.bucketsOff) >>> 2;
    if (b - head >= n) {
      for (let i = start, end = start + n * words; i < end; i++) u32[i] = 0;
      return;
    }
    let j = mod(head + 1, n);
    for (let x = head + 1; x <= b; x++) {
      const from = start + j * words;
      for (let i = from; i < from + words; i++) u32[i] = 0;
      if (++j === n) j = 0;
    }
  }

  private readRing(slot: number, r: RingLayout, t: number, out: Float64Array): void {
    const ops = r.ops;
    const scratch = this.scratch[r.index] as OpScratch[];
    for (let oi = 0; oi < ops.length; oi++) {
      const op = ops[oi] as Op;
      const sc = scratch[oi] as OpScratch;
      switch (op.kind) {
        case Kind.Distinct:
          sc.union?.reset();
          break;
        case Kind.Quantile:
          if (sc.qmem) quantileClear(sc.qmem, 0, op.param);
          break;
        case Kind.TopK:
          sc.counts?.fill(0);
          break;
        case Kind.Regularity:
          out[op.out + 2] = 0;
          out[op.out + 1] = 0;
          out[op.out] = 0;
          break;
        default:
          out[op.out] = 0;
      }
    }
    let count = 0;
    let active = 0;
    const n = r.buckets;
    const base = slot < 0 ? 0 : this.at(slot);
    const mem = this.mem;
    const u32 = mem.u32;
    const head = slot < 0 ? EMPTY_HEAD : (mem.f64[((base + HEADS) >>> 3) + r.index] ?? EMPTY_HEAD);
    if (head !== EMPTY_HEAD) {
      const last = Math.floor(t / r.bucketMs);
      const lo = Math.max(last - n + 1, head - n + 1);
      const hi = Math.min(last, head);
      for (let b = lo; b <= hi; b++) {
        const j = mod(b, n);
        const bo = base + r.bucketsOff + j * r.bucketBytes;
        const c = u32[(bo + r.countOff) >>> 2] ?? 0;
        if (c === 0) continue;
        count += c;
        active++;
        for (let oi = 0; oi < ops.length; oi++) {
          const op = ops[oi] as Op;
          const o = bo + op.off;
          switch (op.kind) {
            case Kind.Sum32:
              out[op.out] = (out[op.out] ?? 0) + (u32[o >>> 2] ?? 0);
              break;
            case Kind.Sum16:
              out[op.out] = (out[op.out] ?? 0) + (mem.u16[o >>> 1] ?? 0);
              break;
            case Kind.Distinct:
              scratch[oi]?.union?.addRegion(mem, o);
              break;
            case Kind.Quantile: {
              const q = scratch[oi]?.qmem;
              if (q) quantileMerge(q, 0, mem, o, op.param);
              break;
            }
            case Kind.TopK: {
              const counts = scratch[oi]?.counts;
              if (counts)
                for (let i = 0; i < op.param; i++) counts[i] = (counts[i] ?? 0) + (u32[(o >>> 2) + i] ?? 0);
              break;
            }
            case Kind.Regularity:
              out[op.out + 2] = (out[op.out + 2] ?? 0) + (mem.f64[o >>> 3] ?? 0);
              out[op.out + 1] = (out[op.out + 1] ?? 0) + (u32[(o + 8) >>> 2] ?? 0);
              out[op.out] = (out[op.out] ?? 0) + (u32[(o + 12) >>> 2] ?? 0);
              break;
          }
        }
      }
    }
    out[r.out] = count;
    out[r.out + 1] = active;
    for (let oi = 0; oi < ops.length; oi++) {
      const op = ops[oi] as Op;
      const sc = scratch[oi] as OpScratch;
      switch (op.kind) {
        case Kind.Distinct:
          out[op.out] = sc.union ? sc.union.estimate() : 0;
          break;
        case Kind.Quantile: {
          const info = this.layout.fields[op.field];
          info?.quantiles.forEach((q, i) => {
            out[op.out + i] =
              sc.qmem && info.mapping ? quantileAt(sc.qmem, 0, op.param, info.mapping, q) : Number.NaN;
          });
          break;
        }
        case Kind.TopK: {
          const counts = sc.counts as Float64Array;
          let total = 0;
          let top = -1;
          let topCount = 0;
          for (let i = 0; i < op.param; i++) {
            const c = counts[i] ?? 0;
            total += c;
            if (c > topCount) {
              topCount = c;
              top = i;
            }
          }
          out[op.out] = total > 0 ? topCount / total : 0;
          out[op.out + 1] = entropyBits(counts, op.param);
          out[op.out + 2] = top < 0 ? 0 : (u32[((base + r.off + op.ringOff) >>> 2) + top] ?? 0);
          break;
        }
        case Kind.Regularity: {
          const gaps = out[op.out] ?? 0;
          const sum = out[op.out + 1] ?? 0;
          const sumSq = out[op.out + 2] ?? 0;
          const { mean, cv } = gapStats(gaps, sum, sumSq);
          out[op.out + 1] = mean;
          out[op.out + 2] = cv;
          break;
        }
        default:
      }
    }
  }

  // ---- keys, LRU, slots -----------------------------------------------------------------

  private intern(key: Key): number {
    const s = this.map.get(key);
    if (s !== undefined) return s;
    if (this.live >= this.maxKeys) this.evictLru();
    let slot: number;
    if (this.freeTop > 0) slot = this.free[--this.freeTop] ?? 0;
    else {
      if (this.highWater === this.capacity) this.grow();
      slot = this.highWater++;
    }
    this.initSlot(slot);
    this.map.set(key, slot);
    this.keys[slot] = key;
    this.live++;
    return slot;
  }

  /**
   * At the cap: evicts the max(1, ⌊maxKeys/64⌋) least recently updated keys at once, so the
   * O(n log n) scan is paid once per that many new keys.
   */
  private evictLru(): void {
    const batch = Math.max(1, Math.floor(this.maxKeys / 64));
    for (const s of this.liveSlots().slice(0, batch)) {
      this.remove(s, "lru");
      this.evictions++;
    }
  }

  private initSlot(slot: number): void {
    const base = this.at(slot);
    this.mem.u8.fill(0, base, base + this.block);
    this.mem.f64[base >>> 3] = Number.NEGATIVE_INFINITY;
    this.mem.f64.fill(EMPTY_HEAD, (base + HEADS) >>> 3, ((base + HEADS) >>> 3) + this.layout.rings.length);
  }

  private remove(slot: number, reason: EvictReason | null): void {
    const key = this.keys[slot] as Key;
    const last = this.lastOf(slot);
    this.map.delete(key);
    this.keys[slot] = undefined;
    this.free[this.freeTop++] = slot;
    this.live--;
    this.removedLog?.push(key);
    if (reason) this.hooks.onEvict?.(key, reason, last);
  }

  private grow(): void {
    const slots = this.chunkMask + 1;
    this.chunks.push(allocMem(slots * this.block));
    const cap = this.capacity + slots;
    const free = new Int32Array(cap);
    free.set(this.free);
    this.free = free;
    this.capacity = cap;
  }

  // ---- changes since a mark (incremental checkpoints) -----------------------------------

  /**
   * Starts journaling removed keys (expiry, eviction, `delete`) for `changesSince`. Off by
   * default: a store nobody checkpoints incrementally would keep every removed key.
   */
  trackRemovals(): void {
    this.removedLog ??= [];
  }

  /**
   * What changed since `since` (null: since the start, i.e. everything). A block changes only
   * in `update`, which stamps it with the next recency clock, so the changed keys are the live
   * ones stamped after `since.clock`, least recently updated first; `removed` lists the keys
   * removed since then and not live now (needs `trackRemovals` before `since` was taken). Pass
   * the returned mark to the next call once these changes are durable, and to `forgetRemovals`.
   */
  changesSince(since: ChangeMark | null): { mark: ChangeMark; changed: number[]; removed: Key[] } {
    const mark: ChangeMark = {
      clock: this.clock,
      removals: this.removedBase + (this.removedLog?.length ?? 0),
    };
    const after = since?.clock ?? Number.NEGATIVE_INFINITY;
    const changed: number[] = [];
    const stamps = new Float64Array(this.highWater);
    for (let s = 0; s < this.highWater; s++) {
      if (this.keys[s] === undefined) continue;
      const base = this.at(s);
      const stamp = this.mem.f64[(base >>> 3) + 1] ?? 0;
      if (stamp <= after) continue;
      changed.push(s);
      stamps[s] = stamp;
    }
    changed.sort((a, b) => (stamps[a] as number) - (stamps[b] as number));
    const removed: Key[] = [];
    if (since && this.removedLog) {
      if (since.removals < this.removedBase)
        throw new RangeError("removals before this mark were already forgotten");
      const seen = new Set<Key>();
      for (let i = since.removals - this.removedBase; i < this.removedLog.length; i++) {
        const k = this.removedLog[i] as Key;
        if (!this.map.has(k) && !seen.has(k)) {
          seen.add(k);
          removed.push(k);
        }
      }
    }
    return { mark, changed, removed };
  }

  /** Drops the journaled removals up to `mark` (they are durable). */
  forgetRemovals(mark: ChangeMark): void {
    if (!this.removedLog) return;
    const n = Math.min(this.removedLog.length, Math.max(0, mark.removals - this.removedBase));
    this.removedLog.splice(0, n);
    this.removedBase += n;
  }

  /**
   * A copy of a live slot's block (what `serialize` stores for its key), followed by `extra`
   * zero bytes for the caller's own per-key data.
   */
  blockOf(slot: number, extra = 0): Uint8Array {
    if (this.keys[slot] === undefined) throw new RangeError(`slot ${slot} holds no key`);
    const base = this.at(slot);
    const out = new Uint8Array(this.block + extra);
    out.set(this.mem.u8.subarray(base, base + this.block));
    return out;
  }

  /** The mark of now (`changesSince` of it is empty), and removals journaled from here on. */
  markNow(): ChangeMark {
    this.trackRemovals();
    return { clock: this.clock, removals: this.removedBase + (this.removedLog?.length ?? 0) };
  }

  /** The recency stamp of a block from `blockOf`/`serialize`: restores order keys by it. */
  static stampOf(block: Uint8Array): number {
    return new DataView(block.buffer, block.byteOffset, block.byteLength).getFloat64(8, littleEndian);
  }

  /** `serialize()` without the keys: spec and counters, the part an incremental checkpoint rewrites each time. */
  serializeHead(): Uint8Array {
    return this.serializeSlots([]);
  }

  /**
   * Rebuilds a store from `serializeHead()` and every live key's block: the same store, byte
   * for byte, as `deserialize(serialize())` of the store they were taken from (keys are placed
   * least recently updated first, by the stamps in their blocks, as `serialize` orders them).
   */
  static assemble(
    head: Uint8Array,
    entries: Iterable<readonly [Key, Uint8Array]>,
    hooks: StoreHooks = {},
  ): WindowStore {
    const { store, statsAt, st } = WindowStore.openHead(head, hooks);
    const list = [...entries];
    const stamps = list.map(([, b]) => WindowStore.stampOf(b));
    const order = list.map((_, i) => i).sort((a, b) => (stamps[a] as number) - (stamps[b] as number));
    const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(statsAt + 56, true);
    if (n !== 0) throw new RangeError("assemble takes a head without keys (serializeHead)");
    for (const i of order) {
      const [k, block] = list[i] as readonly [Key, Uint8Array];
      if (block.length !== store.block)
        throw new RangeError(`block of ${block.length} bytes, this layout needs ${store.block}`);
      if (store.map.has(k)) throw new RangeError(`key ${String(k)} given twice`);
      const base = store.at(store.intern(k));
      store.mem.u8.set(block, base);
    }
    store.restoreStats(st);
    return store;
  }

  // ---- checkpoints ----------------------------------------------------------------------

  /**
   * Compact checkpoint: header, the spec as JSON, counters, then every live key from least to
   * most recently updated with its block. Slot numbers are not stored, so the bytes depend only
   * on the observable state: equal stores serialise equal.
   */
  serialize(): Uint8Array {
    return this.serializeSlots(this.liveSlots());
  }

  private serializeSlots(live: number[]): Uint8Array {
    const enc = new TextEncoder();
    const specBytes = enc.encode(JSON.stringify(this.layout.spec));
    const keyBytes: Uint8Array[] = [];
    const slots: number[] = [];
    let keysLen = 0;
    for (const s of live) {
      const k = this.keys[s] as Key;
      const kb = typeof k === "number" ? numberKey(k) : stringKey(enc.encode(k));
      keyBytes.push(kb);
      keysLen += kb.length;
      slots.push(s);
    }
    const headLen = 8 + 4 + specBytes.length;
    const statsAt = align8(headLen);
    const keysAt = statsAt + STATS_BYTES;
    const blocksAt = align8(keysAt + keysLen);
    const out = new Uint8Array(blocksAt + slots.length * this.block);
    const dv = new DataView(out.buffer);
    out.set(MAGIC, 0);
    out[4] = FORMAT;
    out[5] = littleEndian ? 1 : 0;
    dv.setUint32(8, specBytes.length, true);
    out.set(specBytes, 12);
    const st = [
      this.maxEventMs,
      this.accepted,
      this.lateEvents,
      this.maxLateByMs,
      this.evictions,
      this.expired,
      this.clock,
    ];
    st.forEach((v, i) => {
      dv.setFloat64(statsAt + 8 * i, v, true);
    });
    dv.setUint32(statsAt + 56, slots.length, true);
    dv.setUint32(statsAt + 60, this.block, true);
    let p = keysAt;
    for (const kb of keyBytes) {
      out.set(kb, p);
      p += kb.length;
    }
    slots.forEach((s, i) => {
      const base = this.at(s);
      out.set(this.mem.u8.subarray(base, base + this.block), blocksAt + i * this.block);
    });
    return out;
  }

  /** Rebuilds a store from `serialize()` bytes (its spec travels with it). */
  static deserialize(bytes: Uint8Array, hooks: StoreHooks = {}): WindowStore {
    const { store, statsAt, st } = WindowStore.openHead(bytes, hooks);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = dv.getUint32(statsAt + 56, true);
    const block = store.block;
    const dec = new TextDecoder();
    let p = statsAt + STATS_BYTES;
    const keys: Key[] = [];
    for (let i = 0; i < n; i++) {
      if (bytes[p] === 0) {
        keys.push(dv.getFloat64(p + 1, true));
        p += 9;
      } else {
        const len = dv.getUint32(p + 1, true);
        keys.push(dec.decode(bytes.subarray(p + 5, p + 5 + len)));
        p += 5 + len;
      }
    }
    const blocksAt = align8(p);
    keys.forEach((k, i) => {
      const base = store.at(store.intern(k));
      store.mem.u8.set(bytes.subarray(blocksAt + i * block, blocksAt + (i + 1) * block), base);
    });
    store.restoreStats(st);
    return store;
  }

  /** Checks and reads the part of a checkpoint before the keys: an empty store of its spec, and its counters. */
  private static openHead(
    bytes: Uint8Array,
    hooks: StoreHooks,
  ): { store: WindowStore; statsAt: number; st: number[] } {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < 4; i++)
      if (bytes[i] !== MAGIC[i]) throw new RangeError("not a window store checkpoint");
    if (bytes[4] !== FORMAT) throw new RangeError(`unknown checkpoint format ${bytes[4]}`);
    if ((bytes[5] === 1) !== littleEndian)
      throw new RangeError("checkpoint was written with the other byte order");
    const specLen = dv.getUint32(8, true);
    const spec = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + specLen))) as WindowSpec;
    const statsAt = align8(12 + specLen);
    const block = dv.getUint32(statsAt + 60, true);
    const store = new WindowStore(spec, hooks);
    if (block !== store.block)
      throw new RangeError(`checkpoint block is ${block} bytes, this layout needs ${store.block}`);
    const st = [0, 1, 2, 3, 4, 5, 6].map((i) => dv.getFloat64(statsAt + 8 * i, true));
    return { store, statsAt, st };
  }

  private restoreStats(st: number[]): void {
    [
      this.maxEventMs,
      this.accepted,
      this.lateEvents,
      this.maxLateByMs,
      this.evictions,
      this.expired,
      this.clock,
    ] = st as [number, number, number, number, number, number, number];
  }
}

/** A point in a store's history, from `changesSince`: its recency clock and removal count then. */
export interface ChangeMark {
  clock: number;
  removals: number;
}

const MAGIC = new Uint8Array([0x44, 0x47, 0x57, 0x53]); // "DGWS"
const STATS_BYTES = 7 * 8 + 8;
/** Block header: f64 newest event time, f64 recency stamp, then one f64 head bucket per ring. */
const HEADS = 16;
const FORMAT = 1;

/**
 * b mod n in [0, n) for integer-valued doubles. Bucket indices are doubles (Float64Array heads,
 * Math.floor of ms), so `%` compiles to a float fmod; floor-division avoids it (see `advance`).
 */
function mod(b: number, n: number): number {
  return b - Math.floor(b / n) * n;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function numberKey(k: number): Uint8Array {
  const b = new Uint8Array(9);
  new DataView(b.buffer).setFloat64(1, k, true);
  return b;
}

function stringKey(utf8: Uint8Array): Uint8Array {
  const b = new Uint8Array(5 + utf8.length);
  b[0] = 1;
  new DataView(b.buffer).setUint32(1, utf8.length, true);
  b.set(utf8, 5);
  return b;
}

/** Mean gap and coefficient of variation (σ/mean, population σ) from exact sums; NaN when undefined. */
export function gapStats(gaps: number, sum: number, sumSq: number): { mean: number; cv: number } {
  if (gaps === 0) return { mean: Number.NaN, cv: Number.NaN };
  const mean = sum / gaps;
  if (gaps < 2 || mean === 0) return { mean, cv: Number.NaN };
  const variance = Math.max(0, sumSq / gaps - mean * mean);
  return { mean, cv: Math.sqrt(variance) / mean };
}

/** A store for `spec`; `WindowStore.deserialize` restores one from a checkpoint. */
export function createWindowStore(spec: WindowSpec, hooks: StoreHooks = {}): WindowStore {
  return new WindowStore(spec, hooks);
}
