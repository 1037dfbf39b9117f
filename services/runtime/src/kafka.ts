import {
  type Admin,
  Kafka,
  type KafkaConfig,
  logLevel as KafkaLogLevel,
  type logCreator,
  Partitioners,
  type Producer,
  type ProducerConfig,
} from "kafkajs";
import type { Logger } from "pino";
import type { KafkaConnection } from "./connections.ts";

const levelNames: Record<number, "error" | "warn" | "info" | "debug"> = {
  [KafkaLogLevel.ERROR]: "error",
  [KafkaLogLevel.WARN]: "warn",
  [KafkaLogLevel.INFO]: "info",
  [KafkaLogLevel.DEBUG]: "debug",
};

/**
 * Said of every idempotent producer with bounded retries, so of each transactional producer the
 * loop claims (services/runtime/src/transactions.ts): there a send that gives up fails its
 * transaction, which is aborted, so no sequence gap can outlive it.
 */
const IDEMPOTENT_RETRIES_WARNING =
  "Limiting retries for the idempotent producer may invalidate EoS guarantees";

/**
 * The broker's CONCURRENT_TRANSACTIONS text, which kafkajs logs as an error on every response
 * that carries it, although the producer (sends) and the runtime (`retryConcurrentTransactions`)
 * retry it within milliseconds: routine between back-to-back transactions, so debug.
 */
const CONCURRENT_TRANSACTIONS_TEXT = "another concurrent operation on the same transaction";

/** kafkajs logs through pino so one process has one log format. */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, timestamp: _ts, logger: _l, ...extra } = log;
      if (message === IDEMPOTENT_RETRIES_WARNING) return;
      const routine =
        String(message).includes(CONCURRENT_TRANSACTIONS_TEXT) ||
        String(extra.error ?? "").includes(CONCURRENT_TRANSACTIONS_TEXT);
      const name = routine ? "debug" : (levelNames[level] ?? "info");
      logger[name]({ kafkajs: log.namespace ?? undefined, ...extra }, message);
    };
}

/**
 * A client for `brokers`. `ssl` and `sasl` come from `resolveConnections` (spread its `kafka`);
 * without them the connection is PLAINTEXT, as for the local broker.
 */
export function createKafka(
  opts: {
    clientId: string;
    logger: Logger;
    extra?: Partial<KafkaConfig>;
  } & KafkaConnection,
): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ...(opts.ssl ? { ssl: opts.ssl } : {}),
    ...(opts.sasl ? { sasl: opts.sasl } : {}),
    // kafkajs is chatty at INFO (every group join); WARN and up is what operators need.
    logLevel: KafkaLogLevel.WARN,
    logCreator: pinoLogCreator(opts.logger.child({ component: "kafkajs" })),
    retry: { retries: 8, initialRetryTime: 200 },
    ...opts.extra,
  });
}

/**
 * A producer with the Java client's murmur2 partitioner, so records keyed by account land in
 * the same partition whichever client (kafkajs, Java, librdkafka) wrote them.
 */
export function createProducer(kafka: Kafka, config: ProducerConfig = {}): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    ...config,
  });
}

/** Creates the topic if it does not exist; returns true when it was created. */
export async function ensureTopic(
  kafka: Kafka,
  topic: string,
  opts: { partitions?: number; config?: Record<string, string> } = {},
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Checked first because kafkajs logs an error for "already exists" before returning false.
    if ((await admin.listTopics()).includes(topic)) return false;
    const created = await admin.createTopics({
      // kafkajs's own wait retries only LEADER_NOT_AVAILABLE; a KRaft broker can answer
      // UNKNOWN_TOPIC_OR_PARTITION for a moment after creation, which it throws (seen in CI).
      waitForLeaders: false,
      topics: [
        {
          topic,
          numPartitions: opts.partitions ?? 3,
          replicationFactor: 1,
          configEntries: Object.entries(opts.config ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    await waitForLeaders(admin, topic, opts.partitions ?? 3);
    return created;
  } finally {
    await admin.disconnect();
  }
}

/** How many partitions `topic` has (0: no such topic). */
export async function partitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

const SETTLING = new Set(["UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE"]);

/** Polls metadata until every partition of a new topic has a leader, for up to `timeoutMs`. */
async function waitForLeaders(
  admin: Admin,
  topic: string,
  partitions: number,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      const parts = md.topics[0]?.partitions ?? [];
      if (parts.length >= partitions && parts.every((p) => p.leader >= 0)) return;
    } catch (err) {
      if (!SETTLING.has((err as { type?: string }).type ?? "")) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`topic ${topic}: partitions have no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * For topics that receive replayed or simulated requests: the producer stamps records with
 * their event time, months old in a replay, and the broker's time-based retention would
 * delete them mid-run (consumers then hit "offset out of range"). The broker's append time
 * keeps retention about when records arrived; event time stays in the payload.
 */
export const REPLAY_TOPIC_CONFIG: Record<string, string> = { "message.timestamp.type": "LogAppendTime" };
