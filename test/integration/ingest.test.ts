import { type ApiRequest, apiRequestCodec } from "@distillguard/contract";
import { createIngest } from "@distillguard/ingest";
import { litellmFixtures } from "@distillguard/litellm/fixtures";
import {
  createKafka,
  createLogger,
  createProducer,
  ensureTopic,
  readDeadLetter,
} from "@distillguard/runtime";
import type { Kafka, KafkaMessage } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

const logger = createLogger("test", "warn");

async function waitFor(what: string, check: () => boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/** Everything on `topic` from the beginning, collected as it arrives. */
async function collect(kafka: Kafka, topic: string, groupId: string) {
  const got: KafkaMessage[] = [];
  const reader = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void got.push(message) });
  return { got, stop: () => reader.disconnect() };
}

/** What a consumer reads back: Avro floats lose the digits a double has. */
const onTheWire = (r: ApiRequest) => apiRequestCodec.decode(apiRequestCodec.encode(r));

describe("ingest: LiteLLM JSON → ApiRequest topic, bad records → DLQ", () => {
  const { topic: inputTopic, groupId } = testNames("ingest");
  const outputTopic = `${inputTopic}.out`;
  const dlqTopic = `${inputTopic}.dlq`;
  const kafka = createKafka({ clientId: "dg-test-ingest", brokers: servers().kafkaBrokers, logger });
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("maps every fixture, dead-letters every poison record with its offset, and keeps going", async () => {
    // One input partition, so each record's source offset is its position in the send below.
    await ensureTopic(kafka, inputTopic, { partitions: 1 });
    await ensureTopic(kafka, outputTopic, { partitions: 3 });
    await ensureTopic(kafka, dlqTopic, { partitions: 1 });

    const fixtures = litellmFixtures();
    const [first] = fixtures;
    if (!first) throw new Error("no fixtures");
    const withoutMetadata = JSON.parse(first.bytes.toString("utf8"));
    delete withoutMetadata.metadata;
    const poison = {
      nonUtf8: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      notJson: Buffer.from("{not json"),
      noMetadata: Buffer.from(JSON.stringify(withoutMetadata)),
      empty: Buffer.alloc(0),
    };
    const [f0, f1, f2, f3, f4, f5] = fixtures;
    const sequence: Array<{ value: Buffer; expect: ApiRequest | string }> = [];
    const good = (f: (typeof fixtures)[number] | undefined) => {
      if (!f) throw new Error("fewer fixtures than expected");
      sequence.push({ value: f.bytes, expect: f.expected });
    };
    const bad = (value: Buffer, kind: string) => sequence.push({ value, expect: kind });
    bad(poison.nonUtf8, "invalid-utf8");
    good(f0);
    good(f1);
    bad(poison.notJson, "json-parse");
    good(f2);
    bad(poison.noMetadata, "missing-field");
    good(f3);
    bad(poison.empty, "empty");
    good(f4);
    good(f5);

    const producer = createProducer(kafka);
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    await producer.send({
      topic: inputTopic,
      acks: -1,
      messages: sequence.map((s, i) => ({
        key: `gw-${i}`,
        value: s.value,
        headers: { "x-gateway": "litellm-eu-1" },
      })),
    });

    const ingest = createIngest({ kafka, logger, inputTopic, outputTopic, dlqTopic, groupId });
    await ingest.start();
    cleanups.push(() => ingest.stop());
    const out = await collect(kafka, outputTopic, `${groupId}-out-reader`);
    cleanups.push(out.stop);
    const dlq = await collect(kafka, dlqTopic, `${groupId}-dlq-reader`);
    cleanups.push(dlq.stop);

    const goodOnes = sequence.filter(
      (s): s is { value: Buffer; expect: ApiRequest } => typeof s.expect !== "string",
    );
    const badOnes = sequence
      .map((s, offset) => ({ ...s, offset }))
      .filter((s) => typeof s.expect === "string");
    await waitFor("outputs", () => out.got.length >= goodOnes.length);
    await waitFor("dead letters", () => dlq.got.length >= badOnes.length);
    await waitFor("commit", () => ingest.stats().records >= sequence.length);

    // Good records: decodable ApiRequests, keyed by account, at event time, equal to the fixture's expectation.
    const byId = new Map(
      out.got.map((m) => [apiRequestCodec.decode(m.value ?? Buffer.alloc(0)).request_id, m]),
    );
    expect(byId.size).toBe(goodOnes.length);
    for (const { expect: want } of goodOnes) {
      const m = byId.get(want.request_id);
      expect(m, want.request_id).toBeDefined();
      expect(m?.key?.toString()).toBe(want.account_id);
      expect(m?.timestamp).toBe(String(want.event_time_ms));
      expect(apiRequestCodec.decode(m?.value ?? Buffer.alloc(0))).toEqual(onTheWire(want));
    }

    // Bad records: original bytes and headers, the reason's kind and where each came from.
    expect(dlq.got).toHaveLength(badOnes.length);
    const dead = dlq.got.map((m) => ({
      value: m.value ?? Buffer.alloc(0),
      origin: m.headers?.["x-gateway"]?.toString(),
      ...readDeadLetter(m),
    }));
    expect(dead.map((d) => ({ kind: d.kind, offset: d.sourceOffset }))).toEqual(
      badOnes.map((b) => ({ kind: b.expect, offset: String(b.offset) })),
    );
    for (const [i, d] of dead.entries()) {
      expect(d.value).toEqual(badOnes[i]?.value);
      expect(d).toMatchObject({
        sourceTopic: inputTopic,
        sourcePartition: "0",
        service: "ingest",
        origin: "litellm-eu-1",
      });
      expect(d.error).toBeTruthy();
    }
    expect(dead.find((d) => d.kind === "missing-field")?.error).toBe(
      "missing required field $.metadata (object)",
    );

    // Committed past everything, and still consuming: a later batch with more poison goes through too.
    expect(ingest.stats()).toMatchObject({ records: 10, produced: 6, dlq: 4 });
    const again = JSON.parse(first.bytes.toString("utf8"));
    again.id = `${again.id}-retry`;
    await producer.send({
      topic: inputTopic,
      acks: -1,
      messages: [{ value: Buffer.from("[1, 2]") }, { value: Buffer.from(JSON.stringify(again)) }],
    });
    await waitFor("second batch", () => out.got.length >= 7 && dlq.got.length >= 5);
    const retried = out.got
      .map((m) => apiRequestCodec.decode(m.value ?? Buffer.alloc(0)))
      .find((r) => r.request_id === again.id);
    expect(retried).toEqual(onTheWire({ ...first.expected, request_id: again.id }));
    const lastDead = dlq.got[4];
    expect(lastDead && readDeadLetter(lastDead)).toMatchObject({ kind: "schema", sourceOffset: "10" });

    await waitFor("second commit", () => ingest.stats().records >= 12);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [inputTopic] });
      expect(committed?.partitions).toEqual([{ partition: 0, offset: "12", metadata: null }]);
    } finally {
      await admin.disconnect();
    }
  });
});
