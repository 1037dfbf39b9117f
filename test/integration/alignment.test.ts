// Event-time alignment of a member's partitions (services/runtime `alignment`), against a real
// broker: the fetches share a backlog out by bytes, not by event time, so a partition of small
// records runs hours ahead of one of large records, and the linker, which waits for every
// partition's watermark, buffers the difference. With alignment the lead stays within the drift
// plus one batch; a caught-up partition and an empty one hold nothing back; nothing is lost.
import {
  createKafka,
  createLogger,
  createMetrics,
  createProducer,
  ensureAlignmentTopic,
  ensureTopic,
  kafkaAlignmentBoard,
  Registry,
  runProcessor,
  type StatefulProcessor,
} from "@distillguard/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

const logger = createLogger("test", "warn", "json");
const kafka = createKafka({ clientId: "dg-test-alignment", brokers: servers().kafkaBrokers, logger });

const SECOND = 1_000;
const RECORDS = 6_000;
const SMALL = 40;
const LARGE = 2_000;
const FETCH_BYTES = 16 * 1_024;

/** Partition 0: small records; 1: large ones; both one second of event time apart. 2: ten records at time 0, then caught up; 3: empty. */
async function fill(topic: string) {
  await ensureTopic(kafka, topic, { partitions: 4 });
  // Idempotent: the first send to a new topic can meet "not the leader" for one partition, and
  // a plain retry would write the other partition's records twice.
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const record = (partition: number, t: number, size: number) => ({
    partition,
    value: Buffer.concat([Buffer.from(`${t};`), Buffer.alloc(size, 120)]),
  });
  // Small sends: a fetch returns whole record batches, so one huge batch would defeat the limit.
  for (let i = 0; i < RECORDS; i += 50) {
    await producer.send({
      topic,
      acks: -1,
      messages: [
        ...Array.from({ length: 50 }, (_, j) => record(0, (i + j) * SECOND, SMALL)),
        ...Array.from({ length: 50 }, (_, j) => record(1, (i + j) * SECOND, LARGE)),
      ],
    });
  }
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, () => record(2, 0, SMALL)) });
  await producer.disconnect();
}

interface Clock {
  watermarkMs: number | null;
  count: number;
}

const runners: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
});

