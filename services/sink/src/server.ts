import type { ClickHouseClient, Logger } from "@distillguard/runtime";

/** What the connected ClickHouse server can do that the sink would use. */
export interface ServerCapabilities {
  version: string;
  /** The `insert_deduplication_token` setting (22.2 and later; 18.16 rejects it as unknown). */
  insertDeduplicationToken: boolean;
  /** The MergeTree setting that makes non-replicated tables remember recent insert blocks. */
  nonReplicatedDeduplicationWindow: boolean;
  /**
   * Table TTL (19.6 and later), known by the MergeTree setting that came with it,
   * merge_with_ttl_timeout: 18.16 rejects `TTL` and `MODIFY TTL` as syntax errors.
   */
  ttl: boolean;
}

/**
 * Asks the server rather than trusting a version number: system.settings lists exactly the
 * settings it accepts (forks and embedded builds included), and an unknown setting would make
 * every insert fail.
 */
export async function detectServer(client: ClickHouseClient): Promise<ServerCapabilities> {
  const version = await scalar(client, "SELECT version() AS v");
  const settings = await client.query({
    query: "SELECT name FROM system.settings WHERE name = 'insert_deduplication_token'",
    format: "JSONEachRow",
  });
  const treeSettings = await client.query({
    query:
      "SELECT name FROM system.merge_tree_settings WHERE name IN ('non_replicated_deduplication_window', 'merge_with_ttl_timeout')",
    format: "JSONEachRow",
  });
  const tree = new Set((await treeSettings.json<{ name: string }>()).map((r) => r.name));
  return {
    version,
    insertDeduplicationToken: (await settings.json<{ name: string }>()).length > 0,
    nonReplicatedDeduplicationWindow: tree.has("non_replicated_deduplication_window"),
    ttl: tree.has("merge_with_ttl_timeout"),
  };
}

async function scalar(client: ClickHouseClient, query: string): Promise<string> {
  const rs = await client.query({ query, format: "JSONEachRow" });
  const [row] = await rs.json<{ v: string }>();
  return String(row?.v ?? "");
}

/**
 * Tokens only deduplicate on a non-replicated table that keeps a window of recent blocks (off by
 * default). The migrations cannot say so, since 18.16 rejects the setting, so the sink sets it
 * where the server has it. Best effort: without it replays still collapse under FINAL.
 */
export async function enableInsertDeduplication(
  client: ClickHouseClient,
  tables: readonly string[],
  window: number,
  log: Logger,
): Promise<boolean> {
  try {
    for (const table of tables) {
      await client.command({
        query: `ALTER TABLE ${table} MODIFY SETTING non_replicated_deduplication_window = ${window}`,
      });
    }
    return true;
  } catch (e) {
    log.warn(
      { err: e instanceof Error ? e.message.slice(0, 300) : String(e) },
      "could not enable insert deduplication; replays still collapse under FINAL",
    );
    return false;
  }
}
