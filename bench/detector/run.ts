// Detection core throughput on one core: update (window features + campaign linker) + score
// (evaluate every 15 min of event time) over a recorded simulator stream with 100k ordinary
// accounts, and bytes per active account; in the same run, a naive baseline. See README.md.
//   node --expose-gc --import tsx bench/detector/run.ts [--duration 6h] [--naive-events 500000] [--record objects|avro]

import { type ApiRequest, apiRequestCodec } from "@distillguard/contract";
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
  {
    "naive-events": { type: "string", default: "500000" },
    entities: { type: "string", default: "none" },
    record: { type: "string", default: "objects" },
    // off: the detector service's share (it runs no linker; services/linker does).
    link: { type: "string", default: "on" },
  },
);
if (values.link !== "on" && values.link !== "off")
  throw new Error(`--link must be on or off, not ${values.link}`);
if (values.record !== "objects" && values.record !== "avro")
  throw new Error(`--record must be objects or avro, not ${values.record}`);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const fmt = (n: number) => Math.round(n).toLocaleString("en");

/** The recorded stream, by index: objects, or Avro bytes decoded on each read. */
interface EventSource {
  readonly length: number;
  at(i: number): ApiRequest;
}

/** Avro records packed into 64 MiB buffers, outside the JS heap. */
class AvroRecording implements EventSource {
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(0);
  private used = 0;
  // Per record: chunk index, start and end within it.
  private index = new Float64Array(3 * 1024);
  length = 0;
  bytes = 0;

  add(record: Buffer): void {
    if (this.used + record.length > this.chunk.length) {
      this.chunk = Buffer.allocUnsafe(Math.max(64 * 2 ** 20, record.length));
      this.chunks.push(this.chunk);
      this.used = 0;
    }
    record.copy(this.chunk, this.used);
    if (3 * this.length === this.index.length) {
      const grown = new Float64Array(2 * this.index.length);
      grown.set(this.index);
      this.index = grown;
    }
    const k = 3 * this.length++;
    this.index[k] = this.chunks.length - 1;
    this.index[k + 1] = this.used;
    this.index[k + 2] = this.used + record.length;
    this.used += record.length;
    this.bytes += record.length;
  }

  at(i: number): ApiRequest {
    const k = 3 * i;
    const chunk = this.chunks[this.index[k] as number] as Buffer;
    return apiRequestCodec.decode(chunk.subarray(this.index[k + 1], this.index[k + 2]));
  }
}

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
// --record avro keeps each event as the Avro bytes a service reads, in off-heap chunks, and
// decodes it in the timed loop: a million accounts' worth of recorded objects is ~10 GB of heap
// that every major GC walks, which the objects run charges to the detector.
const avro = new AvroRecording();
const t0 = performance.now();
await simulate(options, loadAzureTrace(process.env.DG_SIM_TRACE), [
  {
    write(d) {
      const r = d.record;
      if (values.record === "avro") {
        avro.add(apiRequestCodec.encode(r));
        return;
      }
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
const events: EventSource =
  values.record === "avro" ? avro : { length: recorded.length, at: (i) => recorded[i] as ApiRequest };
console.log(
  `recorded ${fmt(events.length)} events of scenario all (${values.accounts} ordinary accounts, ${values.duration}) ${values.record === "avro" ? `as Avro, ${(avro.bytes / 2 ** 30).toFixed(2)} GiB, ` : ""}in ${((performance.now() - t0) / 1000).toFixed(1)} s; node ${process.version}`,
);

// 2. The detector: observe every event, evaluate every 15 minutes of event time.
function runDetector(events: EventSource): {
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
  const detector = new Detector({ ...defaultDetectorConfig, entities, link: values.link === "on" });
  let next = options.startMs + 15 * 60_000;
  let evalSeconds = 0;
  const start = performance.now();
  for (let i = 0; i < events.length; i++) {
    const r = events.at(i);
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
// Decoding alone, so the avro run's detector share is its loop less this.
let decodeSeconds = 0;
if (values.record === "avro") {
  const d0 = performance.now();
  let sink = 0;
  for (let i = 0; i < avro.length; i++) sink += avro.at(i).event_time_ms;
  decodeSeconds = (performance.now() - d0) / 1000;
  if (sink < 0) console.log(sink);
  gc();
}
const memoryBefore = memory();
const run = runDetector(events);
gc();
const memoryAfter = memory();
const stats = run.detector.features.store.stats();
const active = stats.keys;
const entityStats = run.detector.entities?.store.stats();
if (values.record === "avro") {
  console.log(
    `decode alone                 ${fmt(events.length / decodeSeconds)} events/s  (${decodeSeconds.toFixed(2)} s)`,
  );
  console.log(
    `decode + update + score      ${fmt(events.length / run.seconds)} events/s  (${run.seconds.toFixed(2)} s, of it evaluate ${run.evalSeconds.toFixed(2)} s)`,
  );
}
const detectorSeconds = run.seconds - decodeSeconds;
console.log(
  `detector (update + score)    ${fmt(events.length / detectorSeconds)} events/s  (${detectorSeconds.toFixed(2)} s, of it evaluate ${run.evalSeconds.toFixed(2)} s${values.record === "avro" ? "; the loop less decoding alone" : ""})`,
);
console.log(
  `state                        ${fmt(active)} active accounts; window state ${stats.blockBytes} B/account (${fmt(stats.allocatedBytes / Math.max(1, active))} B allocated/account); all of memory ${fmt((memoryAfter - memoryBefore) / Math.max(1, active))} B/account (heap and array buffers, windows included)`,
);
console.log(
  `entities                     ${values.entities}: ${fmt(entityStats?.keys ?? 0)} entity keys, ${fmt((entityStats?.allocatedBytes ?? 0) / Math.max(1, active))} B allocated per active account`,
);

// 3. Naive baseline on a prefix of the same stream: per-account arrays of raw events, every
//    aggregate recomputed over the 24 h window on every event.
const n = Math.min(events.length, Number(values["naive-events"]));
const prefix = Array.from({ length: n }, (_, i) => events.at(i));
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
const fast = runDetector({ length: n, at: (i) => prefix[i] as ApiRequest }).seconds;
console.log(
  `on the first ${fmt(n)} events: naive ${fmt(n / naiveSeconds)} events/s, detector ${fmt(n / fast)} events/s — ${(naiveSeconds / fast).toFixed(1)}x`,
);
