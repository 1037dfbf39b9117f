import { randomUUID } from "node:crypto";
import type {
  Consumer,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  Message,
  Producer,
  TopicMessages,
} from "kafkajs";
import type { Logger } from "pino";
import { createProducer } from "./kafka.ts";
import type { ServiceMetrics } from "./metrics.ts";

/** What processing one batch of one partition produced. */
export interface BatchOutput {
  /** Records to produce, per topic, in order. */
  outputs: TopicMessages[];
  /** Dead letters (build them with `deadLetter`), and their reason kinds for the metrics. */
  dead: Message[];
  deadKinds?: string[];
  /** Events the processor dropped as late. */
  late?: number;
}

/**
 * A partitioned stateful processor, in the shape of a Kafka Streams task: the runner owns the
 * consumer, the producer and the offsets; the processor owns one state per input partition.
 *
 * Exactly-once effect without transactions: a partition's state is restored from its last
 * checkpoint, which names the input offset it covers, and the runner seeks there. Processing is
 * deterministic, so the records re-produced while catching up are byte-identical to those
 * produced before a crash, and every consumer downstream keys on them idempotently.
 */
export interface PartitionProcessor<S> {
  /**
   * Called once after each rebalance, before the first `open` of the new assignment, with the
   * partitions assigned: the place to read a changelog once for all of them.
   */
  prepare?(topic: string, partitions: number[]): Promise<void>;
  /**
   * A partition was assigned. Returns its restored state and the offset to resume from
   * (the first offset the state does not cover), or null to start at the log's beginning.
   */
  open(topic: string, partition: number): Promise<{ state: S; resumeAt: string | null }>;
  process(state: S, topic: string, partition: number, messages: KafkaMessage[]): BatchOutput;
  /**
   * After the batch's outputs were acknowledged: checkpoint if due. `nextOffset` is the first
   * offset not yet processed. `force` on shutdown and revocation.
   */
  checkpoint(state: S, topic: string, partition: number, nextOffset: string, force: boolean): Promise<void>;
  /** Bytes of state, for the metrics. */
  size?(state: S): number;
}

export interface ProcessorRunnerOptions<S> {
  kafka: Kafka;
  logger: Logger;
  metrics: ServiceMetrics;
  groupId: string;
  topic: string;
  dlqTopic: string;
  processor: PartitionProcessor<S>;
  /** The consumer crashed and kafkajs will not restart it: the process should exit. */
  onFatal?: (error: Error) => void;
  /** Long-poll wait; short so shutdown and rebalances are quick. */
  maxWaitTimeInMs?: number;
  sessionTimeoutMs?: number;
  /** Largest fetch per partition: bounds a batch's size, hence its latency and memory. */
  maxBytesPerPartition?: number;
}

export interface ProcessorRunner {
  start(): Promise<void>;
  /** Finishes the batch in flight, checkpoints every open partition, commits, leaves the group. */
  stop(): Promise<void>;
  /** `partitions`: those with open state; `assigned`: the group's current assignment. */
  stats(): { records: number; batches: number; dead: number; partitions: number[]; assigned: number[] };
}

