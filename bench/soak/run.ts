// Overload and soak (issue 17, item 7): the detector, linker and result sink as three processes,
// fed a seeded simulator stream by this process at rising paced rates until the detector no
// longer keeps up (the last rate it did is the sustainable one), then, once drained, at
// `--factor` times that rate for `--duration` of wall time. Samples each stage's consumer lag
// and each process's memory, then times the catch-up and accounts for every input request.
// See README.md.
//   node --import tsx bench/soak/run.ts [--duration 10m | --quick] [--factor 2] [--rate N] [--docs DIR]

import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { accountScoreCodec, alertCodec, apiRequestCodec, campaignUpdateCodec } from "@distillguard/contract";
import { ensureDetectorTopics } from "@distillguard/detector-service";
import { ensureLinkerTopics } from "@distillguard/linker-service";
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
import { loadAzureTrace, parseDuration, simulate } from "@distillguard/simulator";
import { sampled } from "@distillguard/sink";
import type { Message } from "kafkajs";
import type * as vl from "vega-lite";
import { caughtUp, deleteTopics, freshDatabase, pipelineEnv, readTopic } from "../pipeline/topics.ts";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10m" },
    quick: { type: "boolean", default: false },
    step: { type: "string", default: "15s" },
    "ramp-start": { type: "string", default: "2000" },
    factor: { type: "string", default: "2" },
    rate: { type: "string", default: "" },
    accounts: { type: "string", default: "20000" },
    out: { type: "string", default: "reports/pipeline-soak" },
    docs: { type: "string", default: "" },
    "no-pin": { type: "boolean", default: false },
  },
});
// The services on one core at a lower priority, this producer free: on 2 shared cores a
// producer that competes with the services on equal terms cannot offer them twice what they
// take, and the overload is what this bench is about.
const pin = !args["no-pin"] && cpus().length >= 2;
const overloadMs = args.quick ? 60_000 : parseDuration(args.duration);
const stepMs = args.quick ? 8_000 : parseDuration(args.step);
const rampStart = Number(args["ramp-start"]);
const factor = Number(args.factor);
const fixedRate = args.rate ? Number(args.rate) : null;
if (!(factor > 0)) throw new Error(`--factor must be positive, got ${args.factor}`);
if (fixedRate !== null && !(fixedRate > 0)) throw new Error(`--rate must be positive, got ${args.rate}`);
const sampleMs = 5_000;
const progressMs = args.quick ? 10_000 : 30_000;

const repoRoot = new URL("../../", import.meta.url).pathname;
const fmt = (n: number) => Math.round(n).toLocaleString("en");
const mib = (b: number) => b / 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = createLogger("bench", "warn", "json");
const connections = connectionsFromEnv();
const kafka = createKafka({ clientId: "dg-bench-soak", logger, ...connections.kafka });
const prefix = `dg-bench-soak-${Date.now().toString(36)}`;
// Its own database, dropped at the end: a second run on the same server never counts this one's rows.
const database = `dg_bench_soak_${Date.now().toString(36)}`;
mkdirSync(args.out, { recursive: true });

