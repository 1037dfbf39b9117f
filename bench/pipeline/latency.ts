// Event-to-alert latency of the streaming pipeline at a fixed input rate (by default half the
// sustained rate that run.ts measured). A seeded simulator stream is generated in memory, then
// produced at `--rate` events/s by this process while the `pipeline` command runs as a child
// process (its own event loop, as in production). Afterwards every input, score, alert and
// campaign record is read back with its broker timestamp (LogAppendTime), and each output's
// latency is measured from the append of the input record that let the pipeline emit it
// (latency-core.ts). Alerts are also timed to the moment they are visible in ClickHouse.
// Kafka, ClickHouse, the pipeline and this producer share the machine. See README.md.
//   node --import tsx bench/pipeline/latency.ts [--rate 18000] [--duration 8h] [--accounts 20000] [--docs]

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { accountScoreCodec, alertCodec, apiRequestCodec, campaignUpdateCodec } from "@distillguard/contract";
import { accountSpec } from "@distillguard/detector";
import { LINK_TICK_MS } from "@distillguard/detector-service";
import { parsePipelineSettings } from "@distillguard/pipeline";
import {
  createClickHouse,
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
  REPLAY_TOPIC_CONFIG,
} from "@distillguard/runtime";
import { encodedSink, loadAzureTrace, simulate } from "@distillguard/simulator";
import type * as vl from "vega-lite";
import { renderSvg } from "../quality/charts.ts";
import { benchArgs } from "../scenario.ts";
import { type LatencySummary, linkerTrigger, PartitionTimeline, summarize } from "./latency-core.ts";
import { deleteTopics, pipelineEnv, readTopic, waitCaughtUp } from "./topics.ts";

const { values: args, options } = benchArgs(
  { duration: "8h", accounts: "20000", scenario: "all" },
  {
    rate: { type: "string", default: "18000" },
    out: { type: "string", default: "reports/pipeline-latency" },
    docs: { type: "string", default: "" },
  },
);
const rate = Number(args.rate);
if (!(rate > 0)) throw new Error(`--rate must be a positive number of events per second, got ${args.rate}`);
const fmt = (n: number) => Math.round(n).toLocaleString("en");
const logger = createLogger("bench", "warn", "json");
const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const kafka = createKafka({ clientId: "dg-bench-latency", brokers, logger });
const prefix = `dg-bench-lat-${Date.now().toString(36)}`;
const database = "dg_bench_latency";
const env = { ...pipelineEnv(prefix, database), LOG_LEVEL: "warn", DG_PIPELINE_METRICS_PORT: "19464" };
const settings = parsePipelineSettings(env);

// 1. The stream, in memory, so producing it costs only the send.
let t0 = performance.now();
const keys: string[] = [];
const records: Buffer[] = [];
await simulate(options, loadAzureTrace(process.env.DG_SIM_TRACE), [
  encodedSink((key, value) => {
    keys.push(key);
    records.push(value);
  }),
]);
console.log(`generated ${fmt(records.length)} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// 2. Topics stamped by the broker, so input and output times come from one clock.
await ensureTopic(kafka, settings.detector.requestsTopic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
for (const topic of [
  settings.detector.scoresTopic,
  settings.detector.alertsTopic,
  settings.linker.campaignsTopic,
]) {
  await ensureTopic(kafka, topic, { partitions: 3, config: REPLAY_TOPIC_CONFIG });
}

// 3. The pipeline, as its own process.
let stopping = false;
const child = spawn(process.execPath, ["--import", "tsx", "services/pipeline/src/main.ts"], {
  env,
  stdio: ["ignore", "ignore", "pipe"],
});
let childLog = "";
child.stderr?.on("data", (d: Buffer) => {
  childLog = (childLog + d.toString()).slice(-4_000);
});
const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
child.on("exit", (code) => {
  if (!stopping) {
    console.error(`pipeline exited early (code ${code}):\n${childLog}`);
    process.exit(1);
  }
});
await waitForGroups([settings.detector.groupId, settings.linker.groupId, settings.sink.groupId]);

// 4. Alerts as they become visible in ClickHouse.
const clickhouse = createClickHouse({ url: process.env.CLICKHOUSE_URL ?? "http://127.0.0.1:8123", database });
const visibleAt = new Map<string, number>();
let polling = true;
const poller = (async () => {
  while (polling) {
    try {
      const rs = await clickhouse.query({
        query: "SELECT alert_id, revision FROM alerts",
        format: "JSONEachRow",
      });
      const now = Date.now();
      for (const r of await rs.json<{ alert_id: string; revision: number }>()) {
        const k = `${r.alert_id}#${r.revision}`;
        if (!visibleAt.has(k)) visibleAt.set(k, now);
      }
    } catch {
      // The sink creates the table on start; until then there is nothing to see.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
})();

