// End-to-end throughput of the streaming services on this machine: a recorded simulator stream
// already in Kafka, then detector + linker + sink (the `pipeline` command's services, in one
// process) until every group has committed its input. Kafka and ClickHouse run on the same
// 2 cores. See README.md.
//   node --import tsx bench/pipeline/run.ts [--duration 2h] [--accounts 20000]

import { parsePipelineSettings, startPipeline } from "@distillguard/pipeline";
import {
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
  REPLAY_TOPIC_CONFIG,
} from "@distillguard/runtime";
import { kafkaSink, loadAzureTrace, simulate } from "@distillguard/simulator";
import type { Kafka } from "kafkajs";
import { benchArgs } from "../scenario.ts";

const { options } = benchArgs({ duration: "2h", accounts: "20000", scenario: "all" }, {});
const fmt = (n: number) => Math.round(n).toLocaleString("en");
const logger = createLogger("bench", "warn", "json");
const brokers = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",");
const kafka = createKafka({ clientId: "dg-bench", brokers, logger });
const prefix = `dg-bench-${Date.now().toString(36)}`;
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  CLICKHOUSE_DATABASE: "dg_bench",
  DG_REQUESTS_TOPIC: `${prefix}-requests`,
  DG_SCORES_TOPIC: `${prefix}-scores`,
  DG_ALERTS_TOPIC: `${prefix}-alerts`,
  DG_CAMPAIGNS_TOPIC: `${prefix}-campaigns`,
  DG_LINKS_TOPIC: `${prefix}-links`,
  DG_DLQ_TOPIC: `${prefix}-dlq`,
  DG_DETECTOR_CHANGELOG_TOPIC: `${prefix}-detector-changelog`,
  DG_DETECTOR_GROUP: `${prefix}-detector`,
  DG_LINKER_CHANGELOG_TOPIC: `${prefix}-linker-changelog`,
  DG_LINKER_GROUP: `${prefix}-linker`,
  DG_SINK_GROUP: `${prefix}-sink`,
};
const settings = parsePipelineSettings(env);

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

t0 = performance.now();
const pipeline = await startPipeline(settings, { kafka, logger });
const done = async (group: string, topic: string) => {
  for (;;) {
    if (await caughtUp(kafka, group, topic)) return (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 200));
  }
};
const detector = await done(settings.detector.groupId, settings.detector.requestsTopic);
console.log(`detector caught up after ${detector.toFixed(1)} s: ${fmt(run.events / detector)} events/s`);
const linker = await done(settings.linker.groupId, settings.linker.linksTopic);
console.log(`linker caught up after ${linker.toFixed(1)} s`);
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
console.log(
  `end to end: ${fmt(run.events / Math.max(detector, linker, sink))} events/s; ${JSON.stringify(pipeline.stats().sink.rows)}`,
);
await pipeline.stop();
const admin = kafka.admin();
await admin.connect();
await admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(prefix)) });
await admin.disconnect();
process.exit(0);

async function caughtUp(k: Kafka, groupId: string, topic: string): Promise<boolean> {
  const a = k.admin();
  await a.connect();
  try {
    const ends = await a.fetchTopicOffsets(topic);
    const [c] = await a.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((c?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return ends.every((e) => BigInt(e.high) === 0n || (at.get(e.partition) ?? -1n) >= BigInt(e.high));
  } finally {
    await a.disconnect();
  }
}
