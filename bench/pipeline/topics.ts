// Kafka reads the pipeline benches share: has a consumer group committed everything, and every
// record of a topic with its partition and timestamp.

import { runScopedEnv } from "@distillguard/pipeline";
import { type ClickHouseConnection, createClickHouse, readRanges } from "@distillguard/runtime";
import type { Kafka, KafkaMessage } from "kafkajs";

/** True once `groupId` has committed up to the end of every non-empty partition of `topic`. */
export async function caughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [c] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const at = new Map((c?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return ends.every((e) => BigInt(e.high) === 0n || (at.get(e.partition) ?? -1n) >= BigInt(e.high));
  } finally {
    await admin.disconnect();
  }
}

/** Polls `caughtUp` until it holds; resolves with the seconds since `t0` (performance.now()). */
export async function waitCaughtUp(
  kafka: Kafka,
  groupId: string,
  topic: string,
  t0: number,
): Promise<number> {
  for (;;) {
    if (await caughtUp(kafka, groupId, topic)) return (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Every record of `topic` now, partition by partition in offset order, through a throwaway
 * group (nothing committed). Through the runtime's reader: the detector's and linker's outputs
 * are transactional, so a partition can end in a marker no record reaches.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  onMessage: (partition: number, message: KafkaMessage) => void,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  let count = 0;
  await readRanges(
    kafka,
    topic,
    ends.map((e) => ({ partition: e.partition, to: e.high })),
    (partition, messages) => {
      for (const m of messages) onMessage(partition, m);
      count += messages.length;
    },
  );
  return count;
}

/** The pipeline's environment with every topic, group and the database scoped to one run. */
export function pipelineEnv(prefix: string, database: string): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    CLICKHOUSE_DATABASE: database,
    ...runScopedEnv(prefix),
  };
}

/** Deletes every topic whose name starts with `prefix`. */
export async function deleteTopics(kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(prefix)) });
  await admin.disconnect();
}

/** A fresh database for one bench run: the bench owns it, and old schema versions must not linger. */
export async function freshDatabase(server: ClickHouseConnection, database: string): Promise<void> {
  const client = createClickHouse(server);
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.command({ query: `CREATE DATABASE ${database}` });
  } finally {
    await client.close();
  }
}
