// The one consume → process → produce → commit loop (services/runtime runProcessor) that the
// ingest, the detector, the linker and the sink run on, against a real broker: what each of the
// former copies did on its own is checked here once for all of them.
import { Writable } from "node:stream";
import {
  createKafka,
  createLogger,
  createMetrics,
  createProducer,
  deadLetter,
  ensureTopic,
  type PartitionProcessor,
  type ProcessorRunner,
  Registry,
  readDeadLetter,
  readRanges,
  retryConcurrentTransactions,
  runProcessor,
  type StatefulProcessor,
} from "@distillguard/runtime";
import type { Kafka, KafkaMessage } from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

const logger = createLogger("test", "warn", "json");
const kafka = createKafka({ clientId: "dg-test-loop", brokers: servers().kafkaBrokers, logger });

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

async function topics(suffix: string, partitions = 1) {
  const { topic, groupId } = testNames(`loop-${suffix}`);
  const t = { input: topic, output: `${topic}.out`, dlq: `${topic}.dlq`, groupId };
  await ensureTopic(kafka, t.input, { partitions });
  await ensureTopic(kafka, t.output, { partitions: 1 });
  await ensureTopic(kafka, t.dlq, { partitions: 1 });
  return t;
}

async function send(topic: string, values: string[]) {
  const producer = createProducer(kafka);
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((v) => ({ value: v, partition: 0 })) });
  await producer.disconnect();
}

/** Committed offset and end offset of partition 0. */
async function position(groupId: string, topic: string): Promise<{ committed: string; end: string }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
    const end = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === 0)?.high ?? "0";
    return { committed: committed?.offset ?? "-1", end };
  } finally {
    await admin.disconnect();
  }
}

async function readAll(k: Kafka, topic: string): Promise<KafkaMessage[]> {
  const end = (await position("none", topic)).end;
  const got: KafkaMessage[] = [];
  await readRanges(k, topic, [{ partition: 0, from: "0", to: end }], (_, ms) => void got.push(...ms));
  return got;
}

/** Upper-cases each value to the output topic; "poison" is dead-lettered. */
const echo: PartitionProcessor<undefined> & { seen: string[] } = {
  seen: [],
  process(_state, topic, partition, messages) {
    const outputs = [];
    const dead = [];
    for (const m of messages) {
      const v = m.value?.toString() ?? "";
      echo.seen.push(v);
      if (v === "poison") {
        dead.push(
          deadLetter(m, { topic, partition, service: "test" }, { message: "a poison", kind: "poison" }),
        );
      } else outputs.push({ value: v.toUpperCase() });
    }
    return { outputs: [{ topic: outputTopic, messages: outputs }], dead };
  },
};
let outputTopic = "";

const runners: ProcessorRunner[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
});

function start<S>(
  t: Awaited<ReturnType<typeof topics>>,
  processor: PartitionProcessor<S>,
  extra: { logger?: ReturnType<typeof createLogger>; registry?: Registry } = {},
) {
  const runner = runProcessor({
    kafka,
    logger: extra.logger ?? logger,
    metrics: createMetrics("loop-test", extra.registry ?? new Registry()),
    groupId: t.groupId,
    topics: [t.input],
    dlqTopic: t.dlq,
    processor,
    maxWaitTimeInMs: 100,
  });
  runners.push(runner);
  return runner;
}

