import type { ClickHouseClient, Logger } from "@distillguard/runtime";

/** What the connected ClickHouse server can do that the sink would use. */
export interface ServerCapabilities {
  version: string;
  /** The `insert_deduplication_token` setting (22.2 and later; 18.16 rejects it as unknown). */
  insertDeduplicationToken: boolean;
  /** The MergeTree setting that makes non-replicated tables remember recent insert blocks. */
  nonReplicatedDeduplicationWindow: boolean;
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
    query: "SELECT name FROM system.merge_tree_settings WHERE name = 'non_replicated_deduplication_window'",
    format: "JSONEachRow",
  });
  return {
    version,
    insertDeduplicationToken: (await settings.json<{ name: string }>()).length > 0,
    nonReplicatedDeduplicationWindow: (await treeSettings.json<{ name: string }>()).length > 0,
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
