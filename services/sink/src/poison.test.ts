import { readDeadLetter } from "@distillguard/runtime";
import fc from "fast-check";
import type { KafkaMessage } from "kafkajs";
import { describe, expect, it } from "vitest";
import {
  clickhouseErrorCode,
  insertSplittingRejects,
  isDataError,
  REJECTED_KIND,
  rejectedDeadLetters,
  rejectionMessage,
  rowOrigin,
} from "./poison.ts";
import { describeInsertError, isRetriableInsertError } from "./retry.ts";

// What ClickHouse 18.16 answers over HTTP to a negative number for a UInt32 column; the client
// cannot parse it into a ClickHouseError, so it arrives as a plain Error.
const old = () =>
  new Error(
    "Code: 72, e.displayText() = DB::Exception: Unsigned type must not contain '-' symbol: (at row 2)\n, e.what() = DB::Exception\n",
  );
// What @clickhouse/client makes of a current server's answer.
const current = (code: string, type: string) =>
  Object.assign(new Error("Cannot parse input"), { name: "ClickHouseError", code, type });

describe("isDataError", () => {
  it("reads the code from 18.16's message and from a ClickHouseError", () => {
    expect(clickhouseErrorCode(old())).toBe(72);
    expect(clickhouseErrorCode(current("27", "CANNOT_PARSE_INPUT_ASSERTION_FAILED"))).toBe(27);
    expect(clickhouseErrorCode(new Error("Code: 252. DB::Exception: Too many parts"))).toBe(252);
    expect(isDataError(old())).toBe(true);
    expect(isDataError(current("53", "TYPE_MISMATCH"))).toBe(true);
  });

  it("leaves outages, table problems and bugs to the retry loop", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8123"), { code: "ECONNREFUSED" });
    const cases = [
      refused,
      new Error("Timeout error."),
      current("252", "TOO_MANY_PARTS"),
      current("241", "MEMORY_LIMIT_EXCEEDED"),
      // A migration not applied: every row would be "bad", none is.
      new Error(
        "Code: 117, e.displayText() = DB::Exception: Unknown field found while parsing JSONEachRow format: x",
      ),
      current("16", "NO_SUCH_COLUMN_IN_TABLE"),
      new TypeError("x is not a function"),
      "a string",
    ];
    for (const e of cases) expect(isDataError(e), String(e)).toBe(false);
    expect(isRetriableInsertError(refused)).toBe(true);
    expect(isRetriableInsertError(current("252", "TOO_MANY_PARTS"))).toBe(true);
    // A refused row is split out, never retried as it is.
    expect(isRetriableInsertError(old())).toBe(false);
  });

  it("logs 18.16's error code, never its message, which quotes the row", () => {
    expect(describeInsertError(old())).toEqual({ error: "Error", code: "72" });
  });

  it("keeps the server's reason on one line for the DLQ", () => {
    expect(rejectionMessage("api_requests", old())).toBe(
      "ClickHouse rejected the row for api_requests: Code: 72, e.displayText() = DB::Exception: Unsigned type must not contain '-' symbol: (at row 2)",
    );
  });
});

/** An insert into a server that refuses any range holding one of `bad`, and records what it stored. */
function fakeServer(bad: ReadonlySet<number>) {
  const stored: number[] = [];
  let calls = 0;
  const insert = async (start: number, end: number) => {
    calls += 1;
    for (let i = start; i < end; i++) if (bad.has(i)) throw old();
    for (let i = start; i < end; i++) stored.push(i);
  };
  return { stored, insert, calls: () => calls };
}

describe("insertSplittingRejects", () => {
  it("stores a clean batch with one insert", async () => {
    const server = fakeServer(new Set());
    expect(await insertSplittingRejects(10, server.insert)).toEqual({ rejected: [], inserts: 1 });
    expect(server.stored).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("finds the refused rows, stores every other one in order, and keeps the server's reason", async () => {
    const server = fakeServer(new Set([3, 4, 9]));
    const out = await insertSplittingRejects(10, server.insert);
    expect(out.rejected.map((r) => r.index)).toEqual([3, 4, 9]);
    expect(isDataError(out.rejected[0]?.error)).toBe(true);
    expect(server.stored).toEqual([0, 1, 2, 5, 6, 7, 8]);
    expect(out.inserts).toBe(server.calls());
  });

  it("stores each row exactly once for any set of refused rows, in O(k log n) inserts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 300 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: 8 })),
          ),
        async ([n, badList]) => {
          const bad = new Set(badList);
          const server = fakeServer(bad);
          const out = await insertSplittingRejects(n, server.insert);
          const expected = Array.from({ length: n }, (_, i) => i).filter((i) => !bad.has(i));
          expect(server.stored).toEqual(expected);
          expect(out.rejected.map((r) => r.index)).toEqual([...bad].sort((a, b) => a - b));
          const k = bad.size;
          expect(out.inserts).toBeLessThanOrEqual(1 + 2 * k * Math.ceil(Math.log2(n) + 1));
        },
      ),
    );
  });

  it("stops at an error that is not about the rows, for the caller to retry", async () => {
    let calls = 0;
    const outage = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const insert = async () => {
      calls += 1;
      // The halves meet a server that has gone away.
      throw calls === 1 ? old() : outage;
    };
    await expect(insertSplittingRejects(16, insert)).rejects.toBe(outage);
    expect(calls).toBe(2);
  });
});

describe("rejectedDeadLetters", () => {
  const message = (offset: string): KafkaMessage => ({
    key: Buffer.from("cmp-1"),
    value: Buffer.from([0xc3, 0x01, 0x02]),
    headers: { origin: Buffer.from("linker") },
    offset,
    timestamp: "1767225600000",
    attributes: 0,
  });

  it("sends each source record once, with its coordinates, its bytes and the server's reason", () => {
    const a = rowOrigin("campaign-updates", 2, message("41"));
    const b = rowOrigin("campaign-updates", 2, message("42"));
    // A campaign update becomes several member rows: two of a's were refused.
    const origins = [a, a, a, b];
    const { messages, sources } = rejectedDeadLetters(
      "campaign_members",
      origins,
      [
        { index: 1, error: old() },
        { index: 2, error: old() },
      ],
      "sink",
    );
    expect(sources).toEqual([{ topic: "campaign-updates", partition: 2, offset: "41" }]);
    expect(messages).toHaveLength(1);
    const [m] = messages;
    expect(m?.value).toEqual(Buffer.from([0xc3, 0x01, 0x02]));
    expect(m?.headers?.origin?.toString()).toBe("linker");
    expect(readDeadLetter({ headers: m?.headers as KafkaMessage["headers"] })).toMatchObject({
      kind: REJECTED_KIND,
      sourceTopic: "campaign-updates",
      sourcePartition: "2",
      sourceOffset: "41",
      service: "sink",
      error: expect.stringContaining("campaign_members: Code: 72"),
    });
  });

  it("copies the bytes, so a kept row does not pin kafkajs's fetch buffer", () => {
    // Large enough not to come from Buffer's shared pool, like a fetch response.
    const fetched = Buffer.alloc(64 * 1024, 7);
    const view = fetched.subarray(4, 9);
    const o = rowOrigin("t", 0, { ...message("1"), value: view });
    expect(o.message.value).toEqual(view);
    expect(o.message.value?.buffer).not.toBe(fetched.buffer);
  });
});
