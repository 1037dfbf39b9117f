// Event-to-alert latency of the streaming pipeline at a fixed input rate (by default half the
// sustained rate that run.ts measured). A seeded simulator stream is generated in memory, then
// produced at `--rate` events/s by this process while the `pipeline` command runs as a child
// process (its own event loop, as in production). Afterwards every input, score, alert and
// campaign record is read back with its broker timestamp (LogAppendTime), and each output's
// latency is measured from the append of the input record that let the pipeline emit it
// (latency-core.ts). Alerts are also timed to the moment they are visible in ClickHouse.
// Kafka, ClickHouse, the pipeline and this producer share the machine. See README.md.
//   node --import tsx bench/pipeline/latency.ts [--rate 17000] [--duration 8h] [--accounts 20000] [--docs DIR]

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { accountScoreCodec, alertCodec, apiRequestCodec, campaignUpdateCodec } from "@distillguard/contract";
import { accountSpec } from "@distillguard/detector";
import { LINK_TICK_MS } from "@distillguard/detector-service";
import { parsePipelineSettings } from "@distillguard/pipeline";
import { renderSvg } from "@distillguard/plots";
import {
  connectionsFromEnv,
  createClickHouse,
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
  REPLAY_TOPIC_CONFIG,
} from "@distillguard/runtime";
import { encodedSink, loadAzureTrace, simulate } from "@distillguard/simulator";
import type * as vl from "vega-lite";
import { benchArgs } from "../scenario.ts";
import { type LatencySummary, linkerTrigger, PartitionTimeline, summarize } from "./latency-core.ts";
import { deleteTopics, freshDatabase, pipelineEnv, readTopic, waitCaughtUp } from "./topics.ts";

const { values: args, options } = benchArgs(
  { duration: "8h", accounts: "20000", scenario: "all" },
  {
    rate: { type: "string", default: "17000" },
    out: { type: "string", default: "reports/pipeline-latency" },
    docs: { type: "string", default: "" },
  },
);
const rate = Number(args.rate);
if (!(rate > 0)) throw new Error(`--rate must be a positive number of events per second, got ${args.rate}`);
const fmt = (n: number) => Math.round(n).toLocaleString("en");
const logger = createLogger("bench", "warn", "json");
const connections = connectionsFromEnv();
const kafka = createKafka({ clientId: "dg-bench-latency", logger, ...connections.kafka });
const prefix = `dg-bench-lat-${Date.now().toString(36)}`;
const database = "dg_bench_latency";
const env = { ...pipelineEnv(prefix, database), LOG_LEVEL: "warn", DG_PIPELINE_METRICS_PORT: "19464" };
const settings = parsePipelineSettings(env);
await freshDatabase(connections.clickhouse, database);

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
const clickhouse = createClickHouse({ ...connections.clickhouse, database });
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
const wallStart = Date.now();
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
/** Per output kind: each output's latency and when (ms since production started) it came out. */
const samples = new Map<string, { latency: number[]; at: number[] }>(
  [
    "account scores (topic)",
    "account alerts (topic)",
    "campaign updates (topic)",
    "campaign alerts (topic)",
    "alerts in ClickHouse (100 ms polls)",
  ].map((name) => [name, { latency: [], at: [] }]),
);
let unmatched = 0;
const record = (name: string, trigger: number | null, at: number) => {
  if (trigger === null) {
    unmatched++;
    return;
  }
  const s = samples.get(name);
  s?.latency.push(at - trigger);
  s?.at.push(at - wallStart);
};
const detectorTrigger = (account: string, t: number): number | null => {
  const p = partitionOf.get(account);
  return p === undefined ? null : (partitions[p]?.evaluationTrigger(t) ?? null);
};
const campaignTrigger = (t: number) => linkerTrigger(all, t, lateness, LINK_TICK_MS);
const alertAt = new Map<string, { t: number; kind: string; account: string }>();
await readTopic(kafka, settings.detector.scoresTopic, (_p, m) => {
  const s = accountScoreCodec.decode(m.value as Buffer);
  record("account scores (topic)", detectorTrigger(s.account_id, s.window_end_ms), Number(m.timestamp));
});
await readTopic(kafka, settings.detector.alertsTopic, (_p, m) => {
  const a = alertCodec.decode(m.value as Buffer);
  alertAt.set(`${a.alert_id}#${a.revision}`, {
    t: a.event_time_ms,
    kind: a.subject_kind,
    account: a.subject_id,
  });
  if (a.subject_kind === "account") {
    record("account alerts (topic)", detectorTrigger(a.subject_id, a.event_time_ms), Number(m.timestamp));
  } else {
    record("campaign alerts (topic)", campaignTrigger(a.event_time_ms), Number(m.timestamp));
  }
});
await readTopic(kafka, settings.linker.campaignsTopic, (_p, m) => {
  const c = campaignUpdateCodec.decode(m.value as Buffer);
  record("campaign updates (topic)", campaignTrigger(c.event_time_ms), Number(m.timestamp));
});
let neverVisible = 0;
for (const [k, a] of alertAt) {
  const seen = visibleAt.get(k);
  if (seen === undefined) {
    neverVisible++;
    continue;
  }
  const trigger = a.kind === "account" ? detectorTrigger(a.account, a.t) : campaignTrigger(a.t);
  record("alerts in ClickHouse (100 ms polls)", trigger, seen);
}
await deleteTopics(kafka, prefix);
console.log(`read back and matched in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const series: [string, number[]][] = [...samples].map(([name, v]) => [name, v.latency]);
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
  samples: Object.fromEntries(samples),
};
writeFileSync(`${args.out}/latency.json`, `${JSON.stringify(result, null, 2)}\n`);
const svg = await renderSvg(
  cdfSpec(series.filter(([, v]) => v.length > 0)),
  `Event-to-output latency at ${fmt(rate)} events/s`,
);
writeFileSync(`${args.out}/latency.svg`, svg);
const timeline = await renderSvg(
  timelineSpec(samples),
  `Latency of each output over the run at ${fmt(rate)} events/s`,
);
writeFileSync(`${args.out}/latency-timeline.svg`, timeline);
if (args.docs) {
  mkdirSync(args.docs, { recursive: true });
  writeFileSync(`${args.docs}/pipeline-latency.svg`, svg);
  writeFileSync(`${args.docs}/pipeline-latency-timeline.svg`, timeline);
}
console.log(
  `wrote ${args.out}/latency.json, latency.svg, latency-timeline.svg${args.docs ? ` (and to ${args.docs})` : ""}`,
);
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

/** Each output's latency against when it came out: shows warm-up, stalls and periodic work. */
function timelineSpec(data: Map<string, { latency: number[]; at: number[] }>): vl.TopLevelSpec {
  const values = [...data].flatMap(([name, v]) =>
    v.latency.map((latency, i) => ({ output: name, latency, seconds: (v.at[i] as number) / 1000 })),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Latency of each output over the run at ${fmt(rate)} events/s`,
    config: { font: "Helvetica, Arial, sans-serif" },
    width: 560,
    height: 260,
    data: { values },
    mark: { type: "point", filled: true, size: 16, opacity: 0.7 },
    encoding: {
      x: { field: "seconds", type: "quantitative", title: "seconds since production started" },
      y: { field: "latency", type: "quantitative", title: "latency (ms)" },
      color: {
        field: "output",
        type: "nominal",
        title: null,
        legend: { orient: "bottom", columns: 2, labelLimit: 320 },
      },
    },
  };
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
