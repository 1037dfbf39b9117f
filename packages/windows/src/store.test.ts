import { hllStandardError } from "@distillguard/sketches";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReferenceStore } from "./reference.ts";
import { defaultSpec, type WindowSpec } from "./spec.ts";
import { createWindowStore, type Key, WindowStore } from "./store.ts";

// Small rings so streams of a few hundred events wrap every ring many times.
const spec = (maxKeys: number, idleTimeoutMs = 1e12): WindowSpec => ({
  rings: [
    { name: "z", bucketMs: 400, buckets: 3 }, // horizon below the lateness bound
    { name: "a", bucketMs: 1000, buckets: 4 },
    { name: "b", bucketMs: 3000, buckets: 5 },
    { name: "c", bucketMs: 10_000, buckets: 3 },
  ],
  fields: [
    { kind: "sum", name: "x", rings: ["z", "a", "b", "c"] },
    { kind: "sum", name: "y", rings: ["b"], bits: 16 },
    { kind: "distinct", name: "ips", input: "ip", rings: ["b", "c"], precision: 6 },
    {
      kind: "quantile",
      name: "xq",
      input: "x",
      rings: ["c", "a"],
      alpha: 0.1,
      bins: 8,
      quantiles: [0, 0.5, 0.9, 1],
    },
    { kind: "topk", name: "tpl", input: "t", rings: ["c", "z"], k: 3 },
    { kind: "regularity", name: "gaps", rings: ["a", "c"], gapCapMs: 2500 },
  ],
  allowedLatenessMs: 2500,
  idleTimeoutMs,
  maxKeys,
});

interface Ev {
  kind: "event";
  key: Key;
  t: number;
  x: number;
  y: number;
  ip: number;
  tpl: number;
}
type Step = Ev | { kind: "expire"; ahead: number };

/** Arrival-ordered stream: a clock that advances, events up to 4 s behind it (some beyond the 2.5 s bound). */
const streamArb = (keys: number, ipDomain: number, tplDomain: number) =>
  fc
    .array(
      fc.oneof(
        {
          weight: 30,
          arbitrary: fc.record({
            kind: fc.constant("event" as const),
            key: fc.integer({ min: 0, max: keys - 1 }).map((k): Key => (k % 2 === 0 ? k : `acct-${k}`)),
            step: fc.oneof(
              { weight: 3, arbitrary: fc.constant(0) },
              { weight: 12, arbitrary: fc.integer({ min: 0, max: 200 }) },
              { weight: 6, arbitrary: fc.integer({ min: 0, max: 1500 }) },
              { weight: 1, arbitrary: fc.integer({ min: 0, max: 40_000 }) },
            ),
            behind: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4000 })),
            x: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })),
            y: fc.integer({ min: 0, max: 3 }),
            ip: fc.integer({ min: 0, max: ipDomain }),
            tpl: fc.integer({ min: 0, max: tplDomain }),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant("expire" as const),
            ahead: fc.integer({ min: 0, max: 60_000 }),
          }),
        },
      ),
      { maxLength: 600, size: "max" },
    )
    .map((raw) => {
      let clock = 1_700_000_000_000;
      return raw.map((s): Step => {
        if (s.kind === "expire") return s;
        clock += s.step;
        return { kind: "event", key: s.key, t: clock - s.behind, x: s.x, y: s.y, ip: s.ip, tpl: s.tpl };
      });
    });

function run(store: WindowStore, ref: ReferenceStore | null, steps: Step[]): void {
  const ix = store.valueIndex("x");
  const iy = store.valueIndex("y");
  const iip = store.hashIndex("ip");
  const it = store.hashIndex("t");
  for (const s of steps) {
    if (s.kind === "expire") {
      const now = store.stats().maxEventMs + s.ahead;
      const n = store.expire(now);
      if (ref) expect(n).toBe(ref.expire(now));
      continue;
    }
    store.values[ix] = s.x;
    store.values[iy] = s.y;
    // ip 0 and template 0 mean "absent".
    store.hashes[2 * iip] = s.ip;
    store.hashes[2 * iip + 1] = 0;
    store.hashes[2 * it] = 0;
    store.hashes[2 * it + 1] = s.tpl;
    const ok = store.update(s.key, s.t);
    if (ref) expect(ok).toBe(ref.update(s.key, s.t, store.values, store.hashes));
  }
}

