import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { alertCodec, campaignUpdateCodec } from "@distillguard/contract";
import type { DetectorSettings } from "@distillguard/detector-service";
import { loadNetworkTables, networkEnricher } from "@distillguard/ingest";
import type { LinkerSettings } from "@distillguard/linker-service";
import {
  type ClickHouseClient,
  createClickHouse,
  createKafka,
  createLogger,
  createProducer,
  ensureDatabase,
  ensureTopic,
  type Logger,
  REPLAY_TOPIC_CONFIG,
} from "@distillguard/runtime";
import {
  encodedSink,
  kafkaSink,
  loadAzureTrace,
  type RequestSink,
  type ScenarioOptions,
  simulate,
} from "@distillguard/simulator";
import { applyMigrations, createResultSink, type ResultSink } from "@distillguard/sink";
import type { IHeaders, Kafka, Message } from "kafkajs";
import { liveGateway } from "../../bench/quality/gateway.ts";

export const repoRoot = new URL("../../", import.meta.url).pathname;

/** Names for one independent run of the whole pipeline (topics, groups, changelogs). */
export function pipelineNames(prefix: string) {
  return {
    requestsTopic: `${prefix}-requests`,
    scoresTopic: `${prefix}-scores`,
    alertsTopic: `${prefix}-alerts`,
    campaignsTopic: `${prefix}-campaigns`,
    linksTopic: `${prefix}-links`,
    linkRecordsTopic: `${prefix}-link-records`,
    dlqTopic: `${prefix}-dlq`,
    detectorChangelog: `${prefix}-detector-changelog`,
    detectorClocks: `${prefix}-detector-clocks`,
    linkerChangelog: `${prefix}-linker-changelog`,
    detectorGroup: `${prefix}-detector`,
    linkerGroup: `${prefix}-linker`,
    linkerAccountsGroup: `${prefix}-linker-accounts`,
  };
}
export type PipelineNames = ReturnType<typeof pipelineNames>;

/** Environment for a service process (or the settings objects for in-process services). */
export function serviceEnv(n: PipelineNames, brokers: string[]): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers.join(","),
    LOG_LEVEL: process.env.DG_TEST_LOG_LEVEL ?? "warn",
    LOG_FORMAT: "json",
    DG_REQUESTS_TOPIC: n.requestsTopic,
    DG_SCORES_TOPIC: n.scoresTopic,
    DG_ALERTS_TOPIC: n.alertsTopic,
    DG_CAMPAIGNS_TOPIC: n.campaignsTopic,
    DG_LINKS_TOPIC: n.linksTopic,
    DG_LINK_RECORDS_TOPIC: n.linkRecordsTopic,
    DG_DLQ_TOPIC: n.dlqTopic,
    DG_DETECTOR_CHANGELOG_TOPIC: n.detectorChangelog,
    DG_DETECTOR_CLOCKS_TOPIC: n.detectorClocks,
    DG_DETECTOR_GROUP: n.detectorGroup,
    DG_DETECTOR_METRICS_PORT: "0",
    DG_LINKER_CHANGELOG_TOPIC: n.linkerChangelog,
    DG_LINKER_GROUP: n.linkerGroup,
    DG_LINKER_ACCOUNTS_GROUP: n.linkerAccountsGroup,
    DG_LINKER_METRICS_PORT: "0",
  };
}

export function detectorSettingsFor(n: PipelineNames, brokers: string[]): DetectorSettings {
  return {
    kafkaBrokers: brokers,
    kafkaSecurityProtocol: "PLAINTEXT",
    clickhouseUrl: "http://127.0.0.1:8123",
    clickhouseDatabase: "distillguard",
    logLevel: "warn",
    logFormat: "json",
    requestsTopic: n.requestsTopic,
    scoresTopic: n.scoresTopic,
    alertsTopic: n.alertsTopic,
    campaignsTopic: n.campaignsTopic,
    linksTopic: n.linksTopic,
    linksPartitions: 1,
    linkRecordsTopic: n.linkRecordsTopic,
    dlqTopic: n.dlqTopic,
    changelogTopic: n.detectorChangelog,
    clocksTopic: n.detectorClocks,
    groupId: n.detectorGroup,
    evaluateEvery: 5 * 60_000,
    checkpointEvery: 30_000,
    fetchMaxBytes: 1_048_576,
    maxDrift: 10 * 60_000,
    transactionTimeout: 60_000,
    metricsPort: 0,
  };
}

