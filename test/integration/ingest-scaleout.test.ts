// Ingest scale-out by partitions (issue 16 item 1): two members of one consumer group translate
// a topic of simulated LiteLLM JSON into the same ApiRequest records, byte for byte and on the
// same output partitions, as one member alone; each record once, and both members do a share.
import { apiRequestCodec } from "@distillguard/contract";
import { createIngest, type Ingest } from "@distillguard/ingest";
import { createKafka, createLogger, createProducer, ensureTopic } from "@distillguard/runtime";
import { litellmSink, loadAzureTrace, simulate } from "@distillguard/simulator";
import type { Kafka } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

const logger = createLogger("test", "warn");
const INPUT_PARTITIONS = 4;

async function waitFor(what: string, check: () => boolean, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

interface Output {
  key: string;
  partition: number;
  value: string;
}

/** Every record on `topic`, by request id; duplicates counted. */
async function collect(kafka: Kafka, topic: string, groupId: string) {
  const byId = new Map<string, Output>();
  let records = 0;
  const reader = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ partition, message }) => {
      const value = message.value ?? Buffer.alloc(0);
      records++;
      byId.set(apiRequestCodec.decode(value).request_id, {
        key: message.key?.toString() ?? "",
        partition,
        value: value.toString("base64"),
      });
    },
  });
  return { byId, records: () => records, stop: () => reader.disconnect() };
}

describe("ingest scale-out: two members, the output of one", () => {
  const kafka = createKafka({ clientId: "dg-test-ingest-scaleout", brokers: servers().kafkaBrokers, logger });
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("translates every record once, identically, with each member taking partitions of its own", async () => {
    const { topic: inputTopic, groupId } = testNames("ingest-scaleout");
    const dlqTopic = `${inputTopic}.dlq`;
    await ensureTopic(kafka, inputTopic, { partitions: INPUT_PARTITIONS });
    await ensureTopic(kafka, dlqTopic, { partitions: 1 });

    // A seeded hydra among ordinary users, as a gateway logs it, keyed by account over 4 partitions.
    const records: { key: string; value: string; timestamp: string }[] = [];
    await simulate(
      {
        scenario: "hydra",
        seed: 16,
        startMs: Date.parse("2026-03-02T00:00:00Z"),
        durationMs: 3_600_000,
        accounts: 400,
        releaseAt: 0.25,
        campaignScale: 1,
      },
      loadAzureTrace(),
      [litellmSink((key, value, t) => records.push({ key, value, timestamp: String(t) }))],
      { mode: "text", maxEvents: 3_000 },
    );
    expect(records.length).toBe(3_000);

    // One member on one output topic, two members of another group on another; the same input.
    const one = await runGroup(`${groupId}-one`, `${inputTopic}.one`, 1);
    const two = await runGroup(`${groupId}-two`, `${inputTopic}.two`, 2);

    async function runGroup(group: string, outputTopic: string, members: number) {
      await ensureTopic(kafka, outputTopic, { partitions: 3 });
      const ingests: Ingest[] = [];
      for (let i = 0; i < members; i++) {
        const ingest = createIngest({ kafka, logger, inputTopic, outputTopic, dlqTopic, groupId: group });
        ingests.push(ingest);
        cleanups.push(() => ingest.stop());
      }
      await Promise.all(ingests.map((x) => x.start()));
      // Every member holds its share of the partitions before the first record: no rebalance
      // while translating, so at-least-once delivery has nothing to send twice.
      await waitFor(`${members} member(s) assigned`, () => {
        const shares = ingests.map((x) => x.stats().assigned.length);
        return shares.every((n) => n > 0) && shares.reduce((a, b) => a + b, 0) === INPUT_PARTITIONS;
      });
      return { ingests, outputTopic };
    }

    const producer = createProducer(kafka);
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({ topic: inputTopic, acks: -1, messages: records.slice(i, i + 500) });
    }

    const outOne = await collect(kafka, one.outputTopic, `${groupId}-one-reader`);
    cleanups.push(outOne.stop);
    const outTwo = await collect(kafka, two.outputTopic, `${groupId}-two-reader`);
    cleanups.push(outTwo.stop);
    await waitFor("one member's output", () => outOne.byId.size >= records.length);
    await waitFor("two members' output", () => outTwo.byId.size >= records.length);

    const shares = two.ingests.map((x) => x.stats());
    expect(shares.every((s) => s.records > 0 && s.assigned.length > 0)).toBe(true);
    expect(shares.reduce((a, s) => a + s.records, 0)).toBe(records.length);
    expect(new Set(shares.flatMap((s) => s.assigned)).size).toBe(INPUT_PARTITIONS);
    expect(one.ingests[0]?.stats()).toMatchObject({ records: records.length, dlq: 0 });

    expect(outTwo.records()).toBe(records.length);
    expect(outOne.records()).toBe(records.length);
    expect(outTwo.byId.size).toBe(outOne.byId.size);
    for (const [id, want] of outOne.byId) expect(outTwo.byId.get(id), id).toEqual(want);
  }, 300_000);
});
