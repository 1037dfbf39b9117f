import type { Message, Producer } from "kafkajs";
import { litellmSink } from "./litellm-sink.ts";
import { encodedSink, type RequestSink } from "./run.ts";

/**
 * Produces simulated requests to `topic`, keyed by account (so one account's requests stay
 * in order on one partition), timestamped with event time, in batches sent between slices.
 */
export function kafkaSink(
  producer: Producer,
  topic: string,
  format: "avro" | "litellm",
): RequestSink & { sent(): number } {
  let batch: Message[] = [];
  let sent = 0;
  const push = (key: string, value: Buffer | string, ts: number) =>
    batch.push({ key, value, timestamp: String(ts) });
  const base = format === "avro" ? encodedSink(push) : litellmSink(push);
  const drain = async () => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    // ≤ 2000 records (~0.5 MB) per request: the broker rejects record batches over 1 MB
    // (message.max.bytes), and kafkajs sends one batch per partition.
    for (let i = 0; i < messages.length; i += 2_000) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2_000) });
    }
    sent += messages.length;
  };
  return { write: base.write, drain, close: drain, sent: () => sent };
}
