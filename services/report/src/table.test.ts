import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { campaignRow, report, T0 } from "./fixtures.ts";
import { emptyLine, renderTable, TABLE_HEAD, tableModel } from "./table.ts";

const ANSI = "\u001b[";

describe("tableModel", () => {
  it("has the columns on-call asked for, one row per campaign, values in the campaign's units", () => {
    const m = tableModel(report([campaignRow(), campaignRow({ campaignId: "cmp_quiet", alertId: "" })]));
    expect(m.head.map((h) => h.split("\n")[0])).toEqual([
      "campaign",
      "severity",
      "members",
      "requests",
      "output tokens",
      "CoT",
      "template",
      "first seen",
      "last update",
      "top shared fingerprints",
      "top signals",
    ]);
    expect(m.rows[0]).toEqual([
      "cmp_6a01b9d3b32fea5e_mm8h21s0",
      "high\nactive, alert update",
      "268",
      "281",
      "293.1K\n+293.1K",
      "89%",
      "100%",
      "2026-03-02 01:00",
      "2026-03-02 01:55",
      "template:1a5921fd… (38)\ntemplate:7cb5e108… (35)\ntemplate:6a01b9d3… (31)",
      "cot_rate 0.89, z 11.4\nmulti_asn_share 0.92, z 12.5\nmulti_prefix_share 1.00, z 3.4",
    ]);
    expect(m.rows[1]?.[1]).toBe("none\nactive, no alert");
    expect(m.severities).toEqual(["high", "none"]);
  });
});

describe("renderTable", () => {
  const model = tableModel(report([campaignRow()]));

  it("writes no escape codes when colours are off (a pipe, a file, NO_COLOR)", () => {
    const text = renderTable(model, { colors: false });
    expect(text).not.toContain(ANSI);
    expect(text).toContain("cmp_6a01b9d3b32fea5e_mm8h21s0");
    expect(text).toContain("│ high ");
    // every line is as wide as the border: the table is not broken by multi-line cells
    const widths = new Set(text.split("\n").map((l) => l.length));
    expect(widths.size).toBe(1);
  });

  it("colours the severity on a terminal without changing the layout", () => {
    const plain = renderTable(model, { colors: false });
    const coloured = renderTable(model, { colors: true });
    expect(coloured).toContain(ANSI);
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });

  it("lays out every header line", () => {
    const text = renderTable(model, { colors: false });
    for (const line of TABLE_HEAD.flatMap((h) => h.split("\n"))) expect(text).toContain(line);
  });
});

describe("emptyLine", () => {
  it("says the range was empty, when the newest update was, and how to widen it", () => {
    const line = emptyLine(report([], { sinceMs: T0, newestUpdateMs: T0 + 3_600_000 }));
    expect(line).toBe(
      "No current campaigns in database distillguard updated since 2026-03-02 00:00 UTC; newest update 2026-03-02 01:00 UTC (--all includes resolved and closed ones; --since widens the range).",
    );
  });

  it("says when the database has no campaign updates at all", () => {
    expect(emptyLine(report([], { newestUpdateMs: 0 }))).toBe(
      "No campaigns: database distillguard has no campaign updates yet.",
    );
  });
});
