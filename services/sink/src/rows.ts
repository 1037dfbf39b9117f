import type { ApiRequest } from "@distillguard/contract";

/** One api_requests row as JSONEachRow: hashes as hex, booleans as 0/1. */
export type ApiRequestRow = Omit<
  ApiRequest,
  | "prompt_simhash"
  | "prompt_template_hash"
  | "system_prompt_hash"
  | "question_head_hash"
  | "question_tail_hash"
  | "stream"
  | "logprobs"
  | "cache_hit"
> & {
  event_date: string;
  event_time: number;
  ingested_at: number;
  stream: 0 | 1;
  logprobs: 0 | 1;
  cache_hit: 0 | 1 | null;
  prompt_simhash: string;
  prompt_template_hash: string;
  system_prompt_hash: string | null;
  question_head_hash: string | null;
  question_tail_hash: string | null;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
};

/**
 * DateTime goes as unix seconds: every server version parses that in JSONEachRow regardless
 * of its time zone, unlike a formatted string. `event_date` and `ingested_at` are sent rather
 * than left to the table's DEFAULTs: ClickHouse 18.16 does not apply DEFAULT expressions to
 * columns missing from JSONEachRow and stored zeros. `ingestedAtMs` is the sink's clock.
 */
export function toApiRequestRow(
  r: ApiRequest,
  topic: string,
  partition: number,
  offset: string,
  ingestedAtMs: number = Date.now(),
): ApiRequestRow {
  return {
    ...r,
    event_date: new Date(r.event_time_ms).toISOString().slice(0, 10),
    event_time: Math.floor(r.event_time_ms / 1000),
    ingested_at: Math.floor(ingestedAtMs / 1000),
    stream: r.stream ? 1 : 0,
    logprobs: r.logprobs ? 1 : 0,
    cache_hit: r.cache_hit === null ? null : r.cache_hit ? 1 : 0,
    prompt_simhash: r.prompt_simhash.toString("hex"),
    prompt_template_hash: r.prompt_template_hash.toString("hex"),
    system_prompt_hash: r.system_prompt_hash ? r.system_prompt_hash.toString("hex") : null,
    // Records decoded from v1–v3 have no frame at all (undefined): null, never a missing column.
    question_head_hash: r.question_head_hash ? r.question_head_hash.toString("hex") : null,
    question_tail_hash: r.question_tail_hash ? r.question_tail_hash.toString("hex") : null,
    // Records decoded from v1–v4 have no spend (undefined): null, never a missing column.
    account_spend_usd: r.account_spend_usd ?? null,
    kafka_topic: topic,
    kafka_partition: partition,
    kafka_offset: offset,
  };
}