const services = ["detector", "linker", "sink"] as const;
type Service = (typeof services)[number];
const metricsPorts = Object.fromEntries(
  await Promise.all(services.map(async (s) => [s, await freePort()] as const)),
) as Record<Service, number>;
const env: Record<string, string> = {
  ...pipelineEnv(prefix, database),
  LOG_LEVEL: "warn",
  LOG_FORMAT: "json",
  DG_DETECTOR_METRICS_PORT: String(metricsPorts.detector),
  DG_LINKER_METRICS_PORT: String(metricsPorts.linker),
  DG_SINK_METRICS_PORT: String(metricsPorts.sink),
  // The stream's event times are months old: retention would delete what the bench counts.
  DG_SINK_RETENTION_INTERVAL: "0",
};
const settings = parsePipelineSettings(env);
const topics = {
  requests: settings.detector.requestsTopic,
  links: settings.detector.linksTopic,
  results: [settings.sink.scoresTopic, settings.sink.alertsTopic, settings.sink.campaignsTopic],
  dlq: settings.detector.dlqTopic,
};
const groups: Record<Service, string> = {
  detector: settings.detector.groupId,
  linker: settings.linker.groupId,
  sink: settings.sink.groupId,
};
await freshDatabase(connections.clickhouse, database);
await ensureTopic(kafka, topics.requests, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
await ensureDetectorTopics(kafka, settings.detector);
await ensureLinkerTopics(kafka, settings.linker);

// 1. The three services, each its own process with the memory probe preloaded.
let stopping = false;
const children = services.map((name) => {
  const memoryFile = `${args.out}/${name}.memory.json`;
  writeFileSync(memoryFile, "{}");
  const node = [
    process.execPath,
    "--import",
    "tsx",
    "--import",
    new URL("./memory-probe.ts", import.meta.url).href,
    `services/${name}/src/main.ts`,
  ];
  const [command, ...argv] = pin ? ["nice", "-n", "10", "taskset", "-c", "1", ...node] : node;
  const child = spawn(command as string, argv, {
    cwd: repoRoot,
    env: { ...env, DG_SOAK_MEMORY_FILE: memoryFile },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.on("exit", (code) => {
    if (stopping) return;
    console.error(`${name} exited early (code ${code}):\n${log}`);
    process.exit(1);
  });
  return { name, child, exited, memoryFile };
});
await waitForGroups(Object.values(groups));

// 2. Sampling: lag per stage, memory per process, every 5 s.
interface Sample {
  seconds: number;
  phase: Phase;
  produced: number;
  lag: Record<string, number>;
  memory: Record<Service, { rss: number; heapUsed: number }>;
  /** What each service reports as its state (dg_state_bytes), to tell held state from garbage. */
  stateBytes: Record<Service, number>;
  /** Link observations the linker holds, the event-time spread of its sources, the detector partitions held back. */
  alignment: { buffered: number; spreadSeconds: number; heldBack: number };
}
type Phase = "calibrate" | "drain" | "overload" | "catch-up";
const samples: Sample[] = [];
const admin = kafka.admin();
await admin.connect();
const wallStart = performance.now();
const elapsed = () => (performance.now() - wallStart) / 1000;
let phase: Phase = fixedRate === null ? "calibrate" : "overload";
let produced = 0;
let sampling = true;
let lastProgress = { seconds: 0, produced: 0 };
const sampler = (async () => {
  while (sampling) {
    const sample: Sample = {
      seconds: elapsed(),
      phase,
      produced,
      lag: {
        detector: await lagOf(groups.detector, [topics.requests]),
        linker: await lagOf(groups.linker, [topics.links]),
        "sink: results": await lagOf(groups.sink, topics.results),
        "sink: raw requests": await lagOf(groups.sink, [topics.requests]),
      },
      memory: Object.fromEntries(children.map((c) => [c.name, memoryOf(c.memoryFile)])) as Sample["memory"],
      stateBytes: Object.fromEntries(
        await Promise.all(services.map(async (s) => [s, await metricOf(s, "dg_state_bytes")] as const)),
      ) as Sample["stateBytes"],
      alignment: {
        buffered: await metricOf("linker", "dg_linker_buffered_observations"),
        spreadSeconds: await metricOf("linker", "dg_linker_source_spread_seconds"),
        heldBack: await metricOf("detector", "dg_partitions_held_back"),
      },
    };
    samples.push(sample);
    if (sample.seconds - lastProgress.seconds >= progressMs / 1000) {
      const offered = (sample.produced - lastProgress.produced) / (sample.seconds - lastProgress.seconds);
      lastProgress = sample;
      const l = sample.lag;
      const m = sample.memory;
      console.log(
        `[${sample.seconds.toFixed(0).padStart(5)} s] ${phase.padEnd(9)} produced ${fmt(produced)} (${fmt(offered)}/s); lag detector ${fmt(l.detector ?? 0)}, linker ${fmt(l.linker ?? 0)}, sink ${fmt(l["sink: results"] ?? 0)} + ${fmt(l["sink: raw requests"] ?? 0)} raw; RSS/heap MiB ${services.map((s) => `${s} ${mib(m[s].rss).toFixed(0)}/${mib(m[s].heapUsed).toFixed(0)}`).join(", ")}; state MiB ${services.map((s) => `${s} ${mib(sample.stateBytes[s]).toFixed(0)}`).join(", ")}; linker buffer ${fmt(sample.alignment.buffered)} (sources ${(sample.alignment.spreadSeconds / 60).toFixed(0)} min apart), detector partitions held back ${sample.alignment.heldBack}`,
      );
    }
    await sleep(sampleMs);
  }
})();

// 3. The stream. The simulator hands over 20k events per slice; the sink sends them paced by
// the phase's rate, ends ramp steps and the overload on the wall clock, and stops the simulation
// by throwing (it has no other way to end early).
class Stop extends Error {}
const sampleRate = settings.sink.requestSampleRate;
const producer = createProducer(kafka);
await producer.connect();
let buffer: Message[] = [];
let keep: boolean[] = [];
let expectedRaw = 0;
let phaseStart = performance.now();
let phaseSent = 0;
let rate = fixedRate ?? rampStart;
const result = {
  sustainablePerSecond: fixedRate,
  ramp: [] as { target: number; offered: number; lagBefore: number; lagAfter: number; keptUp: boolean }[],
  drainSeconds: null as number | null,
  overloadRate: fixedRate,
  offeredPerSecond: 0,
  catchUpSeconds: 0,
};
let step = { lag: 0 };

/**
 * Ends one ramp step: the detector kept up if its lag grew by less than a tenth of what the
 * step offered and the producer offered at least 90% of the step's rate. The ramp goes on
 * 1.25× higher until a step is not kept up; the last rate that was is the sustainable one.
 */
async function endStep() {
  const lag = await lagOf(groups.detector, [topics.requests]);
  const seconds = (performance.now() - phaseStart) / 1000;
  const offered = phaseSent / seconds;
  const keptUp = lag - step.lag < 0.1 * phaseSent && offered >= 0.9 * rate;
  console.log(
    `  ramp: ${fmt(offered)}/s offered for ${seconds.toFixed(0)} s (target ${fmt(rate)}/s): detector lag ${fmt(step.lag)} → ${fmt(lag)}${keptUp ? ", kept up" : ""}`,
  );
  result.ramp.push({ target: rate, offered, lagBefore: step.lag, lagAfter: lag, keptUp });
  if (keptUp) {
    result.sustainablePerSecond = offered;
    step = { lag };
    rate *= 1.25;
    phaseStart = performance.now();
    phaseSent = 0;
    return;
  }
  if (offered < 0.9 * rate) {
    console.log(
      "  warning: the producer could not offer the step's rate: the sustainable rate is a lower bound",
    );
  }
  const sustainable = result.sustainablePerSecond ?? 0;
  if (sustainable === 0)
    throw new Error(`the pipeline did not keep up with --ramp-start ${rampStart}/s: lower it`);
  phase = "drain";
  const t = performance.now();
  await waitAllCaughtUp();
  result.drainSeconds = (performance.now() - t) / 1000;
  rate = factor * sustainable;
  result.overloadRate = rate;
  console.log(
    `sustainable: ${fmt(sustainable)} events/s; drained the last step's backlog in ${result.drainSeconds.toFixed(1)} s; now ${fmt(rate)} events/s (${factor}×) for ${overloadMs / 1000} s`,
  );
  phase = "overload";
  phaseStart = performance.now();
  phaseSent = 0;
}

// Up to 4 requests in flight, so a slow round trip to a busy broker does not cap the offered
// rate. Every partition still gets its records in order (one connection, no retries expected);
// what the bench counts does not depend on it.
const inFlight: Promise<void>[] = [];
async function settle(max: number) {
  while (inFlight.length > max) await inFlight.shift();
}

async function send() {
  const messages = buffer;
  const kept = keep;
  buffer = [];
  keep = [];
  for (let i = 0; i < messages.length; i += 2_000) {
    if (phase === "calibrate" && performance.now() - phaseStart >= stepMs) {
      await settle(0);
      await endStep();
    }
    if (phase === "overload" && performance.now() - phaseStart >= overloadMs) {
      await settle(0);
      throw new Stop();
    }
    const ahead = phaseStart + (phaseSent / rate) * 1000 - performance.now();
    if (ahead > 0) await sleep(ahead);
    const chunk = messages.slice(i, i + 2_000);
    const raw = kept.slice(i, i + 2_000).filter(Boolean).length;
    phaseSent += chunk.length;
    inFlight.push(
      producer.send({ topic: topics.requests, acks: -1, messages: chunk }).then(() => {
        produced += chunk.length;
        expectedRaw += raw;
      }),
    );
    await settle(3);
  }
  await settle(0);
}

// Segments of 6 h of event time, one after another, until the wall clock ends the overload.
// Each is the same seeded world (same accounts and campaigns, so state stays the size a real
// population gives), placed after the previous one in event time; campaigns start at fixed
// fractions of a segment, so every segment has them.
const segmentMs = 6 * 3_600_000;
const options = {
  scenario: "all",
  seed: 7,
  startMs: Date.parse("2026-03-02T00:00:00Z"),
  durationMs: segmentMs,
  accounts: Number(args.accounts),
  releaseAt: 0.25,
  campaignScale: 1,
};
const overloadStart = () => phaseStart;
const trace = loadAzureTrace(process.env.DG_SIM_TRACE);
try {
  for (let k = 0; ; k++) {
    await simulate({ ...options, startMs: options.startMs + k * segmentMs }, trace, [
      {
        write(d) {
          buffer.push({ key: d.record.account_id, value: apiRequestCodec.encode(d.record) });
          keep.push(sampled(d.record.request_id, sampleRate));
        },
        drain: send,
        close: send,
      },
    ]);
  }
} catch (e) {
  if (!(e instanceof Stop)) throw e;
}
await producer.disconnect();
const producedEnd = performance.now();
result.offeredPerSecond = phaseSent / ((producedEnd - overloadStart()) / 1000);
phase = "catch-up";
console.log(
  `overload done: ${fmt(phaseSent)} events in ${((producedEnd - overloadStart()) / 1000).toFixed(0)} s = ${fmt(result.offeredPerSecond)}/s offered; catching up`,
);
await waitAllCaughtUp();
result.catchUpSeconds = (performance.now() - producedEnd) / 1000;
console.log(`caught up ${result.catchUpSeconds.toFixed(1)} s after the last event was produced`);
await sleep(sampleMs);
sampling = false;
await sampler;
// The time series first: whatever fails in the accounting below, the run's samples are kept.
writeFileSync(`${args.out}/soak.json`, `${JSON.stringify({ summary: result, samples }, null, 2)}\n`);

// 4. Accounting: every request in, every output stored, nothing dead-lettered.
const consumed = await consumedCount();
stopping = true;
for (const c of children) c.child.kill("SIGTERM");
const codes = await Promise.all(children.map((c) => c.exited));
const requestsEnd = await endTotal(topics.requests);
const detectorCommitted = await committedTotal(groups.detector);
const dlq = await endTotal(topics.dlq);
const clickhouse = createClickHouse({ ...connections.clickhouse, database });
const count = async (sql: string) =>
  Number(
    ((await (await clickhouse.query({ query: sql, format: "JSONEachRow" })).json()) as { n: string }[])[0]?.n,
  );
const keys = async (topic: string, key: (b: Buffer) => string) => {
  const set = new Set<string>();
  await readTopic(kafka, topic, (_p, m) => set.add(key(m.value as Buffer)));
  return set.size;
};
const outputs = [
  {
    table: "account_scores",
    inTopic: await keys(settings.sink.scoresTopic, (b) => {
      const s = accountScoreCodec.decode(b);
      return `${s.account_id}#${s.window_end_ms}`;
    }),
    stored: await count("SELECT count() AS n FROM account_scores FINAL"),
  },
  {
    table: "alerts",
    inTopic: await keys(settings.sink.alertsTopic, (b) => {
      const a = alertCodec.decode(b);
      return `${a.alert_id}#${a.revision}`;
    }),
    stored: await count("SELECT count() AS n FROM alerts FINAL"),
  },
  {
    table: "campaign_updates",
    inTopic: await keys(settings.sink.campaignsTopic, (b) => {
      const c = campaignUpdateCodec.decode(b);
      return `${c.campaign_id}#${c.event_time_ms}`;
    }),
    stored: await count("SELECT count() AS n FROM campaign_updates FINAL"),
  },
  {
    table: `api_requests (sampled at ${sampleRate})`,
    inTopic: expectedRaw,
    // Request ids repeat from segment to segment; a row is keyed by its Kafka coordinates.
    stored: await count("SELECT count() AS n FROM api_requests FINAL"),
  },
];
const lost =
  Math.max(0, produced - Number(consumed.detector)) +
  outputs.reduce((n, o) => n + Math.max(0, o.inTopic - o.stored), 0);

const peak = (f: (s: Sample) => number) => samples.reduce((m, s) => Math.max(m, f(s)), 0);
const stageNames = Object.keys(samples[0]?.lag ?? {});
const summary = {
  command: process.argv.slice(1).join(" "),
  machine: { cores: cpus().length, node: process.version, pinned: pin },
  ...result,
  overloadSeconds: overloadMs / 1000,
  produced,
  requestsTopicEnd: requestsEnd.toString(),
  detectorCommitted: detectorCommitted.toString(),
  detectorConsumed: consumed.detector,
  dlq: dlq.toString(),
  outputs,
  lost,
  lagPeak: Object.fromEntries(stageNames.map((n) => [n, peak((s) => s.lag[n] ?? 0)])),
  memoryPeakMiB: Object.fromEntries(
    services.map((s) => [
      s,
      { rss: mib(peak((x) => x.memory[s].rss)), heapUsed: mib(peak((x) => x.memory[s].heapUsed)) },
    ]),
  ),
  statePeakMiB: Object.fromEntries(services.map((s) => [s, mib(peak((x) => x.stateBytes[s]))])),
  linkerBufferPeak: peak((x) => x.alignment.buffered),
  sourceSpreadPeakMinutes: peak((x) => x.alignment.spreadSeconds) / 60,
  exitCodes: Object.fromEntries(children.map((c, i) => [c.name, codes[i]])),
};
console.log(`\n${JSON.stringify({ ...summary, outputs: undefined }, null, 2)}`);
console.log(`\n| output | distinct in topic | rows in ClickHouse |\n|---|---:|---:|`);
for (const o of outputs) console.log(`| ${o.table} | ${fmt(o.inTopic)} | ${fmt(o.stored)} |`);
console.log(
  `\nproduced ${fmt(produced)}, requests topic end ${fmt(Number(requestsEnd))}, detector consumed ${fmt(consumed.detector)}, DLQ ${dlq}: lost ${lost}`,
);

writeFileSync(`${args.out}/soak.json`, `${JSON.stringify({ summary, samples }, null, 2)}\n`);
const title = `${fmt(summary.overloadRate ?? 0)} events/s offered for ${overloadMs / 1000} s`;
const lagSvg = await renderSvg(lagSpec(samples, title), `Consumer lag per stage: ${title}`);
const memSvg = await renderSvg(memorySpec(samples, title), `Memory per process: ${title}`);
writeFileSync(`${args.out}/soak-lag.svg`, lagSvg);
writeFileSync(`${args.out}/soak-memory.svg`, memSvg);
if (args.docs) {
  mkdirSync(args.docs, { recursive: true });
  writeFileSync(`${args.docs}/pipeline-soak-lag.svg`, lagSvg);
  writeFileSync(`${args.docs}/pipeline-soak-memory.svg`, memSvg);
}
console.log(
  `wrote ${args.out}/soak.json, soak-lag.svg, soak-memory.svg${args.docs ? ` (and to ${args.docs})` : ""}`,
);
// Last, and allowed to fail: a loaded server can time out the drop, and the figures are out.
try {
  await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await deleteTopics(kafka, prefix);
} catch (e) {
  console.error(`cleanup failed (drop database ${database} and topics ${prefix}-* by hand): ${e}`);
}
await clickhouse.close();
await admin.disconnect();
process.exit(lost === 0 && dlq === 0n && codes.every((c) => c === 0) ? 0 : 1);

async function lagOf(groupId: string, ts: string[]): Promise<number> {
  let lag = 0;
  const [committed, ...ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: ts }),
    ...ts.map((t) => admin.fetchTopicOffsets(t)),
  ]);
  ts.forEach((t, i) => {
    const at = new Map(
      (committed.find((c) => c.topic === t)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
    );
    for (const e of ends[i] ?? []) {
      const from = at.get(e.partition) ?? -1;
      lag += Math.max(0, Number(e.high) - (from < 0 ? Number(e.low) : from));
    }
  });
  return lag;
}

async function committedTotal(groupId: string): Promise<bigint> {
  const [c] = await admin.fetchOffsets({ groupId, topics: [topics.requests] });
  return (c?.partitions ?? []).reduce((n, p) => n + (BigInt(p.offset) > 0n ? BigInt(p.offset) : 0n), 0n);
}

async function endTotal(topic: string): Promise<bigint> {
  return (await admin.fetchTopicOffsets(topic)).reduce((n, e) => n + BigInt(e.high), 0n);
}

async function waitAllCaughtUp(): Promise<void> {
  const pairs: [string, string][] = [
    [groups.detector, topics.requests],
    [groups.linker, topics.links],
    ...topics.results.map((t): [string, string] => [groups.sink, t]),
    [groups.sink, topics.requests],
  ];
  for (const [g, t] of pairs) while (!(await caughtUp(kafka, g, t))) await sleep(250);
}

function memoryOf(file: string): { rss: number; heapUsed: number } {
  try {
    const m = JSON.parse(readFileSync(file, "utf8")) as { rss?: number; heapUsed?: number };
    return { rss: m.rss ?? 0, heapUsed: m.heapUsed ?? 0 };
  } catch {
    // Caught between the probe's truncate and write: the next sample has it.
    return { rss: 0, heapUsed: 0 };
  }
}

/** The sum of a metric's series in a service's /metrics; 0 if it cannot be read. */
async function metricOf(service: Service, name: string): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${metricsPorts[service]}/metrics`)).text();
    return text
      .split("\n")
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .reduce((n, l) => n + Number(l.split(" ").at(-1)), 0);
  } catch {
    return 0;
  }
}

/** Records each service counted as consumed (dg_records_consumed_total), from its /metrics. */
async function consumedCount(): Promise<Record<Service, number>> {
  const out = {} as Record<Service, number>;
  for (const s of services) {
    const text = await (await fetch(`http://127.0.0.1:${metricsPorts[s]}/metrics`)).text();
    out[s] = text
      .split("\n")
      .filter((l) => l.startsWith("dg_records_consumed_total{") && l.includes(`topic="${topics.requests}"`))
      .reduce((n, l) => n + Number(l.split(" ").at(-1)), 0);
  }
  return out;
}

