import { readdirSync, readFileSync } from "node:fs";
import type { ClickHouseClient } from "@distillguard/runtime";

const dir = new URL("../../../infra/clickhouse/migrations/", import.meta.url);

/**
 * Applies infra/clickhouse/migrations/*.sql in name order. Each file is one idempotent
 * statement (CREATE ... IF NOT EXISTS). A versioned runner with a migrations table replaces
 * this with the ClickHouse analytics issue.
 */
export async function applyMigrations(client: ClickHouseClient): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  for (const f of files) {
    await client.command({ query: readFileSync(new URL(f, dir), "utf8") });
  }
  return files;
}
