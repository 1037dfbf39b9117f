import type { ApiRequest } from "@distillguard/contract";

export interface RawRequestRow {
  event_time: number;
  event_time_ms: number;
  request_id: string;
  account_id: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
}

/**
 * DateTime goes as unix seconds: every server version parses that in JSONEachRow regardless
 * of its time zone, unlike a formatted string.
 */
export function toRawRequestRow(
  r: ApiRequest,
  topic: string,
  partition: number,
  offset: string,
): RawRequestRow {
  return {
    event_time: Math.floor(r.event_time_ms / 1000),
    event_time_ms: r.event_time_ms,
    request_id: r.request_id,
    account_id: r.account_id,
    model: r.model,
    input_tokens: r.input_tokens,
    output_tokens: r.output_tokens,
    kafka_topic: topic,
    kafka_partition: partition,
    kafka_offset: offset,
  };
}