/** Runs the topic through a processor whose state is the partition's event time; returns the largest lead seen between partitions 0 and 1 while both had input left. */
async function run(suffix: string, maxDriftMs: number | null) {
  const { topic, groupId } = testNames(`align-${suffix}`);
  await fill(topic);
  const clocks = new Map<number, Clock>();
  let lead = 0;
  const processor: StatefulProcessor<Clock> = {
    open: async (_t, p) => {
      const c = { watermarkMs: null, count: 0 };
      clocks.set(p, c);
      return { state: c, resumeAt: null };
    },
    process(state, _t, _p, messages) {
      for (const m of messages) {
        state.watermarkMs = Number(m.value?.toString().split(";")[0]);
        state.count++;
      }
      const a = clocks.get(0);
      const b = clocks.get(1);
      if (a?.watermarkMs != null && b?.watermarkMs != null && a.count < RECORDS && b.count < RECORDS)
        lead = Math.max(lead, Math.abs(a.watermarkMs - b.watermarkMs));
      return { outputs: [], dead: [] };
    },
    checkpoint: async () => {},
  };
  const runner = runProcessor({
    kafka,
    logger,
    metrics: createMetrics("alignment-test", new Registry()),
    groupId,
    topics: [topic],
    dlqTopic: `${topic}.dlq`,
    processor,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: FETCH_BYTES,
    alignment: maxDriftMs === null ? undefined : { maxDriftMs, watermark: (s) => s.watermarkMs },
  });
  runners.push(runner);
  await ensureTopic(kafka, `${topic}.dlq`, { partitions: 1 });
  await runner.start();
  const deadline = Date.now() + 120_000;
  while (runner.stats().records < 2 * RECORDS + 10) {
    if (Date.now() > deadline) throw new Error(`only ${runner.stats().records} records processed in 120 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const held = runner.stats().heldBack;
  return { lead, counts: [...clocks].map(([p, c]) => [p, c.count]).sort(), held };
}

describe("runtime: event-time alignment of a member's partitions", () => {
  it("keeps a partition of small records within the drift of one of large records; loses nothing", async () => {
    const drift = 10 * 60 * SECOND;
    const aligned = await run("on", drift);
    // One batch of small records past the check: FETCH_BYTES / (SMALL + overhead) seconds at most.
    const batchSpan = (FETCH_BYTES / SMALL) * SECOND;
    expect(aligned.lead).toBeLessThanOrEqual(drift + batchSpan);
    expect(aligned.counts).toEqual([
      [0, RECORDS],
      [1, RECORDS],
      [2, 10],
    ]);
    expect(aligned.held).toEqual([]);

    // The same input without alignment: the small records run far ahead, so the bound above
    // is not one the broker's fetches keep by themselves.
    const free = await run("off", null);
    expect(free.lead).toBeGreaterThan(2 * (drift + batchSpan));
    expect(free.counts).toEqual(aligned.counts);
  }, 300_000);
});

describe("runtime: event-time alignment across the members of a group", () => {
  /**
   * Two members, one partition each: partition 0 of 200-byte records, 1 of 1,000-byte ones, one
   * second of event time apart, 50 ms of work per batch. Returns the largest lead of 0 over 1
   * while both had input left.
   */
  async function twoMembers(suffix: string, board: boolean) {
    const { topic, groupId } = testNames(`align2-${suffix}`);
    const boardTopic = `${topic}.clocks`;
    await ensureTopic(kafka, topic, { partitions: 2 });
    await ensureTopic(kafka, `${topic}.dlq`, { partitions: 1 });
    await ensureAlignmentTopic(kafka, boardTopic);
    const n = 6_000;
    const clocks = new Map<number, Clock>();
    let lead = 0;
    const member = (name: string) => {
      const processor: StatefulProcessor<Clock> = {
        open: async (_t, p) => {
          const c = { watermarkMs: null, count: 0 };
          clocks.set(p, c);
          return { state: c, resumeAt: null };
        },
        async process(state, _t, _p, messages) {
          await new Promise((r) => setTimeout(r, 50));
          for (const m of messages) {
            state.watermarkMs = Number(m.value?.toString().split(";")[0]);
            state.count++;
          }
          const a = clocks.get(0);
          const b = clocks.get(1);
          if (a?.watermarkMs != null && b?.watermarkMs != null && a.count < n && b.count < n)
            lead = Math.max(lead, a.watermarkMs - b.watermarkMs);
          return { outputs: [], dead: [] };
        },
        checkpoint: async () => {},
      };
      const runner = runProcessor({
        kafka,
        logger: logger.child({ member: name }),
        metrics: createMetrics("alignment-test", new Registry()),
        groupId,
        topics: [topic],
        dlqTopic: `${topic}.dlq`,
        processor,
        maxWaitTimeInMs: 100,
        maxBytesPerPartition: FETCH_BYTES,
        alignment: {
          maxDriftMs: 5 * 60 * SECOND,
          watermark: (s) => s.watermarkMs,
          board: board
            ? kafkaAlignmentBoard({ kafka, logger, topic: boardTopic, groupId, topics: [topic], everyMs: 50 })
            : undefined,
        },
      });
      runners.push(runner);
      return runner;
    };
    const a = member("a");
    const b = member("b");
    // Paused until every record is in and each has its partition: otherwise the first member
    // reads both partitions until the second joins, and both keep pace with the producer.
    a.pause("test");
    b.pause("test");
    await a.start();
    await b.start();
    const deadline = Date.now() + 60_000;
    while (a.stats().assigned.length !== 1 || b.stats().assigned.length !== 1) {
      if (Date.now() > deadline) throw new Error("the two members never had one partition each");
      await new Promise((r) => setTimeout(r, 100));
    }
    const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const record = (partition: number, t: number, size: number) => ({
      partition,
      value: Buffer.concat([Buffer.from(`${t};`), Buffer.alloc(size, 120)]),
    });
    // Record batches of ten: a fetch returns whole record batches, so large ones would give both
    // partitions the same number of records per fetch whatever their size.
    for (let i = 0; i < n; i += 10) {
      await producer.send({
        topic,
        acks: -1,
        messages: [
          ...Array.from({ length: 10 }, (_, j) => record(0, (i + j) * SECOND, 200)),
          ...Array.from({ length: 10 }, (_, j) => record(1, (i + j) * SECOND, 1_000)),
        ],
      });
    }
    await producer.disconnect();
    a.resume("test");
    b.resume("test");
    const end = Date.now() + 180_000;
    while (a.stats().records + b.stats().records < 2 * n) {
      if (Date.now() > end) throw new Error("not everything was processed in 180 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    return { lead, counts: [...clocks].map(([p, c]) => [p, c.count]).sort() };
  }

  it("holds back a partition that runs ahead of a slower one on another member", async () => {
    const shared = await twoMembers("board", true);
    const alone = await twoMembers("alone", false);
    console.log("LEADS2", shared.lead / 60000, alone.lead / 60000);
    // Drift 5 min + one batch of partition 0 (about 70 s) + what it does while the other
    // member's clock is on its way (50 ms publishing, a fetch): well under the unaligned lead.
    expect(shared.lead).toBeLessThanOrEqual(25 * 60 * SECOND);
    expect(alone.lead).toBeGreaterThan(50 * 60 * SECOND);
    expect(shared.counts).toEqual([
      [0, 6_000],
      [1, 6_000],
    ]);
    expect(alone.counts).toEqual(shared.counts);
  }, 420_000);
});
