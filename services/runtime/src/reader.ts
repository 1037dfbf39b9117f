import { randomUUID } from "node:crypto";
import type { Kafka, KafkaMessage } from "kafkajs";

/** A partition to read: offsets [from, to); `from` omitted reads from the log's beginning. */
export interface ReadRange {
  partition: number;
  from?: string;
  to: string;
}

/**
 * Reads ranges of a topic's partitions, outside any consumer group that matters: what the
 * processor needs to rebuild state up to the group's offset, and what a changelog restore
 * reads. kafkajs consumers need a group, so the reader makes a throwaway one that shares
 * offsets with nobody and deletes it afterwards.
 *
 * `each` gets the records of each fetched batch inside its range, per partition in offset
 * order. Rejects if no batch arrives for `stallMs` (a broker away, a range past the log's
 * end), rather than hanging a rebalance.
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: readonly ReadRange[],
  each: (partition: number, messages: KafkaMessage[]) => void,
  opts: { stallMs?: number } = {},
): Promise<void> {
  const wanted = new Map<number, { from: bigint | null; to: bigint }>();
  for (const r of ranges) {
    const from = r.from === undefined ? null : BigInt(r.from);
    const to = BigInt(r.to);
    if (to > 0n && (from === null || from < to)) wanted.set(r.partition, { from, to });
  }
  if (wanted.size === 0) return;
  const stallMs = opts.stallMs ?? 120_000;
  const groupId = `dg-reader-${randomUUID()}`;
  const reader = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await reader.connect();
  try {
    await reader.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const watch = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const left = [...wanted].map(([p, r]) => `${p}:[${r.from ?? "start"}, ${r.to})`).join(" ");
          reject(new Error(`reading ${topic} made no progress for ${stallMs} ms; left: ${left}`));
        }, stallMs);
      };
      watch();
      reader.on(reader.events.CRASH, ({ payload }) => {
        clearTimeout(timer);
        reject(payload.error);
      });
      const reached = (partition: number, lastOffset: string) => {
        const range = wanted.get(partition);
        if (!range) return;
        watch();
        if (BigInt(lastOffset) + 1n >= range.to) wanted.delete(partition);
        if (wanted.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      // A fetch of only transaction markers or aborted records (a transactional writer's tail)
      // never reaches eachBatch: without this a range ending in one would wait for stallMs.
      reader.on(reader.events.END_BATCH_PROCESS, ({ payload }) => {
        if (payload.batchSize === 0 && payload.topic === topic)
          reached(payload.partition, payload.lastOffset);
      });
      reader
        .run({
          eachBatch: async ({ batch }) => {
            const range = wanted.get(batch.partition);
            if (!range) return;
            const inside = batch.messages.filter((m) => {
              const o = BigInt(m.offset);
              return (range.from === null || o >= range.from) && o < range.to;
            });
            if (inside.length > 0) each(batch.partition, inside);
            reached(batch.partition, batch.lastOffset());
          },
        })
        .then(() => {
          // Seeking a consumer before its first fetch is kafkajs's documented use of seek.
          for (const [partition, r] of wanted) {
            if (r.from !== null) reader.seek({ topic, partition, offset: r.from.toString() });
          }
        })
        .catch((e) => {
          clearTimeout(timer);
          reject(e);
        });
    });
  } finally {
    await reader.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect();
  }
}
