// Detection core throughput on one core: update (window features + campaign linker) + score
// (evaluate every 15 min of event time) over a recorded simulator stream with 100k ordinary
// accounts, and bytes per active account; in the same run, a naive baseline. See README.md.
//   node --expose-gc --import tsx bench/detector/run.ts [--duration 6h] [--naive-events 500000]

import type { ApiRequest } from "@distillguard/contract";
import {
  Detector,
  defaultDetectorConfig,
  type EntityKind,
  entityKinds,
  networkEntityKinds,
} from "@distillguard/detector";
import { loadAzureTrace, simulate } from "@distillguard/simulator";
import { benchArgs } from "../scenario.ts";

const { values, options } = benchArgs(
  { duration: "6h", accounts: "125000", scenario: "all" },
  { "naive-events": { type: "string", default: "500000" }, entities: { type: "string", default: "none" } },
);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const fmt = (n: number) => Math.round(n).toLocaleString("en");

// 1. Record the stream column-wise, so the timed loop measures the detector, not the simulator
//    or Avro decoding (decode is benchmarked on its own).
const recorded: ApiRequest[] = [];
const strings = new Map<string, string>();
const intern = (s: string) => {
  const v = strings.get(s);
  if (v !== undefined) return v;
  strings.set(s, s);
  return s;
};
const hashes = new Map<string, Buffer>();
const internHash = (b: Buffer) => {
  const k = b.toString("latin1");
  let v = hashes.get(k);
  if (!v) {
    v = Buffer.from(b);
    if (hashes.size < 2_000_000) hashes.set(k, v);
  }
  return v;
};
const t0 = performance.now();
await simulate(options, loadAzureTrace(process.env.DG_SIM_TRACE), [
  {
    write(d) {
      const r = d.record;
      recorded.push({
        ...r,
        account_id: intern(r.account_id),
        client_address: intern(r.client_address),
        request_model: intern(r.request_model),
        response_finish_reason: r.response_finish_reason,
        prompt_simhash: Buffer.from(r.prompt_simhash),
        prompt_template_hash: internHash(r.prompt_template_hash),
        system_prompt_hash: r.system_prompt_hash ? internHash(r.system_prompt_hash) : null,
      });
    },
    close() {},
  },
]);
console.log(
  `recorded ${fmt(recorded.length)} events of scenario all (${values.accounts} ordinary accounts, ${values.duration}) in ${((performance.now() - t0) / 1000).toFixed(1)} s; node ${process.version}`,
);

// 2. The detector: observe every event, evaluate every 15 minutes of event time.
function runDetector(events: readonly ApiRequest[]): {
  seconds: number;
  detector: Detector;
  evalSeconds: number;
} {
  // --entities none|network|all: what shared-entity windows cost (none is the default since
  // nothing reads them; network is the four kinds that were the default before).
  const choices: Record<string, readonly EntityKind[]> = {
    none: [],
    network: networkEntityKinds,
    all: entityKinds,
  };
  const entities = choices[values.entities];
  if (!entities) throw new Error(`--entities must be none, network or all, not ${values.entities}`);
  const detector = new Detector({ ...defaultDetectorConfig, entities });
  let next = options.startMs + 15 * 60_000;
  let evalSeconds = 0;
  const start = performance.now();
  for (const r of events) {
    if (r.event_time_ms >= next) {
      const e0 = performance.now();
      while (r.event_time_ms >= next) {
        detector.evaluate(next);
        next += 15 * 60_000;
      }
      evalSeconds += (performance.now() - e0) / 1000;
    }
    detector.observe(r);
  }
  return { seconds: (performance.now() - start) / 1000, detector, evalSeconds };
}

// Heap and typed-array backing stores both: the window store and the linker's rows and tables
// live in ArrayBuffers, outside heapUsed.
const memory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
gc();
const memoryBefore = memory();
const run = runDetector(recorded);
gc();
const memoryAfter = memory();
const stats = run.detector.features.store.stats();
const active = stats.keys;
const entityStats = run.detector.entities?.store.stats();
console.log(
  `detector (update + score)    ${fmt(recorded.length / run.seconds)} events/s  (${run.seconds.toFixed(2)} s, of it evaluate ${run.evalSeconds.toFixed(2)} s)`,
);
console.log(
  `state                        ${fmt(active)} active accounts; window state ${stats.blockBytes} B/account (${fmt(stats.allocatedBytes / Math.max(1, active))} B allocated/account); all of memory ${fmt((memoryAfter - memoryBefore) / Math.max(1, active))} B/account (heap and array buffers, windows included)`,
);
console.log(
  `entities                     ${values.entities}: ${fmt(entityStats?.keys ?? 0)} entity keys, ${fmt((entityStats?.allocatedBytes ?? 0) / Math.max(1, active))} B allocated per active account`,
);

// 3. Naive baseline on a prefix of the same stream: per-account arrays of raw events, every
//    aggregate recomputed over the 24 h window on every event.
const n = Math.min(recorded.length, Number(values["naive-events"]));
const prefix = recorded.slice(0, n);
function naive(events: readonly ApiRequest[]): number {
  const perAccount = new Map<string, ApiRequest[]>();
  const start = performance.now();
  let sink = 0;
  for (const r of events) {
    let list = perAccount.get(r.account_id);
    if (!list) {
      list = [];
      perAccount.set(r.account_id, list);
    }
    list.push(r);
    const from = r.event_time_ms - 24 * 3_600_000;
    let count = 0;
    let cot = 0;
    let out = 0;
    const ips = new Set<string>();
    const templates = new Map<string, number>();
    for (const e of list) {
      if (e.event_time_ms <= from) continue;
      count++;
      if (e.cot_elicitation >= 0.5) cot++;
      out += e.usage_output_tokens;
      ips.add(e.client_address);
      const k = e.prompt_template_hash.toString("hex");
      templates.set(k, (templates.get(k) ?? 0) + 1);
    }
    sink += count + cot + out + ips.size + templates.size;
  }
  if (sink < 0) console.log(sink);
  return (performance.now() - start) / 1000;
}
const naiveSeconds = naive(prefix);
const fast = runDetector(prefix).seconds;
console.log(
  `on the first ${fmt(n)} events: naive ${fmt(n / naiveSeconds)} events/s, detector ${fmt(n / fast)} events/s — ${(naiveSeconds / fast).toFixed(1)}x`,
);