function hooksLog(log: string[]) {
  return {
    onLate: (k: Key, t: number, by: number) => log.push(`late ${String(k)} ${t} ${by}`),
    onEvict: (k: Key, reason: string, last: number) => log.push(`evict ${String(k)} ${reason} ${last}`),
  };
}

describe("WindowStore against the brute-force reference", () => {
  function matchesReference(
    maxKeys: fc.Arbitrary<number>,
    idle: fc.Arbitrary<number>,
    stream: fc.Arbitrary<Step[]>,
    seed: number,
    numRuns: number,
  ) {
    fc.assert(
      fc.property(
        maxKeys,
        idle,
        fc.integer({ min: 0, max: 60_000 }),
        stream,
        (maxKeys, idle, readAhead, steps) => {
          const log: string[] = [];
          const store = new WindowStore(spec(maxKeys, idle), hooksLog(log));
          const ref = new ReferenceStore(spec(maxKeys, idle));
          run(store, ref, steps);
          expect(log).toEqual(ref.log);
          for (const l of log) seen[l.startsWith("late") ? "late" : l.includes(" lru ") ? "lru" : "idle"]++;
          const st = store.stats();
          expect([st.lateEvents, st.evictions, st.expired, st.keys]).toEqual([
            ref.lateEvents,
            ref.evictions,
            ref.expired,
            ref.keys.size,
          ]);
          expect(store.keysByRecency()).toEqual([...ref.keys.keys()]);
          const n = store.layout.outputs.length;
          const got = new Float64Array(n);
          const want = new Float64Array(n);
          for (const key of ref.keys.keys()) {
            const t = store.lastEventMs(key) + readAhead;
            for (const r of store.layout.rings) {
              store.read(key, r.index, t, got);
              ref.read(key, r.index, t, want);
              compareRing(store, ref, key, r.index, t, got, want);
            }
          }
        },
      ),
      { seed, numRuns },
    );
  }

  it("matches every aggregate for out-of-order streams, with lateness, expiry and the LRU cap", () => {
    const stream = fc
      .tuple(fc.constantFrom(4, 12, 300), fc.constantFrom(3, 6))
      .chain(([ip, tpl]) => streamArb(5, ip, tpl));
    matchesReference(fc.constantFrom(2, 3, 1000), fc.constantFrom(1e12, 30_000), stream, 41, 300);
    // 300 property runs: ~2 s alone, past the 5 s default on a loaded 2-core machine.
  }, 30_000);

  it("matches with few busy keys (dense HLL buckets, top-k beyond k)", () => {
    matchesReference(fc.constant(1000), fc.constant(1e12), streamArb(2, 400, 8), 43, 100);
  });

  it("covered every interesting case in the two properties above", () => {
    for (const [k, v] of Object.entries(seen)) expect(v, k).toBeGreaterThan(20);
  });

  it("reports an unknown key as an empty window", () => {
    const store = new WindowStore(spec(10));
    const out = new Float64Array(store.layout.outputs.length).fill(7);
    expect(store.readAll("nobody", 0, out)).toBe(false);
    expect(out[store.outputIndex("count@a")]).toBe(0);
    expect(out[store.outputIndex("xq.p50@c")]).toBeNaN();
    expect(out[store.outputIndex("gaps.cv@c")]).toBeNaN();
    expect(out[store.outputIndex("ips@b")]).toBe(0);
  });
});

/** How often the main property reached each interesting case (asserted, so the generator keeps covering them). */
const seen = {
  late: 0,
  lru: 0,
  idle: 0,
  denseDistinct: 0,
  exactDistinct: 0,
  topkOverK: 0,
  collapsedQuantile: 0,
  cv: 0,
};