// 5. Paced production: the schedule says how many events are due; a slow send is caught up.
const producer = createProducer(kafka);
await producer.connect();
t0 = performance.now();
let sent = 0;
let maxBehind = 0;
let lastReport = t0;
while (sent < records.length) {
  const due = Math.min(records.length, Math.floor(((performance.now() - t0) / 1000) * rate));
  maxBehind = Math.max(maxBehind, due - sent);
  if (due <= sent) {
    await new Promise((r) => setTimeout(r, 2));
    continue;
  }
  const end = Math.min(due, sent + 2_000);
  const messages = [];
  for (let i = sent; i < end; i++) messages.push({ key: keys[i] as string, value: records[i] as Buffer });
  await producer.send({ topic: settings.detector.requestsTopic, acks: -1, messages });
  sent = end;
  if (performance.now() - lastReport > 10_000) {
    lastReport = performance.now();
    console.log(`  produced ${fmt(sent)} / ${fmt(records.length)}`);
  }
}
const produceSeconds = (performance.now() - t0) / 1000;
await producer.disconnect();
console.log(
  `produced ${fmt(sent)} events in ${produceSeconds.toFixed(1)} s: ${fmt(sent / produceSeconds)} events/s offered (target ${fmt(rate)}; the producer was at most ${fmt(maxBehind)} events behind its schedule)`,
);
const drained =
  Math.max(
    await waitCaughtUp(kafka, settings.detector.groupId, settings.detector.requestsTopic, t0),
    await waitCaughtUp(kafka, settings.linker.groupId, settings.linker.linksTopic, t0),
    await waitCaughtUp(kafka, settings.sink.groupId, settings.sink.alertsTopic, t0),
  ) - produceSeconds;
console.log(`pipeline drained ${drained.toFixed(1)} s after the last event was produced`);
await new Promise((r) => setTimeout(r, 2_000));
polling = false;
await poller;
await clickhouse.close();
stopping = true;
child.kill("SIGTERM");
await exited;

