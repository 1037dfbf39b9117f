import { describe, expect, it } from "vitest";
import { campaignRow, report, T0 } from "./fixtures.ts";
import {
  formatCount,
  formatShare,
  formatTime,
  severityOf,
  shortFingerprint,
  topFingerprints,
  topSignals,
} from "./model.ts";
import { float, int, toCampaignRow } from "./rows.ts";

describe("buildReport", () => {
  it("keeps the query's campaign order and gives each campaign only its own details, in order", () => {
    const r = report([campaignRow({ campaignId: "b" }), campaignRow({ campaignId: "a", alertId: "" })]);
    expect(r.campaigns.map((c) => c.campaignId)).toEqual(["b", "a"]);
    const [b, a] = r.campaigns;
    expect(b?.topMembers).toEqual(["acct_2d484a391205", "acct_54e4bf5d4657"]);
    expect(b?.timeline.every((p) => p.campaignId === "b")).toBe(true);
    expect(b?.timeline.map((p) => p.eventTimeMs)).toEqual(
      [...(b?.timeline ?? [])].map((p) => p.eventTimeMs).sort(),
    );
    expect(b?.alertEvents.map((e) => e.state)).toEqual(["open", "update", "update"]);
    expect(a?.alertEvents).toEqual([]);
  });
});

describe("ranking within a campaign", () => {
  it("names the fingerprints most members share first", () => {
    expect(topFingerprints(campaignRow(), 3).map((f) => f.value)).toEqual([
      "1a5921fd783b21eb",
      "7cb5e1088f4e9363",
      "6a01b9d3b32fea5e",
    ]);
  });

  it("names the signals with the largest share of the score first; unknown shares last", () => {
    const c = campaignRow();
    c.signals.push({ name: "inf_z", value: 1, baseline: 1, z: Number.NaN, contribution: Number.NaN });
    expect(topSignals(c, 4).map((s) => s.name)).toEqual([
      "cot_rate",
      "multi_asn_share",
      "multi_prefix_share",
      "inf_z",
    ]);
  });

  it("calls a campaign without an alert 'none', whatever the empty joined columns hold", () => {
    expect(severityOf(campaignRow({ alertId: "", severity: "" }))).toBe("none");
    expect(severityOf(campaignRow())).toBe("high");
  });
});

describe("formatting", () => {
  it("shortens hashes and long values but keeps network prefixes whole", () => {
    expect(shortFingerprint("template", "1a5921fd783b21eb")).toBe("template:1a5921fd…");
    expect(shortFingerprint("ip_prefix", "159.148.224.0/24")).toBe("ip_prefix:159.148.224.0/24");
    expect(shortFingerprint("user_agent", "python-requests/2.31.0 CPython")).toBe(
      "user_agent:python-requests/…",
    );
  });

  it("writes times in UTC to the minute, counts compactly and shares as percentages", () => {
    expect(formatTime(T0 + 65 * 60_000)).toBe("2026-03-02 01:05");
    expect(formatTime(0)).toBe("—");
    expect(formatCount(293_074)).toBe("293.1K");
    expect(formatCount(281)).toBe("281");
    expect(formatShare(0.886)).toBe("89%");
    expect(formatShare(Number.NaN)).toBe("n/a");
  });
});

describe("rows from ClickHouse JSON", () => {
  it("reads quoted 64-bit integers and null floats (inf or nan on the server)", () => {
    expect(int("1772416500000")).toBe(1_772_416_500_000);
    expect(int(268)).toBe(268);
    expect(float(null)).toBeNaN();
    const row = toCampaignRow({
      campaign_id: "c",
      requests: "281",
      members_truncated: 1,
      signal_names: ["cot_rate"],
      signal_values: [0.9],
      signal_baselines: [0.04],
      signal_z: [null],
      signal_contributions: [1],
      shared_fingerprint_kinds: ["template"],
      shared_fingerprint_values: ["00ff"],
      shared_fingerprint_weights: [3.5],
      shared_fingerprint_member_counts: [412],
      alert_id: "",
    });
    expect(row.requests).toBe(281);
    expect(row.membersTruncated).toBe(true);
    expect(row.signals[0]?.z).toBeNaN();
    expect(row.fingerprints[0]).toEqual({ kind: "template", value: "00ff", weight: 3.5, memberCount: 412 });
  });
});
