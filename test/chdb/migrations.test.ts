// The same migration files the sink applies on 18.16, in order, on a current ClickHouse (chDB),
// and the retention statements the sink sends to servers with TTL: accepted, and read back in
// the form retention compares against, so a second pass changes nothing.
import {
  alreadyApplied,
  hasTtl,
  loadMigrations,
  RETAINED_TABLES,
  retentionPolicy,
  rowCutoffSeconds,
  ttlStatement,
} from "@distillguard/sink";
import { describe, expect, it } from "vitest";
import { resultOf, runOnChdb } from "./chdb.ts";

const ROLLUP_VIEWS = ["alerts_1m_mv", "account_scores_1m_mv", "campaign_activity_1m_mv", "requests_1m_mv"];

describe("migrations on chDB (a current ClickHouse)", () => {
  it("apply in order and create every table and materialized view", async () => {
    const files = loadMigrations();
    const rules = retentionPolicy();
    const run = await runOnChdb([
      ...files.map((f) => ({ name: f.name, sql: f.sql })),
      // Twice: every file is idempotent (IF NOT EXISTS, or an ADD COLUMN the sink takes as done
      // when the column exists), as two sinks migrating at once rely on.
      ...files.map((f) => ({ name: `again ${f.name}`, sql: f.sql })),
      {
        name: "tables",
        sql: "SELECT name, engine, partition_key FROM system.tables WHERE database = currentDatabase() ORDER BY name",
      },
    ]);
    for (const r of run.results.filter((x) => x.name !== "tables")) {
      const file = files.find((f) => `again ${f.name}` === r.name);
      if (file && r.error !== null && alreadyApplied(file, r.error)) continue;
      expect(r.error, r.name).toBeNull();
    }
    expect(
      files.filter((f) => alreadyApplied(f, "column with this name already exists")).map((f) => f.name),
    ).toEqual(["0014_api_requests_v3.sql", "0015_api_requests_v4.sql", "0016_api_requests_v5.sql"]);
    const tables = resultOf(run, "tables").rows as { name: string; engine: string; partition_key: string }[];
    const byName = new Map(tables.map((t) => [t.name, t]));
    for (const rule of rules) {
      expect(byName.get(rule.table)?.partition_key, rule.table).toBe(rule.dayPartitionKey ?? "");
    }
    for (const v of ROLLUP_VIEWS) expect(byName.get(v)?.engine, v).toBe("MaterializedView");
    expect(tables).toHaveLength(RETAINED_TABLES.length + ROLLUP_VIEWS.length);
  });

  it("accept the TTL statements retention sends, which then read back as already set", async () => {
    const rules = retentionPolicy({ requests: 14, scores: 90, alerts: 400, campaigns: 400, rollups: 30 });
    const now = Date.parse("2026-11-28T10:00:00Z");
    const run = await runOnChdb([
      ...loadMigrations().map((f) => ({ name: f.name, sql: f.sql })),
      ...rules.map((r) => ({ name: `ttl ${r.table}`, sql: ttlStatement(r) })),
      ...rules.map((r) => ({ name: `ttl again ${r.table}`, sql: ttlStatement(r) })),
      {
        name: "engines",
        sql: "SELECT name, engine_full FROM system.tables WHERE database = currentDatabase()",
      },
      // The partition-drop path's statements are valid on current servers too.
      { name: "drop partition", sql: "ALTER TABLE alerts DROP PARTITION ID '20200101'" },
      {
        name: "delete rows",
        sql: `ALTER TABLE campaign_members DELETE WHERE event_time < toDateTime(${rowCutoffSeconds(now, 400)})`,
      },
    ]);
    for (const r of run.results.filter((x) => x.name !== "engines")) {
      expect(r.error, r.name).toBeNull();
    }
    const engines = new Map(
      (resultOf(run, "engines").rows as { name: string; engine_full: string }[]).map((t) => [
        t.name,
        t.engine_full,
      ]),
    );
    for (const rule of rules) {
      expect(hasTtl(engines.get(rule.table) ?? "", rule), `${rule.table}: ${engines.get(rule.table)}`).toBe(
        true,
      );
    }
    // A different retention is a different TTL: the next pass would set it.
    const [first] = rules;
    if (!first) throw new Error("no rules");
    expect(hasTtl(engines.get(first.table) ?? "", { ...first, days: first.days + 1 })).toBe(false);
  });
});
