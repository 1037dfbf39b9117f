import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import type { ClickHouseClient } from "@distillguard/runtime";

const dir = new URL("../../../infra/clickhouse/migrations/", import.meta.url);

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

export class MigrationError extends Error {
  override readonly name = "MigrationError";
}

/** infra/clickhouse/migrations/NNNN_name.sql, in version order; one statement per file. */
export function loadMigrations(from: URL = dir): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(from).filter((f) => f.endsWith(".sql"))) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new MigrationError(`migration file ${file} must be named NNNN_name.sql (lower case)`);
    const sql = readFileSync(new URL(file, from), "utf8");
    out.push({ version: Number(m[1]), name: file, sql, checksum: checksumOf(sql) });
  }
  out.sort((a, b) => a.version - b.version);
  out.forEach((mig, i) => {
    if (i > 0 && out[i - 1]?.version === mig.version) {
      throw new MigrationError(
        `two migrations have version ${mig.version}: ${out[i - 1]?.name} and ${mig.name}`,
      );
    }
  });
  return out;
}

export function checksumOf(sql: string): string {
  return createHash("sha256").update(sql).digest("hex").slice(0, 16);
}

/**
 * What to apply, given what the database says it has. Refuses, with what to do, when an applied
 * migration's file changed (write a new migration instead) or the database has a version this
 * code does not know (it was migrated by newer code).
 */
export function planMigrations(
  files: readonly Migration[],
  applied: readonly AppliedMigration[],
): Migration[] {
  const known = new Map(files.map((f) => [f.version, f]));
  const done = new Map(applied.map((a) => [a.version, a]));
  for (const a of done.values()) {
    const f = known.get(a.version);
    if (!f) {
      throw new MigrationError(
        `the database has migration ${a.name} (version ${a.version}), which this code does not know: it was migrated by a newer release`,
      );
    }
    if (f.checksum !== a.checksum) {
      throw new MigrationError(
        `${f.name} changed after it was applied to this database (checksum ${a.checksum}, file ${f.checksum}): restore it and write a new migration for the change`,
      );
    }
  }
  return files.filter((f) => !done.has(f.version));
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime
)
ENGINE = MergeTree
ORDER BY version`;

const ADDS_COLUMNS = /\bALTER\s+TABLE\b[\s\S]*\bADD\s+COLUMN\b/i;
const COLUMN_EXISTS = /column with this name already exists/i;

/**
 * Whether `m` failed only because another process applied it first. ClickHouse 18.16 has no
 * ADD COLUMN IF NOT EXISTS, so a file that adds columns is idempotent through this check.
 */
export function alreadyApplied(m: Migration, serverMessage: string): boolean {
  return ADDS_COLUMNS.test(m.sql) && COLUMN_EXISTS.test(serverMessage);
}

/**
 * Versioned, idempotent migrations: `schema_migrations` records each applied file with its
 * checksum; only files not recorded there run, in version order. Each file is one idempotent
 * statement, so two processes migrating at once repeat harmless CREATE ... IF NOT EXISTS and
 * record a version twice (the plan reads versions as a set).
 */
export async function applyMigrations(
  client: ClickHouseClient,
  files: readonly Migration[] = loadMigrations(),
): Promise<{ applied: string[]; current: number }> {
  await client.command({ query: LEDGER });
  const rs = await client.query({
    query:
      "SELECT version, any(name) AS name, any(checksum) AS checksum FROM schema_migrations GROUP BY version",
    format: "JSONEachRow",
  });
  const applied = (await rs.json<{ version: number | string; name: string; checksum: string }>()).map(
    (r) => ({
      version: Number(r.version),
      name: r.name,
      checksum: r.checksum,
    }),
  );
  const pending = planMigrations(files, applied);
  for (const m of pending) {
    try {
      await client.command({ query: m.sql });
    } catch (e) {
      if (!alreadyApplied(m, e instanceof Error ? e.message : String(e))) throw e;
    }
    await client.insert({
      table: "schema_migrations",
      values: [
        { version: m.version, name: m.name, checksum: m.checksum, applied_at: Math.floor(Date.now() / 1000) },
      ],
      format: "JSONEachRow",
    });
  }
  const current = Math.max(0, ...applied.map((a) => a.version), ...pending.map((m) => m.version));
  return { applied: pending.map((m) => m.name), current };
}
