import { integer, oneOf, type Parsed, string } from "@distillguard/config";
import { createIngest } from "@distillguard/ingest";
import {
  type ClickHouseClient,
  type ConnectionSettings,
  type Connections,
  connectionSettings,
  createClickHouse,
  createKafka,
  createProducer,
  ensureTopic,
  type Logger,
  REPLAY_TOPIC_CONFIG,
  resolveConnections,
} from "@distillguard/runtime";
import {
  kafkaSink,
  type Labels,
  loadAzureTrace,
  loadCorpora,
  parseDuration,
  scenarios,
  simulate,
} from "@distillguard/simulator";
import type { Kafka } from "kafkajs";
import { parsePipelineSettings, startPipeline } from "./pipeline.ts";
import { runScopedEnv } from "./settings.ts";

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
    // Through the gateway path ≥ 80% of the hydra links after 3–4 h of event time (seed 7:
    // 71% at 3 h, 83% at 4 h, 92% at 6 h); 6 h leaves margin.
    default: "6h",
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
  text: oneOf({
    env: "DG_DEMO_TEXT",
    doc: "Prompt and answer text: real corpora from shared/data/prompts (DG_SIM_CORPORA), or synthetic word lists",
    default: "corpora",
    values: ["corpora", "synthetic"],
  }),
  phrasings: oneOf({
    env: "DG_DEMO_PHRASINGS",
    doc: "With DG_DEMO_TEXT=corpora: the phrasing families campaigns and learners use (test: never tuned on)",
    default: "test",
    values: ["test", "tune"],
  }),
  timeoutSeconds: integer({
    env: "DG_DEMO_TIMEOUT",
    doc: "Seconds the demo waits for the services to process every record",
    default: 300,
    min: 1,
    max: 3600,
  }),
};

export type DemoSettings = Parsed<typeof demoSettings>;

export interface DemoCampaign {
  campaign_id: string;
  status: string;
  member_count: number;
  severity: string;
  alert_state: string;
  summary: string;
  members: string[];
}

export interface DemoResult {
  produced: number;
  /** Raw request rows stored (the demo stores all of them). */
  stored: number;
  topAccounts: Record<string, unknown>[];
  labels: Labels;
  /** Campaigns as ClickHouse holds them after the run, with their latest alert. */
  campaigns: DemoCampaign[];
  accountAlerts: Record<string, unknown>[];
  /** The run's topic prefix (topics are deleted at the end unless DG_DEMO_KEEP_TOPICS=1). */
  prefix: string;
}

/**
 * The README demo: simulate a scenario as a LiteLLM proxy logs it (StandardLoggingPayload JSON)
 * → Kafka → the ingest service (translation, fingerprints, IP enrichment) → detector, campaign
 * linker and ClickHouse sink (the `pipeline` command's services, in process) → read the
 * campaigns back from ClickHouse. Nothing the simulator knows and a gateway does not log
 * reaches the detector.
 * Each run uses its own topics, groups and changelogs; the ClickHouse rows of the same seed are
 * the same on every run (their keys are deterministic), so repeated demos do not pile up.
 */
