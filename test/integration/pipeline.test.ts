import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { apiRequestCodec } from "@distillguard/contract";
import { runDemo } from "@distillguard/pipeline";
import {
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
  REPLAY_TOPIC_CONFIG,
  readDeadLetter,
} from "@distillguard/runtime";
import { kafkaSink, loadAzureTrace, simulate } from "@distillguard/simulator";
import { applyMigrations, createResultSink } from "@distillguard/sink";
import type { KafkaMessage } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { servers, testDatabase, testNames } from "../harness/context.ts";

const logger = createLogger("test", "warn", "json");
const repoRoot = new URL("../../", import.meta.url).pathname;

/** The commands in the README's "Query the results" sh block, one per blank-line-separated group. */
function readmeQueryExamples(): string[] {
  const readme = readFileSync(new URL("README.md", `file://${repoRoot}`), "utf8");
  const section = readme.split("## Query the results")[1]?.split("\n## ")[0] ?? "";
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block
    .split(/\n\s*\n/)
    .map((group) =>
      group
        .split("\n")
        .filter((line) => !line.startsWith("#"))
        .join("\n")
        .trim(),
    )
    .filter((command) => command.length > 0);
}
const calibration = loadAzureTrace();

async function waitFor(check: () => Promise<boolean> | boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

describe("simulator → Kafka → sink → ClickHouse", async () => {
  const { client } = await testDatabase();
  afterAll(() => client.close());

  it("stores every simulated request as a row and dead-letters a poison record", async () => {
    const { topic, groupId } = testNames("pipeline");
    const dlqTopic = `${topic}.dlq`;
    const kafka = createKafka({ clientId: "dg-test", brokers: servers().kafkaBrokers, logger });
    await ensureTopic(kafka, topic, { partitions: 3, config: REPLAY_TOPIC_CONFIG });
    await ensureTopic(kafka, dlqTopic, { partitions: 1 });
    await applyMigrations(client);

    const producer = createProducer(kafka);
    await producer.connect();
    const out = kafkaSink(producer, topic, "avro");
    const run = await simulate(
      {
        scenario: "hydra",
        seed: 11,
        startMs: Date.parse("2026-03-02T00:00:00Z"),
        durationMs: 1_800_000,
        accounts: 200,
        releaseAt: 0.25,
        campaignScale: 1,
      },
      calibration,
      [out],
      { mode: "fingerprint", maxEvents: 3_000 },
    );
    await producer.send({
      topic,
      messages: [{ key: "acct-poison", value: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }],
    });
    await producer.disconnect();
    expect(out.sent()).toBe(run.events);

    // Every raw request kept (rate 1): the sink's result topics exist but stay empty here.
    const results = {
      scoresTopic: `${topic}.scores`,
      alertsTopic: `${topic}.alerts`,
      campaignsTopic: `${topic}.campaigns`,
    };
    for (const t of Object.values(results)) await ensureTopic(kafka, t, { partitions: 1 });
    const sink = createResultSink({
      kafka,
      clickhouse: client,
      logger,
      ...results,
      requests: { topic, sampleRate: 1 },
      dlqTopic,
      groupId,
    });
    await sink.start();
    try {
      await waitFor(() => sink.stats().rows.api_requests >= run.events && sink.stats().dlq >= 1);
    } finally {
      await sink.stop();
    }

    const rs = await client.query({
      query: `SELECT count() AS n, uniqExact(request_id) AS ids, sum(usage_output_tokens) AS out FROM api_requests WHERE kafka_topic = '${topic}'`,
      format: "JSONEachRow",
    });
    const [row] = await rs.json<{ n: string; ids: string; out: string }>();
    expect(Number(row?.n)).toBe(run.events);
    expect(Number(row?.ids)).toBe(run.events);

    // One row read back in full equals the record that was produced.
    const one = await client.query({
      query: "SELECT * FROM api_requests WHERE request_id = 'rb-0'",
      format: "JSONEachRow",
    });
    const [first] = await one.json<Record<string, unknown>>();
    expect(first?.kafka_topic).toBe(topic);
    expect(first?.prompt_simhash).toMatch(/^[0-9a-f]{16}$/);
    // Sent explicitly: 18.16 stored zeros when these were left to the table's DEFAULTs.
    expect(first?.event_date).toBe("2026-03-02");
    expect(String(first?.ingested_at)).not.toMatch(/^0000|^1970/);

    const dlq: KafkaMessage[] = [];
    const reader = kafka.consumer({ groupId: `${groupId}-dlq-reader`, maxWaitTimeInMs: 250 });
    await reader.connect();
    await reader.subscribe({ topic: dlqTopic, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void dlq.push(message) });
    await waitFor(() => dlq.length >= 1);
    await reader.disconnect();
    const [dead] = dlq;
    expect(dead?.value).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    const why = readDeadLetter(dead ?? { headers: {} });
    expect(why.kind).toBe("not-single-object");
    expect(why.sourceTopic).toBe(topic);
    expect(why.sourceOffset).toMatch(/^\d+$/);
    expect(why.service).toBe("sink");
    expect(() => apiRequestCodec.decode(dead?.value ?? Buffer.alloc(0))).toThrow();
  });

  it("runs the README demo flow end to end: campaigns read back from ClickHouse", async () => {
    const { topic, database } = testNames("demo");
    const r = await runDemo(
      {
        kafkaBrokers: servers().kafkaBrokers,
        kafkaSecurityProtocol: "PLAINTEXT",
        clickhouseUrl: servers().clickhouseUrl,
        clickhouseDatabase: database,
        logLevel: "warn",
        logFormat: "json",
        scenario: "hydra",
        accounts: 2_000,
        duration: "6h",
        seed: 7,
        // Real text (the demo's default): 110k requests of 5.7 KB on average, as a gateway logs them.
        text: "corpora",
        phrasings: "test",
        timeoutSeconds: 420,
      },
      { logger, prefix: topic },
    );
    expect(r.stored).toBe(r.produced);
    expect(r.topAccounts.length).toBeGreaterThan(0);
    const hydra = r.labels.campaigns.find((c) => c.type === "hydra");
    expect(hydra).toBeDefined();
    // A campaign alert row whose listed members are hydra accounts, none of them benign.
    const found = r.campaigns[0];
    expect(found?.severity).toMatch(/^(low|medium|high|critical)$/);
    expect(found?.members.length).toBeGreaterThanOrEqual(10);
    const truth = new Set(hydra?.account_ids);
    expect(found?.members.every((m) => truth.has(m))).toBe(true);
    // Through LiteLLM JSON and the ingest service (no simulator-only field): campaign alerts
    // whose members are ≥ 80% of the active hydra and no benign account.
    const activeHydra = r.labels.accounts.filter((a) => truth.has(a.account_id) && a.events > 0);
    // The demo reads campaign rows by event-time window, and other tests in this database
    // write campaigns in the same window: judge the campaigns that involve this run's hydra.
    const ours = r.campaigns.filter((c) => c.members.some((m) => truth.has(m)));
    const alerted = new Set(ours.flatMap((c) => c.members));
    expect([...alerted].filter((m) => !truth.has(m))).toEqual([]);
    const linked = activeHydra.filter((a) => alerted.has(a.account_id)).length;
    expect(linked / activeHydra.length).toBeGreaterThanOrEqual(0.8);

    // The README's "Query the results" examples, run as written against this demo's data.
    const examples = readmeQueryExamples();
    expect(examples).toHaveLength(3);
    const url = new URL(servers().clickhouseUrl);
    const outputs = examples.map((command) => {
      const run = spawnSync(
        "bash",
        [
          "-euo",
          "pipefail",
          "-c",
          command
            .replaceAll("database=distillguard", `database=${database}`)
            .replaceAll("127.0.0.1:8123", url.host),
        ],
        {
          cwd: repoRoot,
          encoding: "utf8",
          env: {
            ...process.env,
            CLICKHOUSE_URL: servers().clickhouseUrl,
            CLICKHOUSE_DATABASE: database,
            NO_COLOR: "1",
            http_proxy: "",
            https_proxy: "",
            HTTP_PROXY: "",
            HTTPS_PROXY: "",
          },
          timeout: 60_000,
        },
      );
      expect(run.status, `${command}\n${run.stderr}`).toBe(0);
      return run.stdout;
    });
    const [report, named, own] = outputs as [string, string, string];
    expect(report).toContain(found?.campaign_id);
    expect(named).toContain(found?.campaign_id);
    expect(named).toMatch(/extracted_tokens/);
    // Campaign alerts per hour: at least one row with a severity and a count.
    expect(own).toMatch(/\b(low|medium|high|critical)\s+│\s+\d+/);
  }, 300_000);
});
