// Retention on the real test server (ClickHouse 18.16 locally: no TTL, so day partitions older
// than each table's retention are dropped and campaign_members gets a DELETE mutation; on a
// server with TTL the same test checks the TTL it sets instead). `now` is injected, rows are
// inserted into days on both sides of each table's cutoff.
import { createClickHouse, createLogger, ensureDatabase, Registry } from "@distillguard/runtime";
import {
  applyMigrations,
  applyRetention,
  createRetentionJob,
  cutoffPartition,
  detectServer,
  hasTtl,
  type RetentionRule,
  retentionPolicy,
  rowCutoffSeconds,
} from "@distillguard/sink";
import { afterAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
// Injected into retention; near the wall clock because a server with TTL expires rows by its own.
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
const logger = createLogger("test", "warn", "json");

/** The columns each table needs for a row at a time; the rest take their defaults. */
function insertAt(rule: RetentionRule, ms: number, n: number): string {
  const t = `toDateTime(${Math.floor(ms / 1000)})`;
  switch (rule.table) {
    case "api_requests":
      return `INSERT INTO api_requests (request_id, event_time, kafka_offset) VALUES ('r${n}', ${t}, ${n})`;
    case "account_scores":
      return `INSERT INTO account_scores (account_id, window_end, window_end_ms) VALUES ('a${n}', ${t}, ${ms})`;
    case "alerts":
      return `INSERT INTO alerts (alert_id, opened_at, event_time) VALUES ('al${n}', ${t}, ${t})`;
    case "campaign_updates":
      return `INSERT INTO campaign_updates (campaign_id, event_time, event_time_ms) VALUES ('c${n}', ${t}, ${ms})`;
    case "campaign_members":
      return `INSERT INTO campaign_members (campaign_id, account_id, event_time, event_time_ms) VALUES ('c${n}', 'a${n}', ${t}, ${ms})`;
    default:
      // Rollups: empty aggregate states are enough to occupy the day.
      return `INSERT INTO ${rule.table} (minute) VALUES (${t})`;
  }
}

/** Times around a rule's cutoff: two wholly old days, the cutoff day's first second, recent. */
function timesFor(rule: RetentionRule): { old: number[]; kept: number[] } {
  const cutoffDayStart = Math.floor((NOW - rule.days * DAY) / DAY) * DAY;
  return {
    old: [cutoffDayStart - 3 * DAY + 12 * HOUR, cutoffDayStart - 1_000],
    kept: [cutoffDayStart + 1_000, NOW - HOUR],
  };
}

describe("retention", async () => {
  const { clickhouseUrl } = servers();
  const database = `${testNames("db").database}_retention`;
  await ensureDatabase(clickhouseUrl, database);
  const client = createClickHouse({ url: clickhouseUrl, database });
  const legacyDatabase = `${database}_legacy`;
  await ensureDatabase(clickhouseUrl, legacyDatabase);
  const legacy = createClickHouse({ url: clickhouseUrl, database: legacyDatabase });
  afterAll(async () => {
    await legacy.command({ query: `DROP DATABASE IF EXISTS ${legacyDatabase}` });
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
    await legacy.close();
  });
  const server = await detectServer(client);
  // Shorter than the defaults for requests, so their cutoff differs from the scores' one.
  const rules = retentionPolicy({ requests: 7, scores: 90, alerts: 400, campaigns: 400, rollups: 30 });

  async function rows<T>(query: string): Promise<T[]> {
    const rs = await client.query({ query, format: "JSONEachRow" });
    return rs.json<T>();
  }

  async function partitions(table: string): Promise<string[]> {
    const r = await rows<{ id: string }>(
      `SELECT DISTINCT partition_id AS id FROM system.parts
       WHERE database = currentDatabase() AND table = '${table}' AND active ORDER BY id`,
    );
    return r.map((x) => x.id);
  }

  async function count(query: string): Promise<number> {
    const [r] = await rows<{ n: string }>(query);
    return Number(r?.n);
  }

  it("removes what is older than each table's retention and keeps the rest", async () => {
    await applyMigrations(client);
    let n = 0;
    for (const rule of rules) {
      const { old, kept } = timesFor(rule);
      for (const ms of [...old, ...kept]) await client.command({ query: insertAt(rule, ms, n++) });
    }
    const before = new Map<string, string[]>();
    for (const rule of rules) before.set(rule.table, await partitions(rule.table));

    const registry = new Registry();
    const job = createRetentionJob({
      clickhouse: client,
      logger,
      rules,
      intervalMs: 0,
      registry,
      clock: () => NOW,
    });
    const report = await job.runOnce();
    if (!report) throw new Error("the retention pass failed (see the log)");
    expect(report.tables.filter((t) => t.action === "failed")).toEqual([]);
    const byTable = new Map(report.tables.map((t) => [t.table, t]));

    if (server.ttl) {
      expect(report.mode).toBe("ttl");
      const engines = new Map(
        (
          await rows<{ name: string; engine_full: string }>(
            "SELECT name, engine_full FROM system.tables WHERE database = currentDatabase()",
          )
        ).map((t) => [t.name, t.engine_full]),
      );
      for (const rule of rules) {
        expect(byTable.get(rule.table)?.action, rule.table).toBe("ttl-set");
        expect(hasTtl(engines.get(rule.table) ?? "", rule), rule.table).toBe(true);
        // TTL removes expired rows at merges; a final merge applies it now.
        await client.command({ query: `OPTIMIZE TABLE ${rule.table} FINAL` });
        const cutoff = Math.floor((NOW - rule.days * DAY) / 1000);
        expect(
          await count(
            `SELECT count() AS n FROM ${rule.table} WHERE ${rule.timeColumn} < toDateTime(${cutoff})`,
          ),
        ).toBe(0);
        expect(await count(`SELECT count() AS n FROM ${rule.table}`), rule.table).toBeGreaterThan(0);
      }
    } else {
      expect(report.mode).toBe("partition-drop");
      let dropped = 0;
      for (const rule of rules.filter((r) => r.dayPartitionKey !== null)) {
        const cutoff = cutoffPartition(NOW, rule.days, "UTC");
        const had = before.get(rule.table) ?? [];
        const old = had.filter((id) => id < cutoff);
        // The fixture straddles the cutoff, so this can fail both ways.
        expect(old.length, rule.table).toBeGreaterThanOrEqual(2);
        expect(had.length - old.length, rule.table).toBeGreaterThanOrEqual(1);
        expect(byTable.get(rule.table), rule.table).toEqual({
          table: rule.table,
          action: "partitions-dropped",
          partitions: old,
        });
        expect(await partitions(rule.table), rule.table).toEqual(had.filter((id) => id >= cutoff));
        dropped += old.length;
      }
      // campaign_members: a DELETE mutation for rows older than the cutoff's midnight.
      const memberCutoff = rowCutoffSeconds(NOW, 400);
      expect(byTable.get("campaign_members")).toEqual({
        table: "campaign_members",
        action: "rows-deleted",
        rows: 2,
        beforeSeconds: memberCutoff,
      });
      const deadline = Date.now() + 30_000;
      while (
        (await count(
          "SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = 'campaign_members' AND is_done = 0",
        )) > 0 &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(
        await count(
          `SELECT count() AS n FROM campaign_members WHERE event_time < toDateTime(${memberCutoff})`,
        ),
      ).toBe(0);
      expect(await count("SELECT count() AS n FROM campaign_members")).toBe(2);

      const metrics = await registry.getMetricsAsJSON();
      const value = (name: string, labels: Record<string, string>) =>
        metrics
          .find((m) => m.name === name)
          ?.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
          .reduce((s, v) => s + v.value, 0);
      expect(value("dg_retention_partitions_dropped_total", {})).toBe(dropped);
      expect(value("dg_retention_partitions_dropped_total", { table: "api_requests" })).toBe(2);
      expect(value("dg_retention_runs_total", { outcome: "ok" })).toBe(1);
      expect(value("dg_retention_last_success_seconds", {})).toBe(NOW / 1000);
    }

    // A second pass finds nothing to do.
    const again = await applyRetention(client, rules, NOW);
    const idle = server.ttl ? "ttl-kept" : "nothing-old";
    expect(again.tables.filter((t) => t.action !== idle)).toEqual([]);
  });

  it.runIf(!server.ttl)("leaves alone a table still partitioned by month, and says why", async () => {
    // alerts as migration 0003 created it before day partitions.
    await legacy.command({
      query: `CREATE TABLE alerts (alert_id String, opened_at DateTime, event_time DateTime)
              ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(opened_at) ORDER BY alert_id`,
    });
    await legacy.command({
      query: `INSERT INTO alerts VALUES ('old', toDateTime(1600000000), toDateTime(1600000000))`,
    });
    const report = await applyRetention(
      legacy,
      rules.filter((r) => r.table === "alerts" || r.table === "alerts_1m"),
      NOW,
    );
    expect(report.tables).toEqual([
      {
        table: "alerts",
        action: "skipped",
        reason: expect.stringContaining("partitioned by 'toYYYYMM(opened_at)', not by day"),
      },
      { table: "alerts_1m", action: "skipped", reason: expect.stringContaining("does not exist") },
    ]);
    expect(
      await legacy
        .query({ query: "SELECT count() AS n FROM alerts", format: "JSONEachRow" })
        .then((r) => r.json()),
    ).toEqual([{ n: "1" }]);
  });
});
