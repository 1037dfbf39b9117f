import type { MappingOptions } from "@distillguard/litellm";
import {
  createMetrics,
  type Logger,
  type PartitionProcessor,
  runProcessor,
  type ServiceMetrics,
} from "@distillguard/runtime";
import type { Kafka } from "kafkajs";
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
   * millisecond to a few). One that overruns twice, on two fresh workers, goes to the DLQ as
   * `budget-exceeded`.
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
  /** Default: createMetrics("ingest") on the process-wide registry. */
  metrics?: ServiceMetrics;
  /** The consumer crashed and kafkajs will not restart it: the process should exit. */
  onFatal?: (error: Error) => void;
}

export interface Ingest {
  start(): Promise<void>;
  /** Abandons the batch in flight (uncommitted, so it is replayed), then disconnects; safe to call twice. */
  stop(): Promise<void>;
  /**
   * Totals since start: records read, ApiRequests produced, records dead-lettered; and the input
   * partitions the group assigned to this member.
   */
  stats(): { records: number; produced: number; dlq: number; batches: number; assigned: number[] };
}

const SERVICE = "ingest";
const DEFAULT_RECORD_BUDGET_MS = 2_000;

/**
 * LiteLLM logs in, fingerprinted ApiRequests out, on the shared consumer loop (runProcessor).
 * The prompt text is reduced to fingerprints inside translateRecord and is never produced or
 * logged. Offsets are committed only after the DLQ and the output topic acknowledged the whole
 * batch (acks=all), so a crash replays the batch rather than losing it; downstream consumers
 * dedupe on request_id.
 */
export function createIngest(opts: IngestOptions): Ingest {
  const recordBudgetMs = opts.recordBudgetMs ?? DEFAULT_RECORD_BUDGET_MS;
  const log = opts.logger.child({ component: "ingest", topic: opts.inputTopic });
  // A record that overruns its budget twice shows in the "records sent to DLQ" line, with its
  // offset; a first overrun only here, since the host may be to blame.
  const translator =
    opts.translator ??
    workerTranslator({
      recordBudgetMs,
      ...(opts.networks === null ? {} : { networks: opts.networks ?? loadNetworkTables() }),
      ...(opts.mapping ? { mapping: opts.mapping } : {}),
      onRecordStruck: ({ index, reason }) =>
        log.warn(
          { batchIndex: index, reason: reason.message },
          "record overran its budget; trying it once more",
        ),
    });

  const processor: PartitionProcessor<undefined> = {
    async process(_state, topic, partition, messages, { heartbeat }) {
      let results: Awaited<ReturnType<BatchTranslator["translate"]>>;
      try {
        // Translation runs off this thread: heartbeats keep the membership alive meanwhile.
        results = await translator.translate(
          messages.map((m) => m.value),
          () => void heartbeat().catch(() => {}),
        );
      } catch (e) {
        // Shutting down: leave the batch uncommitted for whoever owns the partition next.
        if (e instanceof TranslatorClosedError) return null;
        throw e;
      }
      const plan = planBatch(messages, { topic, partition, service: SERVICE }, results);
      return { outputs: [{ topic: opts.outputTopic, messages: plan.outputs }], dead: plan.dead };
    },
    // The batch in flight is abandoned, not awaited: a record may be minutes from its budget,
    // and the next owner replays the uncommitted batch anyway.
    interrupt: () => translator.close(),
  };

  const runner = runProcessor({
    kafka: opts.kafka,
    logger: opts.logger,
    metrics: opts.metrics ?? createMetrics(SERVICE),
    groupId: opts.groupId,
    topics: [opts.inputTopic],
    dlqTopic: opts.dlqTopic,
    processor,
    fromBeginning: opts.fromBeginning ?? true,
    // A short long-poll: stop() waits for the fetch in flight, and 5 s (kafkajs's default)
    // makes every shutdown and rebalance that much slower for no throughput gain under load.
    maxWaitTimeInMs: 500,
    ...(opts.onFatal ? { onFatal: opts.onFatal } : {}),
  });

  return {
    async start() {
      await runner.start();
      log.info(
        { groupId: opts.groupId, outputTopic: opts.outputTopic, dlqTopic: opts.dlqTopic },
        "ingest started",
      );
    },
    async stop() {
      await runner.stop();
      // Never started: the worker still has to go, or it holds the process open.
      await translator.close();
    },
    stats: () => {
      const r = runner.stats();
      return {
        records: r.records,
        produced: r.produced,
        dlq: r.dead,
        batches: r.batches,
        assigned: r.assigned,
      };
    },
  };
}