function compareRing(
  store: WindowStore,
  ref: ReferenceStore,
  key: Key,
  ring: number,
  t: number,
  got: Float64Array,
  want: Float64Array,
) {
  const r = store.layout.rings[ring];
  if (!r) return;
  const ctx = `key ${String(key)} ring ${r.name} T ${t}`;
  expect(got[r.out], ctx).toBe(want[r.out]);
  expect(got[r.out + 1], ctx).toBe(want[r.out + 1]);
  const evs = ref.windowEvents(key, ring, t);
  for (const op of r.ops) {
    const f = store.layout.fields[op.field];
    if (!f) continue;
    const name = `${f.spec.name}@${r.name} ${ctx}`;
    switch (f.spec.kind) {
      case "regularity":
        if (!Number.isNaN(want[op.out + 2] ?? 0)) seen.cv++;
        for (let i = 0; i < 3; i++) expect(got[op.out + i], name).toBe(want[op.out + i]);
        break;
      case "sum":
        expect(got[op.out], name).toBe(want[op.out]);
        break;
      case "distinct": {
        // Exact while every bucket in the window is sparse (≤ m/8 = 8 distinct), else HLL error.
        const perBucket = new Map<number, Set<number>>();
        for (const e of evs) {
          const h = e.hashes[f.input] ?? -1;
          const b = Math.floor(e.t / r.bucketMs);
          if (h >= 0) perBucket.set(b, (perBucket.get(b) ?? new Set()).add(h));
        }
        const truth = want[op.out] ?? 0;
        if ([...perBucket.values()].every((s) => s.size <= 8)) {
          seen.exactDistinct++;
          expect(got[op.out], name).toBe(truth);
        } else {
          seen.denseDistinct++;
          expect(Math.abs((got[op.out] ?? 0) - truth), name).toBeLessThanOrEqual(
            5 * hllStandardError(6) * truth,
          );
        }
        break;
      }
      case "quantile": {
        const alpha = f.mapping?.alpha ?? 0;
        const gamma = f.mapping?.gamma ?? 1;
        const bins = op.param;
        const xs = evs.map((e) => e.values[f.input] ?? 0);
        const max = Math.max(0, ...xs);
        f.quantiles.forEach((_, i) => {
          const w = want[op.out + i] ?? 0;
          const g = got[op.out + i] ?? 0;
          if (Number.isNaN(w)) expect(g, name).toBeNaN();
          else if (w === 0 || w >= max * gamma ** -(bins - 2))
            expect(Math.abs(g - w), name).toBeLessThanOrEqual(alpha * w * (1 + 1e-12));
          else {
            seen.collapsedQuantile++;
            expect(g, name).toBeGreaterThanOrEqual(w * (1 - alpha));
          }
        });
        break;
      }
      case "topk": {
        const all = new Set<number>();
        for (const e of ref.keys.get(key)?.events ?? [])
          if ((e.hashes[f.input] ?? -1) >= 0) all.add(e.hashes[f.input] ?? 0);
        const share = got[op.out] ?? 0;
        if (all.size <= op.param) {
          expect(share, name).toBeCloseTo(want[op.out] ?? 0, 12);
          expect(got[op.out + 1], name).toBeCloseTo(want[op.out + 1] ?? 0, 12);
          if (!Number.isNaN(want[op.out + 2] ?? 0)) expect(got[op.out + 2], name).toBe(want[op.out + 2]);
        } else if ((want[op.out] ?? 0) > 0) {
          seen.topkOverK++;
          expect(share, name).toBeGreaterThanOrEqual(1 / op.param - 1e-12);
          expect(share, name).toBeLessThanOrEqual(1);
        }
        break;
      }
    }
  }
}

