// Detector checkpoint bytes and time, whole snapshot vs incremental changelog, at 1M accounts.
// See README.md here.
//   node --expose-gc --max-old-space-size=8000 --import tsx bench/changelog/run.ts
//     [--accounts 1000000] [--shares 0.01,0.05,0.2] [--brokers 127.0.0.1:9092]
import { parseArgs } from "node:util";
import { CampaignLinker, defaultLinkerConfig } from "@distillguard/campaigns";
import {
  Detector,
  type DetectorEvent,
  type DetectorMark,
  defaultDetectorConfig,
} from "@distillguard/detector";
import { Changelog, createKafka, createLogger, createProducer } from "@distillguard/runtime";

const { values: args } = parseArgs({
  options: {
    accounts: { type: "string", default: "1000000" },
    shares: { type: "string", default: "0.01,0.05,0.2" },
    /** The share written to the broker (the others are encoded only). */
    "kafka-share": { type: "string", default: "0.05" },
    brokers: { type: "string" },
  },
});
const N = Number(args.accounts);
const shares = (args.shares ?? "").split(",").map(Number);
const kafkaShare = Number(args["kafka-share"]);
const config = { ...defaultDetectorConfig, link: false };
const T0 = Date.UTC(2026, 2, 2);
const gc = (globalThis as { gc?: () => void }).gc;

const ev: DetectorEvent = {
  account_id: "",
  event_time_ms: 0,
  request_model: "m",
  request_choice_count: 1,
  logprobs: false,
  usage_input_tokens: 300,
  usage_output_tokens: 800,
  usage_reasoning_tokens: 0,
  status_code: 200,
  response_finish_reason: "stop",
  client_address: "",
  client_asn: 0,
  prompt_simhash: new Uint8Array(8),
  prompt_template_hash: new Uint8Array(8),
  cot_elicitation: 0,
  api_key_id: "",
  org_id: null,
  user_agent: "python-httpx/0.27",
  tls_fingerprint: null,
  system_prompt_hash: null,
};
const ids = Array.from({ length: N }, (_, i) => `acct-${i.toString(36).padStart(6, "0")}`);

/** One request from account i at t: 4 accounts per public /24, 2,000 ASNs. */
function observe(d: Detector, i: number, t: number): void {
  setEvent(i, t);
  d.observe(ev);
}

function setEvent(i: number, t: number): void {
  ev.account_id = ids[i] as string;
  ev.api_key_id = ids[i] as string;
  ev.event_time_ms = t;
  const net = i >> 2;
  ev.client_address = `${52 + ((net >> 16) & 7)}.${(net >> 8) & 255}.${net & 255}.9`;
  ev.client_asn = 64_000 + (i % 2_000);
  ev.prompt_template_hash[0] = i & 255;
}

function time<T>(f: () => T): { v: T; ms: number } {
  const t = performance.now();
  const v = f();
  return { v, ms: performance.now() - t };
}
async function timeAsync<T>(f: () => Promise<T>): Promise<{ v: T; ms: number }> {
  const t = performance.now();
  const v = await f();
  return { v, ms: performance.now() - t };
}

const MiB = 1024 * 1024;
const rows: string[][] = [];
const row = (...cells: (string | number)[]) => {
  rows.push(cells.map(String));
  console.error(cells.join("  "));
};
const mib = (b: number) => (b / MiB).toFixed(1);
const ms = (x: number) => Math.round(x).toLocaleString("en-US");

const d = new Detector(config);
const fill = time(() => {
  // Spread over 20 min so every account's windows hold a few buckets.
  for (let i = 0; i < N; i++) observe(d, i, T0 + Math.floor((i / N) * 1_200_000));
});
console.error(`filled ${N} accounts in ${ms(fill.ms)} ms`);

// The linker service's checkpoint stays whole: its size with the same accounts, one request each.
{
  const linker = new CampaignLinker(defaultLinkerConfig);
  for (let i = 0; i < N; i++) {
    setEvent(i, T0 + Math.floor((i / N) * 1_200_000));
    linker.observe(ev);
  }
  const l = time(() => linker.serialize());
  row("linker (whole, as before)", "all", mib(l.v.length), ms(l.ms), "-");
}

// Whole snapshot, as before.
gc?.();
const whole = time(() => d.serialize());
row("whole snapshot", "all", mib(whole.v.length), ms(whole.ms), "-");
// The first incremental write after a start is full: every account once.
const first = time(() => d.changes(null));
const recBytes = (c: ReturnType<Detector["changes"]>) =>
  c.head.length +
  [c.accounts, c.entities].reduce((n, t) => n + t.puts.reduce((m, [k, v]) => m + k.length + v.length, 0), 0);
const records = (c: ReturnType<Detector["changes"]>) =>
  c.accounts.puts.length + c.entities.puts.length + c.accounts.removed.length + c.entities.removed.length;
row("incremental, first (full)", "all", mib(recBytes(first.v)), ms(first.ms), records(first.v));
d.persisted(first.v.mark);
let mark: DetectorMark = first.v.mark;