export function runProcessor<S>(opts: ProcessorRunnerOptions<S>): ProcessorRunner {
  const { processor, metrics } = opts;
  const log = opts.logger.child({ component: "processor", topic: opts.topic, groupId: opts.groupId });
  const tasks = new Map<number, { state: S; next: string }>();
  /** Partitions in the current assignment; tasks for others are dropped on rebalance. */
  let assigned = new Set<number>();
  const totals = { records: 0, batches: 0, dead: 0 };
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let stopping: Promise<void> | undefined;
  /** Set by stop(): batches arriving after it are left for the next owner. */
  let closing = false;
  let inFlight: Promise<void> = Promise.resolve();

  let prepared = false;

  /**
   * Opens a partition at its first batch after assignment. Lazily: a partition whose committed
   * offset is already at the end needs no state until new input arrives, and its outputs up to
   * there were acknowledged before that commit.
   */
  async function openTask(partition: number): Promise<{ state: S; next: string }> {
    if (!prepared) {
      await processor.prepare?.(
        opts.topic,
        [...assigned].sort((a, b) => a - b),
      );
      prepared = true;
    }
    const { state, resumeAt } = await processor.open(opts.topic, partition);
    let at = resumeAt;
    if (at === null) {
      const admin = opts.kafka.admin();
      await admin.connect();
      try {
        const o = (await admin.fetchTopicOffsets(opts.topic)).find((x) => x.partition === partition);
        at = o?.low ?? "0";
      } finally {
        await admin.disconnect();
      }
    }
    const task = { state, next: at };
    tasks.set(partition, task);
    log.info({ partition, resumeAt: at, restored: resumeAt !== null }, "partition opened");
    return task;
  }

  return {
    async start() {
      // One request in flight: a retried request cannot overtake the next, so each output
      // partition sees records in processing order (the linker relies on it).
      producer = createProducer(opts.kafka, { maxInFlightRequests: 1 });
      await producer.connect();
      const c = opts.kafka.consumer({
        groupId: opts.groupId,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 250,
        // A member killed without leaving holds its partitions until its session expires.
        sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
        maxBytesPerPartition: opts.maxBytesPerPartition ?? 1_048_576,
      });
      consumer = c;
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        const mine = new Set(payload.memberAssignment[opts.topic] ?? []);
        // Revoked partitions are dropped without a checkpoint: their new owner restores the
        // last one and replays, which reproduces the same outputs.
        for (const p of [...tasks.keys()]) if (!mine.has(p)) tasks.delete(p);
        assigned = mine;
        const sorted = [...mine].sort((a, b) => a - b);
        prepared = false;
        log.info({ partitions: sorted }, "partitions assigned");
      });
      c.on(c.events.CRASH, ({ payload }) => {
        log.error({ err: payload.error, restart: payload.restart }, "consumer crashed");
        if (!payload.restart) opts.onFatal?.(payload.error);
      });
      await c.connect();
      await c.subscribe({ topic: opts.topic, fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => {
          const run = inFlight.then(() => handleBatch(payload));
          inFlight = run.catch(() => {});
          return run;
        },
      });
      log.info("processor started");

      async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
        if (closing) return;
        const started = performance.now();
        const p = batch.partition;
        if (!isRunning() || isStale() || !assigned.has(p)) return;
        const task = tasks.get(p) ?? (await openTask(p));
        const first = batch.messages[0];
        if (!first) return;
        // The state covers everything before task.next. If the group's offset ran ahead of it
        // (a crash after a commit, before the next checkpoint), the records in between rebuild
        // the state only: their outputs were acknowledged before that commit. They are read
        // apart rather than by seeking this consumer, whose position stays the group's.
        if (BigInt(first.offset) > BigInt(task.next)) {
          const gap = await readRange(opts.kafka, opts.topic, p, task.next, first.offset);
          log.info(
            { partition: p, from: task.next, to: first.offset, records: gap.length },
            "replaying to the group offset",
          );
          processor.process(task.state, opts.topic, p, gap);
          task.next = first.offset;
        }
        const next = BigInt(task.next);
        const fresh = batch.messages.filter((m) => BigInt(m.offset) >= next);
        if (fresh.length === 0) return;
        const out = processor.process(task.state, opts.topic, p, fresh);
        const topicMessages = out.outputs.filter((t) => t.messages.length > 0);
        if (out.dead.length > 0) topicMessages.unshift({ topic: opts.dlqTopic, messages: out.dead });
        if (topicMessages.length > 0 && producer) await sendInOrder(producer, topicMessages);
        const last = batch.messages[batch.messages.length - 1]?.offset ?? first.offset;
        task.next = (BigInt(last) + 1n).toString();
        await processor.checkpoint(task.state, opts.topic, p, task.next, false);
        resolveOffset(last);
        await c.commitOffsets([{ topic: opts.topic, partition: p, offset: task.next }]);
        await heartbeat();
        totals.records += fresh.length;
        totals.batches++;
        totals.dead += out.dead.length;
        metrics.consumed(opts.topic, fresh.length);
        for (const t of topicMessages) metrics.produced(t.topic, t.messages.length);
        for (const k of out.deadKinds ?? []) metrics.deadLettered(k, 1);
        if (out.late) metrics.late(out.late);
        metrics.lag(opts.topic, p, Number(batch.offsetLag()));
        if (processor.size) {
          let bytes = 0;
          for (const t of tasks.values()) bytes += processor.size(t.state);
          metrics.state(bytes);
        }
        metrics.batch((performance.now() - started) / 1000);
      }
    },
    stop() {
      stopping ??= (async () => {
        const c = consumer;
        if (c) {
          closing = true;
          await inFlight;
          for (const [p, t] of tasks) {
            await processor.checkpoint(t.state, opts.topic, p, t.next, true);
            try {
              await c.commitOffsets([{ topic: opts.topic, partition: p, offset: t.next }]);
            } catch (err) {
              // Another member joining or leaving at the same moment moved the group on: the
              // commit is refused, and nothing is lost, since the checkpoint just written names
              // the offset and the partition's next owner resumes from it.
              if (!isRebalanceError(err)) throw err;
              log.warn(
                { partition: p, offset: t.next, reason: String(err) },
                "final commit refused by a rebalance",
              );
            }
          }
          await c.disconnect();
        }
        await producer?.disconnect();
        log.info(totals, "processor stopped");
      })();
      return stopping;
    },
    stats: () => ({
      ...totals,
      partitions: [...tasks.keys()].sort((a, b) => a - b),
      assigned: [...assigned].sort((a, b) => a - b),
    }),
  };
}

