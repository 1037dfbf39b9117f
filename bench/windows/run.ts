// Window engine throughput on one core: update (and update + read of every output) events/s
// with ≥ 100k active keys, bytes per active key, and a naive baseline in the same run.
// See README.md here.
//   node --expose-gc --import tsx bench/windows/run.ts [--duration 2h] [--accounts 200000] [--repeats 3]
//     [--baseline-seconds 60] [--jitter-ms 2000]
import { parseArgs } from "node:util";
import { loadAzureTrace, parseDuration, type RequestSink, simulate } from "@distillguard/simulator";
// Relative imports until bench/package.json lists the two packages (needs a pnpm install).
import { defaultSpec, WindowStore } from "../../packages/windows/src/index.ts";
import { ReferenceStore } from "../../packages/windows/src/reference.ts";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "2h" },
    accounts: { type: "string", default: "200000" },
    scenario: { type: "string", default: "all" },
    repeats: { type: "string", default: "3" },
    "baseline-seconds": { type: "string", default: "60" },
    "jitter-ms": { type: "string", default: "2000" },
  },
});

const gc = (globalThis as { gc?: () => void }).gc;

// ---- the stream: simulator requests copied into columns (not timed) ----------------------
const capacity = 8_000_000;
const keyIds = new Int32Array(capacity);
const times = new Float64Array(capacity);
const VALUES = ["inputTokens", "outputTokens", "cot", "logprobs", "rateLimited"] as const;
const HASHES = ["ip", "asn", "template"] as const;
const vals = new Float64Array(capacity * VALUES.length);
const hashes = new Uint32Array(capacity * 2 * HASHES.length);
const accountIds: string[] = [];
const accountIndex = new Map<string, number>();
let n = 0;

function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const sink: RequestSink = {
  write(d) {
    if (n === capacity) return;
    const r = d.record;
    let k = accountIndex.get(r.account_id);
    if (k === undefined) {
      k = accountIds.push(r.account_id) - 1;
      accountIndex.set(r.account_id, k);
    }
    keyIds[n] = k;
    times[n] = r.event_time_ms;
    const v = n * VALUES.length;
    vals[v] = r.usage_input_tokens;
    vals[v + 1] = r.usage_output_tokens;
    vals[v + 2] = r.cot_elicitation >= 0.5 ? 1 : 0;
    vals[v + 3] = r.logprobs ? 1 : 0;
    vals[v + 4] = r.status_code === 429 ? 1 : 0;
    const h = n * 2 * HASHES.length;
    hashes[h] = fnv1a32(r.client_address);
    hashes[h + 2] = r.client_asn ?? 0;
    const t = r.prompt_template_hash;
    hashes[h + 4] = t.readUInt32BE(0);
    hashes[h + 5] = t.readUInt32BE(4);
    n++;
  },
  close() {},
};

const startMs = Date.parse("2026-03-02T00:00:00Z");
const t0 = performance.now();
await simulate(
  {
    scenario: args.scenario,
    seed: 7,
    startMs,
    durationMs: parseDuration(args.duration),
    accounts: Number(args.accounts),
    releaseAt: 0.25,
    campaignScale: 1,
  },
  loadAzureTrace(process.env.DG_SIM_TRACE),
  [sink],
  { mode: "fingerprint" },
);
const keys = accountIds; // string keys, as the detector gets them from Kafka
// The simulator emits in event-time order; real topics arrive slightly out of order. Move each
// event up to --jitter-ms earlier, deterministically (well inside the 30 s allowed lateness).
const jitter = Number(args["jitter-ms"]);
for (let i = 0; i < n; i++) {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  times[i] = (times[i] ?? 0) - ((x >>> 0) % (jitter + 1));
}
const durationMs = parseDuration(args.duration);
let outOfOrder = 0;
for (let i = 1; i < n; i++) if ((times[i] ?? 0) < (times[i - 1] ?? 0)) outOfOrder++;
console.log(
  `stream: scenario ${args.scenario}, ${args.accounts} benign accounts, ${args.duration} of event time, seed 7: ` +
    `${n.toLocaleString("en")} events, ${keys.length.toLocaleString("en")} keys, ${outOfOrder} out of order; ` +
    `generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; node ${process.version}`,
);

// ---- engine ----------------------------------------------------------------------------
const spec = { ...defaultSpec, initialKeys: 1 << 17 };
const probe = new WindowStore(spec);
const vIdx = VALUES.map((name) => probe.valueIndex(name));
const hIdx = HASHES.map((name) => probe.hashIndex(name));

/**
 * Feeds the first `count` events to `store` with times shifted by `shiftMs`. A second pass with
 * shiftMs = duration replays the same traffic one duration later: every key exists, so it
 * measures the steady state (no key creation, no first-touch page faults).
 */
function feed(
  store: WindowStore,
  count: number,
  read: boolean | number,
  shiftMs: number,
  numericKeys = false,
): { seconds: number; checksum: number } {
  const out = new Float64Array(store.layout.outputs.length);
  const sv = store.values;
  const sh = store.hashes;
  let checksum = 0;
  const s = performance.now();
  for (let i = 0; i < count; i++) {
    const v = i * 5;
    for (let j = 0; j < 5; j++) sv[vIdx[j] ?? 0] = vals[v + j] ?? 0;
    const h = i * 6;
    for (let j = 0; j < 3; j++) {
      const at = 2 * (hIdx[j] ?? 0);
      sh[at] = hashes[h + 2 * j] ?? 0;
      sh[at + 1] = hashes[h + 2 * j + 1] ?? 0;
    }
    const key = numericKeys ? (keyIds[i] ?? 0) : (keys[keyIds[i] ?? 0] as string);
    const t = (times[i] ?? 0) + shiftMs;
    store.update(key, t);
    if (read === true) {
      store.readAll(key, t, out);
      checksum += out[0] ?? 0;
    } else if (typeof read === "number") {
      store.read(key, read, t, out);
      checksum += out[0] ?? 0;
    }
  }
  return { seconds: (performance.now() - s) / 1000, checksum };
}

