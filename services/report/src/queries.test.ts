// The SQL's behaviour is tested against ClickHouse in test/integration/report.test.ts; these
// tests pin what no server run shows: quoting, and refusing values that would make bad SQL.
import { describe, expect, it } from "vitest";
import { currentCampaignsSql, sqlString, timelineSql, topMembersSql } from "./queries.ts";

describe("sqlString", () => {
  it("escapes backslashes before quotes, so neither ends the literal", () => {
    expect(sqlString("a'b")).toBe("'a\\'b'");
    expect(sqlString("a\\'b")).toBe("'a\\\\\\'b'");
    expect(sqlString("x\\")).toBe("'x\\\\'");
  });
});

describe("currentCampaignsSql", () => {
  it("leaves out resolved alerts and closed campaigns unless asked for all", () => {
    const open = currentCampaignsSql({ sinceMs: 5, limit: 3, all: false });
    expect(open).toContain("WHERE alert_state != 'resolved' AND status != 'closed'");
    expect(open).toContain("event_time_ms >= 5");
    expect(open).toMatch(/LIMIT 3$/);
    expect(currentCampaignsSql({ sinceMs: 5, limit: 3, all: true })).not.toContain("!= 'resolved'");
  });

  it("refuses a limit or a time that is not a whole non-negative number", () => {
    expect(() => currentCampaignsSql({ sinceMs: -1, limit: 3, all: false })).toThrow(RangeError);
    expect(() => currentCampaignsSql({ sinceMs: 0, limit: 2.5, all: false })).toThrow(RangeError);
    expect(() => timelineSql(["a"], Number.NaN)).toThrow(RangeError);
  });
});

describe("detail queries", () => {
  it("quote every campaign id", () => {
    expect(timelineSql(["a", "it's"], 0)).toContain("IN ('a', 'it\\'s')");
    expect(topMembersSql(["x"], 10)).toContain("member_rank < 10");
  });
});