export async function runDemo(
  s: DemoSettings & ConnectionSettings,
  deps: { logger: Logger; connections?: Connections; prefix?: string; tracePath?: string },
): Promise<DemoResult> {
  const { logger } = deps;
  const connections = deps.connections ?? resolveConnections(s);
  const prefix = deps.prefix ?? `dg-demo-${Date.now().toString(36)}`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: s.kafkaBrokers.join(","),
    CLICKHOUSE_URL: s.clickhouseUrl,
    CLICKHOUSE_DATABASE: s.clickhouseDatabase,
    LOG_LEVEL: s.logLevel,
    LOG_FORMAT: s.logFormat,
    ...runScopedEnv(prefix),
    DG_SINK_REQUEST_SAMPLE_RATE: "1",
  };
  const settings = parsePipelineSettings(env);
  const kafka = createKafka({ clientId: "dg-demo", logger, ...connections.kafka });
  const pipeline = await startPipeline(settings, { kafka, clickhouse: connections.clickhouse, logger });
  const gatewayTopic = `${prefix}-gateway`;
  const ingestGroup = `${prefix}-ingest`;
  const ingest = createIngest({
    kafka,
    logger,
    inputTopic: gatewayTopic,
    outputTopic: settings.detector.requestsTopic,
    dlqTopic: `${prefix}-ingest-dlq`,
    groupId: ingestGroup,
    fromBeginning: true,
  });
  const topics = [
    gatewayTopic,
    `${prefix}-ingest-dlq`,
    env.DG_REQUESTS_TOPIC,
    env.DG_SCORES_TOPIC,
    env.DG_ALERTS_TOPIC,
    env.DG_CAMPAIGNS_TOPIC,
    env.DG_LINKS_TOPIC,
  ] as string[];
  const clickhouse = createClickHouse({ ...connections.clickhouse, database: s.clickhouseDatabase });
  try {
    await ensureTopic(kafka, gatewayTopic, { partitions: 6, config: REPLAY_TOPIC_CONFIG });
    await ingest.start();
    const producer = createProducer(kafka);
    await producer.connect();
    const startMs = Date.parse("2026-03-02T00:00:00Z");
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
      [kafkaSink(producer, gatewayTopic, "litellm")],
      {
        mode: "text",
        // Real text by default: what people write, at the size a gateway logs it.
        corpora: s.text === "corpora" ? { corpora: loadCorpora(), split: s.phrasings } : null,
      },
    );
    await producer.disconnect();
    logger.info({ topic: gatewayTopic, events: run.events }, "simulated gateway logs produced");

    // Done when every group committed its input to the end: detector, linker, then the sink.
    const deadline = Date.now() + s.timeoutSeconds * 1000;
    const waitCaughtUp = async (groupId: string, topic: string) => {
      while (!(await caughtUp(kafka, groupId, topic))) {
        if (Date.now() > deadline) {
          throw new Error(
            `${groupId} did not process ${topic} within ${s.timeoutSeconds}s (DG_DEMO_TIMEOUT); stats ${JSON.stringify(pipeline.stats())}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await waitCaughtUp(ingestGroup, gatewayTopic);
    await ingest.stop();
    await waitCaughtUp(settings.detector.groupId, settings.detector.requestsTopic);
    await waitCaughtUp(settings.linker.groupId, settings.linker.linksTopic);
    for (const t of [settings.sink.requestsTopic, settings.sink.alertsTopic, settings.sink.campaignsTopic]) {
      await waitCaughtUp(settings.sink.groupId, t);
    }
    await pipeline.stop();

    const inRun = `request_id IN (SELECT request_id FROM api_requests WHERE kafka_topic = '${settings.detector.requestsTopic}')`;
    const stored = Number(
      (
        await query(
          clickhouse,
          `SELECT count() AS n FROM api_requests FINAL WHERE kafka_topic = '${settings.detector.requestsTopic}'`,
        )
      )[0]?.n ?? 0,
    );
    const topAccounts = await query(
      clickhouse,
      `SELECT account_id, count() AS requests, sum(usage_output_tokens) AS output_tokens,
              round(avg(cot_elicitation > 0.5), 2) AS cot_share, uniqExact(client_address) AS ips,
              uniqExact(prompt_template_hash) AS templates
       FROM api_requests FINAL WHERE ${inRun}
       GROUP BY account_id ORDER BY requests DESC, account_id LIMIT 10`,
    );
    const window = `event_time_ms >= ${startMs} AND event_time_ms <= ${startMs + parseDuration(s.duration)}`;
    const campaigns = (await query(
      clickhouse,
      `SELECT c.campaign_id AS campaign_id, c.status AS status, c.member_count AS member_count,
              c.members AS members, a.severity AS severity, a.state AS alert_state, a.summary AS summary
       FROM (SELECT campaign_id, argMax(status, event_time_ms) AS status,
                    argMax(member_count, event_time_ms) AS member_count,
                    argMax(members, event_time_ms) AS members
             FROM campaign_updates FINAL WHERE ${window} GROUP BY campaign_id) AS c
       ANY LEFT JOIN
            (SELECT subject_id AS campaign_id, argMax(severity, (event_time_ms, revision)) AS severity,
                    argMax(state, (event_time_ms, revision)) AS state,
                    argMax(summary, (event_time_ms, revision)) AS summary
             FROM alerts FINAL WHERE subject_kind = 'campaign' AND ${window} GROUP BY subject_id) AS a
       USING campaign_id
       WHERE a.severity != ''
       ORDER BY member_count DESC, campaign_id`,
    )) as unknown as DemoCampaign[];
    const accountAlerts = await query(
      clickhouse,
      `SELECT subject_id AS account_id, argMax(severity, revision) AS severity, max(score) AS max_score,
              argMax(summary, revision) AS summary
       FROM alerts FINAL WHERE subject_kind = 'account' AND ${window}
       GROUP BY subject_id ORDER BY max_score DESC LIMIT 20`,
    );
    return {
      produced: run.events,
      stored,
      topAccounts,
      labels: run.labels,
      campaigns: campaigns.map((c) => ({ ...c, member_count: Number(c.member_count) })),
      accountAlerts,
      prefix,
    };
  } finally {
    await ingest.stop();
    await pipeline.stop();
    await clickhouse.close();
    if (process.env.DG_DEMO_KEEP_TOPICS !== "1") await deleteTopics(kafka, topics).catch(() => {});
  }
}

async function caughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [done] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((done?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    // An empty partition (high 0) has nothing to commit.
    return ends.every((e) => BigInt(e.high) === 0n || (at.get(e.partition) ?? -1n) >= BigInt(e.high));
  } finally {
    await admin.disconnect();
  }
}

async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

async function query(clickhouse: ClickHouseClient, sql: string): Promise<Record<string, unknown>[]> {
  const rs = await clickhouse.query({ query: sql, format: "JSONEachRow" });
  return rs.json<Record<string, unknown>>();
}