/** Bytes per produce request: well under the broker's default 1 MiB record-batch limit. */
const REQUEST_BYTES = 512 * 1024;

/** Sends in order, split so that no request's record batch outgrows the broker's limit. */
async function sendInOrder(producer: Producer, topicMessages: TopicMessages[]): Promise<void> {
  let chunk: TopicMessages[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length > 0) await producer.sendBatch({ topicMessages: chunk, acks: -1 });
    chunk = [];
    bytes = 0;
  };
  for (const t of topicMessages) {
    let current: Message[] = [];
    chunk.push({ topic: t.topic, messages: current });
    for (const m of t.messages) {
      const size = sizeOf(m.value) + sizeOf(m.key) + 64;
      if (bytes + size > REQUEST_BYTES && bytes > 0) {
        await flush();
        current = [];
        chunk.push({ topic: t.topic, messages: current });
      }
      current.push(m);
      bytes += size;
    }
  }
  await flush();
}

function sizeOf(v: Message["value"] | Message["key"]): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "string" ? Buffer.byteLength(v) : v.length;
}

/**
 * Records [from, to) of one partition, read by a throwaway consumer (seeking a fresh consumer
 * before its first fetch is kafkajs's documented use of seek).
 */
async function readRange(
  kafka: Kafka,
  topic: string,
  partition: number,
  from: string,
  to: string,
): Promise<KafkaMessage[]> {
  const end = BigInt(to);
  if (BigInt(from) >= end) return [];
  const out: KafkaMessage[] = [];
  const groupId = `dg-range-reader-${randomUUID()}`;
  const reader = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await reader.connect();
  try {
    await reader.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic}/${partition} [${from}, ${to}) took over 120 s`)),
        120_000,
      );
      reader.on(reader.events.CRASH, ({ payload }) => reject(payload.error));
      reader
        .run({
          eachBatch: async ({ batch }) => {
            if (batch.partition !== partition) return;
            for (const m of batch.messages) {
              const o = BigInt(m.offset);
              if (o >= BigInt(from) && o < end) out.push(m);
            }
            if (BigInt(batch.lastOffset()) + 1n >= end) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .then(() => {
          reader.seek({ topic, partition, offset: from });
        })
        .catch(reject);
    });
  } finally {
    await reader.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect();
  }
  return out;
}

/** Kafka's answers to a commit from a generation the group has left behind. */
const REBALANCE_CODES = new Set([
  22, // ILLEGAL_GENERATION
  25, // UNKNOWN_MEMBER_ID
  27, // REBALANCE_IN_PROGRESS
]);

/** Whether a kafkajs error (or the protocol error it wraps) says the group rebalanced. */
export function isRebalanceError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "number" && REBALANCE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