export function linkerSettingsFor(n: PipelineNames, brokers: string[]): LinkerSettings {
  return {
    ...detectorSettingsFor(n, brokers),
    changelogTopic: n.linkerChangelog,
    role: "all",
    groupId: n.linkerGroup,
    accountsGroupId: n.linkerAccountsGroup,
    // Off: these tests compare results across interleavings, which idleness would make timing-dependent.
    sourceIdle: 0,
  };
}

/**
 * Produces a seeded scenario to the requests topic (6 partitions, keyed by account) as the
 * ingest would: each request as a LiteLLM proxy logs it, through the ingest's translation with
 * its IP enrichment — never the simulator's own fields.
 */
export async function produceScenario(
  kafka: Kafka,
  topic: string,
  options: ScenarioOptions,
  maxEvents?: number,
): Promise<number> {
  await ensureTopic(kafka, topic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    const out = kafkaSink(producer, topic, "avro");
    enricher ??= networkEnricher(loadNetworkTables());
    const gateway = liveGateway(enricher, null);
    const viaGateway: RequestSink = {
      write(d, text) {
        const g = gateway.next(d, text);
        if (!g.ok) throw new Error(`the ingest rejected a simulated request: ${g.kind}`);
        out.write({ ...d, record: g.request }, text);
      },
      drain: out.drain,
      close: out.close,
    };
    const run = await simulate(options, loadAzureTrace(), [viaGateway], { mode: "gateway", maxEvents });
    return run.events;
  } finally {
    await producer.disconnect();
  }
}

let enricher: ReturnType<typeof networkEnricher> | null = null;

/**
 * The records `produceScenario` would send, kept in memory, so a test can send the same stream
 * in slices (to change the group between them) or to several runs' topics.
 */
export async function scenarioMessages(options: ScenarioOptions): Promise<Message[]> {
  enricher ??= networkEnricher(loadNetworkTables());
  const gateway = liveGateway(enricher, null);
  const out: Message[] = [];
  const encoded = encodedSink((key, value, ts) => out.push({ key, value, timestamp: String(ts) }));
  await simulate(
    options,
    loadAzureTrace(),
    [
      {
        write(d, text) {
          const g = gateway.next(d, text);
          if (!g.ok) throw new Error(`the ingest rejected a simulated request: ${g.kind}`);
          encoded.write({ ...d, record: g.request }, text);
        },
        close() {},
      },
    ],
    { mode: "gateway" },
  );
  return out;
}

/**
 * Sends `messages` in order, in requests of 1,000, at about `perSecond` (Infinity: as fast as
 * the broker takes them); `onSent` sees the running count after each request.
 */
export async function sendMessages(
  kafka: Kafka,
  topic: string,
  messages: readonly Message[],
  perSecond = Number.POSITIVE_INFINITY,
  onSent?: (sent: number) => void,
): Promise<void> {
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    const t0 = performance.now();
    for (let from = 0; from < messages.length; from += 1_000) {
      const ahead = (from / perSecond) * 1000 - (performance.now() - t0);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
      await producer.send({ topic, acks: -1, messages: messages.slice(from, from + 1_000) });
      onSent?.(Math.min(messages.length, from + 1_000));
    }
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
  // An empty partition (end 0) has nothing to commit.
  for (const [p, end] of ends) if (end > 0n && (done.get(p) ?? -1n) < end) return false;
  return true;
}