describe("checkpoints", () => {
  it("changes since a mark, applied to a keyed copy, assemble the store deserialize(serialize()) gives", () => {
    fc.assert(
      fc.property(
        streamArb(8, 30, 8),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom(3, 1000),
        fc.constantFrom(1e12, 30_000),
        (steps, cuts, maxKeys, idle) => {
          const store = new WindowStore(spec(maxKeys, idle));
          store.trackRemovals();
          // What a compacted changelog holds: the latest block per key, deleted keys absent.
          const kept = new Map<Key, Uint8Array>();
          let mark: ReturnType<WindowStore["changesSince"]>["mark"] | null = null;
          const points = [...new Set(cuts.map((c) => c % (steps.length + 1)))].sort((a, b) => a - b);
          let done = 0;
          for (const at of [...points, steps.length]) {
            run(store, null, steps.slice(done, at));
            done = at;
            const c = store.changesSince(mark);
            // A key added and removed between two marks is listed too; deleting it is a no-op.
            for (const k of c.removed) kept.delete(k);
            for (const slot of c.changed) kept.set(store.keyOf(slot) as Key, store.blockOf(slot));
            mark = c.mark;
            store.forgetRemovals(mark);
            const whole = WindowStore.deserialize(store.serialize());
            const assembled = WindowStore.assemble(store.serializeHead(), kept);
            expect(Array.from(assembled.serialize())).toEqual(Array.from(whole.serialize()));
            expect([...kept.keys()].sort()).toEqual(store.keysByRecency().sort());
          }
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it("changes since the last mark are only the keys updated since, and removed keys not live again", () => {
    const store = new WindowStore(spec(1000));
    store.trackRemovals();
    for (const k of ["a", "b", "c"]) store.update(k, 1_000);
    const first = store.changesSince(null);
    expect(first.changed.map((s) => store.keyOf(s))).toEqual(["a", "b", "c"]);
    store.update("b", 1_100);
    store.delete("a");
    store.delete("c");
    store.update("c", 1_200);
    const next = store.changesSince(first.mark);
    expect(next.changed.map((s) => store.keyOf(s))).toEqual(["b", "c"]);
    expect(next.removed).toEqual(["a"]);
    expect(store.changesSince(next.mark)).toEqual({ mark: next.mark, changed: [], removed: [] });
  });

  it("serialize → deserialize → continue equals never serialised (bytes, reads, stats, hooks)", () => {
    fc.assert(
      fc.property(
        streamArb(6, 30, 8),
        fc.nat(),
        fc.constantFrom(3, 1000),
        fc.constantFrom(1e12, 30_000),
        (steps, cut, maxKeys, idle) => {
          const at = steps.length === 0 ? 0 : cut % (steps.length + 1);
          const logA: string[] = [];
          const logB: string[] = [];
          const a = new WindowStore(spec(maxKeys, idle), hooksLog(logA));
          run(a, null, steps);
          const b0 = new WindowStore(spec(maxKeys, idle), hooksLog(logB));
          run(b0, null, steps.slice(0, at));
          const bytes = b0.serialize();
          const b = WindowStore.deserialize(bytes, hooksLog(logB));
          expect(Array.from(b.serialize())).toEqual(Array.from(bytes));
          run(b, null, steps.slice(at));
          expect(Array.from(b.serialize())).toEqual(Array.from(a.serialize()));
          expect(logB).toEqual(logA);
          const { capacity: _ca, allocatedBytes: _aa, chunks: _ka, ...sa } = a.stats();
          const { capacity: _cb, allocatedBytes: _ab, chunks: _kb, ...sb } = b.stats();
          expect(sb).toEqual(sa);
          const oa = new Float64Array(a.layout.outputs.length);
          const ob = new Float64Array(a.layout.outputs.length);
          for (const k of a.keysByRecency()) {
            const t = a.stats().maxEventMs;
            a.readAll(k, t, oa);
            b.readAll(k, t, ob);
            expect(Array.from(ob)).toEqual(Array.from(oa));
          }
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it("is compact: header + spec + per key (key bytes + block)", () => {
    const s = new WindowStore(spec(100));
    for (let k = 0; k < 10; k++) s.update(k, 1_000_000 + k);
    const bytes = s.serialize();
    const specLen = new TextEncoder().encode(JSON.stringify(s.layout.spec)).length;
    expect(bytes.length).toBeLessThanOrEqual(12 + specLen + 8 + 64 + 10 * 9 + 8 + 10 * s.layout.blockBytes);
  });

  it("rejects foreign bytes", () => {
    expect(() => WindowStore.deserialize(new Uint8Array(64))).toThrow(RangeError);
  });
});

describe("lateness, expiry and eviction", () => {
  it("drops events before the watermark, reports key and lateness, and leaves state unchanged", () => {
    const log: string[] = [];
    const s = new WindowStore(spec(10), hooksLog(log));
    expect(s.update("a", 10_000)).toBe(true);
    expect(s.update("a", 7_500)).toBe(true); // exactly at the watermark: accepted
    const before = s.serialize();
    expect(s.update("b", 7_499)).toBe(false);
    expect(s.update("a", 1_000)).toBe(false);
    expect(log).toEqual(["late b 7499 1", "late a 1000 6500"]);
    const st = s.stats();
    expect([st.lateEvents, st.maxLateByMs, st.accepted, st.watermarkMs]).toEqual([2, 6500, 2, 7500]);
    // Same state but the late counters (stored in the checkpoint header).
    const again = new WindowStore(spec(10));
    again.update("a", 10_000);
    again.update("a", 7_500);
    expect(Array.from(again.serialize())).toEqual(Array.from(before));
    expect(s.has("b")).toBe(false);
  });

  it("expires idle keys by event time and evicts the least recently updated key at the cap", () => {
    const log: string[] = [];
    const s = new WindowStore(spec(2, 60_000), hooksLog(log));
    s.update("a", 0);
    s.update("b", 1000);
    s.update("a", 2000);
    s.update("c", 3000); // cap 2: evicts b, the least recently updated
    expect(log).toEqual(["evict b lru 1000"]);
    expect(s.keysByRecency()).toEqual(["a", "c"]);
    expect(s.expire(62_001)).toBe(1); // a's newest event (2000) is older than 62001 − 60000
    expect(s.expire(62_001)).toBe(0);
    expect(s.keysByRecency()).toEqual(["c"]);
    const st = s.stats();
    expect([st.evictions, st.expired, st.keys]).toEqual([1, 1, 1]);
    const out = new Float64Array(s.layout.outputs.length);
    s.update("a", 63_000);
    s.read("a", "c", 63_000, out);
    expect(out[s.outputIndex("count@c")]).toBe(1); // a starts afresh
    expect(out[s.outputIndex("gaps.count@c")]).toBe(0);
  });

  it("expires several idle keys least recently updated first, not in slot order", () => {
    const log: string[] = [];
    const s = new WindowStore(spec(10, 60_000), hooksLog(log));
    for (const k of ["a", "b", "c", "d", "e"]) s.update(k, 1000); // slots 0..4
    // Updated again (late, so the newest event time stays 1000) in another order: the
    // recency order is d, b, e, a, then c, which stays live.
    for (const k of ["d", "b", "e", "a"]) s.update(k, 900);
    s.update("c", 50_000);
    log.length = 0;
    expect(s.expire(61_001)).toBe(4);
    expect(log).toEqual(["evict d idle 1000", "evict b idle 1000", "evict e idle 1000", "evict a idle 1000"]);
    expect(s.keysByRecency()).toEqual(["c"]);
  });

  it("rejects non-finite event times", () => {
    const s = new WindowStore(spec(2));
    expect(() => s.update("a", Number.NaN)).toThrow(RangeError);
    expect(() => s.update("a", Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it("grows by whole chunks, keeps every key's state in place, allocates within one chunk of need", () => {
    const s = new WindowStore({ ...spec(5000), initialKeys: 4 });
    for (let k = 0; k < 3000; k++) s.update(k, k);
    for (let k = 0; k < 3000; k += 7) s.update(k, 3000 + k);
    expect(s.size).toBe(3000);
    const st = s.stats();
    expect(st.chunks).toBe(3);
    expect(st.capacity).toBe(3 * 1024);
    expect(st.allocatedBytes).toBeLessThan((3000 + 1024) * (st.blockBytes + 4));
    const out = new Float64Array(s.layout.outputs.length);
    for (let k = 0; k < 3000; k++) {
      s.read(k, "c", 6000, out);
      expect(out[s.outputIndex("count@c")]).toBe(k % 7 === 0 ? 2 : 1);
    }
  });
});

describe("slot access", () => {
  it("exposes the slot of the last update, its key, and reads by slot equal reads by key", () => {
    const store = createWindowStore({ ...defaultSpec, maxKeys: 100 });
    store.values.fill(1);
    store.update("a", 1_000);
    const slotA = store.lastSlot;
    store.update("b", 2_000);
    expect(store.keyOf(slotA)).toBe("a");
    expect(store.keyOf(store.lastSlot)).toBe("b");
    const byKey = new Float64Array(store.layout.outputs.length);
    const bySlot = new Float64Array(store.layout.outputs.length);
    expect(store.readAll("a", 5_000, byKey)).toBe(true);
    expect(store.readAllSlot(slotA, 5_000, bySlot)).toBe(true);
    expect([...bySlot]).toEqual([...byKey]);
    expect(store.readAllSlot(99, 5_000, bySlot)).toBe(false);
  });
});
