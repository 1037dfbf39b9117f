import { spawn } from "node:child_process";
import { alertCodec, campaignUpdateCodec } from "@distillguard/contract";
import type { DetectorSettings } from "@distillguard/detector-service";
import type { LinkerSettings } from "@distillguard/linker-service";
import { createKafka, createLogger, createProducer, ensureTopic, type Logger } from "@distillguard/runtime";
import { kafkaSink, loadAzureTrace, type ScenarioOptions, simulate } from "@distillguard/simulator";
import type { Kafka } from "kafkajs";

export const repoRoot = new URL("../../", import.meta.url).pathname;

/** Names for one independent run of the whole pipeline (topics, groups, changelogs). */
export function pipelineNames(prefix: string) {
  return {
    requestsTopic: `${prefix}-requests`,
    scoresTopic: `${prefix}-scores`,
    alertsTopic: `${prefix}-alerts`,
    campaignsTopic: `${prefix}-campaigns`,
    linksTopic: `${prefix}-links`,
    dlqTopic: `${prefix}-dlq`,
    detectorChangelog: `${prefix}-detector-changelog`,
    linkerChangelog: `${prefix}-linker-changelog`,
    detectorGroup: `${prefix}-detector`,
    linkerGroup: `${prefix}-linker`,
  };
}
export type PipelineNames = ReturnType<typeof pipelineNames>;

/** Environment for a service process (or the settings objects for in-process services). */
export function serviceEnv(n: PipelineNames, brokers: string[]): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(","),
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    DG_REQUESTS_TOPIC: n.requestsTopic,
    DG_SCORES_TOPIC: n.scoresTopic,
    DG_ALERTS_TOPIC: n.alertsTopic,
    DG_CAMPAIGNS_TOPIC: n.campaignsTopic,
    DG_LINKS_TOPIC: n.linksTopic,
    DG_DLQ_TOPIC: n.dlqTopic,
    DG_DETECTOR_CHANGELOG_TOPIC: n.detectorChangelog,
    DG_DETECTOR_GROUP: n.detectorGroup,
    DG_DETECTOR_METRICS_PORT: "0",
    DG_LINKER_CHANGELOG_TOPIC: n.linkerChangelog,
    DG_LINKER_GROUP: n.linkerGroup,
    DG_LINKER_METRICS_PORT: "0",
  };
}

export function detectorSettingsFor(n: PipelineNames, brokers: string[]): DetectorSettings {
  return {
    kafkaBrokers: brokers,
    clickhouseUrl: "http://127.0.0.1:8123",
    clickhouseDatabase: "distillguard",
    logLevel: "warn",
    logFormat: "json",
    requestsTopic: n.requestsTopic,
    scoresTopic: n.scoresTopic,
    alertsTopic: n.alertsTopic,
    campaignsTopic: n.campaignsTopic,
    linksTopic: n.linksTopic,
    dlqTopic: n.dlqTopic,
    changelogTopic: n.detectorChangelog,
    groupId: n.detectorGroup,
    evaluateEvery: 5 * 60_000,
    checkpointEvery: 30_000,
    metricsPort: 0,
  };
}

export function linkerSettingsFor(n: PipelineNames, brokers: string[]): LinkerSettings {
  return {
    ...detectorSettingsFor(n, brokers),
    changelogTopic: n.linkerChangelog,
    groupId: n.linkerGroup,
  };
}

/** Produces a seeded scenario to the requests topic (6 partitions, keyed by account). */
export async function produceScenario(
  kafka: Kafka,
  topic: string,
  options: ScenarioOptions,
  maxEvents?: number,
): Promise<number> {
  await ensureTopic(kafka, topic, { partitions: 6 });
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    const run = await simulate(options, loadAzureTrace(), [kafkaSink(producer, topic, "avro")], {
      mode: "fingerprint",
      maxEvents,
    });
    return run.events;
  } finally {
    await producer.disconnect();
  }
}

export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of a group on a topic (−1 where nothing is committed). */
export async function committed(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** True once the group has committed every partition of the topic up to its end. */
export async function caughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const ends = await endOffsets(kafka, topic);
  const done = await committed(kafka, groupId, topic);
  for (const [p, end] of ends) if ((done.get(p) ?? -1n) < end) return false;
  return true;
}

/** Every record of a topic, read to its end with a throwaway group. */
export async function readTopic(kafka: Kafka, topic: string): Promise<{ key: string; value: Buffer }[]> {
  const ends = await endOffsets(kafka, topic);
  const pending = new Set([...ends].filter(([, e]) => e > 0n).map(([p]) => p));
  const out: { key: string; value: Buffer; p: number; o: bigint }[] = [];
  if (pending.size === 0) return [];
  const consumer = kafka.consumer({
    groupId: `${topic}-reader-${Math.random().toString(36).slice(2)}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    setTimeout(
      () => reject(new Error(`reading ${topic}: still waiting for ${[...pending]} after 60 s`)),
      60_000,
    );
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= (ends.get(batch.partition) ?? 0n)) continue;
            out.push({
              key: m.key?.toString() ?? "",
              value: m.value as Buffer,
              p: batch.partition,
              o: BigInt(m.offset),
            });
          }
          if (BigInt(batch.lastOffset()) + 1n >= (ends.get(batch.partition) ?? 0n))
            pending.delete(batch.partition);
          if (pending.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out.sort((a, b) => a.p - b.p || (a.o < b.o ? -1 : 1)).map(({ key, value }) => ({ key, value }));
}

/**
 * What downstream would store: alerts by (alert_id, revision) and campaign updates by
 * (campaign_id, event time), each once, sorted — the idempotent view of the output topics.
 */
export async function resultView(kafka: Kafka, n: PipelineNames) {
  const alerts = new Map<string, unknown>();
  for (const r of await readTopic(kafka, n.alertsTopic)) {
    const a = alertCodec.decode(r.value);
    alerts.set(`${a.alert_id}#${a.revision}`, a);
  }
  const campaigns = new Map<string, unknown>();
  for (const r of await readTopic(kafka, n.campaignsTopic)) {
    const c = campaignUpdateCodec.decode(r.value);
    campaigns.set(`${c.campaign_id}#${c.event_time_ms}`, c);
  }
  const sorted = (m: Map<string, unknown>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
  return { alerts: sorted(alerts), campaigns: sorted(campaigns) };
}

export async function waitFor(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/** A service as its own OS process (for kill -9), its stderr kept for the failure message. */
export function spawnService(name: "detector" | "linker", env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", `services/${name}/src/main.ts`], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

export function testKafka(brokers: string[], logger: Logger = createLogger("test", "warn", "json")) {
  return createKafka({ clientId: "dg-test", brokers, logger });
}
