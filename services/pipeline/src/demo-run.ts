import { integer, oneOf, type Parsed, string } from "@distillguard/config";
import type { Alert } from "@distillguard/contract";
import { Detector } from "@distillguard/detector";
import {
  type ClickHouseClient,
  type ConnectionSettings,
  connectionSettings,
  createClickHouse,
  createKafka,
  createProducer,
  ensureDatabase,
  ensureTopic,
  type Logger,
} from "@distillguard/runtime";
import {
  kafkaSink,
  type Labels,
  loadAzureTrace,
  parseDuration,
  scenarios,
  simulate,
} from "@distillguard/simulator";
import { applyMigrations, createApiRequestSink } from "@distillguard/sink";
import type { Kafka } from "kafkajs";

export const demoSettings = {
  ...connectionSettings,
  scenario: oneOf({
    env: "DG_DEMO_SCENARIO",
    doc: "Simulator scenario the demo replays",
    default: "hydra",
    values: Object.keys(scenarios) as [string, ...string[]],
  }),
  accounts: integer({
    env: "DG_DEMO_ACCOUNTS",
    doc: "Ordinary benign accounts the demo simulates",
    default: 2_000,
    min: 1,
    max: 1_000_000,
  }),
  duration: string({
    env: "DG_DEMO_DURATION",
    doc: "Event time the demo simulates (e.g. 30m, 6h)",
    default: "1h",
    pattern: /^\d+(\.\d+)?(ms|s|m|h|d)$/,
    hint: "a number with ms, s, m, h or d",
  }),
  seed: integer({
    env: "DG_DEMO_SEED",
    doc: "Simulator seed for the demo",
    default: 7,
    min: 0,
    max: 2 ** 32 - 1,
  }),
  timeoutSeconds: integer({
    env: "DG_DEMO_TIMEOUT",
    doc: "Seconds the demo waits for the sink to store every row",
    default: 120,
    min: 1,
    max: 3600,
  }),
};

export type DemoSettings = Parsed<typeof demoSettings>;

export const demoTopic = "api-requests";

export interface DemoResult {
  produced: number;
  stored: number;
  topAccounts: Record<string, unknown>[];
  labels: Labels;
  /** Alerts the detection library raised on the same events, in process (open/update only). */
  alerts: Alert[];
  /** Members of each alerted campaign at the end. */
  campaignMembers: Map<string, string[]>;
}

/**
 * The walking pipeline: simulate a scenario → Kafka → sink → ClickHouse → read back.
 * Detection joins with its own issue; the demo shows today's per-account view, in which a
 * hydra campaign's accounts are invisible, next to the ground truth.
 */
export async function runDemo(
  s: DemoSettings & ConnectionSettings,
  deps: { logger: Logger; topic?: string; groupId?: string; tracePath?: string },
): Promise<DemoResult> {
  const { logger } = deps;
  const topic = deps.topic ?? demoTopic;
  const kafka = createKafka({ clientId: "dg-demo", brokers: s.kafkaBrokers, logger });
  await ensureTopic(kafka, topic, { partitions: 6 });
  await ensureTopic(kafka, `${topic}.dlq`, { partitions: 1 });
  await ensureDatabase(s.clickhouseUrl, s.clickhouseDatabase);
  const clickhouse = createClickHouse({ url: s.clickhouseUrl, database: s.clickhouseDatabase });
  try {
    await applyMigrations(clickhouse);
    const before = await highWatermarks(kafka, topic);
    const producer = createProducer(kafka);
    await producer.connect();
    const sink = kafkaSink(producer, topic, "avro");
    const startMs = Date.parse("2026-03-02T00:00:00Z");
    // Until the detector runs as a Kafka service, the demo runs the library on the same
    // events in process, evaluating every 15 minutes of event time.
    const detector = new Detector();
    const alerts: Alert[] = [];
    const every = 15 * 60_000;
    let next = startMs + every;
    const detect = {
      write(d: { record: Parameters<Detector["observe"]>[0] }) {
        while (d.record.event_time_ms >= next) {
          alerts.push(...detector.evaluate(next).alerts);
          next += every;
        }
        detector.observe(d.record);
      },
      close() {},
    };
    const run = await simulate(
      {
        scenario: s.scenario,
        seed: s.seed,
        startMs,
        durationMs: parseDuration(s.duration),
        accounts: s.accounts,
        releaseAt: 0.25,
        campaignScale: 1,
      },
      loadAzureTrace(deps.tracePath ?? process.env.DG_SIM_TRACE),
      [sink, detect],
      { mode: "fingerprint" },
    );
    alerts.push(...detector.evaluate(startMs + parseDuration(s.duration)).alerts);
    await producer.disconnect();
    logger.info({ topic, events: run.events }, "simulated requests produced");
    const after = await highWatermarks(kafka, topic);
    const ranges = [...after].map(([p, end]) => ({ p, from: before.get(p) ?? "0", to: end }));
    const inRun = ranges
      .map((r) => `(kafka_partition = ${r.p} AND kafka_offset >= ${r.from} AND kafka_offset < ${r.to})`)
      .join(" OR ");
    const where = `kafka_topic = '${topic}' AND (${inRun || "0"})`;

    const consumer = createApiRequestSink({
      kafka,
      clickhouse,
      logger,
      topic,
      dlqTopic: `${topic}.dlq`,
      groupId: deps.groupId ?? "dg-sink-api-requests",
    });
    await consumer.start();
    const deadline = Date.now() + s.timeoutSeconds * 1000;
    let stored = 0;
    try {
      while (Date.now() < deadline) {
        stored = Number(
          (await query(clickhouse, `SELECT count() AS n FROM api_requests FINAL WHERE ${where}`))[0]?.n ?? 0,
        );
        if (stored >= run.events) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await consumer.stop();
    }
    if (stored < run.events) {
      throw new Error(
        `only ${stored} of ${run.events} rows reached ClickHouse within ${s.timeoutSeconds}s (DG_DEMO_TIMEOUT)`,
      );
    }
    const topAccounts = await query(
      clickhouse,
      `SELECT account_id, count() AS requests, sum(usage_output_tokens) AS output_tokens,
              round(avg(cot_elicitation > 0.5), 2) AS cot_share, uniqExact(client_address) AS ips,
              uniqExact(prompt_template_hash) AS templates
       FROM api_requests FINAL WHERE ${where}
       GROUP BY account_id ORDER BY requests DESC, account_id LIMIT 10`,
    );
    const campaignMembers = new Map(
      alerts
        .filter((a) => a.subject_kind === "campaign")
        .map((a) => [a.subject_id, detector.linker.membersOf(a.subject_id)]),
    );
    return { produced: run.events, stored, topAccounts, labels: run.labels, alerts, campaignMembers };
  } finally {
    await clickhouse.close();
  }
}

async function highWatermarks(kafka: Kafka, topic: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
}

async function query(clickhouse: ClickHouseClient, sql: string): Promise<Record<string, unknown>[]> {
  const rs = await clickhouse.query({ query: sql, format: "JSONEachRow" });
  return rs.json<Record<string, unknown>>();
}