// Later checkpoints: a share of the accounts sent one request since the last one.
let clock = T0 + 1_200_000;
const encodeOnly: Record<number, { bytes: number; ms: number; records: number; wholeMs: number }> = {};
for (const share of shares) {
  const step = Math.round(1 / share);
  clock += 30_000;
  for (let i = 0; i < N; i += step) observe(d, i, clock);
  gc?.();
  const c = time(() => d.changes(mark));
  d.persisted(c.v.mark);
  mark = c.v.mark;
  const w = time(() => d.serialize());
  encodeOnly[share] = { bytes: recBytes(c.v), ms: c.ms, records: records(c.v), wholeMs: w.ms };
  row(
    `incremental, ${share * 100}% changed`,
    `${share * 100}%`,
    mib(recBytes(c.v)),
    ms(c.ms),
    records(c.v),
    `whole now ${mib(w.v.length)} MiB in ${ms(w.ms)} ms`,
  );
}

if (args.brokers) {
  const logger = createLogger("bench", "warn", "json");
  const kafka = createKafka({ clientId: "dg-bench-changelog", brokers: args.brokers.split(","), logger });
  const producer = createProducer(kafka, { maxInFlightRequests: 1 });
  await producer.connect();
  const run = `dg-bench-changelog-${Date.now().toString(36)}`;
  const topics = { whole: `${run}-whole`, inc: `${run}-inc` };
  await Changelog.ensure(kafka, topics.whole);
  await Changelog.ensure(kafka, topics.inc);
  try {
    const name = "detector/requests/0";
    const wholeLog = new Changelog(kafka, topics.whole, producer);
    const incLog = new Changelog(kafka, topics.inc, producer);
    await incLog.readAll(logger);
    const write = (c: ReturnType<Detector["changes"]>, full: boolean) =>
      incLog.writeChanges(name, {
        head: c.head,
        meta: { nextOffset: "0" },
        full,
        tables: [
          { name: "a", puts: c.accounts.puts, removed: c.accounts.removed },
          { name: "e", puts: c.entities.puts, removed: c.entities.removed },
        ],
      });
    // Whole: serialise + write, twice (the second is the steady cost and deletes the first).
    for (const pass of [1, 2]) {
      gc?.();
      const t = await timeAsync(async () => {
        const bytes = d.serialize();
        await wholeLog.write(name, bytes, { nextOffset: "0" });
        return bytes.length;
      });
      row(`kafka: whole snapshot #${pass}`, "all", mib(t.v), ms(t.ms), "-");
    }
    gc?.();
    const full = await timeAsync(async () => {
      const c = d.changes(null);
      const w = await write(c, true);
      d.persisted(c.mark);
      mark = c.mark;
      return w;
    });
    row("kafka: incremental, first (full)", "all", mib(full.v.bytes), ms(full.ms), full.v.records);
    const step = Math.round(1 / kafkaShare);
    for (const pass of [1, 2]) {
      clock += 30_000;
      for (let i = pass; i < N; i += step) observe(d, i, clock);
      gc?.();
      const inc = await timeAsync(async () => {
        const c = d.changes(mark);
        const w = await write(c, false);
        d.persisted(c.mark);
        mark = c.mark;
        return w;
      });
      row(
        `kafka: incremental, ${kafkaShare * 100}% changed #${pass}`,
        `${kafkaShare * 100}%`,
        mib(inc.v.bytes),
        ms(inc.ms),
        inc.v.records,
      );
    }
    // Restore: read the compacted topic back and rebuild.
    gc?.();
    const rw = await timeAsync(async () => {
      const snap = (await new Changelog(kafka, topics.whole, producer).readAll(logger)).get(name);
      return Detector.deserialize(snap?.bytes ?? new Uint8Array(0), config);
    });
    row("kafka: restore whole", "all", "-", ms(rw.ms), "-");
    const wholeBytes = Buffer.from(rw.v.serialize());
    gc?.();
    const ri = await timeAsync(async () => {
      const snap = (await new Changelog(kafka, topics.inc, producer).readAll(logger)).get(name);
      return Detector.fromChanges(
        snap?.bytes ?? new Uint8Array(0),
        snap?.tables?.get("a") ?? [],
        snap?.tables?.get("e") ?? [],
        config,
      ).detector;
    });
    // Same state both ways? (The incremental topic saw the later requests too.)
    row("kafka: restore incremental", "all", "-", ms(ri.ms), "-");
    const now = Buffer.from(Detector.deserialize(d.serialize(), config).serialize());
    console.error(
      `incremental restore equals whole restore of the live state: ${Buffer.from(ri.v.serialize()).equals(now)}`,
    );
    console.error(`(whole topic restore: ${wholeBytes.length} bytes)`);
  } finally {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topics.whole, topics.inc] }).catch(() => {});
    await admin.disconnect();
    await producer.disconnect();
  }
}

console.log(`| checkpoint | changed | MiB | ms | records |\n| --- | ---: | ---: | ---: | ---: |`);
for (const r of rows) console.log(`| ${r.slice(0, 5).join(" | ")} |`);
for (const share of shares) {
  const e = encodeOnly[share];
  if (e)
    console.log(
      `encode ratio at ${share * 100}%: bytes ${(whole.v.length / e.bytes).toFixed(1)}× smaller, time ${(e.wholeMs / e.ms).toFixed(1)}× shorter`,
    );
}