async function waitForGroups(ids: string[]): Promise<void> {
  const a = kafka.admin();
  await a.connect();
  try {
    for (let i = 0; i < 600; i++) {
      const { groups: described } = await a.describeGroups(ids);
      if (described.every((g) => g.state === "Stable")) return;
      await sleep(200);
    }
    throw new Error(`consumer groups ${ids.join(", ")} did not become stable in 120 s`);
  } finally {
    await a.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function phaseBands(data: Sample[]) {
  const bands: { phase: Phase; from: number; to: number }[] = [];
  for (const s of data) {
    const last = bands.at(-1);
    if (last && last.phase === s.phase) last.to = s.seconds;
    else bands.push({ phase: s.phase, from: last?.to ?? s.seconds, to: s.seconds });
  }
  return bands;
}

function chart(
  values: { seconds: number; series: string; value: number; kind?: string }[],
  bands: ReturnType<typeof phaseBands>,
  title: string,
  yTitle: string,
  dash: boolean,
): vl.TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    config: { font: "Helvetica, Arial, sans-serif" },
    width: 560,
    height: 260,
    layer: [
      {
        data: { values: bands.filter((b) => b.phase === "overload") },
        mark: { type: "rect", color: "#eee" },
        encoding: { x: { field: "from", type: "quantitative" }, x2: { field: "to" } },
      },
      {
        data: { values },
        mark: { type: "line" },
        encoding: {
          x: {
            field: "seconds",
            type: "quantitative",
            title: "seconds since the bench started (grey: overload)",
          },
          y: { field: "value", type: "quantitative", title: yTitle },
          color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom" } },
          ...(dash
            ? { strokeDash: { field: "kind", type: "nominal", title: null, legend: { orient: "bottom" } } }
            : {}),
        },
      },
    ],
  };
}

function lagSpec(data: Sample[], title: string): vl.TopLevelSpec {
  const values = data.flatMap((s) =>
    Object.entries(s.lag).map(([series, value]) => ({ seconds: s.seconds, series, value })),
  );
  return chart(
    values,
    phaseBands(data),
    `Consumer lag per stage (records): ${title}`,
    "records behind",
    false,
  );
}

function memorySpec(data: Sample[], title: string): vl.TopLevelSpec {
  const values = data.flatMap((s) =>
    services.flatMap((series) => [
      { seconds: s.seconds, series, kind: "RSS", value: mib(s.memory[series].rss) },
      { seconds: s.seconds, series, kind: "heap used", value: mib(s.memory[series].heapUsed) },
      { seconds: s.seconds, series, kind: "state it reports", value: mib(s.stateBytes[series]) },
    ]),
  );
  return chart(values, phaseBands(data), `Memory per process (MiB): ${title}`, "MiB", true);
}
