// The versioned migration runner on the real server: applies every file once, records it,
// does nothing the second time, and refuses a file edited after it was applied.
import { createClickHouse, ensureDatabase } from "@distillguard/runtime";
import { alreadyApplied, applyMigrations, loadMigrations, MigrationError } from "@distillguard/sink";
import { afterAll, describe, expect, it } from "vitest";
import { servers, testNames } from "../harness/context.ts";

describe("ClickHouse migrations", async () => {
  const database = `${testNames("db").database}_migrations`;
  await ensureDatabase(servers().clickhouseUrl, database);
  const client = createClickHouse({ url: servers().clickhouseUrl, database });
  afterAll(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });
  const files = loadMigrations();

  it("applies each file once, in order, and records it in schema_migrations", async () => {
    const first = await applyMigrations(client);
    expect(first.applied).toEqual(files.map((f) => f.name));
    expect(first.current).toBe(files.length);
    const again = await applyMigrations(client);
    expect(again).toEqual({ applied: [], current: files.length });
    const rs = await client.query({
      query: "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
      format: "JSONEachRow",
    });
    const rows = await rs.json<{ version: number; name: string; checksum: string }>();
    expect(rows.map((r) => [Number(r.version), r.name, r.checksum])).toEqual(
      files.map((f) => [f.version, f.name, f.checksum]),
    );
    const tables = await client.query({ query: "SHOW TABLES", format: "JSONEachRow" });
    const names = (await tables.json<{ name: string }>()).map((t) => t.name);
    for (const t of ["api_requests", "account_scores", "alerts", "campaign_updates", "campaign_members"]) {
      expect(names).toContain(t);
    }
    // Per-minute rollups and the materialized views that fill them (test/integration/rollups.test.ts).
    for (const t of ["alerts_1m", "account_scores_1m", "campaign_activity_1m", "requests_1m"]) {
      expect(names).toContain(t);
      expect(names).toContain(`${t}_mv`);
    }
  });

  it("takes a column-adding file another sink applied first as done (18.16 has no ADD COLUMN IF NOT EXISTS)", async () => {
    const adding = files.filter((f) => /\bADD\s+COLUMN\b/i.test(f.sql));
    expect(adding.length).toBeGreaterThan(0);
    for (const f of adding) {
      const error = await client.command({ query: f.sql }).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(error, f.name).not.toBeNull();
      expect(alreadyApplied(f, error ?? ""), `${f.name}: ${error}`).toBe(true);
    }
    // What the race looks like to the runner: the ledger does not have it, the server does.
    await client.command({ query: "TRUNCATE TABLE schema_migrations" });
    const rerun = await applyMigrations(client);
    expect(rerun.applied).toEqual(files.map((f) => f.name));
    const cols = await client.query({ query: "DESCRIBE TABLE api_requests", format: "JSONEachRow" });
    const names = (await cols.json<{ name: string }>()).map((c) => c.name);
    for (const c of ["account_source", "cache_hit", "question_chars", "response_chars", "response_trace"]) {
      expect(names).toContain(c);
    }
  });

  it("refuses a migration edited after it was applied", async () => {
    const edited = files.map((f, i) => (i === 1 ? { ...f, checksum: "0000000000000000" } : f));
    await expect(applyMigrations(client, edited)).rejects.toThrow(MigrationError);
  });
});
