import type { MappingOptions } from "@distillguard/litellm";
import { createProducer, type Logger } from "@distillguard/runtime";
import type { Consumer, EachBatchPayload, Kafka, Producer } from "kafkajs";
import { planBatch } from "./batch.ts";
import { loadNetworkTables, type NetworkTables } from "./networks.ts";
import { type BatchTranslator, TranslatorClosedError, workerTranslator } from "./translator.ts";

export interface IngestOptions {
  kafka: Kafka;
  logger: Logger;
  /** LiteLLM StandardLoggingPayload JSON, one request per record. */
  inputTopic: string;
  /** ApiRequest records (Avro single-object), keyed by account_id. */
  outputTopic: string;
  /** Records that could not be read or mapped, with the reason and their source coordinates. */
  dlqTopic: string;
  groupId: string;
  fromBeginning?: boolean;
  /**
   * Longest a record's translation may take (default 2 s; real records take well under a
   * millisecond to a few). One that overruns goes to the DLQ as `budget-exceeded`.
   */
  recordBudgetMs?: number;
  /**
   * IP → ASN and country tables the translation enriches with. Default: the tables that install
   * with the ingest (loadNetworkTables()); null turns enrichment off (client_asn and
   * client_country stay null, i.e. absent).
   */
  networks?: NetworkTables | null;
  /** How records are fingerprinted (the elicitation scorer); default the mapping's. */
  mapping?: MappingOptions;
  /** Who translates; by default a worker thread with `recordBudgetMs` per record. */
  translator?: BatchTranslator;
  /** The consumer crashed and kafkajs will not restart it: the process should exit. */
  onFatal?: (error: Error) => void;
}

export interface Ingest {
  start(): Promise<void>;
  /** Abandons the batch in flight (uncommitted, so it is replayed), then disconnects; safe to call twice. */
  stop(): Promise<void>;
  /** Totals since start: records read, ApiRequests produced, records dead-lettered. */
  stats(): { records: number; produced: number; dlq: number; batches: number };
}

const SERVICE = "ingest";
const DEFAULT_RECORD_BUDGET_MS = 2_000;

/**
 * LiteLLM logs in, fingerprinted ApiRequests out. The prompt text is reduced to fingerprints
 * inside translateRecord and is never produced or logged. Offsets are committed only after
 * the DLQ and the output topic acknowledged the whole batch (acks=all), so a crash replays the
 * batch rather than losing it; downstream consumers dedupe on request_id.
 */
export function createIngest(opts: IngestOptions): Ingest {
  const log = opts.logger.child({ component: "ingest", topic: opts.inputTopic });
  const totals = { records: 0, produced: 0, dlq: 0, batches: 0 };
  const recordBudgetMs = opts.recordBudgetMs ?? DEFAULT_RECORD_BUDGET_MS;
  // A record that overruns its budget shows in the "records sent to DLQ" line, with its offset.
  const translator =
    opts.translator ??
    workerTranslator({
      recordBudgetMs,
      ...(opts.networks === null ? {} : { networks: opts.networks ?? loadNetworkTables() }),
      ...(opts.mapping ? { mapping: opts.mapping } : {}),
    });
  let closing = false;
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let stopping: Promise<void> | undefined;

  async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    if (batch.isEmpty() || closing) return;
    const source = { topic: batch.topic, partition: batch.partition, service: SERVICE };
    let results: Awaited<ReturnType<BatchTranslator["translate"]>>;
    try {
      // Translation runs off this thread: heartbeats keep the membership alive meanwhile.
      results = await translator.translate(
        batch.messages.map((m) => m.value),
        () => void heartbeat().catch(() => {}),
      );
    } catch (e) {
      // Shutting down: leave the batch uncommitted for whoever owns the partition next.
      if (e instanceof TranslatorClosedError) return;
      throw e;
    }
    if (closing || !isRunning() || isStale()) return;
    const plan = planBatch(batch.messages, source, results);
    if (!producer) throw new Error("ingest producer is not connected");
    // DLQ first: if the output send fails after it, the replay re-sends both, and a duplicate
    // dead letter is harmless where a lost one is not.
    if (plan.dead.length > 0) {
      await producer.send({ topic: opts.dlqTopic, acks: -1, messages: plan.dead });
      log.warn(
        { partition: batch.partition, count: plan.dead.length, kinds: plan.deadKinds, first: plan.firstDead },
        "records sent to DLQ",
      );
    }
    if (plan.outputs.length > 0) {
      await producer.send({ topic: opts.outputTopic, acks: -1, messages: plan.outputs });
    }
    const last = batch.lastOffset();
    resolveOffset(last);
    await consumer?.commitOffsets([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
    ]);
    await heartbeat();
    totals.records += batch.messages.length;
    totals.produced += plan.outputs.length;
    totals.dlq += plan.dead.length;
    totals.batches += 1;
    log.debug(
      { partition: batch.partition, produced: plan.outputs.length, dlq: plan.dead.length, lastOffset: last },
      "batch committed",
    );
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
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        log.error({ err: payload.error, restart: payload.restart }, "consumer crashed");
        if (!payload.restart) opts.onFatal?.(payload.error);
      });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: opts.inputTopic, fromBeginning: opts.fromBeginning ?? true });
      } catch (cause) {
        const why = cause instanceof Error ? cause.message : String(cause);
        throw new Error(`cannot subscribe to input topic ${opts.inputTopic}: ${why}`, { cause });
      }
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: handleBatch });
      log.info(
        { groupId: opts.groupId, outputTopic: opts.outputTopic, dlqTopic: opts.dlqTopic },
        "ingest started",
      );
    },
    stop() {
      stopping ??= (async () => {
        // The batch in flight is abandoned, not awaited: a record may be minutes from its
        // budget, and the next owner replays the uncommitted batch anyway.
        closing = true;
        await translator.close();
        await consumer?.disconnect();
        await producer?.disconnect();
        log.info(totals, "ingest stopped");
      })();
      return stopping;
    },
    stats: () => ({ ...totals }),
  };
}