describe("runtime: the shared consumer loop", () => {
  it("produces, dead-letters with a log line and a metric, and commits each batch", async () => {
    const t = await topics("basic");
    outputTopic = t.output;
    await send(t.input, ["a", "poison", "b"]);
    const lines: string[] = [];
    const captured = createLogger(
      "test",
      "warn",
      "json",
      new Writable({
        write(chunk, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const registry = new Registry();
    const runner = start(t, echo, { logger: captured, registry });
    await runner.start();
    await waitFor("committed", async () => (await position(t.groupId, t.input)).committed === "3");
    expect(runner.stats()).toMatchObject({ records: 3, produced: 2, dead: 1 });
    expect((await readAll(kafka, t.output)).map((m) => m.value?.toString())).toEqual(["A", "B"]);
    const [dead] = await readAll(kafka, t.dlq);
    expect(readDeadLetter(dead ?? {})).toMatchObject({ kind: "poison", sourceOffset: "1", service: "test" });
    // The detector and the linker logged no dead letter before the ingest's line became the loop's.
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "records sent to DLQ");
    expect(line).toMatchObject({ count: 1, kinds: { poison: 1 }, first: { offset: "1", error: "a poison" } });
    expect(await registry.getSingleMetricAsString("dg_dead_letters_total")).toMatch(/kind="poison"} 1/);
  });

  it("commits past a transaction's markers and aborted records, stateless and stateful", async () => {
    const t = await topics("markers");
    outputTopic = t.output;
    const producer = createProducer(kafka, {
      transactionalId: `${t.input}-tx`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: t.input, messages: ["a", "b"].map((v) => ({ value: v, partition: 0 })) });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: t.input, messages: ["x", "y"].map((v) => ({ value: v, partition: 0 })) });
    await aborted.abort();
    await producer.disconnect();
    // a, b, commit marker, x, y (aborted), abort marker.
    expect((await position(t.groupId, t.input)).end).toBe("6");

    const stateless = start(t, echo);
    await stateless.start();
    await waitFor(
      "stateless past the markers",
      async () => (await position(t.groupId, t.input)).committed === "6",
    );
    await stateless.stop();

    const counted: string[] = [];
    const stateful: StatefulProcessor<{ n: number }> = {
      open: async () => ({ state: { n: 0 }, resumeAt: null }),
      process(state, _topic, _partition, messages) {
        state.n += messages.length;
        counted.push(...messages.map((m) => m.value?.toString() ?? ""));
        return { outputs: [], dead: [] };
      },
      checkpoint: async () => {},
    };
    const second = { ...t, groupId: `${t.groupId}-stateful` };
    const runner = start(second, stateful);
    await runner.start();
    await waitFor(
      "stateful past the markers",
      async () => (await position(second.groupId, t.input)).committed === "6",
    );
    expect(counted).toEqual(["a", "b"]);
  });

  it("commits a batch the restored state already covers instead of fetching it again", async () => {
    const t = await topics("covered");
    await send(t.input, ["a", "b", "c"]);
    const processed: string[] = [];
    // As after a crash between a checkpoint and its commit: the state covers offsets 0..2.
    const runner = start(t, {
      open: async () => ({ state: null, resumeAt: "3" }),
      process(_s, _t, _p, messages) {
        processed.push(...messages.map((m) => m.offset));
        return { outputs: [], dead: [] };
      },
      checkpoint: async () => {},
    } satisfies StatefulProcessor<null>);
    await runner.start();
    await waitFor(
      "covered batch committed",
      async () => (await position(t.groupId, t.input)).committed === "3",
    );
    expect(processed).toEqual([]);
  });

  it("holds a batch's offsets until its deferred writes are acknowledged; pause stops fetching", async () => {
    const t = await topics("deferred");
    await send(t.input, ["a", "b"]);
    let tag = 0;
    const tags: string[] = [];
    const runner = start(t, {
      process: () => ({
        outputs: [],
        dead: [],
        deliver: () => {
          tags.push(`t${tag++}`);
          return [tags[tags.length - 1] as string];
        },
      }),
    } satisfies PartitionProcessor<undefined>);
    await runner.start();
    await waitFor("processed", () => runner.stats().records === 2);
    await runner.commit();
    expect((await position(t.groupId, t.input)).committed).toBe("-1");
    for (const x of tags) runner.acknowledge(x);
    await runner.commit();
    expect((await position(t.groupId, t.input)).committed).toBe("2");

    runner.pause("test");
    expect(runner.stats().paused).toBe(true);
    await send(t.input, ["c"]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(runner.stats().records).toBe(2);
    runner.resume("test");
    await waitFor("resumed", () => runner.stats().records === 3);
  });

  it("stop() interrupts a batch in flight: nothing committed, the next member processes it", async () => {
    const t = await topics("interrupt");
    await send(t.input, ["a", "b"]);
    let release: (() => void) | undefined;
    let entered = false;
    const stalled = start(t, {
      async process() {
        entered = true;
        // A translation that would take minutes, given up when the loop stops.
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return null;
      },
      interrupt: async () => release?.(),
    } satisfies PartitionProcessor<undefined>);
    await stalled.start();
    await waitFor("batch in flight", () => entered);
    await stalled.stop();
    expect((await position(t.groupId, t.input)).committed).toBe("-1");

    outputTopic = t.output;
    const next = start(t, echo);
    await next.start();
    await waitFor(
      "replayed by the next member",
      async () => (await position(t.groupId, t.input)).committed === "2",
    );
    expect((await readAll(kafka, t.output)).map((m) => m.value?.toString())).toEqual(["A", "B"]);
  });
});

describe("runtime: the throwaway-group reader", () => {
  it("reads a range of a partition and gives up on one that never fills", async () => {
    const t = await topics("reader");
    await send(t.input, ["0", "1", "2", "3", "4"]);
    const got: string[] = [];
    await readRanges(kafka, t.input, [{ partition: 0, from: "1", to: "4" }], (_, ms) => {
      got.push(...ms.map((m) => m.value?.toString() ?? ""));
    });
    expect(got).toEqual(["1", "2", "3"]);
    await expect(
      readRanges(kafka, t.input, [{ partition: 0, from: "3", to: "50" }], () => {}, { stallMs: 2_000 }),
    ).rejects.toThrow(/made no progress for 2000 ms/);
  });
});

describe("runtime: back-to-back transactions", () => {
  it("commits 150 offset-only transactions in a row, though the broker answers some CONCURRENT_TRANSACTIONS", async () => {
    // What the linker does for most batches (nothing to produce, offsets to commit): a
    // transaction begun while the previous one's markers are being written is refused with
    // CONCURRENT_TRANSACTIONS (about 1 in 10 here), which kafkajs does not retry in
    // sendOffsets; the runner used to drop and restore the partition's task each time.
    const t = await topics("back-to-back");
    // kafkajs logs each refusal as an error; the runtime's log creator makes them debug lines.
    const lines: string[] = [];
    const client = createKafka({
      clientId: "dg-test-back-to-back",
      brokers: servers().kafkaBrokers,
      logger: createLogger(
        "test",
        "warn",
        "json",
        new Writable({
          write(chunk, _enc, done) {
            lines.push(chunk.toString());
            done();
          },
        }),
      ),
    });
    const producer = createProducer(client, {
      transactionalId: `${t.groupId}.tx`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    let retried = 0;
    try {
      for (let i = 1; i <= 150; i++) {
        const tx = await producer.transaction();
        await retryConcurrentTransactions(
          () =>
            tx.sendOffsets({
              consumerGroupId: t.groupId,
              topics: [{ topic: t.input, partitions: [{ partition: 0, offset: String(i) }] }],
            }),
          (ms) => {
            retried++;
            return new Promise((r) => setTimeout(r, ms));
          },
        );
        await tx.commit();
      }
    } finally {
      await producer.disconnect();
    }
    expect((await position(t.groupId, t.input)).committed).toBe("150");
    expect(lines.filter((l) => l.includes("concurrent operation"))).toEqual([]);
    logger.info({ retried }, "CONCURRENT_TRANSACTIONS answers retried");
  });
});
