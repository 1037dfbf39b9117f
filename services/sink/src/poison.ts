import { type DeadLetterSource, deadLetter } from "@distillguard/runtime";
import type { IHeaders, KafkaMessage, Message } from "kafkajs";

/**
 * ClickHouse error codes that blame the rows sent, not the server: the same rows fail the same
 * way on every retry, so retrying holds the partition forever. Names as in ClickHouse's
 * ErrorCodes.cpp; 18.16 reports only the number.
 *
 * Left out on purpose, so they keep retrying: codes that blame the table or the query (an
 * unknown field is INCORRECT_DATA, 117, and a missing column NO_SUCH_COLUMN_IN_TABLE, 16: a
 * migration not applied, which would otherwise send every row to the DLQ) and everything
 * transient (TOO_MANY_PARTS, timeouts, memory limits, network errors).
 */
export const DATA_ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [6, "CANNOT_PARSE_TEXT"],
  [25, "CANNOT_PARSE_ESCAPE_SEQUENCE"],
  [26, "CANNOT_PARSE_QUOTED_STRING"],
  [27, "CANNOT_PARSE_INPUT_ASSERTION_FAILED"],
  [38, "CANNOT_PARSE_DATE"],
  [41, "CANNOT_PARSE_DATETIME"],
  [53, "TYPE_MISMATCH"],
  [70, "CANNOT_CONVERT_TYPE"],
  [72, "CANNOT_PARSE_NUMBER"],
  [130, "CANNOT_READ_ARRAY_FROM_TEXT"],
  [190, "SIZES_OF_ARRAYS_DOESNT_MATCH"],
  [321, "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE"],
  [349, "CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN"],
  [376, "CANNOT_PARSE_UUID"],
  [441, "CANNOT_PARSE_IPV4"],
  [442, "CANNOT_PARSE_IPV6"],
  [467, "CANNOT_PARSE_BOOL"],
  [691, "UNKNOWN_ELEMENT_OF_ENUM"],
]);

/**
 * The server's error code of a failed request, or null for errors that did not come from the
 * server (refused connections, timeouts, bugs). @clickhouse/client turns a server error into a
 * ClickHouseError with a numeric-string `code` only when the message ends in the `(TYPE_NAME)`
 * that servers print since 21.x; 18.16 writes `Code: 72, e.displayText() = DB::Exception: …`,
 * which reaches us as a plain Error with the server's text as its message.
 */
export function clickhouseErrorCode(e: unknown): number | null {
  if (!(e instanceof Error)) return null;
  const code = (e as Error & { code?: unknown }).code;
  if (typeof code === "string" && /^\d+$/.test(code)) return Number(code);
  if (code !== undefined) return null; // ECONNREFUSED and friends: Node's, not the server's
  const m = /\bCode: (\d+)[.,]/.exec(e.message);
  return m ? Number(m[1]) : null;
}

/** True when ClickHouse refused the rows themselves: see DATA_ERROR_CODES. */
export function isDataError(e: unknown): boolean {
  const code = clickhouseErrorCode(e);
  return code !== null && DATA_ERROR_CODES.has(code);
}

/**
 * The server's reason for a rejected row, on one line, for the DLQ's `dg-error` header. It may
 * quote the row (never prompt text: the sink's tables hold none), so it goes to the DLQ, which
 * already holds the row's bytes, and never to a log line.
 */
export function rejectionMessage(table: string, e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const oneLine = text
    .replace(/,? e\.what\(\) = DB::Exception\s*$/, "")
    .replace(/\s+/g, " ")
    .trim();
  return `ClickHouse rejected the row for ${table}: ${oneLine}`;
}

export interface RejectedRow {
  /** Position of the row in the rows given. */
  index: number;
  /** What the server said when the row was inserted alone. */
  error: unknown;
}

export interface SplitOutcome {
  rejected: RejectedRow[];
  /** INSERTs sent, counting the first. */
  inserts: number;
}

/**
 * Inserts rows [0, count) through `insert(start, end)`, and when the server refuses a range for
 * its data (isDataError) splits it in halves until each refused row stands alone: every other
 * row is stored, in order, and the refused ones are returned with the server's reason. A batch
 * without a bad row costs one INSERT; k bad rows among n about 2k·log2(n/k) more.
 *
 * Any other error from `insert` ends the split and is rethrown: the caller retries (or gives up
 * on) the whole range, so ranges already stored may be inserted again, which the sink's tables
 * absorb (ReplacingMergeTree keys, and deduplication tokens that depend on the range only).
 * This relies on a refused INSERT storing nothing, which holds while a chunk fits in one block
 * (max_insert_block_size, 1,048,576 rows by default): the sink's chunks are far smaller.
 */
export async function insertSplittingRejects(
  count: number,
  insert: (start: number, end: number) => Promise<void>,
  isRejection: (e: unknown) => boolean = isDataError,
): Promise<SplitOutcome> {
  const rejected: RejectedRow[] = [];
  let inserts = 0;
  async function range(start: number, end: number): Promise<void> {
    inserts += 1;
    try {
      await insert(start, end);
      return;
    } catch (e) {
      if (!isRejection(e)) throw e;
      if (end - start === 1) {
        rejected.push({ index: start, error: e });
        return;
      }
    }
    const mid = start + Math.ceil((end - start) / 2);
    await range(start, mid);
    await range(mid, end);
  }
  if (count > 0) await range(0, count);
  return { rejected, inserts };
}

/** The record a buffered row was made from, kept until the row is stored. */
export interface RowOrigin {
  topic: string;
  partition: number;
  message: DeadLetterSource;
}

/**
 * Keeps what a dead letter needs from a fetched record. The bytes are copied: kafkajs hands out
 * views into the whole fetch response, which a buffered row would otherwise keep alive until its
 * flush.
 */
export function rowOrigin(topic: string, partition: number, m: KafkaMessage): RowOrigin {
  const copy = (b: Buffer | null) => (b === null ? null : Buffer.from(b));
  let headers: IHeaders | undefined;
  if (m.headers) {
    headers = {};
    for (const [k, v] of Object.entries(m.headers)) {
      headers[k] = Array.isArray(v)
        ? v.map((x) => (Buffer.isBuffer(x) ? Buffer.from(x) : x))
        : Buffer.isBuffer(v)
          ? Buffer.from(v)
          : v;
    }
  }
  return {
    topic,
    partition,
    message: {
      key: copy(m.key ?? null),
      value: copy(m.value ?? null),
      headers,
      offset: m.offset,
      timestamp: m.timestamp,
    },
  };
}

/** Dead-letter kind of a record whose row ClickHouse refused (docs/events.md). */
export const REJECTED_KIND = "clickhouse-rejected";

/**
 * One DLQ record per source record among the refused rows: a campaign update whose member rows
 * were refused goes once, with the first row's reason.
 */
export function rejectedDeadLetters(
  table: string,
  origins: readonly RowOrigin[],
  rejected: readonly RejectedRow[],
  service: string,
): { messages: Message[]; sources: Array<{ topic: string; partition: number; offset: string }> } {
  const seen = new Set<RowOrigin>();
  const messages: Message[] = [];
  const sources: Array<{ topic: string; partition: number; offset: string }> = [];
  for (const r of rejected) {
    const o = origins[r.index];
    if (!o || seen.has(o)) continue;
    seen.add(o);
    messages.push(
      deadLetter(
        o.message,
        { topic: o.topic, partition: o.partition, service },
        { message: rejectionMessage(table, r.error), kind: REJECTED_KIND },
      ),
    );
    sources.push({ topic: o.topic, partition: o.partition, offset: o.message.offset });
  }
  return { messages, sources };
}
