import { describe, expect, it } from "vitest";
import { chunkBody, dedupToken, TableBuffer } from "./table-buffer.ts";

const limits = { maxRows: 3, maxBytes: 100, maxDelayMs: 1_000 };
const from = (partition: number, first: string, last: string) => ({
  topic: "alerts",
  partition,
  first,
  last,
});

describe("TableBuffer", () => {
  it("is due at the row limit", () => {
    const b = new TableBuffer("alerts", limits);
    b.add(["{}", "{}"], from(0, "0", "1"), 0, ["{}", "{}"]);
    expect(b.due(0)).toBeNull();
    b.add(["{}"], from(0, "2", "2"), 0, ["{}"]);
    expect(b.due(0)).toBe("rows");
  });

  it("is due at the byte limit, counting the newline of each row", () => {
    const b = new TableBuffer("alerts", limits);
    b.add(["x".repeat(98)], from(0, "0", "0"), 0, ["x".repeat(98)]);
    expect([b.bytes, b.due(0)]).toEqual([99, null]);
    b.add(["y"], from(0, "1", "1"), 0, ["y"]);
    expect(b.due(0)).toBe("bytes");
  });

  it("is due once the first buffered row is maxDelayMs old, whatever arrived since", () => {
    const b = new TableBuffer("alerts", limits);
    expect(b.due(10_000)).toBeNull();
    b.add(["{}"], from(0, "0", "0"), 5_000, ["{}"]);
    b.add(["{}"], from(0, "1", "1"), 5_900, ["{}"]);
    expect(b.due(5_999)).toBeNull();
    expect(b.due(6_000)).toBe("age");
  });

  it("takes everything as one chunk and starts a new generation with a fresh clock", () => {
    const b = new TableBuffer("alerts", limits);
    b.add(['{"a":1}'], from(1, "10", "14"), 0, ['{"a":1}']);
    b.add(['{"a":2}'], from(0, "3", "3"), 0, ['{"a":2}']);
    b.add(['{"a":3}'], from(1, "15", "20"), 0, ['{"a":3}']);
    const tag = b.tag;
    const chunk = b.take();
    expect(chunk).toMatchObject({ table: "alerts", tag, bytes: 24 });
    expect(chunk?.ranges).toEqual([from(1, "10", "20"), from(0, "3", "3")]);
    expect(chunk && chunkBody(chunk)).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
    expect(b.tag).not.toBe(tag);
    expect([b.rows, b.bytes, b.due(1e9), b.take()]).toEqual([0, 0, null, null]);
    b.add(["{}"], from(0, "4", "4"), 50_000, ["{}"]);
    expect(b.due(50_500)).toBeNull();
  });

  it("hands each row's origin over with the row, and refuses rows without one", () => {
    const b = new TableBuffer<number>("alerts", limits);
    b.add(["{}", "{}"], from(0, "7", "8"), 0, [7, 8]);
    b.add(["{}"], from(1, "3", "3"), 0, [3]);
    expect(() => b.add(["{}"], from(0, "9", "9"), 0, [])).toThrow(RangeError);
    expect(b.take()?.origins).toEqual([7, 8, 3]);
    b.add(["{}"], from(0, "9", "9"), 0, [9]);
    expect(b.take()?.origins).toEqual([9]);
  });

  it("ignores a batch that produced no rows for the table", () => {
    const b = new TableBuffer("alerts", limits);
    b.add([], from(0, "0", "9"), 0, []);
    expect([b.rows, b.due(1e9), b.take()]).toEqual([0, null, null]);
  });
});

describe("dedupToken", () => {
  it("is the same for the same chunk and differs with the rows, the offsets or the salt", () => {
    const chunk = (lines: string[], last: string) => ({
      table: "api_requests",
      tag: "api_requests#0",
      lines,
      bytes: 0,
      ranges: [from(1, "0", last), from(0, "5", "9")],
    });
    const a = dedupToken(chunk(["{}", "{}"], "4"), "s0.1");
    expect(dedupToken(chunk(["{}", "{}"], "4"), "s0.1")).toBe(a);
    expect(
      dedupToken({ ...chunk(["{}", "{}"], "4"), ranges: [from(0, "5", "9"), from(1, "0", "4")] }, "s0.1"),
    ).toBe(a);
    expect(dedupToken(chunk(["{}", "{}"], "5"), "s0.1")).not.toBe(a);
    expect(dedupToken(chunk(["{}"], "4"), "s0.1")).not.toBe(a);
    expect(dedupToken(chunk(["{}", "{}"], "4"), "s0.2")).not.toBe(a);
  });
});
