import { apiRequestCodec, ContractError } from "@distillguard/contract";
import { type ClickHouseClient, createProducer, deadLetter, type Logger } from "@distillguard/runtime";
import type { Consumer, EachBatchPayload, Kafka, Message, Producer } from "kafkajs";
import { insertSplittingRejects, type RowOrigin, rejectedDeadLetters } from "./poison.ts";
import { type ApiRequestRow, toApiRequestRow } from "./rows.ts";

export interface ApiRequestSinkOptions {
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  logger: Logger;
  topic: string;
  /** Undecodable records go here with the reason and their source coordinates. */
  dlqTopic: string;
  groupId: string;
  table?: string;
  fromBeginning?: boolean;
}

export interface ApiRequestSink {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Totals since start: rows acknowledged by ClickHouse, records sent to the DLQ (undecodable
   * or refused by ClickHouse), of which `rejected` were refused by ClickHouse.
   */
  stats(): { rows: number; dlq: number; rejected: number; batches: number };
}

const SERVICE = "sink";

/**
 * Consumes ApiRequest records and inserts them into ClickHouse. Offsets are committed only
 * after ClickHouse (and the DLQ, for bad records) acknowledged the batch, so a crash replays
 * rather than loses; ReplacingMergeTree on (topic, partition, offset) absorbs the replay. Rows
 * ClickHouse refuses for their data are split out (insertSplittingRejects) and dead-lettered;
 * any other insert error fails the batch, which kafkajs retries.
 */
export function createApiRequestSink(opts: ApiRequestSinkOptions): ApiRequestSink {
  const table = opts.table ?? "api_requests";
  const log = opts.logger.child({ component: "api-request-sink", topic: opts.topic });
  const totals = { rows: 0, dlq: 0, rejected: 0, batches: 0 };
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;

  async function handleBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload) {
    const rows: ApiRequestRow[] = [];
    const origins: RowOrigin[] = [];
    const dead: Message[] = [];
    const source = { topic: batch.topic, partition: batch.partition, service: SERVICE };
    for (const m of batch.messages) {
      try {
        rows.push(
          toApiRequestRow(
            apiRequestCodec.decode(m.value ?? Buffer.alloc(0)),
            batch.topic,
            batch.partition,
            m.offset,
          ),
        );
        // No copy, unlike the result sink's buffers: the batch is done with before the next fetch.
        origins.push({ topic: batch.topic, partition: batch.partition, message: m });
      } catch (e) {
        if (!(e instanceof ContractError)) throw e;
        dead.push(deadLetter(m, source, { message: e.message, kind: e.kind }));
      }
    }
    if (dead.length > 0 && producer) {
      await producer.send({ topic: opts.dlqTopic, acks: -1, messages: dead });
      log.warn({ partition: batch.partition, count: dead.length }, "records sent to DLQ");
    }
    const { rejected } = await insertSplittingRejects(rows.length, async (start, end) => {
      await opts.clickhouse.insert({ table, values: rows.slice(start, end), format: "JSONEachRow" });
    });
    if (rejected.length > 0) {
      const refused = rejectedDeadLetters(table, origins, rejected, SERVICE);
      if (!producer) throw new Error("api-request sink producer is not connected");
      await producer.send({ topic: opts.dlqTopic, acks: -1, messages: refused.messages });
      totals.rejected += refused.messages.length;
      totals.dlq += refused.messages.length;
      // Coordinates only: the server's message quotes the row and stays in the DLQ.
      log.warn(
        {
          partition: batch.partition,
          count: refused.messages.length,
          offsets: refused.sources.map((o) => o.offset),
        },
        "rows ClickHouse refused sent to DLQ",
      );
    }
    const last = batch.lastOffset();
    resolveOffset(last);
    await consumer?.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
    ]);
    await heartbeat();
    totals.rows += rows.length - rejected.length;
    totals.dlq += dead.length;
    totals.batches += 1;
    log.debug({ partition: batch.partition, rows: rows.length, lastOffset: last }, "batch committed");
  }

  return {
    async start() {
      producer = createProducer(opts.kafka);
      await producer.connect();
      // A short long-poll: stop() waits for the fetch in flight, and 5 s (the default) makes
      // every shutdown and rebalance that much slower for no throughput gain under load.
      consumer = opts.kafka.consumer({
        groupId: opts.groupId,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: 500,
      });
      await consumer.connect();
      await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning ?? true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: handleBatch });
      log.info({ groupId: opts.groupId, table }, "sink started");
    },
    async stop() {
      await consumer?.disconnect();
      await producer?.disconnect();
      log.info(totals, "sink stopped");
    },
    stats: () => ({ ...totals }),
  };
}
