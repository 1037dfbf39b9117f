// The ClickHouse plugin's macro expansions, against its documented examples (docs/sources/
// query-editor.md and pkg/macros/macros.go of grafana/clickhouse-datasource).
import { describe, expect, it } from "vitest";
import { expandMacros, MacroError, macrosUsed } from "./macros.ts";

// The documentation's example range: 2014-11-12T11:45:26.123Z to 2015-11-12T11:45:26.456Z.
const ctx = { from: new Date(1_415_792_726_123), to: new Date(1_447_328_726_456), intervalMs: 20_000 };

describe("expandMacros", () => {
  it.each([
    ["$__timeFilter(time)", "time >= toDateTime(1415792726) AND time <= toDateTime(1447328726)"],
    [
      "$__timeFilter_ms(time)",
      "time >= fromUnixTimestamp64Milli(1415792726123) AND time <= fromUnixTimestamp64Milli(1447328726456)",
    ],
    ["$__dateFilter(date)", "date >= toDate('2014-11-12') AND date <= toDate('2015-11-12')"],
    [
      "$__dateTimeFilter(date, time)",
      "(date >= toDate('2014-11-12') AND date <= toDate('2015-11-12')) AND (time >= toDateTime(1415792726) AND time <= toDateTime(1447328726))",
    ],
    [
      "$__dt(d, t)",
      "(d >= toDate('2014-11-12') AND d <= toDate('2015-11-12')) AND (t >= toDateTime(1415792726) AND t <= toDateTime(1447328726))",
    ],
    ["$__fromTime", "toDateTime(1415792726)"],
    ["$__toTime", "toDateTime(1447328726)"],
    ["$__fromTime_ms", "fromUnixTimestamp64Milli(1415792726123)"],
    ["$__toTime_ms", "fromUnixTimestamp64Milli(1447328726456)"],
    ["$__interval_s", "20"],
    ["$__timeInterval(column)", "toStartOfInterval(toDateTime(column), INTERVAL 20 second)"],
    ["$__timeInterval_ms(column)", "toStartOfInterval(toDateTime64(column, 3), INTERVAL 20000 millisecond)"],
  ])("%s", (macro, expansion) => {
    expect(expandMacros(macro, ctx)).toBe(expansion);
  });

  it("expands every occurrence inside a query and keeps the rest", () => {
    const sql =
      "SELECT toDateTime(intDiv(toUInt32(t), $__interval_s) * $__interval_s) AS time FROM x WHERE $__timeFilter(t) AND u <= $__toTime";
    expect(expandMacros(sql, ctx)).toBe(
      "SELECT toDateTime(intDiv(toUInt32(t), 20) * 20) AS time FROM x WHERE t >= toDateTime(1415792726) AND t <= toDateTime(1447328726) AND u <= toDateTime(1447328726)",
    );
    expect(macrosUsed(sql).sort()).toEqual(["interval_s", "timeFilter", "toTime"]);
  });

  it("never buckets finer than one second", () => {
    expect(expandMacros("$__interval_s", { ...ctx, intervalMs: 250 })).toBe("1");
  });

  it("refuses a macro the plugin does not have and a wrong argument count", () => {
    expect(() => expandMacros("WHERE $__timeFrame(t)", ctx)).toThrow(MacroError);
    expect(() => expandMacros("INTERVAL $__interval", ctx)).toThrow(/\$__interval is not a macro/);
    expect(() => expandMacros("$__timeFilter(a, b)", ctx)).toThrow(/expected 1 argument/);
  });

  it("ends an argument list at the first parenthesis, as the plugin does", () => {
    // So an expression as argument yields broken SQL in Grafana as well as here.
    expect(expandMacros("$__timeFilter(toDateTime(t))", ctx)).toBe(
      "toDateTime(t >= toDateTime(1415792726) AND toDateTime(t <= toDateTime(1447328726))",
    );
  });
});
