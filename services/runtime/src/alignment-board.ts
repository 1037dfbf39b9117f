import type { Consumer, Kafka, Producer } from "kafkajs";
import type { Logger } from "pino";
import type { PartitionClock } from "./alignment.ts";
import { createProducer, ensureTopic } from "./kafka.ts";

/**
 * Where the members of a group tell each other their partitions' event-time clocks, so that
 * alignment holds back a partition that runs ahead of a slower partition on another member (the
 * coordinator of Flink's watermark alignment, as a compacted topic).
 *
 * Each member publishes its partitions' clocks about once a second, keyed by group, topic and
 * partition, and tails the topic for the others'. A clock carries its publisher's wall time:
 * a member that died or stopped publishing drops out of everyone's view once its entries are
 * older than the stale time, however the topic is read. Advisory only: what the clocks say moves
 * work between members, never what any of them computes, so nothing here is transactional.
 */
export interface AlignmentBoard {
  /** How often a member publishes its clocks and re-aligns on the others'. */
  readonly everyMs: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** This member's partitions' clocks, keyed by `topic\0partition`. */
  publish(clocks: ReadonlyMap<string, PartitionClock>): void;
  /** Every member's last published clocks for `topics`, keyed by `topic\0partition`. */
  clocks(): ReadonlyMap<string, PartitionClock>;
}

/** Compacted, small: one record per group and partition survives. */
export async function ensureAlignmentTopic(kafka: Kafka, topic: string): Promise<void> {
  await ensureTopic(kafka, topic, {
    partitions: 1,
    config: { "cleanup.policy": "compact", "segment.ms": "600000", "min.cleanable.dirty.ratio": "0.5" },
  });
}

export function kafkaAlignmentBoard(opts: {
  kafka: Kafka;
  logger: Logger;
  topic: string;
  groupId: string;
  topics: readonly string[];
  /** Default 1 s: the others learn of a partition's clock about this late. */
  everyMs?: number;
}): AlignmentBoard {
  const log = opts.logger.child({ component: "alignment-board", topic: opts.topic });
  const seen = new Map<string, PartitionClock>();
  const wanted = new Set(opts.topics);
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  let sending: Promise<unknown> = Promise.resolve();
  let inFlight = false;
  const everyMs = opts.everyMs ?? 1_000;
  return {
    everyMs,
    async start() {
      producer = createProducer(opts.kafka);
      await producer.connect();
      // A group of its own per member, never committed: every member reads every clock.
      consumer = opts.kafka.consumer({
        groupId: `${opts.groupId}.clocks.${process.pid}.${Math.random().toString(36).slice(2, 10)}`,
        maxWaitTimeInMs: Math.min(250, everyMs),
      });
      await consumer.connect();
      await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          const key = message.key?.toString() ?? "";
          const [group, topic, partition] = key.split("\u0000");
          if (group !== opts.groupId || topic === undefined || !wanted.has(topic) || !message.value) return;
          try {
            const v = JSON.parse(message.value.toString()) as { w: number | null; b: boolean; at: number };
            if (!(v.w === null || Number.isFinite(v.w)) || !Number.isFinite(v.at)) return;
            seen.set(`${topic}\u0000${partition}`, { watermarkMs: v.w, backlog: v.b === true, at: v.at });
          } catch {
            // Not a clock (another version's, or garbage): it aligns nothing.
          }
        },
      });
    },
    async stop() {
      await sending.catch(() => {});
      await consumer?.disconnect();
      await producer?.disconnect();
    },
    publish(clocks) {
      // One send at a time: a slow broker skips a round rather than queueing them.
      if (!producer || inFlight || clocks.size === 0) return;
      inFlight = true;
      const messages = [...clocks].map(([k, c]) => ({
        key: `${opts.groupId}\u0000${k}`,
        value: JSON.stringify({ w: c.watermarkMs, b: c.backlog, at: c.at }),
      }));
      sending = producer
        .send({ topic: opts.topic, acks: 1, messages })
        .catch((e: unknown) =>
          log.warn(
            { reason: e instanceof Error ? e.message : String(e) },
            "could not publish partition clocks",
          ),
        )
        .finally(() => {
          inFlight = false;
        });
    },
    clocks: () => seen,
  };
}