/**
 * Every record of a topic, read to its end with a throwaway group. A reader that has not
 * finished after 60 s is dropped and a new group reads again, once: a fresh-clone CI run had a
 * reader receive nothing from two partitions for 60 s after the ingest had committed all its
 * output (the test's subject had finished; its reader had not joined).
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
): Promise<{ key: string; value: Buffer; headers: IHeaders }[]> {
  const ends = await endOffsets(kafka, topic);
  try {
    return await readTopicOnce(kafka, topic, ends);
  } catch (first) {
    process.stderr.write(`${(first as Error).message}; reading again with a new group\n`);
    return await readTopicOnce(kafka, topic, ends);
  }
}

async function readTopicOnce(
  kafka: Kafka,
  topic: string,
  ends: Map<number, bigint>,
): Promise<{ key: string; value: Buffer; headers: IHeaders }[]> {
  const pending = new Set([...ends].filter(([, e]) => e > 0n).map(([p]) => p));
  const out: { key: string; value: Buffer; headers: IHeaders; p: number; o: bigint }[] = [];
  if (pending.size === 0) return [];
  const consumer = kafka.consumer({
    groupId: `${topic}-reader-${Math.random().toString(36).slice(2)}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
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
                headers: m.headers ?? {},
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
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return out
    .sort((a, b) => a.p - b.p || (a.o < b.o ? -1 : 1))
    .map(({ key, value, headers }) => ({ key, value, headers }));
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

/** `what` may be a function: it is read when the wait fails (e.g. a child's stderr so far). */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  ms: number,
  what: string | (() => string),
  everyMs = 250,
) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${typeof what === "string" ? what : what()}: not within ${ms} ms`);
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
    if (process.env.DG_TEST_CHILD_LOG) appendFileSync(process.env.DG_TEST_CHILD_LOG, d);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

export function testKafka(brokers: string[], logger: Logger = createLogger("test", "warn", "json")) {
  return createKafka({ clientId: "dg-test", brokers, logger });
}

/** A result sink writing one pipeline's outputs into its own fresh database. */
export async function startSink(
  kafka: Kafka,
  n: PipelineNames,
  clickhouseUrl: string,
  database: string,
  logger: Logger,
): Promise<{ sink: ResultSink; client: ClickHouseClient; groupId: string }> {
  await ensureDatabase(clickhouseUrl, database);
  const client = createClickHouse({ url: clickhouseUrl, database });
  await applyMigrations(client);
  const groupId = `${n.detectorGroup}-sink`;
  const sink = createResultSink({
    kafka,
    clickhouse: client,
    logger,
    scoresTopic: n.scoresTopic,
    alertsTopic: n.alertsTopic,
    campaignsTopic: n.campaignsTopic,
    dlqTopic: n.dlqTopic,
    groupId,
    flush: { maxDelayMs: 200 },
  });
  await sink.start();
  return { sink, client, groupId };
}

/** The alert and campaign tables as an analyst reads them (FINAL, fixed order). */
export async function tablesView(client: ClickHouseClient) {
  const q = async (sql: string) => (await client.query({ query: sql, format: "JSONEachRow" })).json();
  // Kafka coordinates say where a row came from (another topic in another run), not what it says.
  const content = (rows: unknown[]) =>
    (rows as Record<string, unknown>[]).map((r) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith("kafka_"))),
    );
  return {
    alerts: content(await q("SELECT * FROM alerts FINAL ORDER BY alert_id, revision")),
    campaignUpdates: content(
      await q("SELECT * FROM campaign_updates FINAL ORDER BY campaign_id, event_time_ms"),
    ),
    campaignMembers: content(
      await q("SELECT * FROM campaign_members FINAL ORDER BY campaign_id, account_id"),
    ),
    scores: await q("SELECT count() AS n, sum(score) AS total FROM account_scores FINAL"),
  };
}
