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
    // Requests of ≤ 2000 records and ≤ 512 KB: the broker rejects record batches over 1 MB
    // (message.max.bytes), kafkajs sends one batch per partition, and LiteLLM JSON runs to
    // kilobytes per record where Avro takes ~250 bytes.
    let from = 0;
    while (from < messages.length) {
      let to = from;
      let bytes = 0;
      while (to < messages.length && to - from < 2_000 && (to === from || bytes < 512 * 1024)) {
        const v = messages[to]?.value;
        bytes += typeof v === "string" ? Buffer.byteLength(v) : (v?.length ?? 0);
        to++;
      }
      await producer.send({ topic, acks: -1, messages: messages.slice(from, to) });
      from = to;
    }
    sent += messages.length;
  };
  return { write: base.write, drain, close: drain, sent: () => sent };
}
