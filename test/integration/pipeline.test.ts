import { runDemo } from "@distillguard/pipeline";
import { createKafka, createLogger, createProducer, ensureTopic } from "@distillguard/runtime";
import { generateSkeletonTraffic, produceApiRequests } from "@distillguard/simulator";
import { applyMigrations, createRawRequestSink } from "@distillguard/sink";
import type { KafkaMessage } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { servers, testDatabase, testNames } from "../harness/context.ts";

const logger = createLogger("test", "warn");

async function waitFor(check: () => Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

describe("walking skeleton: topic → sink → ClickHouse", async () => {
  const { client, database } = await testDatabase();
  afterAll(() => client.close());

  it("round-trips simulated requests into ClickHouse rows and dead-letters a poison record", async () => {
    const { topic, groupId } = testNames("skeleton");
    const dlqTopic = `${topic}.dlq`;
    const kafka = createKafka({ clientId: "dg-test", brokers: servers().kafkaBrokers, logger });
    await ensureTopic(kafka, topic, { partitions: 3 });
    await ensureTopic(kafka, dlqTopic, { partitions: 1 });
    await applyMigrations(client);

    const events = generateSkeletonTraffic({ seed: 11, count: 25, startMs: 1_767_225_600_000 }).map((e) => ({
      ...e,
      request_id: `${topic}-${e.request_id}`,
    }));
    const producer = createProducer(kafka);
    await producer.connect();
    await produceApiRequests(producer, topic, events.slice(0, 10));
    await producer.send({
      topic,
      messages: [{ key: "acct-poison", value: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }],
    });
    await produceApiRequests(producer, topic, events.slice(10));
    await producer.disconnect();

    const sink = createRawRequestSink({ kafka, clickhouse: client, logger, topic, dlqTopic, groupId });
    await sink.start();
    try {
      await waitFor(async () => sink.stats().rows >= events.length && sink.stats().dlq >= 1);
    } finally {
      await sink.stop();
    }

    const rs = await client.query({
      query:
        "SELECT request_id, event_time_ms, account_id, model, input_tokens, output_tokens FROM raw_requests ORDER BY request_id",
      format: "JSONEachRow",
    });
    const rows = await rs.json<Record<string, unknown>>();
    const expected = events
      .map((e) => ({ ...e, event_time_ms: String(e.event_time_ms) })) // UInt64 arrives as a string
      .sort((a, b) => a.request_id.localeCompare(b.request_id));
    expect(rows).toEqual(expected);

    const dlq: KafkaMessage[] = [];
    const reader = kafka.consumer({ groupId: `${groupId}-dlq-reader`, maxWaitTimeInMs: 250 });
    await reader.connect();
    await reader.subscribe({ topic: dlqTopic, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void dlq.push(message) });
    await waitFor(async () => dlq.length >= 1);
    await reader.disconnect();
    const [dead] = dlq;
    expect(dead?.value).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(dead?.headers?.["dg-error"]?.toString()).toMatch(/undecodable ApiRequest/);
    expect(dead?.headers?.["dg-source-topic"]?.toString()).toBe(topic);
    expect(dead?.headers?.["dg-source-offset"]?.toString()).toMatch(/^\d+$/);
    expect(database).toMatch(/^dg_test_/);
  });

  it("runs the README demo flow end to end and reads the rows back", async () => {
    const { topic, groupId, database: db } = testNames("demo");
    const result = await runDemo(
      {
        kafkaBrokers: servers().kafkaBrokers,
        clickhouseUrl: servers().clickhouseUrl,
        clickhouseDatabase: db,
        logLevel: "warn",
        logFormat: "json",
        events: 12,
        seed: 3,
        timeoutSeconds: 60,
      },
      { logger, nowMs: 1_767_225_600_000, runId: "t1", topic, groupId },
    );
    expect(result.rows).toHaveLength(12);
    expect(result.rows[0]).toMatchObject({
      request_id: "t1-sk-3-0",
      event_time: expect.stringMatching(/^2026-01-01 /),
    });
  });
});