// 6. Read everything back and time each output from its trigger.
t0 = performance.now();
const partitions: PartitionTimeline[] = [];
const partitionOf = new Map<string, number>();
await readTopic(kafka, settings.detector.requestsTopic, (p, m) => {
  const r = apiRequestCodec.decode(m.value as Buffer);
  let timeline = partitions[p];
  if (!timeline) {
    timeline = new PartitionTimeline();
    partitions[p] = timeline;
  }
  timeline.push(r.event_time_ms, Number(m.timestamp));
  partitionOf.set(r.account_id, p);
});
const all = partitions.filter((p): p is PartitionTimeline => p !== undefined);
const lateness = accountSpec.allowedLatenessMs;
const latencies = { scores: [] as number[], accountAlerts: [] as number[], campaignAlerts: [] as number[] };
const campaignUpdates: number[] = [];
let unmatched = 0;
const detectorLatency = (account: string, t: number, at: number): number | null => {
  const p = partitionOf.get(account);
  const trigger = p === undefined ? null : (partitions[p]?.evaluationTrigger(t) ?? null);
  if (trigger === null) unmatched++;
  return trigger === null ? null : at - trigger;
};
const linkerLatency = (t: number, at: number): number | null => {
  const trigger = linkerTrigger(all, t, lateness, LINK_TICK_MS);
  if (trigger === null) unmatched++;
  return trigger === null ? null : at - trigger;
};
const alertAt = new Map<string, { t: number; kind: string; account: string }>();
await readTopic(kafka, settings.detector.scoresTopic, (_p, m) => {
  const s = accountScoreCodec.decode(m.value as Buffer);
  const l = detectorLatency(s.account_id, s.window_end_ms, Number(m.timestamp));
  if (l !== null) latencies.scores.push(l);
});
await readTopic(kafka, settings.detector.alertsTopic, (_p, m) => {
  const a = alertCodec.decode(m.value as Buffer);
  alertAt.set(`${a.alert_id}#${a.revision}`, {
    t: a.event_time_ms,
    kind: a.subject_kind,
    account: a.subject_id,
  });
  const l =
    a.subject_kind === "account"
      ? detectorLatency(a.subject_id, a.event_time_ms, Number(m.timestamp))
      : linkerLatency(a.event_time_ms, Number(m.timestamp));
  if (l !== null) (a.subject_kind === "account" ? latencies.accountAlerts : latencies.campaignAlerts).push(l);
});
await readTopic(kafka, settings.linker.campaignsTopic, (_p, m) => {
  const c = campaignUpdateCodec.decode(m.value as Buffer);
  const l = linkerLatency(c.event_time_ms, Number(m.timestamp));
  if (l !== null) campaignUpdates.push(l);
});
const inClickhouse: number[] = [];
let neverVisible = 0;
for (const [k, a] of alertAt) {
  const seen = visibleAt.get(k);
  if (seen === undefined) {
    neverVisible++;
    continue;
  }
  const l = a.kind === "account" ? detectorLatency(a.account, a.t, seen) : linkerLatency(a.t, seen);
  if (l !== null) inClickhouse.push(l);
}
await deleteTopics(kafka, prefix);
console.log(`read back and matched in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const series: [string, number[]][] = [
  ["account scores (topic)", latencies.scores],
  ["account alerts (topic)", latencies.accountAlerts],
  ["campaign updates (topic)", campaignUpdates],
  ["campaign alerts (topic)", latencies.campaignAlerts],
  ["alerts in ClickHouse (100 ms polls)", inClickhouse],
];
const table: { series: string; summary: LatencySummary | null }[] = series.map(([name, v]) => ({
  series: name,
  summary: summarize(v),
}));
const ms = (n: number | undefined) => (n === undefined ? "–" : `${fmt(n)} ms`);
console.log(`\n| output | count | min | p50 | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|`);
for (const { series: name, summary: s } of table) {
  console.log(
    `| ${name} | ${fmt(s?.count ?? 0)} | ${ms(s?.min)} | ${ms(s?.p50)} | ${ms(s?.p90)} | ${ms(s?.p99)} | ${ms(s?.max)} |`,
  );
}
console.log(
  `\noutputs without a trigger record: ${unmatched}; alerts never seen in ClickHouse: ${neverVisible}`,
);

mkdirSync(args.out, { recursive: true });
const result = {
  options: { ...options, rate },
  events: records.length,
  offeredPerSecond: sent / produceSeconds,
  maxBehind,
  drainedSeconds: drained,
  unmatched,
  neverVisible,
  table,
};
writeFileSync(`${args.out}/latency.json`, `${JSON.stringify(result, null, 2)}\n`);
const svg = await renderSvg(
  cdfSpec(series.filter(([, v]) => v.length > 0)),
  `Event-to-output latency at ${fmt(rate)} events/s`,
);
writeFileSync(`${args.out}/latency.svg`, svg);
if (args.docs) writeFileSync(args.docs, svg);
console.log(`wrote ${args.out}/latency.json and latency.svg${args.docs ? ` and ${args.docs}` : ""}`);
process.exit(0);

async function waitForGroups(groups: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let i = 0; i < 600; i++) {
      const { groups: described } = await admin.describeGroups(groups);
      if (described.every((g) => g.state === "Stable")) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`consumer groups ${groups.join(", ")} did not become stable in 120 s:\n${childLog}`);
  } finally {
    await admin.disconnect();
  }
}

/** Empirical CDF per output kind, latency on a log axis. */
function cdfSpec(data: [string, number[]][]): vl.TopLevelSpec {
  const values = data.flatMap(([name, v]) => {
    const sorted = Float64Array.from(v).sort();
    const step = Math.max(1, Math.floor(sorted.length / 400));
    const points = [];
    for (let i = 0; i < sorted.length; i += step) {
      points.push({
        output: name,
        latency: Math.max(1, sorted[i] as number),
        share: (i + 1) / sorted.length,
      });
    }
    points.push({ output: name, latency: Math.max(1, sorted[sorted.length - 1] as number), share: 1 });
    return points;
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Event-to-output latency at ${fmt(rate)} events/s (share of outputs at or below)`,
    config: { font: "Helvetica, Arial, sans-serif" },
    width: 560,
    height: 260,
    data: { values },
    mark: { type: "line", interpolate: "step-after" },
    encoding: {
      x: { field: "latency", type: "quantitative", scale: { type: "log" }, title: "latency (ms, log scale)" },
      y: { field: "share", type: "quantitative", axis: { format: "%" }, title: null },
      color: {
        field: "output",
        type: "nominal",
        title: null,
        legend: { orient: "bottom", columns: 2, labelLimit: 320 },
      },
    },
  };
}
