// The chDB harness other tests prove modern-dialect SQL with: a current engine, failures
// reported per statement without stopping the run, and one session shared in order.
import { describe, expect, it } from "vitest";
import { resultOf, runOnChdb } from "./chdb.ts";

describe("chDB harness", () => {
  it("runs a current ClickHouse, reports a bad statement and keeps going in one session", async () => {
    const run = await runOnChdb([
      { name: "create", sql: "CREATE TABLE probe (id UInt32, label String) ENGINE = MergeTree ORDER BY id" },
      { name: "bad", sql: "SELEC 1" },
      { name: "insert", sql: "INSERT INTO probe VALUES (2, 'b'), (1, 'a')" },
      { name: "missing", sql: "SELECT * FROM no_such_table" },
      { name: "read", sql: "SELECT id, label, currentDatabase() AS db FROM probe ORDER BY id" },
    ]);
    expect(Number(run.version.split(".")[0])).toBeGreaterThanOrEqual(24);
    expect(run.results.map((r) => r.name)).toEqual(["create", "bad", "insert", "missing", "read"]);
    expect(resultOf(run, "create")).toEqual({ name: "create", ok: true, rows: [], error: null });
    const bad = resultOf(run, "bad");
    expect(bad.ok).toBe(false);
    expect(bad.rows).toBeNull();
    expect(bad.error).toContain("SYNTAX_ERROR");
    expect(resultOf(run, "missing").error).toContain("UNKNOWN_TABLE");
    expect(resultOf(run, "read").rows).toEqual([
      { id: 1, label: "a", db: run.database },
      { id: 2, label: "b", db: run.database },
    ]);
  });

  it("starts every run on a fresh database", async () => {
    await runOnChdb([{ name: "create", sql: "CREATE TABLE leftover (x UInt8) ENGINE = Memory" }]);
    const run = await runOnChdb([{ name: "read", sql: "EXISTS TABLE leftover" }]);
    expect(resultOf(run, "read").rows).toEqual([{ result: 0 }]);
  });

  it("rejects a statement with its own FORMAT clause instead of misreading its output", async () => {
    const run = await runOnChdb([{ name: "csv", sql: "SELECT 1 FORMAT CSV" }]);
    expect(resultOf(run, "csv")).toMatchObject({ ok: false, rows: null });
    expect(resultOf(run, "csv").error).toContain("FORMAT");
  });
});
