import { type ApiRequest, apiRequestCodec } from "@distillguard/contract";
import type { Producer } from "kafkajs";

/** Writes requests keyed by account, so one account's events stay ordered in one partition. */
export async function produceApiRequests(
  producer: Producer,
  topic: string,
  requests: readonly ApiRequest[],
  batchSize = 1_000,
): Promise<void> {
  for (let i = 0; i < requests.length; i += batchSize) {
    const slice = requests.slice(i, i + batchSize);
    await producer.send({
      topic,
      acks: -1,
      messages: slice.map((r) => ({
        key: r.account_id,
        value: apiRequestCodec.encode(r),
        timestamp: String(r.event_time_ms),
      })),
    });
  }
}
