// End-to-end throughput of the streaming services on this machine: a recorded simulator stream
// already in Kafka, then detector + linker + sink (the `pipeline` command's services, in one
// process) until every group has committed its input. Kafka and ClickHouse run on the same
// 2 cores. The baseline, in the same run: kafkajs alone reading the same topic, before and after
// (and once more decoding each record's Avro). See README.md.
//   node --import tsx bench/pipeline/run.ts [--duration 2h] [--accounts 20000] [--layout command|processes] [--split N]
// --layout processes: detector, linker and sink as processes of their own, as deployed (the
// `pipeline` command runs them on one JavaScript thread); --split N (with processes): the linker
// split by account, N account stages over N links partitions and one link stage.

import { type ChildProcess, spawn } from "node:child_process";
import { apiRequestCodec } from "@distillguard/contract";
import { parsePipelineSettings, startPipeline } from "@distillguard/pipeline";
import {
  connectionsFromEnv,
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
  REPLAY_TOPIC_CONFIG,
} from "@distillguard/runtime";
import { kafkaSink, loadAzureTrace, simulate } from "@distillguard/simulator";
import { benchArgs } from "../scenario.ts";
import { deleteTopics, freshDatabase, pipelineEnv, readTopic, waitCaughtUp } from "./topics.ts";

const { values, options } = benchArgs(
  { duration: "2h", accounts: "20000", scenario: "all" },
  { layout: { type: "string", default: "command" }, split: { type: "string", default: "0" } },
);
if (values.layout !== "command" && values.layout !== "processes")
  throw new Error(`--layout is command or processes, not ${values.layout}`);
const processes = values.layout === "processes";
const split = Number(values.split);
if (!(Number.isInteger(split) && split >= 0))
  throw new Error(`--split takes a whole number, not ${values.split}`);
if (split > 0 && !processes) throw new Error("--split needs --layout processes");
const fmt = (n: number) => Math.round(n).toLocaleString("en");
const logger = createLogger("bench", "warn", "json");
const connections = connectionsFromEnv();
const kafka = createKafka({ clientId: "dg-bench", logger, ...connections.kafka });
const prefix = `dg-bench-${Date.now().toString(36)}`;
const env: Record<string, string> = {
  ...pipelineEnv(prefix, "dg_bench"),
  DG_DETECTOR_METRICS_PORT: "0",
  DG_LINKER_METRICS_PORT: "0",
  DG_SINK_METRICS_PORT: "0",
  ...(split > 0 ? { DG_LINKS_PARTITIONS: String(split) } : {}),
};
const settings = parsePipelineSettings(env);
await freshDatabase(connections.clickhouse, "dg_bench");

await ensureTopic(kafka, settings.detector.requestsTopic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
const producer = createProducer(kafka);
await producer.connect();
let t0 = performance.now();
const run = await simulate(options, loadAzureTrace(process.env.DG_SIM_TRACE), [
  kafkaSink(producer, settings.detector.requestsTopic, "avro"),
]);
await producer.disconnect();
const produceSeconds = (performance.now() - t0) / 1000;
console.log(
  `produced ${fmt(run.events)} events (scenario all, ${options.accounts} ordinary accounts) in ${produceSeconds.toFixed(1)} s: ${fmt(run.events / produceSeconds)} events/s`,
);

/** kafkajs alone over the input, through a throwaway group: what the client takes per record. */
async function bare(decode: boolean): Promise<number> {
  const t = performance.now();
  let bytes = 0;
  const n = await readTopic(kafka, settings.detector.requestsTopic, (_, m) => {
    if (decode) apiRequestCodec.decode(m.value as Buffer);
    bytes += m.value?.length ?? 0;
  });
  const seconds = (performance.now() - t) / 1000;
  if (n !== run.events) throw new Error(`bare read ${n} records, produced ${run.events}`);
  console.log(
    `bare kafkajs${decode ? " + Avro decode" : ""}: ${fmt(n)} records (${(bytes / 2 ** 20).toFixed(0)} MiB) in ${seconds.toFixed(1)} s: ${fmt(n / seconds)} records/s`,
  );
  return n / seconds;
}
const bareBefore = await bare(false);
const bareDecoded = await bare(true);

/**
 * A service as its own process, from the repo root, with this run's environment; with
 * DG_BENCH_PROFILE_DIR set, each writes a CPU profile there when it stops.
 */
function service(name: string, extra: Record<string, string> = {}): ChildProcess {
  const dir = process.env.DG_BENCH_PROFILE_DIR;
  // A folder per process: each thread (the module loader's too) writes a profile of its own.
  const profile = dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}/${name}-${children.length}`] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", `services/${name}/src/main.ts`], {
    env: { ...env, ...extra },
    stdio: ["ignore", "ignore", "inherit"],
  });
  child.on("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGTERM") console.error(`${name} exited: code ${code}, signal ${signal}`);
  });
  return child;
}

t0 = performance.now();
const children: ChildProcess[] = [];
const pipeline = processes
  ? null
  : await startPipeline(settings, { kafka, clickhouse: connections.clickhouse, logger });
if (processes) {
  children.push(service("detector"), service("sink"));
  if (split > 0) {
    for (let i = 0; i < split; i++) children.push(service("linker", { DG_LINKER_ROLE: "accounts" }));
    children.push(service("linker", { DG_LINKER_ROLE: "link" }));
  } else children.push(service("linker"));
}
const done = (group: string, topic: string) => waitCaughtUp(kafka, group, topic, t0);
const detector = await done(settings.detector.groupId, settings.detector.requestsTopic);
console.log(`detector caught up after ${detector.toFixed(1)} s: ${fmt(run.events / detector)} events/s`);
if (split > 0) {
  const stages = await done(env.DG_LINKER_ACCOUNTS_GROUP as string, settings.linker.linksTopic);
  console.log(`${split} account stage(s) caught up after ${stages.toFixed(1)} s`);
}
const linker =
  split > 0
    ? await done(settings.linker.groupId, env.DG_LINK_RECORDS_TOPIC as string)
    : await done(settings.linker.groupId, settings.linker.linksTopic);
console.log(`linker${split > 0 ? " (link stage)" : ""} caught up after ${linker.toFixed(1)} s`);
let sink = 0;
for (const t of [
  settings.sink.scoresTopic,
  settings.sink.alertsTopic,
  settings.sink.campaignsTopic,
  settings.sink.requestsTopic,
]) {
  sink = Math.max(sink, await done(settings.sink.groupId, t));
}
console.log(`sink caught up after ${sink.toFixed(1)} s`);
const endToEnd = run.events / Math.max(detector, linker, sink);
console.log(
  `end to end (${processes ? `services as processes${split > 0 ? `, linker split ${split}+1` : ""}` : "pipeline command, one process"}): ${fmt(endToEnd)} events/s${pipeline ? `; ${JSON.stringify(pipeline.stats().sink.rows)}` : ""}`,
);
await pipeline?.stop();
for (const c of children) c.kill("SIGTERM");
await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
const bareAfter = await bare(false);
const baseline = Math.max(bareBefore, bareAfter);
console.log(
  `pipeline / bare kafkajs: ${(endToEnd / baseline).toFixed(2)} (end to end ${fmt(endToEnd)}/s, detector ${fmt(run.events / detector)}/s; bare ${fmt(bareBefore)} and ${fmt(bareAfter)}/s, with Avro decode ${fmt(bareDecoded)}/s)`,
);
await deleteTopics(kafka, prefix);
process.exit(0);
