import { describe, expect, it } from "vitest";
import {
  cutoffPartition,
  DEFAULT_RETENTION_DAYS,
  hasTtl,
  partitionsToDrop,
  RETAINED_TABLES,
  retentionPolicy,
  rowCutoffSeconds,
  ttlStatement,
} from "./retention-policy.ts";

const at = (iso: string) => Date.parse(iso);

describe("retentionPolicy", () => {
  it("gives every table the days of its class", () => {
    const rules = retentionPolicy({ ...DEFAULT_RETENTION_DAYS, requests: 7 });
    const days = Object.fromEntries(rules.map((r) => [r.table, r.days]));
    expect(days).toEqual({
      api_requests: 7,
      account_scores: 90,
      alerts: 400,
      campaign_updates: 400,
      campaign_members: 400,
      alerts_1m: 90,
      account_scores_1m: 90,
      campaign_activity_1m: 90,
      requests_1m: 90,
    });
    // Only campaign_members has no partitions to drop.
    expect(RETAINED_TABLES.filter((t) => t.dayPartitionKey === null).map((t) => t.table)).toEqual([
      "campaign_members",
    ]);
  });

  it("refuses a retention that is not a whole number of days", () => {
    expect(() => retentionPolicy({ ...DEFAULT_RETENTION_DAYS, scores: 0 })).toThrow(/scores.*≥ 1 \(got 0\)/);
    expect(() => retentionPolicy({ ...DEFAULT_RETENTION_DAYS, alerts: 1.5 })).toThrow(/alerts/);
  });
});

describe("TTL statements", () => {
  const [requests] = retentionPolicy({ ...DEFAULT_RETENTION_DAYS, requests: 14 });
  if (!requests) throw new Error("no rule");

  it("sets the TTL on the table's time column", () => {
    expect(ttlStatement(requests)).toBe("ALTER TABLE api_requests MODIFY TTL event_time + INTERVAL 14 DAY");
  });

  it("recognises the TTL as the server shows it, and no other", () => {
    const shown = (ttl: string) =>
      `ReplacingMergeTree(ingested_at) PARTITION BY event_date ORDER BY (kafka_topic, kafka_partition, kafka_offset) ${ttl}SETTINGS index_granularity = 8192`;
    expect(hasTtl(shown("TTL event_time + toIntervalDay(14) "), requests)).toBe(true);
    expect(hasTtl(shown(""), requests)).toBe(false);
    expect(hasTtl(shown("TTL event_time + toIntervalDay(140) "), requests)).toBe(false);
    expect(hasTtl(shown("TTL event_time + toIntervalDay(1) "), requests)).toBe(false);
    expect(hasTtl(shown("TTL event_date + toIntervalDay(14) "), requests)).toBe(false);
    expect(hasTtl("MergeTree ORDER BY a TTL event_time + toIntervalDay(14)", requests)).toBe(true);
  });
});

describe("partition drop", () => {
  it("drops a day once all of it is older than the retention", () => {
    // 14 days before 2026-11-28 10:00 is 2026-11-14 10:00: the 13th ended before it, the 14th not.
    const cutoff = cutoffPartition(at("2026-11-28T10:00:00Z"), 14, "Etc/UTC");
    expect(cutoff).toBe("20261114");
    expect(partitionsToDrop(["20261115", "20261113", "20261114", "20261001", "20261113"], cutoff)).toEqual([
      "20261001",
      "20261113",
    ]);
  });

  it("keeps partitions that are not days", () => {
    expect(partitionsToDrop(["202610", "tuple()", "all", "20261001"], "20261114")).toEqual(["20261001"]);
  });

  it("reads days in the server's time zone", () => {
    // 2026-11-14 23:30 UTC is already the 15th in Tokyo and still the 14th in New York.
    const now = at("2026-11-28T23:30:00Z");
    expect(cutoffPartition(now, 14, "UTC")).toBe("20261114");
    expect(cutoffPartition(now, 14, "Asia/Tokyo")).toBe("20261115");
    expect(cutoffPartition(now, 14, "America/New_York")).toBe("20261114");
    expect(cutoffPartition(at("2026-11-28T02:00:00Z"), 14, "America/New_York")).toBe("20261113");
  });

  it("falls a day further back in a time zone it does not know, so nothing goes early", () => {
    expect(cutoffPartition(at("2026-11-28T10:00:00Z"), 14, "Mars/Olympus_Mons")).toBe("20261113");
  });
});

describe("row cutoff for the unpartitioned table", () => {
  it("is the UTC midnight at or before now minus the retention, so it moves once a day", () => {
    const a = rowCutoffSeconds(at("2026-11-28T00:00:01Z"), 400);
    const b = rowCutoffSeconds(at("2026-11-28T23:59:59Z"), 400);
    expect(a).toBe(b);
    expect(new Date(a * 1000).toISOString()).toBe("2025-10-24T00:00:00.000Z");
    expect(at("2026-11-28T00:00:01Z") / 1000 - a).toBeGreaterThanOrEqual(400 * 86_400);
  });
});
