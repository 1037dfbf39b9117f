import type { Kafka, Producer } from "kafkajs";
import type { Logger } from "pino";
import { createProducer } from "./kafka.ts";

/** Where records go: a producer, or one partition's open transaction (both have these). */
export type Sender = Pick<Producer, "send" | "sendBatch">;

/**
 * The transactional.id of one input partition's producer. Per partition, not per member: kafkajs
 * has no KIP-447 (offsets fenced by the group generation), so a zombie is fenced only when its
 * successor initialises a producer with the same id — the Kafka Streams "EOS alpha" layout.
 */
export function transactionalId(groupId: string, topic: string, partition: number): string {
  return `${groupId}.${topic}.${partition}`;
}

/** Kafka's answers to a producer whose transactional.id a newer instance has initialised. */
const FENCED_CODES = new Set([
  47, // INVALID_PRODUCER_EPOCH (what brokers answer kafkajs's request versions)
  52, // TRANSACTION_COORDINATOR_FENCED
  90, // PRODUCER_FENCED (newer request versions)
]);
const FENCED_TYPES = new Set(["INVALID_PRODUCER_EPOCH", "TRANSACTION_COORDINATOR_FENCED", "PRODUCER_FENCED"]);

/** Whether a kafkajs error (or one it wraps) says a newer producer took the transactional.id. */
export function isFencedError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const { code, type } = e as { code?: unknown; type?: unknown };
    if (typeof code === "number" && FENCED_CODES.has(code)) return true;
    if (typeof type === "string" && FENCED_TYPES.has(type)) return true;
    e =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError;
  }
  return false;
}

/**
 * Kafka's answer to a transactional call made while the id's previous transaction is still
 * completing (the coordinator writing its commit markers): retriable within milliseconds. Back
 * to back transactions meet it routinely — 10 of 100 offset-only ones on the local broker.
 */
export function isConcurrentTransactions(err: unknown): boolean {
  const { code, type } = (err ?? {}) as { code?: unknown; type?: unknown };
  return code === 51 || type === "CONCURRENT_TRANSACTIONS";
}

/**
 * Runs `op` (a transaction's first call to its coordinator), again after a short pause while
 * the broker answers CONCURRENT_TRANSACTIONS: 10 ms, doubling to 500 ms, about 5 s in all, as
 * the Java client retries it quickly (KAFKA-5477). kafkajs retries it for sends, after its
 * retry delay, but not for `sendOffsets`, whose failure used to drop the partition's task and
 * restore it from the changelog (kafkajs#304).
 */
export async function retryConcurrentTransactions<T>(
  op: () => Promise<T>,
  pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!isConcurrentTransactions(err) || attempt >= CONCURRENT_RETRIES) throw err;
      await pause(Math.min(500, 10 * 2 ** attempt));
    }
  }
}
const CONCURRENT_RETRIES = 14;

/**
 * One transactional producer per owned input partition. `claim` initialises a fresh one: the
 * broker bumps the id's epoch and aborts whatever transaction an older instance left open, so
 * from then on that instance's sends, offsets and commits are refused.
 */
export class PartitionProducers {
  private readonly producers = new Map<string, Producer>();

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly log: Logger,
    private readonly transactionTimeoutMs: number,
  ) {}

  get(topic: string, partition: number): Producer | undefined {
    return this.producers.get(transactionalId(this.groupId, topic, partition));
  }

  /** Fences every older instance of these partitions' producers, replacing ours too. */
  async claim(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    await Promise.all(
      partitions.map(async ({ topic, partition }) => {
        const id = transactionalId(this.groupId, topic, partition);
        await this.drop(topic, partition);
        const producer = createProducer(this.kafka, {
          transactionalId: id,
          idempotent: true,
          // One request in flight, as the runner's producer: outputs keep processing order.
          maxInFlightRequests: 1,
          transactionTimeout: this.transactionTimeoutMs,
          // A send's AddPartitionsToTxn meets CONCURRENT_TRANSACTIONS right after a commit; the
          // client's retry delay (200 ms from createKafka) would stall the partition each time.
          // Unbounded retries, as kafkajs gives an idempotent producer by default.
          retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 20 },
        });
        await producer.connect();
        // kafkajs sends InitProducerId for the transactional.id on the first transaction only;
        // an empty one (no EndTxn is sent for it) makes the claim now, before anything is read.
        const tx = await producer.transaction();
        await tx.abort();
        this.producers.set(id, producer);
      }),
    );
    this.log.debug({ partitions }, "transactional producers claimed");
  }

  /** Forgets a partition's producer (fenced, failed or revoked); its open transaction is left to be aborted. */
  async drop(topic: string, partition: number): Promise<void> {
    const id = transactionalId(this.groupId, topic, partition);
    const producer = this.producers.get(id);
    if (!producer) return;
    this.producers.delete(id);
    await producer.disconnect().catch(() => {});
  }

  async dropAll(): Promise<void> {
    const all = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(all.map((p) => p.disconnect().catch(() => {})));
  }
}
