import type { IHeaders, KafkaMessage, Message } from "kafkajs";

/** Header names on every DLQ record; docs/events.md documents them for consumers. */
export const DLQ_HEADERS = {
  error: "dg-error",
  kind: "dg-error-kind",
  sourceTopic: "dg-source-topic",
  sourcePartition: "dg-source-partition",
  sourceOffset: "dg-source-offset",
  sourceTimestamp: "dg-source-timestamp",
  service: "dg-service",
} as const;

export interface DeadLetterReason {
  /** Human-readable cause, e.g. "unknown schema fingerprint 0123…". Never contains prompt text. */
  message: string;
  /** Machine-readable class, e.g. a ContractErrorKind or "json-parse". */
  kind: string;
}

/** What a dead letter keeps of the record it replaces. */
export type DeadLetterSource = Pick<KafkaMessage, "key" | "value" | "headers" | "offset" | "timestamp">;

/**
 * The DLQ record for a message that could not be processed: original key and value bytes
 * untouched, original headers kept, plus where it came from and why it failed.
 */
export function deadLetter(
  m: DeadLetterSource,
  source: { topic: string; partition: number; service: string },
  reason: DeadLetterReason,
): Message {
  const headers: IHeaders = { ...(m.headers ?? {}) };
  headers[DLQ_HEADERS.error] = reason.message.slice(0, 1_000);
  headers[DLQ_HEADERS.kind] = reason.kind;
  headers[DLQ_HEADERS.sourceTopic] = source.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(source.partition);
  headers[DLQ_HEADERS.sourceOffset] = m.offset;
  headers[DLQ_HEADERS.sourceTimestamp] = m.timestamp;
  headers[DLQ_HEADERS.service] = source.service;
  return { key: m.key ?? null, value: m.value ?? null, headers };
}

/** Reads the reason back from a DLQ record (for tests, tooling and replays). */
export function readDeadLetter(
  m: Pick<KafkaMessage, "headers">,
): Record<keyof typeof DLQ_HEADERS, string | undefined> {
  const get = (h: string) => m.headers?.[h]?.toString();
  return {
    error: get(DLQ_HEADERS.error),
    kind: get(DLQ_HEADERS.kind),
    sourceTopic: get(DLQ_HEADERS.sourceTopic),
    sourcePartition: get(DLQ_HEADERS.sourcePartition),
    sourceOffset: get(DLQ_HEADERS.sourceOffset),
    sourceTimestamp: get(DLQ_HEADERS.sourceTimestamp),
    service: get(DLQ_HEADERS.service),
  };
}
