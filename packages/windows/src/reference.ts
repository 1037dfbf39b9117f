import { entropyBits, hash32 } from "@distillguard/sketches";
import { compileLayout, type Layout } from "./spec.ts";
import { gapStats, type Key } from "./store.ts";

/*
 * Brute-force reference for the tests, and the naive baseline of bench/windows: per key, a JS
 * array of the raw accepted events; every read recomputes its aggregates from them with the
 * window definition of time.ts. Same lateness, gap, expiry and LRU rules as WindowStore.
 * Sketch outputs are exact here (true distinct count, exact quantiles, exact top share).
 */

export interface RawEvent {
  t: number;
  values: Float64Array;
  /** Mixed hash per hash input, or -1 when absent. */
  hashes: Float64Array;
  /** Gap per field (regularity fields only; -1 = none). */
  gaps: Float64Array;
}

interface KeyState {
  events: RawEvent[];
  last: number;
}

export class ReferenceStore {
  readonly layout: Layout;
  readonly keys = new Map<Key, KeyState>(); // insertion order = least recently updated first
  maxEventMs = Number.NEGATIVE_INFINITY;
  lateEvents = 0;
  evictions = 0;
  expired = 0;
  readonly log: string[] = [];
  /** Events older than (newest event of the key − keepMs) are pruned; Infinity keeps all. */
  constructor(
    spec: Parameters<typeof compileLayout>[0],
    private readonly keepMs = Number.POSITIVE_INFINITY,
  ) {
    this.layout = compileLayout(spec);
  }

  update(key: Key, t: number, values: ArrayLike<number>, hashes: ArrayLike<number>): boolean {
    const wm = this.maxEventMs - this.layout.spec.allowedLatenessMs;
    if (t < wm) {
      this.lateEvents++;
      this.log.push(`late ${String(key)} ${t} ${wm - t}`);
      return false;
    }
    if (t > this.maxEventMs) this.maxEventMs = t;
    let st = this.keys.get(key);
    if (st) this.keys.delete(key);
    else {
      if (this.keys.size >= this.layout.spec.maxKeys) {
        const batch = Math.max(1, Math.floor(this.layout.spec.maxKeys / 64));
        for (const [oldest, s] of [...this.keys].slice(0, batch)) {
          this.keys.delete(oldest);
          this.evictions++;
          this.log.push(`evict ${String(oldest)} lru ${s.last}`);
        }
      }
      st = { events: [], last: Number.NEGATIVE_INFINITY };
    }
    this.keys.set(key, st);
    const nh = this.layout.hashInputs.length;
    const hs = new Float64Array(nh);
    for (let i = 0; i < nh; i++) {
      const hi = hashes[2 * i] ?? 0;
      const lo = hashes[2 * i + 1] ?? 0;
      hs[i] = (hi | lo) !== 0 ? hash32(hi, lo) : -1;
    }
    const gaps = new Float64Array(this.layout.fields.length).fill(-1);
    this.layout.fields.forEach((f, i) => {
      if (f.spec.kind === "regularity" && st.last !== Number.NEGATIVE_INFINITY && t >= st.last) {
        gaps[i] = Math.min(t - st.last, f.gapCapMs);
      }
    });
    st.events.push({ t, values: Float64Array.from(values), hashes: hs, gaps });
    if (t > st.last) st.last = t;
    if (this.keepMs !== Number.POSITIVE_INFINITY && (st.events[0]?.t ?? t) < st.last - this.keepMs) {
      st.events = st.events.filter((e) => e.t >= st.last - this.keepMs);
    }
    return true;
  }

  expire(nowMs: number): number {
    let n = 0;
    for (const [k, s] of [...this.keys]) {
      if (s.last < nowMs - this.layout.spec.idleTimeoutMs) {
        this.keys.delete(k);
        this.expired++;
        n++;
        this.log.push(`evict ${String(k)} idle ${s.last}`);
      }
    }
    return n;
  }

  /** Events of the key in the window of `ring` read at T. */
  windowEvents(key: Key, ring: number, t: number): RawEvent[] {
    const r = this.layout.rings[ring];
    const st = this.keys.get(key);
    if (!r || !st) return [];
    const last = Math.floor(t / r.bucketMs);
    const first = last - r.buckets + 1;
    return st.events.filter((e) => {
      const b = Math.floor(e.t / r.bucketMs);
      return b >= first && b <= last;
    });
  }

  /** Exact outputs of one ring into `out` (same indices as WindowStore). */
  read(key: Key, ring: number, t: number, out: Float64Array): void {
    const r = this.layout.rings[ring];
    if (!r) return;
    const evs = this.windowEvents(key, ring, t);
    out[r.out] = evs.length;
    out[r.out + 1] = new Set(evs.map((e) => Math.floor(e.t / r.bucketMs))).size;
    for (const op of r.ops) {
      const f = this.layout.fields[op.field];
      if (!f) continue;
      switch (f.spec.kind) {
        case "sum": {
          let s = 0;
          for (const e of evs) s += e.values[f.input] ?? 0;
          out[op.out] = s;
          break;
        }
        case "distinct": {
          out[op.out] = new Set(evs.map((e) => e.hashes[f.input] ?? -1).filter((h) => h >= 0)).size;
          break;
        }
        case "quantile": {
          const xs = evs.map((e) => e.values[f.input] ?? Number.NaN).filter((x) => !Number.isNaN(x));
          xs.sort((a, b) => a - b);
          f.quantiles.forEach((q, i) => {
            out[op.out + i] =
              xs.length === 0 ? Number.NaN : Math.max(0, xs[Math.floor(q * (xs.length - 1))] ?? 0);
          });
          break;
        }
        case "topk": {
          const counts = new Map<number, number>();
          for (const e of evs) {
            const h = e.hashes[f.input] ?? -1;
            if (h >= 0) counts.set(h, (counts.get(h) ?? 0) + 1);
          }
          const cs = [...counts.values()];
          const total = cs.reduce((a, b) => a + b, 0);
          const max = Math.max(0, ...cs);
          const tops = [...counts].filter(([, c]) => c === max);
          out[op.out] = total > 0 ? max / total : 0;
          out[op.out + 1] = entropyBits(cs, cs.length);
          out[op.out + 2] = tops.length === 1 ? (tops[0]?.[0] ?? 0) : Number.NaN;
          break;
        }
        case "regularity": {
          let n = 0;
          let sum = 0;
          let sq = 0;
          for (const e of evs) {
            const g = e.gaps[op.field] ?? -1;
            if (g >= 0) {
              n++;
              sum += g;
              sq += g * g;
            }
          }
          const { mean, cv } = gapStats(n, sum, sq);
          out[op.out] = n;
          out[op.out + 1] = mean;
          out[op.out + 2] = cv;
          break;
        }
      }
    }
  }
}