const fmt = (x: number) => Math.round(x).toLocaleString("en");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;

function measure(label: string, count: number, read: boolean | number, numericKeys = false): number {
  const first: number[] = [];
  const steady: number[] = [];
  for (let r = 0; r < Number(args.repeats); r++) {
    const store = new WindowStore(spec);
    first.push(count / feed(store, count, read, 0, numericKeys).seconds);
    steady.push(count / feed(store, count, read, durationMs, numericKeys).seconds);
  }
  const m = median(steady);
  console.log(
    `${label.padEnd(44)} steady ${fmt(m)} events/s (runs: ${steady.map(fmt).join(", ")}); first pass, creating keys: ${fmt(median(first))}`,
  );
  return m;
}

console.log(
  `\nengine, default declaration (${probe.layout.outputs.length} outputs, ${probe.layout.rings.length} rings), ${n.toLocaleString("en")} events, median of ${args.repeats}:`,
);
feed(new WindowStore(spec), Math.min(n, 300_000), true, 0); // JIT warm-up
measure("update, string keys", n, false);
measure("update, integer keys", n, false, true);
measure("update + read ring 1h (12 outputs) per event", n, probe.ringIndex("1h"));
measure("update + readAll (every output, every event)", n, true);

// Bytes per active key: the fixed block (state) + the free list (4 B), and the JS heap growth:
// the key → slot Map and the slot → key array.
gc?.();
const before = process.memoryUsage();
const store = new WindowStore(spec);
feed(store, n, false, 0);
gc?.();
const after = process.memoryUsage();
const st = store.stats();
// Typed arrays are counted exactly by `allocatedBytes`; the heap delta is the key Map and strings.
const heapDelta = after.heapUsed - before.heapUsed;
console.log(
  `\nactive keys ${fmt(st.keys)}; state ${st.blockBytes} B/key (+4 B free list); allocated slots ${fmt(st.capacity)} → ` +
    `${(st.allocatedBytes / st.keys).toFixed(0)} B/active key at this fill; JS heap (key → slot Map, key array) grew ` +
    `${(heapDelta / st.keys).toFixed(0)} B/active key${gc ? "" : " (run with --expose-gc for a clean number)"}`,
);
const ckpt = store.serialize();
console.log(
  `checkpoint ${(ckpt.length / 1e6).toFixed(1)} MB = ${(ckpt.length / st.keys).toFixed(0)} B/key; late ${st.lateEvents}`,
);
console.log("per-key bytes by part:");
for (const p of probe.layout.bytes) console.log(`  ${p.part.padEnd(34)} ${p.bytes}`);

// ---- naive baseline: per-key arrays of raw events, recompute per event --------------------
// It slows down as histories grow (its reads are O(events of the key in 24 h)), so it runs
// from the start of the stream for --baseline-seconds; the engine then does the same events.
const budgetMs = Number(args["baseline-seconds"]) * 1000;
const ref = new ReferenceStore(spec, 24 * 3600_000 + spec.allowedLatenessMs);
const outB = new Float64Array(probe.layout.outputs.length);
const rowV = new Float64Array(5);
const rowH = new Uint32Array(6);
const sb = performance.now();
let nb = 0;
for (; nb < n; nb++) {
  if ((nb & 1023) === 0 && performance.now() - sb > budgetMs) break;
  for (let j = 0; j < 5; j++) rowV[vIdx[j] ?? 0] = vals[nb * 5 + j] ?? 0;
  for (let j = 0; j < 3; j++) {
    rowH[2 * (hIdx[j] ?? 0)] = hashes[nb * 6 + 2 * j] ?? 0;
    rowH[2 * (hIdx[j] ?? 0) + 1] = hashes[nb * 6 + 2 * j + 1] ?? 0;
  }
  const key = keys[keyIds[nb] ?? 0] as string;
  const t = times[nb] ?? 0;
  ref.update(key, t, rowV, rowH);
  for (let r = 0; r < probe.layout.rings.length; r++) ref.read(key, r, t, outB);
}
const baseRate = nb / ((performance.now() - sb) / 1000);
console.log(
  `\nfirst ${fmt(nb)} events (${((100 * nb) / n).toFixed(0)}% of the stream, what the baseline did in ${args["baseline-seconds"]} s), one pass from empty, update + read every output at the event's time:`,
);
console.log(`${"baseline (per-key JS arrays, recompute)".padEnd(44)} ${fmt(baseRate)} events/s`);
const engRates: number[] = [];
for (let r = 0; r < Number(args.repeats); r++)
  engRates.push(nb / feed(new WindowStore(spec), nb, true, 0).seconds);
const engPrefix = median(engRates);
console.log(`${"engine, same events".padEnd(44)} ${fmt(engPrefix)} events/s`);
console.log(`engine / baseline = ${(engPrefix / baseRate).toFixed(1)}x`);
